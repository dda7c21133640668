"""The ticket's state follows the request: its Zendesk status for every request status, its
priority as the port date nears (business days, holidays aware), the group and assignee on
create only, and who writes which conversation comment."""

from __future__ import annotations

from datetime import date

import pytest

from bot import services as svc
from bot.porting.calendar import BusinessCalendar
from bot.services import Snapshot
from bot.zendesk.mapping import (
    TICKET_STATUS,
    TicketOptions,
    event_update,
    new_ticket,
    priority,
    ticket_status,
)
from storage.values import RequestStatus
from tests.services.helpers import AGENT, CUSTOMER, draft, mark_loa_signed, numbers

S = RequestStatus
PLAIN = TicketOptions(timezone="America/New_York")
PLACED = TicketOptions(group_id=360011, assignee_id=360099)
CAL = BusinessCalendar(country="US", timezone="America/New_York")
MONDAY = date(2026, 11, 16)  # the test clock's day

# Who must act in each state decides the status: open for the porting team, pending for the
# customer, the representative or a carrier, solved once the request is over.
EXPECTED = {
    S.DRAFT: "pending",  # the customer finishes the form
    S.AWAITING_SIGNATURE: "pending",  # the representative signs
    S.IN_REVIEW: "open",  # the team reviews and submits
    S.QUOTE_PENDING: "pending",  # the customer answers the fee quote
    S.SUBMITTED: "pending",  # the carrier answers
    S.FOC_CONFIRMED: "pending",  # the carriers port on the date
    S.ACTION_REQUIRED: "pending",  # the customer fixes the rejection
    S.CANCEL_PENDING: "open",  # the team confirms the cancellation
    S.COMPLETED: "solved",
    S.CANCELLED: "solved",
    S.EXPIRED: "solved",
}


@pytest.mark.parametrize("status", list(RequestStatus), ids=lambda s: s.value)
def test_each_request_status_has_its_ticket_status(status: RequestStatus) -> None:
    assert ticket_status(status) == EXPECTED[status]
    assert TICKET_STATUS[status] in {"open", "pending", "solved"}  # never new, hold or closed


def _open(ctx) -> Snapshot:
    return svc.open_request(ctx, draft(numbers(2)), actor=CUSTOMER, team_id="T1", channel_id="C1")


def _submitted(ctx) -> Snapshot:
    snap = _open(ctx)
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    return svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)


def _last(snap: Snapshot, action: str):
    return [e for e in snap.events if e.action == action][-1]


def test_updates_carry_the_status_of_the_request_as_it_is_now(ctx) -> None:
    snap = _submitted(ctx)
    update = event_update(snap, _last(snap, "submit"), PLAIN, urgency="normal")
    assert update is not None
    assert update["status"] == "pending" and update["priority"] == "normal"
    signed = _last(snap, "sign_loa")  # a late delivery of an older change: today's state
    late = event_update(snap, signed, PLAIN, urgency="normal")
    assert late is not None and late["status"] == "pending"
    in_review = svc.request_cancel(ctx, snap.sid, actor=CUSTOMER)
    assert in_review.status is S.CANCEL_PENDING
    update = event_update(in_review, _last(in_review, "request_cancel"), PLAIN)
    assert update is not None and update["status"] == "open" and "priority" not in update
    done = svc.confirm_cancel(ctx, snap.sid, actor=AGENT)
    update = event_update(done, _last(done, "confirm_cancel"), PLAIN, urgency="normal")
    assert update is not None and update["status"] == "solved"


def test_group_and_assignee_are_set_on_create_and_never_sent_again(ctx) -> None:
    snap = _submitted(ctx)
    ticket = new_ticket(snap, PLACED, requester_id=5)
    assert ticket["group_id"] == 360011 and ticket["assignee_id"] == 360099
    assert ticket["status"] == "pending"
    update = event_update(snap, _last(snap, "submit"), PLACED, urgency="high")
    assert update is not None and update["priority"] == "high"
    assert "group_id" not in update and "assignee_id" not in update  # an agent's takeover stays


def test_without_a_slack_requester_the_ticket_is_not_tagged_for_slack(ctx) -> None:
    ticket = new_ticket(_open(ctx), PLAIN)
    assert "requester_id" not in ticket and "portbot_slack" not in ticket["tags"]


# --- priority --------------------------------------------------------------------------------


