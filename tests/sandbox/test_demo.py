import io
import re
import time

import pytest
from sqlmodel import select

from bot.sandbox import demo, demo_port_outs, demo_sidebar, render
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
    monkeypatch.chdir(tmp_path)  # the sidebar's page file is written here
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
        "written by casey <casey@acme.example>",
        "[public reply] Do you need anything else from us?",
        "Do you need anything else from us?",
        "↳ Dana Lee: Nothing else for now.",
        "Submitted PR",
        "We have sent port request",
        "confirmed the port date",
        # dana opens the ticket's sidebar through its routes, then adds a note through it
        "dana (Zendesk agent) opens ticket #1 and sees portbot in its sidebar",
        " · Port date confirmed",
        "Current carrier: Old Phone Co",
        "(in 8 business days)",
        "Numbers (2)",
        "+1 617-253-1000 · Landline · Port date set",
        "+1 617-253-1001 · Landline · Port date set",
        "What dana can do here: Set the port date · Mark ported",
        f"the sidebar as a page you can open: {tmp_path / demo_sidebar.PAGE}",
        "dana writes an internal note in the sidebar and presses Add note",
        "· Dana Lee (Zendesk)",
        f"[Internal] {demo_sidebar.NOTE}",
        f"[internal note] Note from Dana Lee (Zendesk): {demo_sidebar.NOTE}",
        "the clock jumps to the port date",
        "(2 reminders, one message): If you want to stop port request",
        "the carriers must hear it by",
        "Your numbers move in 3 business days",
        "Your numbers move in 1 business day",
        "The port window for port request",
        "Completed",
        "have moved. Please make a test call",
        "daily digest at 09:00",
        "↳ avery: Ported 2 numbers.",
        "never posted twice",
        "📊 the count of what casey received for this port",
        "15 messages from portbot: 1 in #acme-telecom (the card), 14 in its thread, 0 by direct",
        "7 of them reminders; 4 of them @-mention casey",
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
            "in #acme-telecom: Your port-out window is open",
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
    # The sidebar's page file: the request's view in the shell, styled, no token, no script.
    shown = re.search(r"Port request · (PR[0-9a-f]{32}) · Port date confirmed", text)
    assert shown is not None
    page = (tmp_path / demo_sidebar.PAGE).read_text(encoding="utf-8")
    assert f"<code>{shown.group(1)}</code>" in page
    assert "(in 8 business days)" in page and "Add an internal note" in page
    assert "<style>" in page and "--pb-blue-600" in page  # the stylesheet, inlined
    assert "portbot-sidebar-token" not in page and "<script" not in page
    assert "portbot-loading" not in page and "<link" not in page

    for pin in (demo_port_outs.PIN, demo_port_outs.WRONG_PIN):  # nor either PIN
        assert pin not in out.getvalue() and pin not in text
    assert seen["port_outs"] == [
        (["+16172531000"], PortOutStatus.PORTED, "window"),
        (["+16172531001"], PortOutStatus.AUTHORIZED, "deadline"),
        (["+16172531002"], PortOutStatus.REJECTED, "pin"),
    ]
    assert seen["held"] == {"+16172531001": False, "+16172531002": True}  # the first one left


def test_html_lines_reads_a_page_as_a_person_would():
    page = (
        "<head><title>t</title><style>p{}</style></head>"
        "<h1>Port &lt;request&gt;</h1><dl><dt>Carrier</dt><dd>Old &amp; Co</dd></dl>"
        "<table><thead><tr><th>Number</th></tr></thead>"
        "<tr><td>+1 617</td><td>Landline</td></tr></table>"
        '<ol><li>Mon<br>\n  <span class="tag">Internal</span> a   note</li></ol>'
        "<form><label>Note</label><textarea></textarea></form><p>after<br>the form</p>"
    )
    assert render.html_lines(page, skip=("head", "thead", "form", "tag")) == [
        "Port <request>",
        "Carrier: Old & Co",
        "+1 617 · Landline",
        "• Mon",
        "  a note",
        "after",
        "the form",
    ]


def test_the_sidebar_page_file_refuses_a_shell_it_does_not_know():
    shell = '<html><head><link rel="stylesheet" href="/x.css"></head><main></main></html>'
    with pytest.raises(RuntimeError, match="changed shape"):
        demo_sidebar.standalone(shell, "<p>view</p>", "main {}")
