"""A request's thread reminders that fall due within the same hour go out as one message, with
one mention at most; none is lost or told twice, with a crash between the claim and the post,
with two worker processes, and when one of them is no longer true."""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import select

from bot import services as svc
from bot.services import reminders as rsvc
from bot.services.effects import Topic
from bot.slack.blocks.reminders import reminder_of
from storage.models import PortRequest, Reminder, SlackLink
from storage.values import OutboxStatus, ReminderStatus
from tests.conftest import PG_URL
from tests.reminders.conftest import World, ny
from tests.reminders.seed import foc_requests
from tests.reminders.test_still_true import _deliver, _foc_confirmed, _queue, _reminder
from tests.reminders.test_workers import _worker_process
from tests.services.helpers import AGENT, CUSTOMER
from tests.slack.conftest import CHANNEL, new_sim

MORNING = ny(2026, 11, 25, 10)  # FOC Tue Dec 1: the 3-day countdown and the cut-off notice


def _posts(w: World) -> list[dict]:
    """The reminder messages Slack accepted in the request's thread, as posted."""
    calls = w.sim.calls_to("chat.postMessage")
    return [
        dict(c.args)
        for c in calls
        if not c.error and reminder_of(c.args) and c.args.get("thread_ts")
    ]


def _kinds(post: dict) -> list[str]:
    told = reminder_of(post) or {}
    return sorted(str(told.get("kinds") or told.get("kind")).split(","))


def _notes(w: World) -> list[str]:
    (ticket,) = w.zendesk.tickets()
    bodies = [c["body"] for c in w.zendesk.comments(ticket["id"])]
    return [b for b in bodies if b.startswith("portbot reminder sent in Slack")]


def test_the_same_morning_is_one_message_and_each_reminder_keeps_its_ticket_note(world_zd):
    w = world_zd
    w.digests = False
    _foc_confirmed(w)
    w.run_until(MORNING - timedelta(minutes=1))
    before, notes = len(_posts(w)), len(_notes(w))
    w.run_until(MORNING + timedelta(hours=2))
    (post,) = _posts(w)[before:]
    assert _kinds(post) == ["cancellation-cutoff", "foc-approaching"]
    text = str(post["text"])
    assert text.startswith("If you want to stop") and "\n\nYour numbers move in 3" in text
    assert "<@" not in text  # neither asks the customer to act: nobody is pinged
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    assert [b["type"] for b in blocks] == ["section", "section", "actions", "context"]
    # each reminder is still its own note on the ticket, and both rows say where they were told
    new_notes = _notes(w)[notes:]
    assert sorted(n.split("(", 1)[1].split(")")[0] for n in new_notes) == _kinds(post)
    rows = [r for r in w.rows() if r.kind in ("cancellation-cutoff", "foc-approaching")]
    told = [r for r in rows if rsvc.TOLD in r.data]
    assert len(told) == 2 and len({r.data[rsvc.TOLD]["in"] for r in told}) == 1
    slack = [r for r in w.outbox(Topic.SLACK_REMINDER) if r.payload["to"] == "thread"]
    assert all(r.status is OutboxStatus.DELIVERED and r.attempts == 1 for r in slack)


def test_a_crash_after_the_claim_loses_nothing_and_a_failed_post_is_retried_whole(world):
    w = world
    w.digests = False
    _foc_confirmed(w)
    w.run_until(MORNING - timedelta(minutes=1))
    w.clock.set(MORNING)
    before = len(_posts(w))
    queued = _queue(w)
    assert len(queued) == 2
    # A worker claims the pair for its message and dies before posting: the marks are
    # committed, nothing was posted, its outbox row is still pending.
    leader = min(queued)
    assert rsvc.thread_members(w.ctx, leader) == sorted(queued)
    assert rsvc.thread_members(w.ctx, max(queued)) == rsvc.Covered(max(queued), leader)
    # The next try fails at Slack (a 500), and the one after goes through: one message.
    w.sim.fail("chat.postMessage", status=500)
    _deliver(w)
    assert len(_posts(w)) == before
    w.clock.set(MORNING + timedelta(minutes=20))  # past the back-off
    _deliver(w)
    (post,) = _posts(w)[before:]
    assert _kinds(post) == ["cancellation-cutoff", "foc-approaching"]
    rows = [r for r in w.outbox(Topic.SLACK_REMINDER) if r.payload["reminder_id"] in queued]
    assert [r.status for r in rows] == [OutboxStatus.DELIVERED] * 2
    assert max(r.attempts for r in rows) == 2  # the leader's: failed once, then delivered
    w.run_until(MORNING + timedelta(hours=3))
    assert len(_posts(w)) == before + 1


