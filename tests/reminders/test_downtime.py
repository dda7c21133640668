"""After downtime: each overdue countdown goes out once, in its newest state; moments that have
passed are dropped, never replayed."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bot import services as svc
from bot.porting.fields import Bill
from storage.values import ReminderStatus
from tests.reminders.conftest import ny
from tests.services.helpers import AGENT, CUSTOMER, draft, mark_loa_signed
from tests.slack.conftest import CHANNEL

OCTOBER_BILL = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 10, 20))


def _in_flight(w, foc: date, **window) -> str:
    """A request submitted Mon Nov 2 whose FOC was set Fri Nov 13."""
    w.clock.set(ny(2026, 11, 2, 10))
    sid = svc.open_request(w.ctx, draft(bill=OCTOBER_BILL), actor=CUSTOMER, channel_id=CHANNEL).sid
    mark_loa_signed(w.ctx, sid, actor=CUSTOMER)
    w.clock.set(ny(2026, 11, 2, 10, 10))
    svc.submit_to_carrier(w.ctx, sid, actor=AGENT)
    w.tick()
    w.at(ny(2026, 11, 13, 10))
    svc.set_foc(w.ctx, sid, foc, actor=AGENT, **window)
    w.tick()
    return sid


def test_five_days_down_gives_one_catch_up_message_per_kind(world):
    w = world
    in_flight = _in_flight(w, date(2026, 11, 24))  # FOC Tuesday Nov 24, no window
    w.at(ny(2026, 11, 16, 10))
    waiting = svc.open_request(w.ctx, draft(), actor=CUSTOMER, channel_id=CHANNEL).sid
    w.run_until(ny(2026, 11, 18, 8))  # Wednesday morning: the service goes down
    before = len(w.sent)

    w.clock.set(ny(2026, 11, 23, 10, 30))  # back on Monday, 5 days and 2.5 hours later
    result = w.tick()

    caught_up = w.sent[before:]
    assert Counter(s.kind for s in caught_up) == {
        "loa-unsigned": 2,  # the thread, and the representative's DM
        "foc-approaching": 1,  # "keep your service active" was said once, with the FOC
        "daily-digest": 1,
    }
    loa = [s for s in caught_up if s.kind == "loa-unsigned"]
    assert {s.stage for s in loa} == {"5"}  # not the Thursday one that was missed
    assert "5 business days ago" in loa[0].text
    (countdown,) = [s for s in caught_up if s.kind == "foc-approaching"]
    assert "in 1 business day" in countdown.text  # not "3 business days"
    # the cut-off notice (last day to cancel: Fri Nov 20) is over: not sent at all
    assert "cancellation-cutoff" not in {s.kind for s in caught_up}

    rows = {r.dedupe_key: r for r in w.rows()}

    def outcome(part: str) -> str:
        (row,) = [r for k, r in rows.items() if k.endswith(part)]
        return row.data.get("outcome") or row.status.value

    assert outcome(f"{in_flight}:foc-approaching:20261124:3") == "superseded"
    assert outcome(f"{in_flight}:foc-approaching:20261124:1") == "sent"
    assert outcome(f"{in_flight}:cancellation-cutoff:20261124") == "expired"
    assert any(k.startswith(f"{waiting}:loa-unsigned:") and k.endswith(":3") for k in rows)
    assert outcome(f"{waiting}:loa-unsigned:20261116150000:3") == "superseded"
    digests = [r for r in w.rows(kind="daily-digest") if r.due_at < w.clock.now]
    assert [r.data.get("outcome") for r in digests[-4:]] == [
        "expired",
        "expired",
        "expired",
        None,
    ]
    assert len(result.skipped) == 6  # loa :3, FOC -3, the cut-off, three old digests

    # Nothing that was set aside comes back later; the next moments arrive as planned.
    w.run_until(ny(2026, 11, 24, 12))
    later = w.sent[before + len(caught_up) :]
    assert [(s.at.hour, s.kind, s.stage) for s in later if s.kind != "daily-digest"] == [
        (9, "foc-approaching", "window-start")
    ]
    skipped = [r for r in w.rows() if r.data.get("outcome") in ("superseded", "expired")]
    assert all(r.status is ReminderStatus.CANCELLED and r.sent_at is None for r in skipped)


def test_a_countdown_past_its_moment_gives_way_to_the_current_state(world):
    w = world
    window = {"window_start": ny(2026, 11, 24, 9), "window_end": ny(2026, 11, 24, 13)}
    _in_flight(w, date(2026, 11, 24), **window)
    w.run_until(ny(2026, 11, 18, 8))
    before = len(w.sent)

    w.clock.set(ny(2026, 11, 24, 10))  # back during the port window
    w.tick()
    caught_up = [s for s in w.sent[before:] if s.kind != "daily-digest"]
    # "3 days", "1 day", "keep active until Tuesday" and the cut-off are all over: only the
    # message for where things stand now goes out.
    assert [(s.kind, s.stage) for s in caught_up] == [("foc-approaching", "window-start")]
    assert "has started" in caught_up[0].text


def test_a_second_sweep_after_catch_up_sends_nothing(world):
    w = world
    w.clock.set(ny(2026, 11, 16, 10))
    svc.open_request(w.ctx, draft(), actor=CUSTOMER, channel_id=CHANNEL)
    w.clock.set(ny(2026, 11, 24, 11))
    first = w.tick()
    # the newest LOA reminder of three (the agents' alert is not due before Wednesday), and
    # today's digest, late but still today
    assert sorted(r.kind for r in w.rows() if r.id in first.sent) == [
        "daily-digest",
        "loa-unsigned",
    ]
    again = w.tick()
    assert again.done == 0
    assert sorted(s.kind for s in w.sent) == ["daily-digest", "loa-unsigned", "loa-unsigned"]


def test_a_late_countdown_tells_the_count_of_the_day_it_goes_out(world):
    w = world
    _in_flight(w, date(2026, 11, 24))  # FOC Tuesday Nov 24: "3 days" is due Thursday the 19th
    w.at(ny(2026, 11, 16, 10))
    svc.open_request(w.ctx, draft(), actor=CUSTOMER, channel_id=CHANNEL)  # LOA out Monday
    w.run_until(ny(2026, 11, 18, 8))  # down from Wednesday morning …
    before = len(w.sent)

    w.clock.set(ny(2026, 11, 20, 10, 30))  # … to Friday: only the Thursday moments are missed
    w.tick()
    caught_up = {k: s for s in w.sent[before:] if s.thread for k in s.kinds}
    countdown, loa = caught_up["foc-approaching"], caught_up["loa-unsigned"]
    # Thursday's countdown and cut-off notice, one message (the last day to cancel is today)
    assert countdown is caught_up["cancellation-cutoff"]
    assert "Your numbers move in 2 business days" in countdown.text  # Mon 23, Tue 24
    assert "4 business days ago" in loa.text  # sent Monday the 16th
