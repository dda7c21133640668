"""The intake form forgives: Back keeps what was typed, a form the person closes is kept as a
draft, and the next ``/port new`` in the same place offers to continue it.

A kept draft is an intake session with ``kept_at`` set. It lives as long as a draft request
does (``rules.EXPIRY_DAYS`` from when the form was started), and with it the account number and
PIN, encrypted as always. Expired sessions are not offered, cannot be continued, and are deleted
the next time their owner starts a form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from bot.porting.errors import NotFound
from bot.porting.fields import F
from bot.porting.numbers import split_pasted
from bot.porting.rules import EXPIRY_DAYS
from bot.services.base import Context
from bot.services.intake_flow import (
    BILL_LATER_KEY,
    FIRST_STEP,
    LAST_STEP,
    SENT,
    Form,
    form_of,
    open_session,
    write_typed,
)
from storage.models import IntakeSession

DRAFT_TTL = timedelta(days=EXPIRY_DAYS)


@dataclass(frozen=True)
class KeptDraft:
    """What the offer to continue says about a kept draft."""

    session_id: str
    step: int
    numbers: int  # as pasted, not yet checked
    carrier: str
    started_on: date  # local dates
    kept_until: date


def _step(step: int) -> int:
    if not FIRST_STEP <= step <= LAST_STEP:
        raise NotFound("That step of the form does not exist. Start again with /port new.")
    return step


def go_back(
    ctx: Context, session_id: str, user_id: str, *, step: int, typed: Mapping[str, Any]
) -> Form:
    """Back from ``step``: what was typed on it is kept as typed (unchecked: it is checked when
    the person moves forward again), and the form shows the step before it."""
    if _step(step) == FIRST_STEP:
        raise NotFound("This is the first step of the form.")
    with ctx.db.write() as s:
        found = open_session(s.get(IntakeSession, session_id), user_id, ctx.now())
        write_typed(found, typed)
        found.step = step - 1
        s.add(found)
        return form_of(found)


def close(
    ctx: Context, session_id: str, user_id: str, *, step: int, typed: Mapping[str, Any]
) -> bool:
    """The person closed the form on ``step``: keep it as a draft with what was typed (as far
    as Slack sent it) and the step to reopen it on. A form with nothing typed beyond the
    checklist is deleted instead. Returns whether a draft was kept. A form already sent, gone,
    or someone else's is left alone."""
    now = ctx.now()
    with ctx.db.write() as s:
        try:
            found = open_session(s.get(IntakeSession, session_id), user_id, now)
        except NotFound:
            return False
        write_typed(found, typed)
        if not _has_typed(found):
            s.delete(found)
            return False
        found.step = _step(step)
        found.kept_at = now
        found.expires_at = max(found.expires_at, found.created_at + DRAFT_TTL)
        s.add(found)
    return True


# Fields the form fills in by itself (country US, a business account): no sign of typing.
_PRESET = frozenset({F.COUNTRY.value, F.ACCOUNT_TYPE.value})


def _has_typed(found: IntakeSession) -> bool:
    if found.account_number is not None or found.pin is not None:
        return True
    data = found.data
    return bool(data.get(BILL_LATER_KEY)) or any(
        isinstance(value, str) and value.strip() and key not in _PRESET
        for key, value in data.items()
    )


def kept_draft(ctx: Context, *, user_id: str, team_id: str, channel_id: str) -> KeptDraft | None:
    """The person's newest kept draft started in this workspace and channel, if it has not
    expired: one indexed query, no secrets read (``/port new`` asks this before its modal
    opens, inside Slack's three seconds)."""
    now = ctx.now()
    query = (
        sa.select(
            col(IntakeSession.id),
            col(IntakeSession.step),
            col(IntakeSession.data),
            col(IntakeSession.created_at),
            col(IntakeSession.expires_at),
        )
        .where(
            col(IntakeSession.user_id) == user_id,
            col(IntakeSession.team_id) == team_id,
            col(IntakeSession.channel_id) == channel_id,
            col(IntakeSession.kept_at).is_not(None),
            col(IntakeSession.request_sid).is_(None),
            col(IntakeSession.expires_at) > now,
        )
        .order_by(col(IntakeSession.kept_at).desc())
        .limit(1)
    )
    with ctx.db.read() as s:
        row = s.execute(query).first()
    if row is None:
        return None
    session_id, step, data, created_at, expires_at = row
    pasted = [data.get(F.LANDLINES.value), data.get(F.WIRELESS.value)]
    numbers = sum(
        len(split_pasted(text, default_region=ctx.default_region))
        for text in pasted
        if isinstance(text, str)
    )
    carrier = data.get(F.LOSING_CARRIER.value)
    return KeptDraft(
        session_id=session_id,
        step=step,
        numbers=numbers,
        carrier=carrier.strip() if isinstance(carrier, str) else "",
        started_on=ctx.calendar.local_date(created_at),
        kept_until=ctx.calendar.local_date(expires_at),
    )


def resume(ctx: Context, session_id: str, user_id: str) -> Form:
    """Continue a kept draft: the form as it was, on the step it was closed on."""
    with ctx.db.read() as s:
        found = open_session(s.get(IntakeSession, session_id), user_id, ctx.now())
    return form_of(found)


def discard(ctx: Context, session_id: str, user_id: str) -> None:
    """Start over: the draft and everything typed in it are deleted. Deleting what is already
    gone is no error; a form already sent stays with its request."""
    with ctx.db.write() as s:
        found = s.get(IntakeSession, session_id)
        if found is None or found.user_id != user_id:
            return
        if found.request_sid is not None:
            raise NotFound(SENT)
        s.delete(found)
