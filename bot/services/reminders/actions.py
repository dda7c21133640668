"""The scheduled actions the reminder sweep runs (audience ``system``): expire a request that
waited too long, apply the default decision to an unanswered port-out."""

from __future__ import annotations

from bot.porting.errors import DomainError
from bot.services import port_outs, quotes
from bot.services.base import Context
from bot.services.expiry import expire
from storage import repositories as repo
from storage.models import Reminder
from storage.values import RequestStatus


def apply_port_out_default(ctx: Context, port_out_id: int) -> bool:
    """At a pending port-out's deadline, apply the configured default decision
    (``port_out_default``: authorize unless set to reject). True when this call decided; False
    when someone decided first."""
    return port_outs.apply_default(ctx, port_out_id)


def expire_for_reminder(ctx: Context, row: Reminder) -> bool:
    """``request-expiry``: expire the request through the use case, once per reminder (its
    idempotency key). False when the request moved on since the row was planned."""
    data = row.data or {}
    sid = str(data.get("subject"))
    planned = (data.get("data") or {}).get("status")
    with ctx.db.read() as s:
        req = repo.get_request(s, sid=sid)
    if req is None or (planned and req.status is not RequestStatus(planned)):
        return False
    try:
        expire(ctx, sid, key=f"reminder:{row.dedupe_key}")
    except DomainError:
        return False
    return True


def accept_quote_for_reminder(ctx: Context, row: Reminder) -> bool:
    """``quote-deadline``: an unanswered fee quote counts as accepted, through the use case,
    once per reminder (its idempotency key). False when it was answered or replaced since."""
    data = row.data or {}
    sid = str(data.get("subject"))
    sent_at = str((data.get("data") or {}).get("sent_at") or "")
    try:
        return quotes.accept_by_default(ctx, sid, sent_at=sent_at, key=f"reminder:{row.dedupe_key}")
    except DomainError:
        return False


def port_out_default_for_reminder(ctx: Context, row: Reminder) -> bool:
    """``port-out-deadline``: apply the default decision to the row's port-out."""
    return row.port_out_id is not None and apply_port_out_default(ctx, row.port_out_id)
