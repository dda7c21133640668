"""Several sweepers at once, and sweepers that die: every reminder is delivered exactly once.

The big test runs two worker processes (each sweeping and delivering, as ``portbot worker``
does) against 5,000 due reminders on PostgreSQL (1,000 on SQLite) and counts what the Slack
simulator received.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from sqlmodel import func, select

from bot import services as svc
from bot.delivery.outbox import Outbox
from bot.delivery.reminders import Sweeper
from bot.porting.calendar import BusinessCalendar
from bot.porting.reminders import ReminderKind
from bot.services.base import Context
from bot.services.effects import Topic
from bot.services.reminders import reconcile
from bot.slack.blocks.reminders import reminder_of
from bot.slack.reminder_delivery import ReminderDelivery
from storage import crypto
from storage import repositories as repo
from storage.db import Database
from storage.models import OutboxMessage, PortRequest, Reminder, SlackLink, TimelineEvent
from storage.values import ReminderStatus, RequestStatus
from tests.conftest import PG_URL, TEST_KEY
from tests.reminders.conftest import ny
from tests.reminders.seed import draft_requests
from tests.services.helpers import CUSTOMER, draft
from tests.slack.conftest import CHANNEL, new_sim

CREATED = ny(2026, 11, 16, 10)  # Monday
DUE = ny(2026, 11, 17, 10)  # bill-missing, 1 business day later


class Killed(BaseException):
    """The process dies: nothing after this line runs, no handler catches it."""


def _count(db: Database, *where: object, model: type = Reminder) -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def _worker_ctx(ctx: Context) -> Context:
    """Another process: its own engine and pool, the same database and clock."""
    return Context(
        reconcile=reconcile,
        db=Database(ctx.db.url, pool_size=4),
        calendar=ctx.calendar,
        clock=ctx.clock,
        effect_topics=("slack.request_event",),
    )


def _worker_process(url: str, now: str, slack_url: str, name: str) -> tuple[int, int]:
    """A ``portbot worker`` of its own (a spawned process): sweep and deliver until nothing is
    due or pending. Returns (reminders swept, messages delivered)."""
    crypto.configure(crypto.Keyring([TEST_KEY]))
    moment = datetime.fromisoformat(now)
    ctx = Context(
        reconcile=reconcile,
        db=Database(url, pool_size=2),
        calendar=BusinessCalendar(country="US", timezone="America/New_York"),
        clock=lambda: moment,
        effect_topics=("slack.request_event",),
    )
    client = WebClient(token="xoxb-test", base_url=slack_url)
    sweeper = Sweeper(ctx, batch_size=500, worker_id=f"sweep-{name}")
    outbox = Outbox(
        ctx, {Topic.SLACK_REMINDER: ReminderDelivery(ctx, client)}, worker_id=f"out-{name}"
    )
    swept = delivered = 0
    while True:
        done = sweeper.run_once().done
        sent = outbox.run_once()
        swept, delivered = swept + done, delivered + sent
        if done or sent:
            continue
        if not outbox.claim_pending_exists() and not sweeper.run_once().done:
            break
        time.sleep(0.01)  # the other worker holds what is left
    ctx.db.dispose()
    return swept, delivered


def test_two_worker_processes_post_each_reminder_once_to_slack(ctx, clock):
    """Two worker processes sweep and deliver 5,000 due reminders (1,000 on SQLite) to the
    Slack simulator, which counts them: each request's reminder arrives exactly once."""
    total = 5_000 if PG_URL else 1_000
    ids = draft_requests(ctx, total, created=CREATED)
    with ctx.db.write() as s:  # the cards, as if posted already
        for n, rid in enumerate(ids):
            s.add(SlackLink(request_id=rid, channel_id=CHANNEL, message_ts=f"1699999999.{n:06d}"))
    sim = new_sim()
    spawn = multiprocessing.get_context("spawn")  # the simulator's threads do not survive fork
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        url = ctx.db.url.render_as_string(hide_password=False)
        runs = [pool.submit(_worker_process, url, DUE.isoformat(), sim.url, n) for n in "ab"]
        results = [run.result(timeout=300) for run in runs]
    posted = Counter()
    for call in sim.calls_to("chat.postMessage"):
        posted[reminder_of(call.args)["subject"]] += 1
    with ctx.db.read() as s:
        sids = set(s.exec(select(PortRequest.sid)).all())
    assert len(sids) == total
    assert set(posted) == sids and set(posted.values()) == {1}
    assert sum(swept for swept, _ in results) == sum(sent for _, sent in results) == total
    if PG_URL:  # SQLite lets one writer in at a time: one worker may well take everything
        assert all(swept and sent for swept, sent in results), results
    sim.stop()


