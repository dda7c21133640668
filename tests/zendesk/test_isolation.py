"""Zendesk is called only from the outbox, on its own lane: when it is slow, Slack acks stay
fast and Slack messages still go out."""

from __future__ import annotations

import time

from bot import services as svc
from tests.services.helpers import draft, mark_loa_signed, numbers
from tests.slack.conftest import AGENT, CHANNEL, CUSTOMER
from tests.zendesk.conftest import Both


def test_a_slow_zendesk_never_slows_a_slack_ack(ctx, both: Both):
    both.zendesk.latency(3)  # every Zendesk answer takes 3 s (the gateway waits up to 10)
    both.runtime.start_background()
    actor = svc.Actor.customer(CUSTOMER, "casey")
    sid = svc.open_request(
        ctx, draft(numbers(2)), actor=actor, team_id=both.slack.team_id, channel_id=CHANNEL
    ).sid
    both.runtime.outbox.wake.set()
    # The card is posted while the ticket is still being created.
    both.slack.wait_for("chat.postMessage", timeout=2.5)
    assert both.zendesk.tickets() == []

    answers = []
    for text in (f"status {sid}", "list", "help", f"status {sid[:10]}"):
        answers.append(both.driver.command("/port", text, user_id=CUSTOMER, channel_id=CHANNEL))
    reply = both.reply("Any news?")  # queues a Zendesk comment behind the slow ticket create
    answers.append(both.driver.command("/port", f"submit {sid}", user_id=AGENT, channel_id=CHANNEL))
    assert all(a.status == 200 for a in answers), [a.status for a in answers]
    slowest = max(a.elapsed for a in answers)
    assert slowest < 1.0, f"an ack took {slowest:.2f} s while Zendesk was slow"
    assert reply["text"] == "Any news?"

    # A change now reaches the Slack card at once, though Zendesk's lane is still stuck.
    updates = len(both.slack.calls_to("chat.update"))
    mark_loa_signed(ctx, sid, actor=actor)
    both.runtime.outbox.wake.set()
    started = time.monotonic()
    both.slack.wait_for("chat.update", count=updates + 1, timeout=2.0)
    assert time.monotonic() - started < 1.5
    assert both.zendesk.tickets() == [] or len(both.zendesk.tickets()) == 1

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(both.zendesk.tickets()) == 0:
        time.sleep(0.1)
    assert len(both.zendesk.tickets()) == 1  # and the ticket does arrive, once
