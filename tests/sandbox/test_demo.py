import io
import time

from sqlmodel import select

from bot.sandbox import demo, demo_port_outs
from bot.services import port_outs as po
from storage.models import PortOut
from storage.values import PortOutStatus


def _in_order(text: str, phrases: list[str], at: int = 0) -> int:
    """Where the last phrase was found; each one must come after the one before."""
    for phrase in phrases:
        found = text.find(phrase, at)
        assert found >= 0, f"{phrase!r} missing after position {at}"
        at = found
    return at


def _watch_port_outs(monkeypatch) -> dict:
    """Run the demo's port-out part and keep what its database held at the end (the database
    is a temporary file, gone when the demo returns)."""
    seen: dict = {}
    play = demo_port_outs.play

    def watched(t, sim, driver, ff, ctx, cast):
        play(t, sim, driver, ff, ctx, cast)
        with ctx.db.read() as s:
            rows = s.exec(select(PortOut).order_by(PortOut.id)).all()
            seen["port_outs"] = [(list(p.numbers), p.status, p.rule) for p in rows]
            held = po.numbers_of_account(s, sim.team_id, cast.channel)
            seen["held"] = {h.e164: h.locked for h in held}

    monkeypatch.setattr(demo_port_outs, "play", watched)
    return seen


def test_the_demo_plays_the_whole_journey_quickly(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PORTBOT_AGENTS"):
        monkeypatch.delenv(name, raising=False)
    seen = _watch_port_outs(monkeypatch)
    out = io.StringIO()
    started = time.monotonic()
    assert demo.run(out) == 0
    assert time.monotonic() - started < 30
    text = out.getvalue().replace("\n  │ ", " ")  # long lines wrap; phrases may span them
    # What each person saw, in order: the validation error, the card, status, the agent's work.
    expected = [
        "is a fictional number",
        "#acme-telecom gets the request card",
        "Zendesk gets ticket #1, linked to the request",
        "attached: october-bill.pdf",
        "gets an e-mail at Jordan Rivera <jordan@acme.example>",
        "Subject: Please sign the Letter of Authorization",
        "the clock jumps to",
        "is still not signed",
        "Thank you: the letter is signed",
        "-signed.pdf",
        "In review",
        "casey wrote in Slack:",
        "Do you need anything else from us?",
        "↳ Dana Lee: Nothing else for now.",
        "Submitted PR",
        "we have sent port request",
        "confirmed the port date",
        "the clock jumps to the port date",
        "the carriers must hear it by",
        "your numbers move in 3 business days",
        "your numbers move in 1 business day",
        "the port window for port request",
        "Completed",
        "have moved. Please make a test call",
        "daily digest at 09:00",
        "↳ @avery: Ported 2 numbers.",
        "never posted twice",
        "tags: port_in, port_status_completed, portbot",
        "one ticket",
    ]
    at = _in_order(text, expected)
    # Then the numbers leave: a window, a port-out inside it, one at its deadline, a wrong PIN.
    _in_order(
        text,
        [
            "Part two: port-outs",
            "Added to #acme-telecom: +1 617-253-1002.",
            "This account holds 3 numbers.",
            "« Open a port-out window »",
            "« Window open »",
            "in #acme-telecom: @casey your port-out window is open",
            "+1 617-253-1000: *authorized* (rule: window)",
            "Decided by an open port-out window",
            "Buttons: Mark ported",
            "marked ported: its numbers left the account",
            "This account holds 2 numbers.",
            "+1 617-253-1001: *pending*",
            "Waiting for your answer",
            "Buttons: Approve · Reject",
            "casey gets a direct message at once",
            "Greenfield Wireless has asked to take +1 617-253-1001",
            "jumps past the deadline",
            "in the card's thread: No answer came by",
            "Decided by the default at the deadline",
            "Locked 1 number against port-outs",
            "« PIN set »",
            "set a port-out PIN for +1 617-253-1002",
            "+1 617-253-1002: *rejected* (rule: pin)",
            "gave the wrong port-out PIN",
            "neither PIN is in any of them",
        ],
        at,
    )
    assert "88001234567" not in text  # the account number never shows
    for pin in (demo_port_outs.PIN, demo_port_outs.WRONG_PIN):  # nor either PIN
        assert pin not in out.getvalue() and pin not in text
    assert seen["port_outs"] == [
        (["+16172531000"], PortOutStatus.PORTED, "window"),
        (["+16172531001"], PortOutStatus.AUTHORIZED, "deadline"),
        (["+16172531002"], PortOutStatus.REJECTED, "pin"),
    ]
    assert seen["held"] == {"+16172531001": False, "+16172531002": True}  # the first one left