def _due_requests(ctx, clock, n: int) -> None:
    clock.set(CREATED)
    for _ in range(n):
        svc.open_request(ctx, draft(), actor=CUSTOMER, channel_id="C0CUSTOMER")
    clock.set(ny(2026, 11, 17, 10))  # each has one LOA reminder due (thread + the rep's DM)


def _kill_connection(session) -> None:
    """PostgreSQL: the worker's connection dies (as with a killed process); SQLite: the
    process dies before its commit."""
    if session.get_bind().dialect.name != "postgresql":
        raise Killed()
    pid = session.execute(sa.text("select pg_backend_pid()")).scalar_one()
    admin = sa.create_engine(session.get_bind().engine.url)
    with admin.begin() as conn:
        conn.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(ctx, clock):
    _due_requests(ctx, clock, 12)
    dying = Sweeper(ctx, batch_size=5, worker_id="dying", before_commit=_kill_connection)
    with pytest.raises((Killed, sa.exc.OperationalError, sa.exc.InterfaceError)):
        dying.run_once()
    assert _count(ctx.db, Reminder.status == ReminderStatus.SENT) == 0
    assert _count(ctx.db, OutboxMessage.topic == Topic.SLACK_REMINDER, model=OutboxMessage) == 0

    survivor = Sweeper(_worker_ctx(ctx), batch_size=5, worker_id="survivor")
    result = survivor.sweep()
    assert len(result.sent) == 12
    with ctx.db.read() as s:
        keys = s.exec(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.topic == Topic.SLACK_REMINDER)
        ).all()
    assert len(keys) == len(set(keys)) == 24  # the thread and the DM, once per reminder
    assert survivor.sweep().done == 0
    survivor.ctx.db.dispose()


def test_a_system_action_leased_by_a_dead_worker_runs_once_after_the_lease(ctx, clock):
    clock.set(CREATED)
    sid = svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER, channel_id="C0CUSTOMER").sid
    clock.set(CREATED + timedelta(days=31))  # the draft's 30 days are over
    first = Sweeper(ctx, worker_id="first", lease=timedelta(minutes=5))
    result, leased = first._batch(())  # claims and leases the expiry, then dies
    assert [r.kind for r, _ in leased] == ["request-expiry"]  # (and bill-missing went out)

    second = Sweeper(_worker_ctx(ctx), worker_id="second", lease=timedelta(minutes=5))
    assert second.sweep().done == 0  # the lease holds
    clock.set(clock.now + timedelta(minutes=5, seconds=1))
    assert len(second.sweep().actions) == 1
    with ctx.db.read() as s:
        (row,) = s.exec(select(Reminder).where(Reminder.kind == "request-expiry")).all()
        req = repo.get_request(s, sid=sid)
    assert row.status is ReminderStatus.SENT and row.data["outcome"] == "done"
    assert req.status is RequestStatus.EXPIRED
    expired = TimelineEvent.action == "expire"
    assert _count(ctx.db, expired, model=TimelineEvent) == 1

    # The first worker wakes up and finishes what it leased: nothing happens twice.
    first._act(*leased[0], result)
    assert _count(ctx.db, expired, model=TimelineEvent) == 1
    with ctx.db.read() as s:
        assert s.get(Reminder, row.id).status is ReminderStatus.SENT
    second.ctx.db.dispose()


def test_a_failing_action_is_retried_after_its_lease_then_given_up(ctx, clock):
    clock.set(CREATED)
    svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER, channel_id="C0CUSTOMER")
    clock.set(CREATED + timedelta(days=31))
    calls = []

    def broken(c, row):
        calls.append(row.id)
        raise RuntimeError("the use case blew up")

    sweeper = Sweeper(ctx, actions={ReminderKind.REQUEST_EXPIRY: broken}, max_attempts=3)
    for _ in range(5):
        sweeper.sweep()
        clock.set(clock.now + sweeper.lease + timedelta(seconds=1))
    assert len(calls) == 3
    with ctx.db.read() as s:
        (row,) = s.exec(select(Reminder).where(Reminder.kind == "request-expiry")).all()
    assert row.status is ReminderStatus.CANCELLED and row.data["outcome"] == "failed"
