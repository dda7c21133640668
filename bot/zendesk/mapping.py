"""A port request as a Zendesk ticket: the body that creates it and the update for each event.

Pure functions from a :class:`~bot.services.base.Snapshot` (the request as it stands when the
outbox message is delivered) to the JSON content of the Tickets API (``{"ticket": …}`` is added by
the gateway). No HTTP, no database, no clock.

Decisions, and why:

* **The requester is the person who opened the request in Slack** (their Zendesk end user, see
  :mod:`bot.zendesk.people`), and the ticket is tagged ``portbot_slack``: the README's one change
  to Zendesk's "Notify requester and CCs of comment update" trigger keeps Zendesk from
  e-mailing them what they already read in Slack. The authorized representative is named in
  the description and reached by the LOA e-mail only.
* **The customer's thread replies are public comments written by them** (``author_id``), so
  views, SLAs and reports count them as the customer's side of the conversation; such a reply
  also sets the ticket to *open* (the team has a message to answer). Agents' notes stay
  internal; an agent's reply in the thread is written by portbot's API user, naming them. When
  Zendesk has no user for the customer, their reply falls back to that form as well.
* **The description is an internal note** (``comment.public = false``). Zendesk turns the first
  comment of a new ticket into its description. The description is a full record for the
  porting team (masked account number, BTN, every number), so it stays private; customers hear
  from us in Slack, and in public comments only when ``ZENDESK_PUBLIC_UPDATES`` is on.
* **Status and priority follow the request** (:data:`TICKET_STATUS`, :func:`priority`): *open*
  while the porting team must act, *pending* while the customer or a carrier must, *solved*
  once the request is over; priority *high* when the port date is two business days away or
  less, *urgent* on the day and after, *normal* otherwise. Both are sent with every change of
  the request, so a retried or late delivery writes the request's state as it is now. Group
  and assignee (``ZENDESK_GROUP_ID``, ``ZENDESK_ASSIGNEE_ID``) are set when the ticket is made
  and never sent again: an agent who takes the ticket over keeps it.
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
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.porting.calendar import BusinessCalendar
from bot.porting.lifecycle import ACTIVE_NUMBER_STATUSES
from bot.services.base import Snapshot
from bot.wording import tickets
from bot.wording.formats import clip
from bot.wording.news import CUSTOMER_NEWS, news
from bot.wording.rich import plain
from bot.wording.tickets import DESCRIPTION_NUMBERS
from storage.models import TimelineEvent
from storage.values import RequestStatus, Role

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "DESCRIPTION_NUMBERS",
    "PRIORITY_DAYS",
    "STATUS_TAG_PREFIX",
    "TAG_APP",
    "TAG_PORT_IN",
    "TAG_PORT_OUT",
    "TAG_SLACK",
    "TICKET_STATUS",
    "TicketOptions",
    "custom_fields",
    "description",
    "event_update",
    "new_ticket",
    "priority",
    "status_tag",
    "subject",
    "tag_changes",
    "ticket_status",
]

TAG_APP = "portbot"
TAG_PORT_IN = "port_in"
TAG_PORT_OUT = "port_out"
TAG_SLACK = "portbot_slack"  # the requester talks in Slack: Zendesk does not e-mail them
STATUS_TAG_PREFIX = "port_status_"

S = RequestStatus
TICKET_STATUS: Mapping[RequestStatus, str] = {
    S.DRAFT: "pending",  # the customer completes the form
    S.AWAITING_SIGNATURE: "pending",  # the representative signs the LOA
    S.IN_REVIEW: "open",  # the team reviews and submits
    S.QUOTE_PENDING: "pending",  # the customer answers the fee quote
    S.SUBMITTED: "pending",  # the losing carrier answers with a port date
    S.FOC_CONFIRMED: "pending",  # the carriers port on the date (priority rises as it nears)
    S.ACTION_REQUIRED: "pending",  # the customer fixes what the carrier rejected
    S.CANCEL_PENDING: "open",  # the team confirms the cancellation with the carriers
    S.COMPLETED: "solved",
    S.CANCELLED: "solved",
    S.EXPIRED: "solved",  # over: the LOA was never signed
}
"""The Zendesk status for each request status: *open* while the porting team must act,
*pending* while the customer or a carrier must, *solved* once the request is over."""

PRIORITY_DAYS = 2
"""A port date this many business days away, or fewer, makes the ticket's priority *high*."""

_MAX_COMMENT = 60_000  # Zendesk takes 64 KB per comment; leave room for the JSON around it

# Moves that say something to the customer (when public updates are on).
_CUSTOMER_FACING = CUSTOMER_NEWS
# Events that are worth a note even when the status stays the same.
_NOTEWORTHY = frozenset(
    {"set_foc", "complete", "reject", "edit", "follow_up", "quote_charge", "add_documents"}
)
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
    group_id: int | None = None
    assignee_id: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TicketOptions:
        return cls(
            field_status=settings.zendesk_field_status,
            field_foc_date=settings.zendesk_field_foc_date,
            field_sid=settings.zendesk_field_sid,
            public_updates=settings.zendesk_public_updates,
            timezone=settings.portbot_timezone,
            group_id=settings.zendesk_group_id,
            assignee_id=settings.zendesk_assignee_id,
        )


