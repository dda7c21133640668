"""The outbox loop: each row delivered once, in order per request and destination, retried
with backoff, honouring Retry-After, dead after the give-up time, and safe with two workers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlmodel import select

from bot import services as svc
from bot.delivery.outbox import Outbox, RetryLater, backoff
from storage.models import OutboxMessage
from storage.values import OutboxStatus
from tests.services.helpers import CUSTOMER, draft

SLACK = "slack.request_event"


def _rows(ctx, topic=SLACK):
    with ctx.db.read() as s:
        return list(
            s.exec(
                select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)
            ).all()
        )


def _open(ctx, n=1):
    return [svc.open_request(ctx, draft(), actor=CUSTOMER).sid for _ in range(n)]


def test_each_row_once_and_in_order_per_request(ctx):
    _open(ctx, 3)  # 2 events each: open, complete_draft
    seen = []
    outbox = Outbox(ctx, {SLACK: lambda row: seen.append((row.payload["sid"], row.id))})
    assert outbox.drain() == 6
    assert outbox.drain() == 0
    assert len(seen) == len(set(seen)) == 6
    for sid in {s for s, _ in seen}:
        ids = [i for s, i in seen if s == sid]
        assert ids == sorted(ids)
    assert {r.status for r in _rows(ctx)} == {OutboxStatus.DELIVERED}


def test_a_stuck_destination_does_not_hold_up_another(ctx):
    _open(ctx)
    # Only Slack has a sender: the Zendesk rows of the same request stay pending, Slack's go.
    delivered = Outbox(ctx, {SLACK: lambda row: None}).drain()
    assert delivered == 2
    assert {r.status for r in _rows(ctx, "zendesk.request_event")} == {OutboxStatus.PENDING}


def test_failures_back_off_and_later_rows_of_the_request_wait(ctx, clock):
    _open(ctx)
    calls = []

    def flaky(row):
        calls.append(row.id)
        if len(calls) == 1:
            raise ConnectionError("Slack is down")

    outbox = Outbox(ctx, {SLACK: flaky})
    assert outbox.run_once() == 0  # the first row failed; the second must wait behind it
    first, second = _rows(ctx)
    assert first.attempts == 1 and "Slack is down" in first.last_error
    assert first.next_attempt_at > clock.now and second.attempts == 0
    assert outbox.run_once() == 0  # nothing due yet
    clock.set(first.next_attempt_at)
    assert outbox.drain() == 2 and calls == [first.id, first.id, second.id]


def test_retry_after_is_honoured(ctx, clock):
    _open(ctx)

    def limited(row):
        raise RetryLater(42, "rate limited")

    Outbox(ctx, {SLACK: limited}).run_once()
    row = _rows(ctx)[0]
    assert row.next_attempt_at == clock.now + timedelta(seconds=42)


def test_rows_die_after_the_give_up_time_not_after_a_number_of_tries(ctx, clock):
    _open(ctx)
    dead = []

    def broken(row):
        raise ValueError("bad payload")

    outbox = Outbox(ctx, {SLACK: broken}, give_up=timedelta(hours=2), on_dead=dead.append)
    for _ in range(40):  # 40 tries in the first two hours: none of them kills the row
        outbox.run_once()
        clock.set(clock.now + timedelta(minutes=2))
    first = _rows(ctx)[0]
    assert first.status is OutboxStatus.PENDING and first.attempts > 10
    assert first.next_attempt_at - clock.now <= timedelta(seconds=900)
    clock.set(first.created_at + timedelta(hours=2))
    outbox.run_once()
    first = _rows(ctx)[0]
    assert first.status is OutboxStatus.DEAD
    assert [r.id for r in dead] == [first.id]


def test_a_crashed_workers_lease_runs_out(ctx, clock):
    _open(ctx)
    crashed = Outbox(ctx, {SLACK: lambda row: None}, worker_id="crashed")
    claimed = crashed.claim()  # claimed, then the process died before delivering
    assert claimed
    healthy = Outbox(ctx, {SLACK: lambda row: None}, worker_id="healthy")
    assert healthy.run_once() == 0  # still leased
    clock.set(clock.now + crashed.lease + timedelta(seconds=1))
    assert healthy.drain() == 2


def test_backoff_grows_and_is_capped():
    assert 2 <= backoff(1) <= 2
    assert all(2 <= backoff(5) <= 32 for _ in range(100))
    assert all(backoff(30) <= 900 for _ in range(100))


def test_two_workers_never_deliver_the_same_row(ctx):
    _open(ctx, 40)
    delivered = Counter()
    lock = threading.Lock()

    def handler(row):
        with lock:
            delivered[row.id] += 1

    workers = [Outbox(ctx, {SLACK: handler}, worker_id=f"w{i}", batch_size=7) for i in range(2)]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in workers:  # whatever one left for order's sake, the other picks up
        w.drain()
    assert len(delivered) == 80 and set(delivered.values()) == {1}
