"""The decider writes deliveries in groups: one transaction, a savepoint each. A delivery sent
twice in one group is recorded once; one that fails fails alone; many at once from many
threads each get their own answer, and each body is recorded once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import func, select

from bot.bandwidth.decide import decider
from bot.bandwidth.route import dedupe_key
from bot.bandwidth.validation import parse_request
from storage.models import HeldNumber, PortOut
from tests.bandwidth.test_validation import request_xml

HELD = [f"+1222333{n:04d}" for n in range(40)]


def _hold(ctx) -> None:
    with ctx.db.write() as s:
        for n in HELD:
            s.add(HeldNumber(e164=n, team_id="T1", account="C0ACME", added_at=ctx.now()))


def _delivery(body: bytes):
    return parse_request(body), dedupe_key(body)


def _port_outs(ctx) -> int:
    with ctx.db.read() as s:
        return s.exec(select(func.count()).select_from(PortOut)).one()


def test_one_group_records_a_repeated_delivery_once_and_a_failing_one_alone(ctx, monkeypatch):
    _hold(ctx)
    first = request_xml(("2223330000",), PON="PON-1")
    other = request_xml(("2223330001",), PON="PON-2")
    decide = decider(ctx)
    from bot.services.port_outs import incoming

    real = incoming.record_new
    boom = RuntimeError("this one only")

    def fails_for_pon_2(ctx, conn, entries):  # after its port-out row is written
        if any(row["pon"] == "PON-2" for row, *_ in entries):
            raise boom
        return real(ctx, conn, entries)

    monkeypatch.setattr(incoming, "record_new", fails_for_pon_2)
    answers = decide.decide_all([_delivery(first), _delivery(other), _delivery(first)])

    assert answers[1] is boom
    assert answers[0] == answers[2] and answers[0].portable  # asked of the holder: goes ahead
    assert _port_outs(ctx) == 1  # the first, once; the failing one left nothing behind


def test_many_threads_at_once_each_get_an_answer_and_each_body_is_recorded_once(ctx):
    _hold(ctx)
    bodies = [request_xml((n[2:],), PON=f"PON-{i}") for i, n in enumerate(HELD)]
    sent = bodies + bodies[::3]  # a third of them delivered twice
    decide = decider(ctx)
    sizes: list[int] = []
    whole = decide.decide_all

    def counted(deliveries):
        sizes.append(len(deliveries))
        return whole(deliveries)

    decide.decide_all = counted  # type: ignore[method-assign]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda body: decide(*_delivery(body)), sent))

    assert len(answers) == len(sent) and all(a.portable for a in answers)
    assert [a.pon for a in answers] == [parse_request(b).pon for b in sent]
    assert _port_outs(ctx) == len(bodies)
    assert sum(sizes) == len(sent) and max(sizes) > 1  # some went in together


def test_a_delivery_another_replica_just_recorded_is_answered_from_its_record(ctx, monkeypatch):
    """Between the look for earlier deliveries and the write, another replica records the same
    delivery: the write fails on the unique key, the group is written again one savepoint at a
    time, and that delivery is answered from what the other replica recorded."""
    from bot.services.port_outs import batch

    _hold(ctx)
    body = request_xml(("2223330003",), PON="PON-9")
    other = request_xml(("2223330004",), PON="PON-10")
    decide = decider(ctx)
    (first,) = decide.decide_all([_delivery(body)])  # the other replica's
    monkeypatch.setattr(batch, "_recorded_before", lambda session, keys: set())
    again, fresh = decide.decide_all([_delivery(body), _delivery(other)])
    assert again == first and fresh.portable
    assert _port_outs(ctx) == 2  # PON-9 once, PON-10 once