def test_a_reminder_due_later_in_the_hour_joins_and_is_not_told_again(world_zd):
    w = world_zd
    w.digests = False
    sid = _foc_confirmed(w)
    w.run_until(MORNING - timedelta(minutes=1))
    with w.ctx.db.write() as s:  # the countdown falls due at 10:40 instead of 10:00
        (countdown,) = s.exec(
            select(Reminder).where(Reminder.dedupe_key.endswith(":foc-approaching:20261201:3"))
        ).all()
        countdown.due_at = MORNING + timedelta(minutes=40)
        s.add(countdown)
        countdown_id = countdown.id
    before, notes = len(_posts(w)), len(_notes(w))
    w.run_until(MORNING + timedelta(minutes=10))
    (post,) = _posts(w)[before:]  # told at 10:00, before its time, with the cut-off notice
    assert _kinds(post) == ["cancellation-cutoff", "foc-approaching"]
    row = _reminder(w, countdown_id)
    assert row.status is ReminderStatus.SCHEDULED and rsvc.TOLD in row.data
    # a change to the request reconciles its rows (moving this one back to 10:00): still told
    svc.add_note(w.ctx, sid, "Checked with the carrier.", actor=AGENT)
    assert rsvc.TOLD in _reminder(w, countdown_id).data
    w.run_until(MORNING + timedelta(hours=2))
    assert len(_posts(w)) == before + 1  # its own thread row posted nothing
    assert _reminder(w, countdown_id).status is ReminderStatus.SENT
    assert len(_notes(w)) == notes + 2  # but its ticket note went out, once


def test_a_reminder_no_longer_true_is_left_out_of_the_message(world):
    w = world
    w.digests = False
    _foc_confirmed(w)
    w.run_until(MORNING - timedelta(minutes=1))
    w.clock.set(MORNING)
    before = len(_posts(w))
    queued = _queue(w)
    with w.ctx.db.write() as s:  # the countdown's reason is gone (its key no longer planned)
        row = next(
            s.get(Reminder, i) for i in queued if s.get(Reminder, i).kind == "foc-approaching"
        )
        row.dedupe_key += ":gone"
        s.add(row)
    _deliver(w)
    (post,) = _posts(w)[before:]
    assert _kinds(post) == ["cancellation-cutoff"]
    assert "Your numbers move" not in str(post["text"])
    assert "no longer calls for it" in _reminder(w, row.id).data["dropped"]["thread"]


def test_one_mention_when_one_of_the_reminders_asks_the_customer_to_act(world):
    """Three reminders due together after two days down (the port date's announcement, the
    cut-off notice, the 3-day countdown): the announcement asks for the numbers to be set up,
    so the message starts with the one mention; "keep your service active" is said once."""
    w = world
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 10))
    w.tick()
    ids = foc_requests(w.ctx, 1, created=ny(2026, 11, 20, 20), foc=date(2026, 12, 1))
    with w.ctx.db.write() as s:
        s.add(SlackLink(request_id=ids[0], channel_id=CHANNEL, message_ts="1699999999.000001"))
        s.execute(
            sa.update(PortRequest)
            .where(PortRequest.id == ids[0])
            .values(requester_id=CUSTOMER.id, channel_id=CHANNEL)
        )
    w.clock.set(MORNING)
    w.tick()
    (post,) = _posts(w)
    assert _kinds(post) == ["cancellation-cutoff", "foc-approaching", "foc-confirmed"]
    text = str(post["text"])
    assert text.startswith(f"<@{CUSTOMER.id}> Old Phone Co confirmed the port date")
    assert text.count("<@") == 1 and text.count("Keep your service") == 1
    assert text.endswith("the numbers can be lost.")  # the advice closes the message


def test_two_worker_processes_tell_each_requests_morning_once(ctx, clock):
    """Two worker processes sweep and deliver requests that each have three thread reminders
    due (the announcement, the cut-off notice and the 3-day countdown): each request gets one
    message telling all three, whichever worker delivers it."""
    total = 300 if PG_URL else 60
    ids = foc_requests(ctx, total, created=ny(2026, 11, 20, 20), foc=date(2026, 12, 1))
    with ctx.db.write() as s:
        for n, rid in enumerate(ids):
            s.add(SlackLink(request_id=rid, channel_id=CHANNEL, message_ts=f"1699999999.{n:06d}"))
    sim = new_sim()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        url = ctx.db.url.render_as_string(hide_password=False)
        runs = [pool.submit(_worker_process, url, MORNING.isoformat(), sim.url, n) for n in "ab"]
        results = [run.result(timeout=300) for run in runs]
    posted: Counter[str] = Counter()
    kinds = set()
    for call in sim.calls_to("chat.postMessage"):
        told = reminder_of(call.args)
        posted[told["subject"]] += 1
        kinds.add(told.get("kinds"))
    assert len(posted) == total and set(posted.values()) == {1}
    assert kinds == {"foc-confirmed,cancellation-cutoff,foc-approaching"}
    assert sum(swept for swept, _ in results) == sum(sent for _, sent in results) == 3 * total
    with ctx.db.read() as s:
        rows = s.exec(select(Reminder).where(Reminder.status == ReminderStatus.SENT)).all()
    assert len(rows) == 3 * total and all(rsvc.TOLD in r.data for r in rows)
    sim.stop()