# --- the ticket ------------------------------------------------------------------------------


def new_ticket(
    snap: Snapshot,
    options: TicketOptions,
    *,
    requester_id: int | None = None,
    urgency: str = "normal",
) -> dict[str, Any]:
    """The content of ``POST /api/v2/tickets`` for a request (wrap it in ``{"ticket": …}``).

    ``external_id`` is the SID, so the gateway can look the ticket up before creating another.
    ``requester_id`` is the Zendesk end user of the person who opened the request in Slack
    (without one, Zendesk makes portbot's API user the requester); ``urgency`` comes from
    :func:`priority`.
    """
    req = snap.request
    tags = [TAG_APP, TAG_PORT_IN, status_tag(req.status)]
    ticket: dict[str, Any] = {
        "external_id": req.sid,
        "subject": subject(snap),
        "comment": {"body": description(snap, options), "public": False},
        "tags": [*tags, TAG_SLACK] if requester_id is not None else tags,
        "status": ticket_status(req.status),
        "priority": urgency,
    }
    if requester_id is not None:
        ticket["requester_id"] = requester_id
    if options.group_id is not None:
        ticket["group_id"] = options.group_id
    if options.assignee_id is not None:
        ticket["assignee_id"] = options.assignee_id
    fields = custom_fields(snap, options)
    if fields:
        ticket["custom_fields"] = fields
    return ticket


def linked_update(
    snap: Snapshot, options: TicketOptions, *, urgency: str | None = None
) -> dict[str, Any]:
    """A ticket an agent linked to a request (from the sidebar) becomes what portbot would have
    made: the request's description as a private note, its tags, status, priority and fields;
    the requester and group stay as the agent has them."""
    update: dict[str, Any] = {
        "external_id": snap.request.sid,
        "comment": {"body": description(snap, options), "public": False},
        "status": ticket_status(snap.status),
        **tag_changes(snap.status),
    }
    if urgency is not None:
        update["priority"] = urgency
    fields = custom_fields(snap, options)
    if fields:
        update["custom_fields"] = fields
    return update


def ticket_status(status: RequestStatus) -> str:
    """The Zendesk status of a request's ticket (:data:`TICKET_STATUS`)."""
    return TICKET_STATUS[status]


def priority(snap: Snapshot, today: date, calendar: BusinessCalendar) -> str:
    """``urgent`` on and after the earliest port date of the numbers still porting, ``high``
    when it is :data:`PRIORITY_DAYS` business days away or fewer, else ``normal`` (also for a
    request that is over, and one without a port date). ``today`` is the account's date."""
    req = snap.request
    if req.status.final:
        return "normal"
    dates = [n.foc_date for n in snap.numbers if n.foc_date and n.status in ACTIVE_NUMBER_STATUSES]
    if req.foc_date:
        dates.append(req.foc_date)
    if not dates:
        return "normal"
    left = calendar.business_days_between(today, min(dates))
    if left <= 0:
        return "urgent"
    return "high" if left <= PRIORITY_DAYS else "normal"


def subject(snap: Snapshot) -> str:
    """``Port PR1a2b3c4d — 12 numbers from Verizon (Main office)``."""
    return tickets.subject(snap.request, len(snap.numbers))


def description(snap: Snapshot, options: TicketOptions) -> str:
    """The request in plain text, for the porting team: the ticket's first (private) comment."""
    text = tickets.description(snap.request, snap.numbers, options.timezone, snap.documents)
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
    snap: Snapshot,
    event: TimelineEvent,
    options: TicketOptions,
    *,
    author_id: int | None = None,
    urgency: str | None = None,
) -> dict[str, Any] | None:
    """The content of ``PUT /api/v2/tickets/{id}`` for one timeline event, or ``None`` when the
    ticket has nothing to learn from it. ``author_id``: the Zendesk end user of the customer who
    wrote a Slack reply (``None``: portbot writes it, naming them). ``urgency``: the priority
    (:func:`priority`) a change of the request sets."""
    data = event.data or {}
    if event.action in _IGNORED:
        return None
    if event.action == "comment":
        source = str(data.get("source") or "")
        return _conversation(event, options, source=source, author_id=author_id)
    if event.action == "comment_withdrawn":
        return _withdrawn(event)
    if event.action == "note":
        return _note(event, options)
    if event.action == "zendesk_link":
        return linked_update(snap, options, urgency=urgency)
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
    update["status"] = ticket_status(snap.status)
    if urgency is not None:
        update["priority"] = urgency
    fields = custom_fields(snap, options)
    if fields:
        update["custom_fields"] = fields
    return update


def _comment(body: str, public: bool) -> dict[str, Any]:
    return {"body": clip(body, _MAX_COMMENT), "public": public}


def _conversation(
    event: TimelineEvent, options: TicketOptions, *, source: str, author_id: int | None
) -> dict[str, Any] | None:
    if source == "zendesk":
        return None  # it is already on the ticket
    if author_id is not None and event.actor_role is Role.CUSTOMER:
        comment = _comment(tickets.own_words(event), True) | {"author_id": author_id}
        return {"comment": comment, "status": "open"}
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
