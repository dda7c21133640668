"""Reminders in the services layer: rows that follow their subject (:mod:`.rows`), the
agents' digest (:mod:`.digest`), the scheduled actions the sweep runs (:mod:`.actions`) and a
reminder's message as it stands at delivery (:mod:`.messages`), and the reminders one thread
message tells together (:mod:`.bundles`). This module re-exports them."""

from __future__ import annotations

from bot.services.reminders.actions import (
    accept_quote_for_reminder,
    apply_port_out_default,
    expire_for_reminder,
    port_out_default_for_reminder,
)
from bot.services.reminders.bundles import Covered, thread_members
from bot.services.reminders.digest import (
    DigestSummary,
    StaleItem,
    digest_summary,
    ensure_digests,
)
from bot.services.reminders.messages import DROPPED, Dropped, ReminderMessage, message_of
from bot.services.reminders.rows import (
    EXPIRED,
    FAILED,
    FOC_ACTION,
    OBSOLETE,
    SUPERSEDED,
    TOLD,
    Changes,
    Moments,
    apply_plan,
    due_of,
    moments_of,
    new_row,
    policy_of,
    port_out_facts,
    reconcile,
    reconcile_port_out,
    reconcile_window,
    request_facts,
    row_data,
    row_values,
    wanted_for_request,
    window_facts,
)

__all__ = [
    "DROPPED",
    "EXPIRED",
    "FAILED",
    "FOC_ACTION",
    "OBSOLETE",
    "SUPERSEDED",
    "TOLD",
    "Changes",
    "Covered",
    "DigestSummary",
    "Dropped",
    "Moments",
    "ReminderMessage",
    "StaleItem",
    "accept_quote_for_reminder",
    "apply_plan",
    "apply_port_out_default",
    "digest_summary",
    "due_of",
    "ensure_digests",
    "expire_for_reminder",
    "message_of",
    "moments_of",
    "new_row",
    "policy_of",
    "port_out_default_for_reminder",
    "port_out_facts",
    "reconcile",
    "reconcile_port_out",
    "reconcile_window",
    "request_facts",
    "row_data",
    "row_values",
    "thread_members",
    "wanted_for_request",
    "window_facts",
]
