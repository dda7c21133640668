"""A reminder must still be true when it is delivered.

The sweep queues a reminder's messages as ids; by the time a handler delivers one (right away,
or after waiting for the request's card or ticket, or after an outage) the request may have
been cancelled or its LOA signed, a window closed, a port-out answered. Then nothing is posted,
the outbox row is not retried, and the reminder row says what happened.
"""

from __future__ import annotations

from datetime import date

from bot import services as svc
from bot.porting.fields import Bill
from bot.services import reminders as rsvc
from bot.services.effects import Topic
from storage.models import PortOut, PortOutWindow, Reminder
from storage.values import OutboxStatus, PortOutStatus, RequestStatus, WindowStatus
from tests.reminders.conftest import World, ny
from tests.services.helpers import AGENT, CUSTOMER, draft, mark_loa_signed
from tests.slack.conftest import CHANNEL

BILL = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 11, 10))
FOC = date(2026, 12, 1)  # Tuesday: last day to cancel Fri Nov 27, the notice Wed Nov 25


def _queue(w: World) -> list[int]:
    """One sweep at the current time, nothing delivered yet: the ids it sent."""
    return w.sweeper.sweep().sent


def _deliver(w: World) -> None:
    w.runtime.outbox.drain()
    w._collect()


def _reminder(w: World, reminder_id: int) -> Reminder:
    with w.ctx.db.read() as s:
        row = s.get(Reminder, reminder_id)
    assert row is not None
    return row


def _settled(w: World, topic: Topic) -> None:
    """The reminder rows of ``topic`` were handled once: delivered, none waits for a retry."""
    rows = [r for r in w.outbox(topic) if r.payload.get("kind") != "daily-digest"]
    assert rows and all(r.status is OutboxStatus.DELIVERED for r in rows), rows
    assert all(r.attempts <= 1 for r in rows)


def _foc_confirmed(w: World) -> str:
    w.clock.set(ny(2026, 11, 16, 10))
    sid = svc.open_request(w.ctx, draft(bill=BILL), actor=CUSTOMER, channel_id=CHANNEL).sid
    mark_loa_signed(w.ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(w.ctx, sid, actor=AGENT)
    svc.set_foc(w.ctx, sid, FOC, actor=AGENT)
    w.tick()
    return sid


def test_an_loa_reminder_is_not_posted_once_the_loa_is_signed(world):
    w = world
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 10))  # Monday
    sid = svc.open_request(w.ctx, draft(), actor=CUSTOMER, channel_id=CHANNEL).sid
    w.tick()  # the card is in Slack
    w.clock.set(ny(2026, 11, 17, 10))  # the first LOA reminder: thread and the rep's DM
    [queued] = _queue(w)
    assert _reminder(w, queued).kind == "loa-unsigned"
    mark_loa_signed(w.ctx, sid, actor=CUSTOMER)  # before the rows are delivered
    _deliver(w)
    assert [s.kind for s in w.sent] == []
    _settled(w, Topic.SLACK_REMINDER)
    row = _reminder(w, queued)
    assert row.data["outcome"] == rsvc.DROPPED
    assert set(row.data["dropped"]) == {"thread", "rep"}
    assert "in_review" in row.data["dropped"]["thread"]


def test_the_cut_off_notice_is_not_posted_once_the_request_is_being_cancelled(world):
    w = world
    w.digests = False
    sid = _foc_confirmed(w)
    w.at(ny(2026, 11, 25, 9, 59))
    w.clock.set(ny(2026, 11, 25, 10))  # the cut-off notice and the 3-day countdown are due
    queued = _queue(w)
    kinds = {_reminder(w, i).kind for i in queued}
    assert "cancellation-cutoff" in kinds
    snap = svc.request_cancel(w.ctx, sid, actor=CUSTOMER, reason="changed our minds")
    assert snap.request.status is RequestStatus.CANCEL_PENDING
    _deliver(w)
    assert not [s for s in w.sent if s.kind in kinds]
    _settled(w, Topic.SLACK_REMINDER)
    assert all(_reminder(w, i).data["outcome"] == rsvc.DROPPED for i in queued)


def test_a_notice_whose_moment_is_over_is_not_posted(world):
    """Delivered late (an outage): the cut-off notice after the last day to cancel is void."""
    w = world
    w.digests = False
    _foc_confirmed(w)
    w.at(ny(2026, 11, 25, 9, 59))
    w.clock.set(ny(2026, 11, 25, 10))
    queued = _queue(w)
    cutoff = next(i for i in queued if _reminder(w, i).kind == "cancellation-cutoff")
    w.clock.set(ny(2026, 11, 28, 10))  # Saturday: the last day to cancel was Friday
    _deliver(w)
    assert "cancellation-cutoff" not in {s.kind for s in w.sent}
    assert _reminder(w, cutoff).data["dropped"] == {"thread": "its moment is over"}


def test_the_ticket_note_of_an_loa_reminder_is_not_written_once_the_loa_is_signed(world_zd):
    w = world_zd
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 10))
    sid = svc.open_request(w.ctx, draft(), actor=CUSTOMER, channel_id=CHANNEL).sid
    w.tick()  # the card and the ticket exist
    w.clock.set(ny(2026, 11, 17, 10))
    [queued] = _queue(w)
    assert [n.payload["reminder_id"] for n in w.outbox(Topic.ZENDESK_NOTE)] == [queued]
    mark_loa_signed(w.ctx, sid, actor=CUSTOMER)
    _deliver(w)
    (ticket,) = w.zendesk.tickets()
    notes = [c["body"] for c in w.zendesk.comments(ticket["id"])]
    assert not [b for b in notes if b.startswith("portbot reminder sent in Slack")], notes
    _settled(w, Topic.ZENDESK_NOTE)
    assert set(_reminder(w, queued).data["dropped"]) == {"thread", "rep", "note"}


