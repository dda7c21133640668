"""`/port` verbs, card buttons, signatures, retries, App Home and errors — over real HTTP."""

from __future__ import annotations

import urllib.request
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot import services as svc
from bot.sandbox.slack_driver import app_home_opened_event, message_event
from bot.slack.ids import Action, Block, View
from storage.models import PortRequest
from tests.services.helpers import draft, mark_loa_signed, numbers
from tests.slack.conftest import AGENT, AGENTS_CHANNEL, CHANNEL, CUSTOMER, OTHER


def _request(slack, ctx, *, signed=True, submitted=False):
    snap = svc.open_request(
        ctx,
        draft(numbers(2)),
        actor=svc.Actor.customer(CUSTOMER, "casey"),
        team_id=slack.sim.team_id,
        channel_id=CHANNEL,
    )
    if signed:
        mark_loa_signed(ctx, snap.sid, actor=svc.Actor.customer(CUSTOMER))
    if submitted:
        svc.submit_to_carrier(ctx, snap.sid, actor=svc.Actor.agent(AGENT))
    slack.drain()
    return snap.sid


def said(answer) -> str:
    """What the person sees from an ack: JSON with text/blocks, or plain text."""
    return answer.json.get("text", "") if answer.json else answer.text


def _card(slack, channel=CHANNEL):
    """The request's card; in the agents channel, the team's copy with the team's buttons."""
    cards = [m for m in slack.sim.messages(channel) if m.get("blocks")]
    assert len(cards) == 1
    return cards[0]


def test_bad_and_stale_signatures_get_401_and_nothing_runs(slack):
    before = len(slack.sim.calls)
    bad = slack.driver.command(
        "/port", "new", user_id=CUSTOMER, channel_id=CHANNEL, bad_signature=True
    )
    stale = slack.driver.command(
        "/port", "new", user_id=CUSTOMER, channel_id=CHANNEL, timestamp_offset=-600
    )
    assert bad.status == stale.status == 401
    assert len(slack.sim.calls) == before  # no modal, no message


def test_help_differs_for_agents(slack):
    customer = slack.driver.command("/port", "help", user_id=CUSTOMER, channel_id=CHANNEL)
    agent = slack.driver.command("/port", "", user_id=AGENT, channel_id=CHANNEL)
    assert "submit" not in str(customer.json["blocks"])
    assert "submit" in str(agent.json["blocks"])


def test_status_shows_the_request_and_hides_foreign_ones(slack, ctx):
    sid = _request(slack, ctx)
    mine = slack.driver.command("/port", f"status {sid[:12]}", user_id=CUSTOMER, channel_id=CHANNEL)
    assert mine.status == 200 and sid in str(mine.json["blocks"])
    foreign = slack.driver.command(
        "/port", f"status {sid[:12]}", user_id=OTHER, channel_id="C0ELSEWHERE"
    )
    unknown = slack.driver.command(
        "/port", "status PR00000000", user_id=OTHER, channel_id="C0ELSEWHERE"
    )
    assert said(foreign).replace(sid[:12], "X") == said(unknown).replace("PR00000000", "X")
    listed = slack.driver.command("/port", "list", user_id=CUSTOMER, channel_id=CHANNEL)
    assert sid[:10] in str(listed.json["blocks"])


def test_agent_verbs_are_refused_to_customers(slack, ctx):
    sid = _request(slack, ctx)
    for verb in ("submit", "foc", "reject", "complete", "note"):
        answer = slack.driver.command(
            "/port", f"{verb} {sid}", user_id=CUSTOMER, channel_id=CHANNEL
        )
        assert "for the porting team" in said(answer)
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).status.value == "in_review"


def test_agent_drives_a_request_and_the_card_follows(slack, ctx):
    sid = _request(slack, ctx)
    card = _card(slack)
    # Submit with the button on the team's copy of the card.
    copy = _card(slack, AGENTS_CHANNEL)
    slack.driver.block_action(
        Action.SUBMIT, sid, AGENT, channel_id=AGENTS_CHANNEL, message_ts=copy["ts"]
    )
    assert "Submitted" in slack.sim.responses[-1].body["text"]
    # FOC by command, then ported by command.
    answer = slack.driver.command(
        "/port", f"foc {sid} 2026-12-02", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert "Wed Dec 2, 2026" in said(answer)
    answer = slack.driver.command(
        "/port", f"complete {sid}", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert "Completed" in said(answer)
    slack.drain()
    card = slack.sim.message(CHANNEL, card["ts"])
    assert "Completed" in str(card["blocks"])
    thread = slack.sim.thread(CHANNEL, card["ts"])
    assert [m["text"] for m in thread][-3:] and any("Ported" in m["text"] for m in thread)
    assert len(slack.sim.calls_to("chat.update")) >= 3  # one per change, in place


def test_foc_modal_from_the_card(slack, ctx):
    sid = _request(slack, ctx, submitted=True)
    card = _card(slack, AGENTS_CHANNEL)
    slack.driver.block_action(
        Action.FOC, sid, AGENT, channel_id=AGENTS_CHANNEL, message_ts=card["ts"]
    )
    view = slack.sim.current_view(slack.sim.view_stack(AGENT)[-1])
    assert view["callback_id"] == View.FOC
    answer = slack.driver.view_submission(
        view,
        {
            Block.FOC_DATE: "2026-12-03",
            Block.FOC_WINDOW_START: "09:00",
            Block.FOC_WINDOW_END: "11:00",
        },
        AGENT,
    )
    assert answer.status == 200
    snap = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True))
    assert snap.status.value == "foc_confirmed" and snap.request.foc_date == date(2026, 12, 3)
    assert snap.request.foc_window_start == datetime(2026, 12, 3, 14, tzinfo=UTC)


