import io
import time

from bot.sandbox import demo


def test_the_demo_plays_the_whole_journey_quickly(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PORTBOT_AGENTS"):
        monkeypatch.delenv(name, raising=False)
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
    at = 0
    for phrase in expected:  # each one after the one before
        found = text.find(phrase, at)
        assert found >= 0, f"{phrase!r} missing after position {at}"
        at = found
    assert "88001234567" not in text  # the account number never shows