def test_a_reminder_still_true_is_delivered_as_before(world_zd):
    """The control: the same reminder, nothing changed, reaches the thread, the DM and the
    ticket, and the row records no drop."""
    w = world_zd
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 10))
    svc.open_request(w.ctx, draft(), actor=CUSTOMER, channel_id=CHANNEL)
    w.tick()
    w.clock.set(ny(2026, 11, 17, 10))
    [queued] = _queue(w)
    _deliver(w)
    assert [s.kind for s in w.sent] == ["loa-unsigned", "loa-unsigned"]
    (ticket,) = w.zendesk.tickets()
    notes = [c for c in w.zendesk.comments(ticket["id"]) if "(loa-unsigned)" in c["body"]]
    assert len(notes) == 1
    assert "dropped" not in _reminder(w, queued).data


def test_a_window_notice_is_not_posted_once_the_window_is_cancelled(world):
    w = world
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 12))
    with w.ctx.db.write() as s:
        window = PortOutWindow(
            public_id="PW" + "c" * 32,
            channel_id=CHANNEL,
            created_by=CUSTOMER.id,
            numbers=["+16172530103"],
            starts_at=ny(2026, 11, 16, 12),
            ends_at=ny(2026, 11, 19, 12),
            created_at=w.clock.now,
        )
        s.add(window)
        s.flush()
        rsvc.reconcile_window(w.ctx, s, window)
        wid = window.id
    [opened] = _queue(w)
    with w.ctx.db.write() as s:
        window = s.get(PortOutWindow, wid)
        window.status = WindowStatus.CANCELLED
        s.add(window)
    _deliver(w)
    assert w.sent == []
    assert "cancelled" in _reminder(w, opened).data["dropped"]["channel"]


def test_a_port_out_notice_is_not_posted_once_the_port_out_is_answered(world_zd):
    w = world_zd
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 10))
    with w.ctx.db.write() as s:
        port_out = PortOut(
            public_id="PO" + "d" * 32,
            numbers=["+16172530104"],
            receiving_carrier="Other Tel",
            created_at=w.clock.now,
        )
        s.add(port_out)
        s.flush()
        rsvc.reconcile_port_out(w.ctx, s, port_out)
        pid = port_out.id
    [arrived] = _queue(w)
    # Port-outs have no ticket yet: their notices go to the channel only, never to a note
    # that would wait a day for a ticket nothing makes.
    assert w.outbox(Topic.ZENDESK_NOTE) == []
    with w.ctx.db.write() as s:
        port_out = s.get(PortOut, pid)
        port_out.status = PortOutStatus.AUTHORIZED
        port_out.decided_by = AGENT.id
        s.add(port_out)
    _deliver(w)
    assert w.sent == []
    assert "authorized" in _reminder(w, arrived).data["dropped"]["channel"]


def test_the_deadline_notice_is_not_posted_once_the_decision_was_changed(world):
    w = world
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 10))
    with w.ctx.db.write() as s:
        port_out = PortOut(
            public_id="PO" + "e" * 32,
            numbers=["+16172530105"],
            receiving_carrier="Other Tel",
            created_at=w.clock.now,
        )
        s.add(port_out)
        s.flush()
        rsvc.reconcile_port_out(w.ctx, s, port_out)
        pid = port_out.id
    w.run_until(ny(2026, 11, 17, 9))  # the arrival and half-time notices
    w.clock.set(ny(2026, 11, 17, 10))  # the deadline: the default decision is applied
    w.sweeper.sweep()
    with w.ctx.db.write() as s:  # an agent reverses it before the owner is told
        port_out = s.get(PortOut, pid)
        assert port_out.status is PortOutStatus.AUTHORIZED  # the default: it goes ahead
        port_out.status, port_out.decided_by = PortOutStatus.REJECTED, AGENT.id
        port_out.rule = "agent"
        s.add(port_out)
    _deliver(w)
    assert "port-out-deadline" not in {s.kind for s in w.sent}
    assert [s.kind for s in w.sent] == ["port-out-pending", "port-out-pending"]
    (deadline,) = w.rows(kind="port-out-deadline")
    assert deadline.data["outcome"] == "done"  # the action's own outcome stays
    assert "decided otherwise" in deadline.data["dropped"]["channel"]


def test_nothing_is_dropped_when_the_request_changed_in_a_way_the_reminder_survives(world):
    """A change that leaves the reminder's reason in place (an agent's note) does not stop it."""
    w = world
    w.digests = False
    sid = _foc_confirmed(w)
    w.at(ny(2026, 11, 25, 9, 59))
    w.clock.set(ny(2026, 11, 25, 10))
    queued = _queue(w)
    before = len(w.sent)
    svc.add_note(w.ctx, sid, "Carrier confirmed by phone.", actor=AGENT)
    _deliver(w)
    kinds = sorted(_reminder(w, i).kind for i in queued)
    assert kinds == ["cancellation-cutoff", "foc-approaching"]
    (told,) = w.sent[before:]  # due the same morning: one message tells both
    assert sorted(told.kinds) == kinds
    assert all("dropped" not in _reminder(w, i).data for i in queued)
