"""A request's whole journey over five simulated weeks, counted at the Slack simulator.

The dates cross a weekend, the end of daylight saving time (Nov 1 2026), Veterans Day
(Wed Nov 11), Thanksgiving (Thu Nov 26) and a FOC window; every reminder must arrive exactly
once, at the expected New York wall time, in the expected place.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from bot import services as svc
from bot.porting.fields import Bill
from storage.values import ReminderStatus
from tests.reminders.conftest import REP, ny
from tests.services.helpers import ACCOUNT, AGENT, CUSTOMER, PIN, draft, mark_loa_signed
from tests.slack.conftest import AGENTS_CHANNEL, CHANNEL

BILL = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 10, 20))
FOC = date(2026, 12, 1)


def wall(mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, mo, d, h, mi)


EXPECTED = [
    # (local time, kind(s), stage, where); kinds joined by "+" went out as one message
    (wall(10, 30, 10), "bill-missing", "1", "thread"),
    # after the DST change: still 10:00 local (15:00 UTC instead of 14:00)
    (wall(11, 2, 10), "loa-unsigned", "1", "thread"),
    (wall(11, 2, 10), "loa-unsigned", "1", "rep"),
    (wall(11, 4, 10), "loa-unsigned", "3", "thread"),
    (wall(11, 4, 10), "loa-unsigned", "3", "rep"),
    (wall(11, 6, 10), "loa-unsigned", "5", "thread"),
    (wall(11, 6, 10), "loa-unsigned", "5", "rep"),
    # signed Mon Nov 9: the agents' alert of Tue Nov 10 never goes out
    # two business days in review: Veterans Day does not count
    (wall(11, 12, 11), "stale-request", "2", "agents"),
    # "keep your service active" once while submitted (no weekly repeat) ...
    (wall(11, 12, 14), "keep-active", "submitted", "thread"),
    # no stale alert while submitted: a firm date usually comes within 10 business days of
    # submission (1-3 for the carrier's answer, then 3-7; the country table's US figures), so
    # the alert would fall on Fri Nov 27, after the FOC of Mon Nov 23
    # the FOC came in Monday evening: announced at the next start of contact hours; the
    # announcement says "keep your service active" for this stage (no "2 days before" repeat)
    (wall(11, 24, 9), "foc-confirmed", "", "thread"),
    # 3 business days before Tue Dec 1 skips Thanksgiving and the weekend; the cut-off notice
    # falls due the same morning: one message
    (wall(11, 25, 10), "cancellation-cutoff+foc-approaching", "", "thread"),
    (wall(11, 30, 10), "foc-approaching", "business-days-before", "thread"),
    (wall(12, 1, 9), "foc-approaching", "window-start", "thread"),
    (wall(12, 1, 13), "post-port-check", "", "thread"),
]
ASKS = {"bill-missing", "loa-unsigned", "foc-confirmed", "post-port-check"}
"""The reminders that ask the requester to act, and so mention them (the others do not)."""
REMINDERS = sum(len(e[1].split("+")) for e in EXPECTED if e[3] != "rep")
HOLIDAYS = {date(2026, 11, 11), date(2026, 11, 26)}


def _where(sent) -> str:
    if sent.channel == AGENTS_CHANNEL:
        return "agents"
    if sent.channel == REP:
        return "rep"
    assert sent.channel == CHANNEL and sent.thread, sent
    return "thread"


def test_the_whole_journey_sends_each_reminder_once_at_its_local_time(world_zd):
    w = world_zd
    w.clock.set(ny(2026, 10, 29, 8))
    w.tick()  # the scheduler starts: today's digest row exists before 09:00
    w.at(ny(2026, 10, 29, 16))  # Thursday
    sid = svc.save_draft(
        w.ctx, draft(bill=None), actor=CUSTOMER, team_id="T0PORTBOT", channel_id=CHANNEL
    ).sid
    w.tick()
    w.at(ny(2026, 10, 30, 19, 30))  # Friday evening: the LOA goes out
    svc.complete_draft(w.ctx, sid, actor=CUSTOMER, bill=BILL)
    w.tick()
    w.at(ny(2026, 11, 9, 11))  # Monday, EST now
    mark_loa_signed(w.ctx, sid, actor=CUSTOMER)
    w.tick()
    w.at(ny(2026, 11, 12, 14))
    svc.submit_to_carrier(w.ctx, sid, actor=AGENT)
    w.tick()
    w.at(ny(2026, 11, 23, 20, 30))
    svc.set_foc(
        w.ctx,
        sid,
        FOC,
        actor=AGENT,
        window_start=ny(2026, 12, 1, 9),
        window_end=ny(2026, 12, 1, 13),
    )
    w.tick()
    w.at(ny(2026, 12, 1, 12))
    svc.mark_ported(w.ctx, sid, actor=AGENT)
    w.tick()
    w.run_until(ny(2026, 12, 1, 18))

    reminders = [s for s in w.sent if s.kind != "daily-digest"]
    assert [(s.at, "+".join(s.kinds), s.stage, _where(s)) for s in reminders] == EXPECTED

    # The digest: 09:00 local on every business day, in the agents channel, nothing else.
    digests = [s for s in w.sent if s.kind == "daily-digest"]
    assert all(s.channel == AGENTS_CHANNEL and not s.thread for s in digests)
    assert all((s.at.hour, s.at.minute) == (9, 0) for s in digests)
    days = [s.at.date() for s in digests]
    assert len(days) == len(set(days)) == 22
    assert not HOLIDAYS & set(days)
    assert all(d.weekday() < 5 for d in days)

    # Every message says what to do and by when, leaks no secret, and mentions the requester
    # (once, first) only when it asks them to act.
    for s in reminders:
        assert PIN not in s.text and ACCOUNT not in s.text and ACCOUNT[-4:] not in s.text
        if _where(s) == "thread" and ASKS & set(s.kinds):
            assert s.text.startswith(f"<@{CUSTOMER.id}>") and s.text.count("<@") == 1
        elif _where(s) == "thread":
            assert "<@" not in s.text, s.text
    assert sum("keep" in s.text.lower() and "active" in s.text for s in reminders) == 2
    first_loa = next(s for s in reminders if s.kind == "loa-unsigned")
    assert "signed by *Sun Nov 29, 2026*" in first_loa.text
    cutoff = next(s for s in reminders if "cancellation-cutoff" in s.kinds)
    assert "*Fri Nov 27, 2026*" in cutoff.text and "Cancel request" in cutoff.text
    confirmed = next(s for s in reminders if s.kind == "foc-confirmed")
    assert "*Tue Dec 1, 2026*" in confirmed.text and "9:00 AM – 1:00 PM EST" in confirmed.text
    assert "Set your numbers up in your account now" in confirmed.text

    # Each reminder about the request is also an internal note on its ticket.
    (ticket,) = w.zendesk.tickets()
    notes = [
        c
        for c in w.zendesk.comments(ticket["id"])
        if c["body"].startswith("portbot reminder sent in Slack")
    ]
    assert len(notes) == REMINDERS  # one each, also for the two told in one Slack message
    assert all(not c["public"] for c in notes)
    assert all(PIN not in c["body"] and ACCOUNT not in c["body"] for c in notes)

    # Nothing is left over: every row was sent once or cancelled, none is still due.
    rows = [r for r in w.rows() if r.request_id is not None]
    assert {r.status for r in rows} <= {ReminderStatus.SENT, ReminderStatus.CANCELLED}
    sent_rows = [r for r in rows if r.status is ReminderStatus.SENT]
    assert len(sent_rows) == REMINDERS
    never = Counter(r.kind for r in rows if r.status is ReminderStatus.CANCELLED)
    assert never["loa-unsigned-agents"] == 1 and never["request-expiry"] == 2
    assert all((r.data or {}).get("outcome") == "obsolete" for r in rows if r.sent_at is None)


def test_an_loa_signed_before_its_reminder_is_never_reminded(world):
    w = world
    w.clock.set(ny(2026, 11, 16, 10))  # Monday
    sid = svc.open_request(w.ctx, draft(), actor=CUSTOMER, channel_id=CHANNEL).sid
    w.tick()
    w.at(ny(2026, 11, 17, 9, 59))  # a minute before the first reminder
    mark_loa_signed(w.ctx, sid, actor=CUSTOMER)
    w.run_until(ny(2026, 12, 18, 12))
    kinds = {s.kind for s in w.sent}
    assert not kinds & {"loa-unsigned", "loa-unsigned-agents"}
    loa_rows = [r for r in w.rows() if r.kind.startswith("loa-unsigned")]
    assert len(loa_rows) == 4
    assert all(r.status is ReminderStatus.CANCELLED and r.sent_at is None for r in loa_rows)
    assert {r.data["outcome"] for r in loa_rows} == {"obsolete"}
    # the request did not expire either: that row went with the signature
    expiry = [r for r in w.rows() if r.kind == "request-expiry"]
    assert [r.status for r in expiry] == [ReminderStatus.CANCELLED]
