"""The sidebar's actions: an agent acts on the ticket's own request through the same services
as Slack's verbs, named on the timeline as "<agent name> (Zendesk)".

Each action is a form the page posts (``bot.sidebar.forms``). :func:`perform` reads it, finds
what the ticket is linked to, and calls the service: ``note`` → ``add_note`` (internal),
``foc`` → ``set_foc``, ``reject`` → ``reject``, ``complete`` → ``mark_ported``, ``resend_loa`` →
``resend_loa``; on a port-out, ``authorize`` and ``reject`` → ``port_outs.answer``; ``link``
links a ticket linked to nothing to a request found by SID. The page sends a fresh
``request_key`` with each submit: the services that take an idempotency key get
``sidebar:<installation>:<request_key>``, so a submit sent twice changes the request once. A
rule that says no raises a :class:`~bot.porting.errors.DomainError` whose message the agent
reads. After a change the outbox is woken: the Slack card and thread and the ticket follow
from the rows the service queued.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from bot import services as svc
from bot.porting.errors import InvalidInput
from bot.porting.numbers import split_pasted
from bot.services import port_outs
from bot.services.base import Actor, Context, Snapshot, load, record, run, snapshot
from bot.sidebar import linked
from bot.sidebar.auth import Installation
from bot.wording.formats import clip, one_line
from storage.models import ZendeskLink

__all__ = [
    "NAMES",
    "PORT_IN",
    "PORT_OUT",
    "agent",
    "idempotency_key",
    "link_request",
    "perform",
]

PORT_IN = frozenset({"note", "foc", "reject", "complete", "resend_loa"})
PORT_OUT = frozenset({"authorize", "reject"})
NAMES = PORT_IN | PORT_OUT | {"link"}
NAME_MAX = 80  # characters of the agent's name kept
_KEY = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?")

Form = Mapping[str, Sequence[str]]


def first(form: Form, name: str) -> str:
    """The first value of field ``name``, or ``""``."""
    values = form.get(name) or ()
    return values[0] if values else ""


def agent(grant: Installation, typed_name: str) -> Actor:
    """The agent acting, as the timeline names them: the Zendesk user the sidebar token was
    issued for, and the name the page read from Zendesk."""
    name = clip(one_line(typed_name), NAME_MAX) or "A Zendesk agent"
    who = grant.user_id if grant.user_id is not None else f"installation-{grant.installation_id}"
    return Actor.agent(f"zendesk:{who}", f"{name} (Zendesk)")


def idempotency_key(grant: Installation, request_key: str) -> str | None:
    """``sidebar:<installation>:<request_key>``; None when the page sent no usable key."""
    key = request_key.strip()
    if not _KEY.fullmatch(key):
        return None
    return f"sidebar:{grant.installation_id}:{key}"


def perform(
    ctx: Context,
    ticket_id: int,
    name: str,
    form: Form,
    grant: Installation,
    *,
    wake: Callable[[], None],
) -> bool:
    """Do action ``name`` (one of :data:`NAMES`) on what ``ticket_id`` is linked to; a
    :class:`~bot.porting.errors.DomainError` says why not. True when something changed (the
    outbox was woken); False when it was done before (the same submit again)."""
    actor = agent(grant, first(form, "agent_name"))
    key = idempotency_key(grant, first(form, "request_key"))
    if name == "link":
        changed = not link_request(
            ctx, ticket_id, first(form, "sid"), actor=actor, key=key
        ).replayed
    else:
        found = linked.target(ctx, ticket_id)
        if found is None:
            raise InvalidInput("This ticket is not linked to a request yet. Link one by its ID.")
        if found.port_out is not None:
            if name not in PORT_OUT:
                raise InvalidInput("This ticket is about a port-out: authorize or refuse it.")
            changed = _answer(ctx, found.port_out, name, form, actor)
        else:
            assert found.sid is not None
            if name not in PORT_IN:
                raise InvalidInput("That is for port-outs; this ticket is about a port request.")
            changed = not _PORT_IN[name](ctx, found.sid, form, actor, key).replayed
    if changed:
        wake()
    return changed


# --- a port request ----------------------------------------------------------------------


def _note(ctx: Context, sid: str, form: Form, actor: Actor, key: str | None) -> Snapshot:
    return svc.add_note(ctx, sid, first(form, "text"), actor=actor, public=False, key=key)


def _foc(ctx: Context, sid: str, form: Form, actor: Actor, key: str | None) -> Snapshot:
    day = _date(first(form, "date"))
    start, end = _clock(first(form, "start"), "start"), _clock(first(form, "end"), "end")
    tz = _zone(first(form, "tz")) if first(form, "tz").strip() else ctx.calendar.tz
    window = [datetime.combine(day, t, tzinfo=tz) if t else None for t in (start, end)]
    return svc.set_foc(
        ctx, sid, day, actor=actor, window_start=window[0], window_end=window[1], key=key
    )


def _reject(ctx: Context, sid: str, form: Form, actor: Actor, key: str | None) -> Snapshot:
    codes = [c for c in form.get("code") or () if c.strip()]
    if not codes:
        raise InvalidInput("Choose the reason the carrier gave.")
    numbers = _numbers(ctx, first(form, "numbers"))
    note = first(form, "note")
    return svc.reject(ctx, sid, codes, actor=actor, numbers=numbers, note=note, key=key)


def _complete(ctx: Context, sid: str, form: Form, actor: Actor, key: str | None) -> Snapshot:
    numbers = _numbers(ctx, first(form, "numbers"))
    return svc.mark_ported(ctx, sid, actor=actor, numbers=numbers, key=key)


def _resend_loa(ctx: Context, sid: str, form: Form, actor: Actor, key: str | None) -> Snapshot:
    return svc.resend_loa(ctx, sid, actor=actor, key=key)


_PORT_IN: dict[str, Callable[[Context, str, Form, Actor, str | None], Snapshot]] = {
    "note": _note,
    "foc": _foc,
    "reject": _reject,
    "complete": _complete,
    "resend_loa": _resend_loa,
}


def _numbers(ctx: Context, typed: str) -> list[str] | None:
    """Numbers pasted in a form (None: the service's default, all that fit)."""
    return split_pasted(typed, default_region=ctx.default_region) or None


def _date(typed: str) -> date:
    text = typed.strip()
    if not text:
        raise InvalidInput("Enter the port date the carrier confirmed.")
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"“{clip(text, 40)}” is not a date; use YYYY-MM-DD.") from None