def test_priority_rises_as_the_port_date_nears(ctx) -> None:
    snap = _submitted(ctx)
    assert priority(snap, MONDAY, CAL) == "normal"  # no port date yet
    snap = svc.set_foc(ctx, snap.sid, date(2026, 11, 19), actor=AGENT)  # Thursday
    assert priority(snap, MONDAY, CAL) == "normal"  # three business days away
    assert priority(snap, date(2026, 11, 17), CAL) == "high"  # two
    assert priority(snap, date(2026, 11, 18), CAL) == "high"  # one
    assert priority(snap, date(2026, 11, 19), CAL) == "urgent"  # the day itself
    assert priority(snap, date(2026, 11, 20), CAL) == "urgent"  # passed and not ported


def test_priority_counts_business_days_around_holidays(ctx) -> None:
    snap = _submitted(ctx)
    snap = svc.set_foc(ctx, snap.sid, date(2026, 11, 27), actor=AGENT)  # the Friday after
    # From the Tuesday before Thanksgiving: Wed 25, (Thu 26, a holiday), Fri 27: two days.
    assert priority(snap, date(2026, 11, 24), CAL) == "high"
    assert priority(snap, date(2026, 11, 23), CAL) == "normal"  # Tue, Wed, Fri: three


def test_a_request_that_is_over_is_normal_whatever_its_date(ctx) -> None:
    snap = _submitted(ctx)
    svc.set_foc(ctx, snap.sid, date(2026, 11, 18), actor=AGENT)
    done = svc.mark_ported(ctx, snap.sid, actor=AGENT)
    assert done.status is S.COMPLETED
    assert priority(done, date(2026, 11, 18), CAL) == "normal"


def test_the_earliest_port_date_of_numbers_still_porting_counts(ctx) -> None:
    snap = _submitted(ctx)
    first, second = (n.e164 for n in snap.numbers)
    snap = svc.set_foc(ctx, snap.sid, date(2026, 12, 10), actor=AGENT)
    snap = svc.set_foc(ctx, snap.sid, date(2026, 11, 18), actor=AGENT, numbers=[first])
    assert priority(snap, MONDAY, CAL) == "high"  # one number ports on Wednesday
    snap = svc.mark_ported(ctx, snap.sid, actor=AGENT, numbers=[first])
    assert snap.status is not S.COMPLETED
    assert priority(snap, MONDAY, CAL) == "normal"  # the rest port in December
    del second


# --- the conversation ------------------------------------------------------------------------


def _reply(ctx, snap: Snapshot, actor: svc.Actor, text: str, **kw) -> Snapshot:
    return svc.add_comment(
        ctx, snap.sid, text, actor=actor, source="slack", source_id=f"C1:{text}", **kw
    )


def test_a_customer_reply_is_their_own_public_comment_and_opens_the_ticket(ctx) -> None:
    snap = _reply(ctx, _open(ctx), CUSTOMER, "Is Tuesday still on?")
    update = event_update(snap, _last(snap, "comment"), PLAIN, author_id=4242, urgency="high")
    assert update == {
        "comment": {"body": "Is Tuesday still on?", "public": True, "author_id": 4242},
        "status": "open",  # the team has a message to answer
    }


def test_an_agent_reply_in_the_thread_is_written_by_portbot_naming_them(ctx) -> None:
    snap = _reply(ctx, _open(ctx), AGENT, "We will call you at 3pm.")
    update = event_update(snap, _last(snap, "comment"), PLAIN, author_id=4242)
    assert update == {
        "comment": {
            "body": "Avery Agent wrote in Slack:\n\nWe will call you at 3pm.",
            "public": False,
        }
    }


def test_a_reply_of_files_only_still_has_words(ctx) -> None:
    files = [{"id": "F1", "name": "csr.pdf", "url": "https://slack.example/csr"}]
    snap = _reply(ctx, _open(ctx), CUSTOMER, "", files=files)
    update = event_update(snap, _last(snap, "comment"), PLAIN, author_id=4242)
    assert update is not None and update["comment"]["body"] == "(Files shared in Slack.)"


def test_agent_notes_stay_internal(ctx) -> None:
    snap = svc.add_note(ctx, _open(ctx).sid, "Carrier asked for a CSR.", actor=AGENT)
    update = event_update(snap, _last(snap, "note"), PLAIN, author_id=4242)
    assert update is not None and update["comment"]["public"] is False
    assert "author_id" not in update["comment"] and "status" not in update


