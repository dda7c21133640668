"""Reminders (PRODUCT §3, §4): which ones should exist, when, and where each message goes.

Pure domain code: nothing here reads a clock, touches storage or talks to Slack or Zendesk.

Layout: :mod:`.kinds` (kinds, audiences, destinations), :mod:`.policy` (the numbers, as
settings), :mod:`.facts` (what the policy looks at), :mod:`.due` (one reminder that should
exist, and :func:`catch_up` after downtime), :mod:`.port_requests` (a request's reminders),
:mod:`.port_outs` (port-out windows and incoming port-outs) and :mod:`.digest` (the agents'
daily digest). What the messages say is in ``bot.wording.reminders``, one builder per kind.
This module only re-exports the public API.
"""

from __future__ import annotations

from bot.porting.reminders.digest import DigestSummary, StaleItem, digest_due
from bot.porting.reminders.due import Due, JSONValue, catch_up
from bot.porting.reminders.facts import PortOutFacts, RequestFacts, WindowFacts
from bot.porting.reminders.kinds import (
    THREAD_KINDS,
    TOGETHER,
    Audience,
    Destination,
    ReminderKind,
    destinations,
)
from bot.porting.reminders.policy import ReminderPolicy
from bot.porting.reminders.port_outs import port_out_deadline, port_out_reminders, window_reminders
from bot.porting.reminders.port_requests import ADVICE, reminders_for

__all__ = [
    "ADVICE",
    "THREAD_KINDS",
    "TOGETHER",
    "Audience",
    "Destination",
    "DigestSummary",
    "Due",
    "JSONValue",
    "PortOutFacts",
    "ReminderKind",
    "ReminderPolicy",
    "RequestFacts",
    "StaleItem",
    "WindowFacts",
    "catch_up",
    "destinations",
    "digest_due",
    "port_out_deadline",
    "port_out_reminders",
    "reminders_for",
    "window_reminders",
]
