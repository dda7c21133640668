"""A port request as a Zendesk ticket: the body that creates it and the update for each event.

Pure functions from a :class:`~bot.services.base.Snapshot` (the request as it stands when the
outbox message is delivered) to the JSON content of the Tickets API (``{"ticket": …}`` is added by
the gateway). No HTTP, no database, no clock.

Decisions, and why:

* **The description is an internal note** (``comment.public = false``). Zendesk turns the first
  comment of a new ticket into its description, and a public first comment is sent by e-mail to
  the requester (here the authorized representative) by the usual notification triggers. The
  description is a full record for the porting team (masked account number, BTN, every number),
  so it stays private; customers hear from us in Slack, and in public comments only when
  ``ZENDESK_PUBLIC_UPDATES`` is on. A ticket with only private comments is still a normal ticket
  for agents; it becomes visible to the requester once the first public comment is added.
* **Tags are added and removed, never replaced, and always from the request's current status.**
  An update carries ``additional_tags`` (``portbot``, ``port_in`` and the current
  ``port_status_<status>``) and ``remove_tags`` (every other ``port_status_…`` tag). It does not
  depend on the event's own before/after statuses, so a retried, late or reordered delivery
  writes the same, newest state, and the last one to arrive is right. A full ``tags``
  replacement would erase tags that agents, triggers and other apps put on the ticket.
* **Custom fields come from the current request too** (status, FOC date or ``null`` to clear it,
  SID), for the same reason.
* **One comment per update.** A customer-facing event becomes a public comment *instead of* the
  internal note when public updates are on, the event is public, and it is still the latest
  news (the request has not moved on since); otherwise an internal note. A late event is never
  told to the customer as if it were new.
* **No secrets.** The PIN (or SSN digits) is only ever "on file" or "missing"; the account number
  appears masked (last four); the CSR's account number is not shown at all.
* Comments that came from Zendesk are not sent back (no echo); comments from Slack name their
  author.

The words are channel-neutral (:mod:`bot.wording.tickets`, :mod:`bot.wording.news`,
:func:`bot.wording.requests.next_step`, the same "what happens next" as the Slack card), rendered
here as plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.services.base import Snapshot
from bot.wording import tickets
from bot.wording.formats import clip
from bot.wording.news import CUSTOMER_NEWS, news
from bot.wording.rich import plain
from bot.wording.tickets import DESCRIPTION_NUMBERS
from storage.models import TimelineEvent
from storage.values import RequestStatus

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "DESCRIPTION_NUMBERS",
    "STATUS_TAG_PREFIX",
    "TAG_APP",
    "TAG_PORT_IN",
    "TAG_PORT_OUT",
    "TicketOptions",
    "custom_fields",
    "description",
    "event_update",
    "new_ticket",
    "status_tag",
    "subject",
    "tag_changes",
]

TAG_APP = "portbot"
TAG_PORT_IN = "port_in"
TAG_PORT_OUT = "port_out"
STATUS_TAG_PREFIX = "port_status_"

_MAX_COMMENT = 60_000  # Zendesk takes 64 KB per comment; leave room for the JSON around it

# Moves that say something to the customer (when public updates are on).
_CUSTOMER_FACING = CUSTOMER_NEWS
# Events that are worth a note even when the status stays the same.
_NOTEWORTHY = frozenset({"set_foc", "complete", "reject", "edit", "follow_up"})
# Events the ticket does not need: the ticket is created from the request as it stands.
_IGNORED = frozenset({"open"})


@dataclass(frozen=True)
class TicketOptions:
    """The Zendesk settings that shape a ticket (see :meth:`from_settings`).

    ``field_*`` are custom ticket field IDs (``None``: not used). For a drop-down status field,
    give its options the status values (``in_review``, ``foc_confirmed``, …) as tags.
    ``timezone`` is only used to show FOC windows and dates in the account's zone.
    """

    field_status: int | None = None
    field_foc_date: int | None = None
    field_sid: int | None = None
    public_updates: bool = False
    timezone: str = "UTC"

    @classmethod
    def from_settings(cls, settings: Settings) -> TicketOptions:
        return cls(
            field_status=settings.zendesk_field_status,
            field_foc_date=settings.zendesk_field_foc_date,
            field_sid=settings.zendesk_field_sid,
            public_updates=settings.zendesk_public_updates,
            timezone=settings.portbot_timezone,
        )


# --- the ticket ------------------------------------------------------------------------------


def new_ticket(snap: Snapshot, options: TicketOptions) -> dict[str, Any]:
    """The content of ``POST /api/v2/tickets`` for a request (wrap it in ``{"ticket": …}``).

    ``external_id`` is the SID, so the gateway can look the ticket up before creating another.
    """
    req = snap.request
    ticket: dict[str, Any] = {
        "external_id": req.sid,
        "subject": subject(snap),
        "comment": {"body": description(snap, options), "public": False},
        "tags": [TAG_APP, TAG_PORT_IN, status_tag(req.status)],
    }
    if req.rep_email:
        ticket["requester"] = {"name": req.rep_name or req.rep_email, "email": req.rep_email}
    fields = custom_fields(snap, options)
    if fields:
        ticket["custom_fields"] = fields
    return ticket


def subject(snap: Snapshot) -> str:
    """``Port PR1a2b3c4d — 12 numbers from Verizon (Main office)``."""
    return tickets.subject(snap.request, len(snap.numbers))


def description(snap: Snapshot, options: TicketOptions) -> str:
    """The request in plain text, for the porting team: the ticket's first (private) comment."""
    text = tickets.description(snap.request, snap.numbers, options.timezone)
    return clip(plain(text), _MAX_COMMENT)


