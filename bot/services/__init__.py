"""Use cases: load, decide through the domain, save, record, queue effects — one transaction."""

from bot.services.base import SYSTEM, Actor, Context, Snapshot
from bot.services.cancel import confirm_cancel, decline_cancel, request_cancel
from bot.services.carrier import mark_ported, set_foc, submit_to_carrier
from bot.services.conversation import add_comment, add_note, withdraw_comment
from bot.services.expiry import expire
from bot.services.loa import IssuedLink, issue_link, resend_loa, sign_loa
from bot.services.port_requests import (
    complete_draft,
    open_follow_up,
    open_request,
    save_draft,
    update_details,
)
from bot.services.queries import Viewer, find, list_requests
from bot.services.rejections import reject, resubmit

__all__ = [
    "SYSTEM",
    "Actor",
    "Context",
    "IssuedLink",
    "Snapshot",
    "Viewer",
    "add_comment",
    "add_note",
    "complete_draft",
    "confirm_cancel",
    "decline_cancel",
    "expire",
    "find",
    "issue_link",
    "list_requests",
    "mark_ported",
    "open_follow_up",
    "open_request",
    "reject",
    "request_cancel",
    "resend_loa",
    "resubmit",
    "save_draft",
    "set_foc",
    "sign_loa",
    "submit_to_carrier",
    "update_details",
    "withdraw_comment",
]