def _clock(typed: str, which: str) -> time | None:
    text = typed.strip()
    if not text:
        return None
    found = _CLOCK.fullmatch(text)
    if found is None:
        raise InvalidInput(f"The window's {which} “{clip(text, 20)}” is not a time; use HH:MM.")
    return time(int(found.group(1)), int(found.group(2)))


def _zone(typed: str) -> ZoneInfo:
    text = typed.strip()
    try:
        if len(text) > 64 or ".." in text or text.startswith("/"):
            raise ValueError(text)
        return ZoneInfo(text)
    except (ValueError, ZoneInfoNotFoundError):
        raise InvalidInput(
            f"“{clip(text, 40)}” is not a time zone; choose one from the list."
        ) from None


# --- a port-out --------------------------------------------------------------------------


def _answer(ctx: Context, public_id: str, name: str, form: Form, actor: Actor) -> bool:
    """Authorize or refuse a pending port-out, as the porting team; False when this agent had
    already made the same decision. ``answer`` takes no idempotency key, so that is how a
    submit sent twice succeeds once and changes nothing the second time."""
    approve = name == "authorize"
    reason = first(form, "reason").strip()
    if not approve and reason not in port_outs.REJECT_REASONS:
        raise InvalidInput("Choose why the port-out is refused.")
    comment = clip(one_line(first(form, "comment")), 300)
    try:
        port_outs.answer(
            ctx,
            public_id,
            approve=approve,
            actor=actor,
            accounts=None,
            reason=reason,
            comment=comment,
        )
    except InvalidInput:
        status, decided_by = linked.port_out_decision(ctx, public_id)
        wanted = "authorized" if approve else "rejected"
        if status != wanted or decided_by != actor.who:
            raise
        return False
    return True


# --- linking a ticket --------------------------------------------------------------------


def link_request(
    ctx: Context, ticket_id: int, query: str, *, actor: Actor, key: str | None = None
) -> Snapshot:
    """Link ``ticket_id`` to the request ``query`` names (its SID or a unique prefix); refused
    when the ticket already shows something else, or the request already has its ticket.
    The timeline says so (internally), and the card and ticket follow."""
    if not query.strip():
        raise InvalidInput("Enter the request's ID: it starts with PR.")
    sid = svc.find(ctx, query.strip(), svc.Viewer(actor.id, is_agent=True), events=0).sid

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        here = session.exec(select(ZendeskLink).where(ZendeskLink.ticket_id == ticket_id)).first()
        if here is not None:
            if here.request_id == req.id:
                return snapshot(session, req, replayed=True)
            raise InvalidInput("This ticket is already linked to another request or port-out.")
        there = session.exec(select(ZendeskLink).where(ZendeskLink.request_id == req.id)).first()
        if there is not None:
            raise InvalidInput(
                f"{sid} is already linked to ticket #{there.ticket_id}. Work on it there; a "
                "request has one ticket."
            )
        session.add(ZendeskLink(request_id=req.id, ticket_id=ticket_id, created_at=ctx.now()))
        session.flush()
        detail = f"Linked to Zendesk ticket #{ticket_id}."
        record(ctx, session, req, "zendesk_link", actor, detail=detail, public=False)
        return snapshot(session, req, events=0)

    return run(ctx, "zendesk_link", body, key=key)
