"""Many due reminders fast: draft requests without a bill, written in bulk, with the rows the
policy plans for them (so the sweep's own check agrees with them)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from types import SimpleNamespace

import sqlalchemy as sa

from bot.services import reminders as rsvc
from bot.services.base import Context
from storage.models import PortRequest, Reminder
from storage.values import RequestStatus

_EMPTY = dict.fromkeys(
    (
        "loa_sent_at",
        "signed_at",
        "submitted_at",
        "foc_date",
        "foc_window_start",
        "foc_window_end",
        "bill_filename",
        "bill_issued_on",
        "completed_at",
    )
)


def foc_requests(ctx: Context, count: int, *, created: datetime, foc: date) -> list[int]:
    """``count`` requests whose port date ``foc`` was confirmed at ``created`` (no timeline:
    the status counts from ``created``): the announcement, the countdowns, the cut-off notice
    and the window's start. Their ids."""
    return draft_requests(
        ctx,
        count,
        created=created,
        status=RequestStatus.FOC_CONFIRMED,
        extra={"submitted_at": created, "foc_date": foc},
    )


def draft_requests(
    ctx: Context,
    count: int,
    *,
    created: datetime,
    chunk: int = 5000,
    status: RequestStatus = RequestStatus.DRAFT,
    extra: dict[str, object] | None = None,
) -> list[int]:
    """``count`` drafts opened at ``created`` (no bill: ``bill-missing`` 1 and 3 business days
    later, ``request-expiry`` at 30 days). Their ids."""
    policy = rsvc.policy_of(ctx)
    table = PortRequest.__table__
    ids: list[int] = []
    for start in range(0, count, chunk):
        values = [
            {
                "sid": "PR" + secrets.token_hex(16),
                "status": status,
                "channel_id": "C0CUSTOMER",
                "requester_id": "U0CUSTOMER",
                "requester_name": "Casey Customer",
                "losing_carrier": "Old Phone Co",
                "rep_name": "Jordan Rivera",
                "rep_email": "jordan@acme.example",
                "created_at": created,
                "updated_at": created,
                **(extra or {}),
            }
            for _ in range(min(chunk, count - start))
        ]
        with ctx.db.write() as s:
            conn = s.connection()
            made = conn.execute(
                sa.insert(table).returning(table.c.id, table.c.sid, sort_by_parameter_order=True),
                values,
            ).all()
            rows = []
            for (rid, sid), v in zip(made, values, strict=True):
                req = SimpleNamespace(id=rid, **{**_EMPTY, **v, "sid": sid})
                for due in rsvc.wanted_for_request(req, None, policy, ctx.calendar):
                    rows.append(rsvc.row_values(due, request_id=rid))
            conn.execute(sa.insert(Reminder.__table__), rows)
            ids.extend(rid for rid, _ in made)
    return ids