def status_tag(status: RequestStatus) -> str:
    return STATUS_TAG_PREFIX + status.value


def tag_changes(status: RequestStatus) -> dict[str, list[str]]:
    """``additional_tags`` for the current status and ``remove_tags`` for every other one."""
    return {
        "additional_tags": [TAG_APP, TAG_PORT_IN, status_tag(status)],
        "remove_tags": [status_tag(s) for s in RequestStatus if s is not status],
    }


def custom_fields(snap: Snapshot, options: TicketOptions) -> list[dict[str, Any]]:
    """Values for the configured custom fields; an empty FOC date is sent as ``null``."""
    req = snap.request
    fields: list[dict[str, Any]] = []
    if options.field_status:
        fields.append({"id": options.field_status, "value": req.status.value})
    if options.field_foc_date:
        foc = req.foc_date.isoformat() if req.foc_date else None
        fields.append({"id": options.field_foc_date, "value": foc})
    if options.field_sid:
        fields.append({"id": options.field_sid, "value": req.sid})
    return fields


# --- updates ---------------------------------------------------------------------------------


def event_update(
    snap: Snapshot, event: TimelineEvent, options: TicketOptions
) -> dict[str, Any] | None:
    """The content of ``PUT /api/v2/tickets/{id}`` for one timeline event, or ``None`` when the
    ticket has nothing to learn from it."""
    data = event.data or {}
    if event.action in _IGNORED:
        return None
    if event.action == "comment":
        return _conversation(event, options, source=str(data.get("source") or ""))
    if event.action == "comment_withdrawn":
        return _withdrawn(event)
    if event.action == "note":
        return _note(event, options)
    changed = event.from_status is not None and event.from_status != event.to_status
    if not changed and event.action not in _NOTEWORTHY:
        return None
    current = event.to_status == snap.status
    public = (
        options.public_updates and event.public and current and event.action in _CUSTOMER_FACING
    )
    if public:
        body = news(snap.request, snap.numbers, event, options.timezone)
    else:
        body = tickets.status_note(snap.request, event)
    update: dict[str, Any] = {"comment": _comment(plain(body), public)}
    update |= tag_changes(snap.status)
    fields = custom_fields(snap, options)
    if fields:
        update["custom_fields"] = fields
    return update


def _comment(body: str, public: bool) -> dict[str, Any]:
    return {"body": clip(body, _MAX_COMMENT), "public": public}


def _conversation(
    event: TimelineEvent, options: TicketOptions, *, source: str
) -> dict[str, Any] | None:
    if source == "zendesk":
        return None  # it is already on the ticket
    return {
        "comment": _comment(tickets.comment(event, source), options.public_updates and event.public)
    }


def with_files(
    update: dict[str, Any], uploads: Sequence[str], linked: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """``update`` (a conversation comment) carrying the files of its message: ``uploads`` are
    Zendesk upload tokens; ``linked`` are files that could not be carried, shown as links."""
    comment = dict(update["comment"])
    if uploads:
        comment["uploads"] = list(uploads)
    if linked:
        body = comment["body"] + "\n\n" + tickets.files_left(linked)
        comment["body"] = clip(body, _MAX_COMMENT)
    return {**update, "comment": comment}


def _withdrawn(event: TimelineEvent) -> dict[str, Any]:
    return {"comment": {"body": tickets.withdrawn(event), "public": False}}


def _note(event: TimelineEvent, options: TicketOptions) -> dict[str, Any]:
    public = options.public_updates and event.public
    return {"comment": _comment(tickets.note(event, public=public), public)}
