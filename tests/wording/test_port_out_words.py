"""Port-outs in words: each reason, the summary, the news of every timeline action under both
deadline defaults, windows, the numbers an account holds, the private details of an asked-for
port-out, and the reminders that follow the configured default."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.porting.calendar import BusinessCalendar
from bot.porting.port_outs import REJECTING, Reason
from bot.porting.reminders import ReminderKind, ReminderPolicy
from bot.slack.blocks.text import mrkdwn
from bot.wording import port_out_notices as notices
from bot.wording import port_outs as words
from bot.wording.reminders import Occasion, note_text, notice
from bot.wording.rich import html, plain
from storage.models import HeldNumber, PortOut, PortOutWindow
from storage.values import PortOutStatus, Secret, WindowStatus

P = PortOutStatus
TZ = "America/New_York"
HOSTILE = "<!channel> <https://evil.example|Reset>"
ESCAPED = "&lt;!channel&gt; &lt;https://evil.example|Reset&gt;"
PIN, ACCOUNT = "4829", "ACCT99887766"
NUMS = ["+16172531000", "+16172531001", "+16172531002"]
ARRIVED = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)  # Mon 10:00 AM in New York
DEADLINE = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)


def port_out(status=P.PENDING, reasons=("ask",) * 3, **kw) -> PortOut:
    fields = {
        "public_id": "PO" + "c" * 32,
        "numbers": list(NUMS),
        "receiving_carrier": "Other Tel",
        "decisions": [{"number": n, "reason": r} for n, r in zip(NUMS, reasons, strict=True)],
        "status": status,
        "deadline_at": DEADLINE,
        "created_at": ARRIVED,
        "pin_offered": Secret(PIN),
        "account_number": Secret(ACCOUNT, keep_last=4),
        **kw,
    }
    return PortOut(**fields)


def leaks(text: str) -> list[str]:
    return [s for s in (PIN, ACCOUNT, ACCOUNT[-4:], "••••") if s in text]


# --- reasons -------------------------------------------------------------------------------


def test_every_reason_has_a_sentence_for_one_number_and_for_several():
    seen = set()
    for reason in Reason:
        one, many = words.reason_words(reason), words.reason_words(reason, 3)
        for sentence in (one, many):
            assert sentence.endswith(".") and ". " not in sentence[:-1], sentence
        assert "this number" in one.lower() and "these numbers" in many.lower()
        seen |= {one, many}
    assert len(seen) == 2 * len(Reason)  # no two reasons read alike
    assert len({words.reason_label(r) for r in Reason}) == len(Reason)
    assert words.reason_label(Reason.PIN_WRONG) == "wrong PIN"
    assert "locked against port-outs" in words.reason_words(Reason.LOCKED)
    assert "did not give its PIN" in words.reason_words(Reason.LOCKED)
    assert "waits for your approval" in words.reason_words(Reason.ASK)
    for reason in REJECTING:
        assert "stays on your account" in words.reason_words(reason) or reason is Reason.NOT_HELD


# --- the summary ---------------------------------------------------------------------------


def test_a_pending_summary_names_the_carrier_numbers_deadline_and_each_decision():
    po = port_out(reasons=("ask", "ask", "window"))
    text = plain(words.port_out_summary(po, TZ))
    assert text.splitlines() == [
        "Port-out to Other Tel: Waiting for your answer",
        "3 numbers: +1 617-253-1000, +1 617-253-1001, +1 617-253-1002",
        "Answer by: Tue Nov 17, 2026 at 10:00 AM EST",
        "• +1 617-253-1000, +1 617-253-1001: No port-out window covers these numbers, so they "
        "wait for your approval.",
        "• +1 617-253-1002: An open port-out window covers this number, so it may leave.",
    ]


@pytest.mark.parametrize(
    ("rule", "decided_by", "said"),
    [
        ("window", "portbot", "Decided by an open port-out window"),
        ("pin", "portbot", "Decided by the port-out PIN check"),
        ("lock", "portbot", "Decided by the port-out lock"),
        ("not-held", "portbot", "Decided by the inventory (we don't hold the numbers)"),
        ("mismatch", "portbot", "Decided by the account details check"),
        ("deadline", "portbot", "Decided by the default at the deadline, as nobody answered"),
        ("customer", "U0CUSTOMER", "Decided by <@U0CUSTOMER>"),
        ("agent", "U0AGENT", "Decided by <@U0AGENT> of the porting team"),
    ],
)
def test_the_summary_says_who_or_which_rule_decided(rule, decided_by, said):
    at = datetime(2026, 11, 16, 20, 30, tzinfo=UTC)
    po = port_out(P.AUTHORIZED, rule=rule, decided_by=decided_by, decided_at=at)
    text = mrkdwn(words.port_out_summary(po, TZ))
    assert f"{said} on Mon Nov 16, 2026, 3:30 PM EST" in text
    assert "Answer by" not in text


# --- news ----------------------------------------------------------------------------------


@pytest.mark.parametrize("default", ["authorize", "reject"])
def test_arrival_news_asks_for_an_answer_and_says_what_silence_does(default):
    text = plain(words.port_out_news(port_out(), "arrived", TZ, default=default))
    assert text.startswith(
        "Other Tel has asked to take +1 617-253-1000, +1 617-253-1001, +1 617-253-1002 from "
        "your account."
    )
    assert "approve it; if not, reject it, by Tue Nov 17, 2026 at 10:00 AM EST." in text
    silence = "it goes ahead" if default == "authorize" else "it is refused"
    other = "it is refused" if default == "authorize" else "it goes ahead"
    assert f"If nobody answers by then, {silence}." in text and other not in text


@pytest.mark.parametrize(
    ("rule", "who", "opening"),
    [
        (
            "window",
            "portbot",
            "Other Tel's request to take +1 617-253-1000, +1 617-253-1001, +1 "
            "617-253-1002 matched your open port-out window, so we authorized it.",
        ),
        ("customer", "U0CUSTOMER", "<@U0CUSTOMER> approved Other Tel's request"),
        ("agent", "U0AGENT", "The porting team (<@U0AGENT>) authorized Other Tel's request"),
        (
            "deadline",
            "portbot",
            "No answer came by *Tue Nov 17, 2026 at 10:00 AM EST*, so Other "
            "Tel's request to take +1 617-253-1000, +1 617-253-1001, +1 617-253-1002 went ahead.",
        ),
    ],
)
@pytest.mark.parametrize("default", ["authorize", "reject"])
def test_authorized_news_names_who_authorized(rule, who, opening, default):
    po = port_out(P.AUTHORIZED, ("window",) * 3, rule=rule, decided_by=who)
    text = mrkdwn(words.port_out_news(po, "authorized", TZ, default=default))
    assert text.startswith(opening)
    assert text.endswith("The porting team marks the port-out done once they have gone.")


@pytest.mark.parametrize("default", ["authorize", "reject"])
def test_rejected_news_gives_the_reasons_and_what_to_do(default):
    po = port_out(P.REJECTED, ("pin-wrong", "locked", "locked"), rule="pin", decided_by="portbot")
    text = plain(words.port_out_news(po, "rejected", TZ, default=default))
    assert text.startswith("We refused Other Tel's request to take ")
    assert "• +1 617-253-1000: The new carrier gave the wrong port-out PIN for this number" in text
    assert (
        "• +1 617-253-1001, +1 617-253-1002: These numbers are locked against port-outs and the "
        "new carrier did not give their PIN, so they stay on your account." in text
    )
    assert "give the new carrier your port-out PIN" in text  # a window opens no lock
    assert "port-out window" not in text.split("Here is why:")[1]

    by_customer = port_out(
        P.REJECTED, rule="customer", decided_by="U0CUSTOMER", reason="We did not ask for this."
    )
    said = mrkdwn(words.port_out_news(by_customer, "rejected", TZ, default=default))
    assert said.startswith("<@U0CUSTOMER> rejected Other Tel's request")
    assert "Reason given: We did not ask for this." in said
    assert "open a port-out window with `/port portout authorize`" in said

    silent = port_out(P.REJECTED, rule="deadline", decided_by="portbot")
    said = plain(words.port_out_news(silent, "rejected", TZ, default="reject"))
    assert said.startswith("No answer came by Tue Nov 17, 2026 at 10:00 AM EST, so Other Tel's")
    assert "was refused." in said


@pytest.mark.parametrize("default", ["authorize", "reject"])
def test_ported_and_cancelled_news(default):
    ported = plain(words.port_out_news(port_out(P.PORTED), "ported", TZ, default=default))
    assert ported == (
        "Done: +1 617-253-1000, +1 617-253-1001, +1 617-253-1002 moved to Other Tel and left your "
        "account."
    )
    cancelled = plain(words.port_out_news(port_out(P.CANCELLED), "cancelled", TZ, default=default))
    assert cancelled.startswith("Other Tel's request to take +1 617-253-1000")
    assert cancelled.endswith("was cancelled.\n\nNothing moves: the numbers stay on your account.")


def test_news_without_a_carrier_or_of_an_unknown_action():
    po = port_out(receiving_carrier="")
    assert plain(words.port_out_news(po, "arrived", TZ, default="authorize")).startswith(
        "Another carrier has asked"
    )
    with pytest.raises(ValueError, match="no port-out news"):
        words.port_out_news(po, "exploded", TZ, default="authorize")
    assert {"arrived", "authorized", "rejected", "ported", "cancelled"} == words.PORT_OUT_NEWS


# --- outside text and secrets ----------------------------------------------------------------


def _window(**kw) -> PortOutWindow:
    fields = {
        "public_id": "PW" + "d" * 32,
        "numbers": ["+16172531000"],
        "starts_at": ARRIVED,
        "ends_at": datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        "receiving_carrier": "Acme Wireless",
        "pin": Secret(PIN),
        "status": WindowStatus.OPEN,
        **kw,
    }
    return PortOutWindow(**fields)


def _everything(po: PortOut, window: PortOutWindow, rows: list[HeldNumber]) -> list:
    texts = [words.port_out_summary(po, TZ), words.window_words(window, TZ)]
    texts += [
        words.port_out_news(po, a, TZ, default=d)
        for a in words.PORT_OUT_NEWS
        for d in ("authorize", "reject")
    ]
    texts.append(words.numbers_words(rows, True, True, TZ))
    return texts


def test_a_hostile_carrier_name_is_words_in_every_channel():
    po = port_out(
        P.REJECTED,
        ("pin-wrong",) * 3,
        receiving_carrier=HOSTILE,
        subscriber_name=HOSTILE,
        reason=HOSTILE,
        rule="pin",
    )
    window = _window(receiving_carrier=HOSTILE)
    for text in _everything(po, window, []):
        slack, page = mrkdwn(text), html(text)
        assert "<!channel>" not in slack and "<https://" not in slack and "<!channel>" not in page
        if HOSTILE in plain(text):
            assert ESCAPED in slack and "&lt;!channel&gt;" in page
    hostile = [t for t in _everything(po, window, []) if HOSTILE in plain(t)]
    assert len(hostile) >= 12  # the summary, the window and every piece of news name the carrier


def test_no_pin_and_no_account_number_in_any_words_but_the_asked_for_details():
    po = port_out(
        P.AUTHORIZED,
        ("window",) * 3,
        rule="window",
        decided_by="portbot",
        foc_date=date(2026, 12, 1),
    )
    rows = [HeldNumber(e164=NUMS[0], account="C1", pin=Secret(PIN), source="port-in")]
    for text in _everything(po, _window(), rows):
        for rendered in (plain(text), mrkdwn(text), html(text)):
            assert leaks(rendered) == [], rendered
    assert "PIN set" in plain(words.window_words(_window(), TZ))


def test_the_asked_for_details_carry_the_pin_once_and_say_until_when():
    ends = datetime(2026, 11, 23, 4, 59, tzinfo=UTC)
    text = notices.request_details("AC-1234", "90817263", ["1 Main St", HOSTILE, " "], ends, TZ)
    shown = plain(text)
    assert "• Account number: AC-1234" in shown
    assert "• Port-out PIN: 90817263 (works once, until Sun Nov 22, 2026, 11:59 PM EST)" in shown
    assert f"• Service address: 1 Main St, {HOSTILE}" in shown
    assert "don't post them in a channel" in shown and shown.count("90817263") == 1
    slack = mrkdwn(text)
    assert "`90817263`" in slack and ESCAPED in slack and "<!channel>" not in slack
    none_on_file = plain(notices.request_details("AC-1", "1234", [], ends, TZ))
    assert "Service address: none on file; ask the porting team" in none_on_file


# --- windows and numbers -----------------------------------------------------------------------


def test_window_words():
    text = plain(words.window_words(_window(wished_date=date(2026, 11, 19)), TZ))
    assert text == (
        "Port-out window for +1 617-253-1000: from Mon Nov 16, 2026, 10:00 AM EST to Fri Nov 20, "
        "2026, 10:00 AM EST · only to Acme Wireless · PIN set · port date wished: Thu Nov 19, 2026"
    )
    bare = plain(words.window_words(_window(receiving_carrier=None, pin=None), TZ))
    assert "only to" not in bare and "PIN" not in bare
    assert plain(words.window_words(_window(status=WindowStatus.CANCELLED), TZ)).endswith(
        " · revoked"
    )


def test_numbers_words_show_each_protection_and_never_a_pin():
    unlock = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    rows = [
        HeldNumber(e164=NUMS[0], account="C1", locked=True, pin=Secret(PIN), source="port-in"),
        HeldNumber(e164=NUMS[1], account="C1", locked=True, unlock_at=unlock),
        HeldNumber(e164=NUMS[2], account="C1"),
    ]
    text = plain(words.numbers_words(rows, False, False, TZ))
    assert text.splitlines() == [
        "This account holds 3 numbers.",
        "• +1 617-253-1000 · locked · PIN set · from a port-in",
        "• +1 617-253-1001 · unlocking at Tue Nov 17, 2026, 10:00 AM EST · no PIN · registered",
        "• +1 617-253-1002 · not locked · no PIN · registered",
    ]
    whole = plain(words.numbers_words(rows[2:], True, True, TZ, account_unlock_at=unlock))
    assert whole.splitlines() == [
        "This account holds 1 number. All of them are locked against port-outs until Tue Nov "
        "17, 2026, 10:00 AM EST. The account has a port-out PIN.",
        "• +1 617-253-1002 · unlocking at Tue Nov 17, 2026, 10:00 AM EST · account PIN · "
        "registered",
    ]
    assert "holds no numbers yet" in plain(words.numbers_words([], False, False, TZ))


# --- reminders follow the configured default -------------------------------------------------


def _told(kind, data, subject, default):
    calendar = BusinessCalendar(country="US", timezone=TZ)
    policy = ReminderPolicy(port_out_default=default)
    return notice(Occasion(kind, data, subject, calendar, policy))


@pytest.mark.parametrize("default", ["authorize", "reject"])
def test_pending_notices_say_what_silence_does(default):
    po = port_out(receiving_carrier="Other Tel", numbers=["+16172531000"])
    data = {"deadline_at": DEADLINE.isoformat()}
    silence = "it goes ahead" if default == "authorize" else "it is refused"
    for stage in ("arrived", "half-time"):
        said = note_text(
            _told(ReminderKind.PORT_OUT_PENDING, {**data, "stage": stage}, po, default)
        )
        assert f", {silence}." in said and "we refuse" not in said
        assert "Tue Nov 17, 2026, 10:00 AM EST" in said


@pytest.mark.parametrize(
    ("status", "default", "outcome"),
    [
        (P.PENDING, "authorize", "went ahead"),
        (P.PENDING, "reject", "was refused"),
        (P.AUTHORIZED, "reject", "went ahead"),  # what happened wins over the setting
        (P.REJECTED, "authorize", "was refused"),
    ],
)
def test_the_deadline_notice_says_what_happened(status, default, outcome):
    po = port_out(status, receiving_carrier="", numbers=["+16172531000"])
    said = note_text(
        _told(ReminderKind.PORT_OUT_DEADLINE, {"deadline_at": DEADLINE.isoformat()}, po, default)
    )
    assert (
        f"No answer came by Tue Nov 17, 2026, 10:00 AM EST, so another carrier's port-out of "
        f"+1 617-253-1000 {outcome}." in said
    )


def test_window_notices_say_port_outs_wait_for_approval_outside_it():
    window = _window(created_by="U0CUSTOMER")
    for stage in ("opened", "closed"):
        said = note_text(_told(ReminderKind.PORT_OUT_WINDOW, {"stage": stage}, window, "reject"))
        assert "wait" in said and "approval" in said and "refuse" not in said