def test_settings_place_port_in_and_port_out_tickets(ctx) -> None:
    from bot import config
    from bot.server import outbox_handlers
    from bot.services.effects import Topic

    settings = config.load(
        {
            "ZENDESK_URL": "http://127.0.0.1:9",
            "ZENDESK_EMAIL": "porting@acme.example",
            "ZENDESK_API_TOKEN": "t",
            "ZENDESK_GROUP_ID": "360011",
            "ZENDESK_ASSIGNEE_ID": "360099",
        }
    )
    handlers = outbox_handlers(settings, ctx, None)
    port_in = handlers[Topic.ZENDESK_REQUEST_EVENT]
    assert (port_in.options.group_id, port_in.options.assignee_id) == (360011, 360099)  # type: ignore[attr-defined]
    for topic in (Topic.ZENDESK_PORT_OUT_EVENT, Topic.ZENDESK_PORT_OUT_REQUEST):
        handler = handlers[topic]
        assert (handler.group_id, handler.assignee_id) == (360011, 360099)  # type: ignore[attr-defined]


def test_the_port_dates_reminder_notes_raise_the_priority(ctx, clock) -> None:
    from bot.sandbox.zendesk_sim import ZendeskSimulator
    from bot.services.effects import Topic
    from bot.zendesk.delivery import NoteDelivery
    from bot.zendesk.gateway import ZenpyGateway
    from storage import repositories as repo
    from storage.models import OutboxMessage, ZendeskLink

    snap = _submitted(ctx)
    snap = svc.set_foc(ctx, snap.sid, date(2026, 11, 23), actor=AGENT)  # next Monday
    with ZendeskSimulator(email="porting@acme.example", token="t") as sim:
        ticket = sim.add_ticket({"subject": "port", "comment": {"body": "x"}})
        with ctx.db.write() as s:
            s.add(
                ZendeskLink(
                    request_id=snap.request.id, ticket_id=ticket["id"], created_at=clock.now
                )
            )
        with ctx.db.read() as s:
            kinds = {r.kind: r for r in repo.reminders_of(s, request_id=snap.request.id)}
        gateway = ZenpyGateway(None, "porting@acme.example", "t", url=sim.url)
        for day, expected in ((date(2026, 11, 18), "normal"), (date(2026, 11, 20), "high")):
            clock.set(clock.now.replace(year=day.year, month=day.month, day=day.day))
            reminder = kinds["foc-approaching"]
            payload = {"reminder_id": reminder.id, "kind": reminder.kind, "sid": snap.sid}
            row = OutboxMessage(
                request_id=snap.request.id, topic=Topic.ZENDESK_NOTE, payload=payload
            )
            row.created_at = clock.now
            NoteDelivery(ctx, gateway)(row)
            put = sim.calls("PUT")[-1].body["ticket"]
            assert put["comment"]["public"] is False and put["priority"] == expected
            assert "status" not in put  # a reminder does not move the ticket
        assert sim.ticket(ticket["id"])["priority"] == "high"


def test_a_refused_status_does_not_cost_the_ticket_its_note(ctx, clock) -> None:
    """An account may refuse a status (a field required to solve, a rule of its own): the
    note and tags of the change still land, without the status."""
    from bot.delivery.outbox import Outbox
    from bot.sandbox.zendesk_sim import ZendeskSimulator
    from bot.services.effects import Topic
    from bot.zendesk.delivery import ZendeskDelivery
    from bot.zendesk.gateway import ZenpyGateway

    with ZendeskSimulator(email="porting@acme.example", token="t") as sim:
        gateway = ZenpyGateway(None, "porting@acme.example", "t", url=sim.url)
        delivery = ZendeskDelivery(ctx, gateway, PLAIN)
        outbox = Outbox(ctx, {Topic.ZENDESK_REQUEST_EVENT: delivery}, worker_id="test")
        snap = _open(ctx)
        outbox.drain()
        (ticket,) = sim.tickets()
        mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
        sim.fail("PUT /api/v2/tickets/*", status=422, times=1)
        outbox.drain()
        first, again = sim.calls("PUT")[-2:]
        assert first.status == 422 and first.body["ticket"]["status"] == "open"
        assert again.status == 200 and "status" not in again.body["ticket"]
        assert "priority" not in again.body["ticket"]
        now = sim.ticket(ticket["id"])
        assert now["status"] == "pending" and "port_status_in_review" in now["tags"]
        assert "In review" in sim.comments(ticket["id"])[-1]["body"]