def test_reject_modal_and_the_fix_shown_in_status(slack, ctx):
    sid = _request(slack, ctx, submitted=True)
    answer = slack.driver.command(
        "/port", f"reject {sid}", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert answer.status == 200
    view = slack.sim.current_view(slack.sim.view_stack(AGENT)[-1])
    slack.driver.view_submission(view, {Block.REJECT_CODES: ["wrong_pin"]}, AGENT)
    status = slack.driver.command("/port", f"status {sid}", user_id=CUSTOMER, channel_id=CHANNEL)
    text = str(status.json["blocks"])
    assert "Action required" in text and "PIN" in text


def test_customer_cancel_is_refused_inside_the_cutoff(slack, ctx, clock):
    sid = _request(slack, ctx, submitted=True)
    svc.set_foc(ctx, sid, date(2026, 11, 18), actor=svc.Actor.agent(AGENT))
    clock.set(datetime(2026, 11, 17, 15, tzinfo=UTC))  # Tuesday; the deadline was Monday
    answer = slack.driver.command("/port", f"cancel {sid}", user_id=CUSTOMER, channel_id=CHANNEL)
    assert "too late" in said(answer) and "Mon Nov 16, 2026" in said(answer)


def test_customer_cancel_in_time_opens_a_confirmation(slack, ctx):
    sid = _request(slack, ctx)
    slack.driver.command("/port", f"cancel {sid}", user_id=CUSTOMER, channel_id=CHANNEL)
    view = slack.sim.current_view(slack.sim.view_stack(CUSTOMER)[-1])
    assert view["callback_id"] == View.CANCEL
    slack.driver.view_submission(view, {Block.CANCEL_REASON: "changed our mind"}, CUSTOMER)
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).status.value == "cancelled"


def test_thread_replies_join_the_conversation_once_even_when_slack_retries(slack, ctx):
    sid = _request(slack, ctx)
    card = _card(slack)
    reply = message_event(
        "Our old carrier says the PIN is 4 digits", CUSTOMER, CHANNEL, thread_ts=card["ts"]
    )
    first = slack.driver.event(reply, event_id="Ev0REPLY")
    retry = slack.driver.event(reply, event_id="Ev0REPLY", retry_num=1, retry_reason="timeout")
    assert first.status == retry.status == 200
    events = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True), events=50).events
    comments = [e for e in events if e.action == "comment"]
    assert len(comments) == 1 and "4 digits" in comments[0].detail
    slack.drain()
    thread = slack.sim.thread(CHANNEL, card["ts"])
    assert not any("4 digits" in m.get("text", "") for m in thread if m.get("bot_id"))


def test_app_home_lists_requests_and_agent_queues(slack, ctx):
    sid = _request(slack, ctx)
    slack.driver.event(app_home_opened_event(CUSTOMER))
    assert sid[:10] in str(slack.sim.home(CUSTOMER))
    slack.driver.event(app_home_opened_event(AGENT))
    assert "In review" in str(slack.sim.home(AGENT))


def test_unexpected_errors_show_a_reference(slack, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bot.slack.listeners.find.list_page", boom)
    answer = slack.driver.command("/port", "list", user_id=CUSTOMER, channel_id=CHANNEL)
    assert answer.status == 200 and "reference" in said(answer)
    ref = said(answer).split("reference ")[1][:6]
    assert ref in caplog.text and "database on fire" in caplog.text


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
def test_health_and_metrics(slack, path):
    with urllib.request.urlopen(slack.url + path, timeout=5) as response:
        body = response.read().decode()
    assert response.status == 200
    if path == "/healthz":
        assert '"database":"ok"' in body
    else:
        assert "portbot_requests" in body and "portbot_slack_dispatch_seconds" in body


def test_note_and_complete_modals_from_the_card(slack, ctx):
    sid = _request(slack, ctx, submitted=True)
    svc.set_foc(ctx, sid, date(2026, 12, 2), actor=svc.Actor.agent(AGENT))
    card, copy = _card(slack), _card(slack, AGENTS_CHANNEL)
    slack.driver.block_action(
        Action.NOTE, sid, AGENT, channel_id=AGENTS_CHANNEL, message_ts=copy["ts"]
    )
    view = slack.sim.current_view(slack.sim.view_stack(AGENT)[-1])
    assert view["callback_id"] == View.NOTE
    slack.driver.view_submission(view, {Block.NOTE_TEXT: "Carrier confirmed by phone"}, AGENT)
    slack.driver.block_action(
        Action.COMPLETE, sid, AGENT, channel_id=AGENTS_CHANNEL, message_ts=copy["ts"]
    )
    view = slack.sim.current_view(slack.sim.view_stack(AGENT)[-1])
    assert view["callback_id"] == View.COMPLETE
    slack.driver.view_submission(view, {}, AGENT)
    snap = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True), events=20)
    assert snap.status.value == "completed"
    notes = [e for e in snap.events if e.action == "note"]
    assert len(notes) == 1 and not notes[0].public  # internal unless ticked
    slack.drain()
    thread = slack.sim.thread(CHANNEL, card["ts"])
    assert not any("Carrier confirmed by phone" in m.get("text", "") for m in thread)


def test_the_agents_notice_escapes_outside_text_once(slack, ctx):
    svc.open_request(
        ctx,
        draft(numbers(1), name="Smith & Sons <lines>"),
        actor=svc.Actor.customer(CUSTOMER, "casey"),
        team_id=slack.sim.team_id,
        channel_id=CHANNEL,
    )
    slack.drain()
    notice = slack.sim.messages(AGENTS_CHANNEL)[-1]["text"]
    assert "Smith &amp; Sons &lt;lines&gt;" in notice and "&amp;amp;" not in notice


# --- outside strings in the listeners' own answers ---------------------------------------------

HOSTILE = "<!channel> <https://evil.example|Reset>"


def _harmless(text: str) -> None:
    assert "<!channel>" not in text and "<https://evil" not in text, text
    assert "&lt;!channel&gt;" in text, text  # still there, as words


def _hostile_request(slack, ctx) -> str:
    """A signed request whose carrier, company and CSR came in looking like Slack markup (a
    form refuses some of it; Zendesk and imports bring it anyway)."""
    sid = _request(slack, ctx)
    with ctx.db.write() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        req.losing_carrier = HOSTILE
        req.company_name = f"Acme {HOSTILE}"
        req.csr_name = f"Acme Widgets {HOSTILE} Inc"
        req.csr_address = "1 Main St <@U0AGENT>"
        s.add(req)
    return sid


def test_the_carrier_and_csr_warnings_of_a_submission_stay_words(slack, ctx):
    sid = _hostile_request(slack, ctx)
    answer = slack.driver.command("/port", f"submit {sid}", user_id=AGENT, channel_id=CHANNEL)
    text = said(answer)
    assert f"Submitted {sid}" in text and text.count("CSR check") == 2
    _harmless(text)
    assert "<@U0AGENT>" not in text

    other = _hostile_request(slack, ctx)
    slack.driver.block_action(Action.SUBMIT, other, AGENT, channel_id=CHANNEL)
    text = slack.sim.responses[-1].body["text"]
    assert f"Submitted {other}" in text and text.count("CSR check") == 2
    _harmless(text)


def test_what_someone_typed_comes_back_as_words(slack, ctx):
    sid = _request(slack, ctx)
    unknown = slack.driver.command("/port", HOSTILE, user_id=CUSTOMER, channel_id=CHANNEL)
    assert "I don't know" in said(unknown)
    _harmless(said(unknown))
    bad_date = slack.driver.command(
        "/port", f"foc {sid} {HOSTILE}", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert "is not a date" in said(bad_date)
    _harmless(said(bad_date))


def test_a_refusal_that_quotes_what_was_typed_stays_words(slack, ctx):
    """The one error guard escapes a domain message where it goes out as Slack text: a typed
    ``<!channel>`` or link comes back as words, once escaped (not twice)."""
    hostile = "<!channel>"
    answer = slack.driver.command(
        "/port", f"status {hostile}", user_id=CUSTOMER, channel_id=CHANNEL
    )
    text = said(answer)
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text and "&amp;lt;" not in text
    answer = slack.driver.command(
        "/port", "<https://evil.example|x> now", user_id=AGENT, channel_id=CHANNEL
    )
    text = said(answer)
    assert "<https://evil.example|x>" not in text and "&lt;https://evil.example|x&gt;" in text
    assert "&amp;" not in text
