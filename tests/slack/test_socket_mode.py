"""Socket Mode for real: ``bot.server.socket_mode_handler`` (what ``portbot serve`` runs with
``SLACK_APP_TOKEN``) connects Bolt's handler to the simulator's websocket endpoint
(``bot.sandbox.slack_socket``); envelopes carry the HTTP driver's payloads, acks come back."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import func, select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from bot import config
from bot import services as svc
from bot.config import ConfigError
from bot.sandbox.slack_driver import message_event
from bot.sandbox.slack_sim import SlackSimulator
from bot.sandbox.slack_socket import SlackSocket, SocketDriver, SocketResponse
from bot.server import Runtime, build_runtime, socket_mode_handler
from bot.slack.ids import Block, View
from storage.models import PortRequest
from tests.slack.conftest import AGENT, AGENTS_CHANNEL, CHANNEL, CUSTOMER, new_sim
from tests.slack.test_intake_flow import ALL_AGREEMENTS, GOOD_CONTACT, GOOD_NUMBERS, _bill
from tests.slack.test_verbs import _card, _request

WAIT = 10.0  # every wait is bounded: a broken app fails a test, it never hangs it


@dataclass
class SocketApp:
    sim: SlackSimulator
    sock: SlackSocket
    runtime: Runtime
    handler: SocketModeHandler

    @property
    def driver(self) -> SocketDriver:
        return self.sock.driver

    def drain(self) -> int:
        """Deliver everything the outbox holds (cards, thread messages)."""
        return self.runtime.outbox.drain()


def socket_settings(sim: SlackSimulator, app_token: str) -> config.Settings:
    """A Socket Mode deployment: app and bot tokens, no signing secret."""
    return config.load(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": app_token,
            "SLACK_API_URL": sim.url,
            "PORTBOT_AGENTS": AGENT,
            "PORTBOT_AGENTS_CHANNEL": AGENTS_CHANNEL,
        }
    )


def _within(seconds: float, action: Callable[[], object], what: str) -> None:
    """Run a closing step that could block: fail the test (with its error) rather than hang."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, name=f"closing {what}", daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{what} did not finish within {seconds}s"
    if errors:
        raise errors[0]


def _no_new_threads(before: set[threading.Thread], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while left := [t for t in threading.enumerate() if t not in before and t.is_alive()]:
        if time.monotonic() > deadline:
            pytest.fail(f"threads left running: {[t.name for t in left]}")
        time.sleep(0.05)


def _eventually(check: Callable[[], object], timeout: float = WAIT) -> object:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return result


def _close(runtime: Runtime) -> None:
    """What the tests' runtime started: Bolt's listener threads (the database is the fixture's)."""
    assert runtime.bolt is not None
    runtime.bolt.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]


@pytest.fixture
def app(ctx) -> Iterator[SocketApp]:
    before = set(threading.enumerate())
    sim = new_sim()
    sock = SlackSocket(sim, timeout=WAIT).start()
    runtime = build_runtime(socket_settings(sim, sock.app_token), ctx=ctx)
    try:
        handler = socket_mode_handler(runtime.settings, runtime)
        try:
            sock.wait_connected(1)
            yield SocketApp(sim, sock, runtime, handler)
        finally:
            # Endpoint first: the client then closes at once (closing it first waits out its
            # 3 s read timeout). close() only once the client saw the socket go: its receive loop
            # and close() may otherwise both disconnect, and one fails (AttributeError). It
            # does not reconnect meanwhile: its monitor runs every 10 s.
            _within(15, sock.stop, "the socket endpoint")
            _eventually(lambda: not handler.client.is_connected(), timeout=5)
            _within(15, handler.close, "the Socket Mode client")
    finally:
        sock.stop()
        _close(runtime)
        sim.stop()
    _no_new_threads(before)


# ---------------------------------------------------------------------- helpers
def _open_intake(app: SocketApp) -> dict:
    """``/port new``: acked empty, then ``views.open`` (after the ack) shows the first step."""
    opened = len(app.sim.calls_to("views.open"))
    answer = app.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    assert answer.status == 200 and answer.text == "" and answer.in_time
    call = app.sim.wait_for("views.open", opened + 1, timeout=WAIT)[-1]
    assert call.error is None and call.args["trigger_id"] == answer.sent["trigger_id"]
    return _latest_view(app)


def _latest_view(app: SocketApp) -> dict:
    stack = app.sim.view_stack(CUSTOMER)
    assert stack, "no modal is open"
    return app.sim.current_view(stack[-1])


def _submit(app: SocketApp, values: dict, expect: View) -> SocketResponse:
    answer = app.driver.view_submission(_latest_view(app), values, CUSTOMER)
    assert answer.in_time and answer.view_error is None, answer.view_error
    assert _latest_view(app)["callback_id"] == expect
    return answer


def _count(ctx) -> int:
    with ctx.db.read() as s:
        return s.exec(select(func.count()).select_from(PortRequest)).one()


# ---------------------------------------------------------------------- the tests
def test_port_new_is_acked_over_the_socket_and_opens_the_intake_modal(app):
    opened = app.sim.calls_to("apps.connections.open")
    assert len(opened) == 1 and opened[0].error is None
    view = _open_intake(app)
    assert view["callback_id"] == View.NEW_AGREEMENT
    envelope = app.sock.envelopes[-1]
    assert envelope.type == "slash_commands" and envelope.accepts_response_payload
    assert "retry_attempt" not in envelope.wire  # retry fields ride on events_api envelopes
    ack = app.sock.acks[envelope.envelope_id]
    assert ack.payload is None and ack.in_time and ack.connection == 1
    assert app.sock.unacked == [] and app.sock.stray == []


def test_help_and_status_answer_in_the_ack(app, ctx):
    customer = app.driver.command("/port", "help", user_id=CUSTOMER, channel_id=CHANNEL)
    agent = app.driver.command("/port", "help", user_id=AGENT, channel_id=CHANNEL)
    assert customer.in_time and "status" in str(customer.json["blocks"])
    assert "submit" not in str(customer.json["blocks"]) and "submit" in str(agent.json["blocks"])
    sid = _request(app, ctx)
    status = app.driver.command("/port", f"status {sid[:12]}", user_id=CUSTOMER, channel_id=CHANNEL)
    assert status.in_time and sid in str(status.json["blocks"])
    assert app.sim.calls_to("response_url") == []  # everything came back in the acks


def test_a_refused_step_comes_back_in_the_ack_on_the_right_block(app, ctx):
    _open_intake(app)
    agreement = _latest_view(app)
    answer = app.driver.view_submission(agreement, {Block.AGREEMENTS: ALL_AGREEMENTS[:2]}, CUSTOMER)
    assert answer.kind == "interactive" and answer.sent["type"] == "view_submission"
    assert answer.json["response_action"] == "errors"
    assert set(answer.json["errors"]) == {Block.AGREEMENTS}
    assert answer.view_error is None  # Slack accepted the errors: they name input blocks
    assert app.sim.is_open(agreement["id"]) and _latest_view(app)["id"] == agreement["id"]

    _submit(app, {Block.AGREEMENTS: ALL_AGREEMENTS}, View.NEW_NUMBERS)
    bad = {**GOOD_NUMBERS, Block.LANDLINES: "+1 212 555 0100", Block.WIRELESS: "617-253-1002"}
    answer = app.driver.view_submission(_latest_view(app), bad, CUSTOMER)
    errors = answer.json["errors"]
    assert "+1 212 555 0100" in errors[Block.LANDLINES] and Block.PIN in errors
    assert answer.in_time and _count(ctx) == 0


def test_a_redelivered_last_step_makes_one_request_and_one_card(app, ctx):
    _open_intake(app)
    _submit(app, {Block.AGREEMENTS: ALL_AGREEMENTS}, View.NEW_NUMBERS)
    _submit(app, GOOD_NUMBERS, View.NEW_CONTACT)
    _submit(app, GOOD_CONTACT, View.NEW_BILL)
    # The last step acks with "Opening your request…"; the confirmation follows (views.update).
    first = app.driver.view_submission(_latest_view(app), _bill(app), CUSTOMER)
    assert first.in_time and first.view_error is None, first.view_error
    _eventually(lambda: _latest_view(app)["callback_id"] == View.NEW_DONE)
    retry = app.sock.redeliver(first, retry_reason="timeout")
    assert app.sock.envelopes[-1].retry_attempt == 1
    assert app.sock.envelopes[-1].payload == first.sent
    assert retry.envelope_id != first.envelope_id and retry.in_time
    assert first.json["view"]["callback_id"] == retry.json["view"]["callback_id"] == View.LOADING
    _eventually(lambda: len(app.sim.calls_to("views.update")) == 2)  # the retry's, replayed
    assert _latest_view(app)["callback_id"] == View.NEW_DONE
    assert _count(ctx) == 1
    app.drain()
    assert len(app.sim.messages(CHANNEL)) == 1  # and one card


def test_a_redelivered_event_joins_the_conversation_once(app, ctx):
    sid = _request(app, ctx)
    card = _card(app)
    reply = message_event("The PIN is 4 digits", CUSTOMER, CHANNEL, thread_ts=card["ts"])

    def comments() -> list:
        events = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True), events=50).events
        return [e for e in events if e.action == "comment"]

    first = app.driver.event(reply, event_id="Ev0REPLY")
    assert first.kind == "events_api" and first.text == "" and first.in_time
    _eventually(comments)  # the work happens after the ack
    retry = app.driver.event(reply, event_id="Ev0REPLY", retry_num=1, retry_reason="timeout")
    wire = app.sock.envelopes[-1].wire
    assert wire["retry_attempt"] == 1 and wire["retry_reason"] == "timeout"
    assert not wire["accepts_response_payload"] and retry.in_time
    time.sleep(0.3)  # room for a duplicate to appear, were the retry handled again
    assert len(comments()) == 1


def test_after_a_disconnect_the_app_reconnects_and_keeps_working(app):
    app.sock.disconnect("refresh_requested")
    assert app.sock.wait_connected(2) == 2
    # Sent on the new connection at once: acked, though slack_sdk's client only reads it once
    # the old socket is closed (up to its 3 s read timeout), so not necessarily in time.
    in_flight = app.driver.command("/port", "help", user_id=CUSTOMER, channel_id=CHANNEL)
    assert in_flight.status == 200 and "status" in str(in_flight.json["blocks"])
    app.sock.wait_closed(1)  # the app closes the old socket itself
    assert app.sock.open_connections == [2]
    opened = app.sim.calls_to("apps.connections.open")
    assert len(opened) == 2 and all(c.error is None for c in opened)  # a fresh URL each time
    assert app.sock.refused == []
    answer = app.driver.command("/port", "help", user_id=CUSTOMER, channel_id=CHANNEL)
    assert answer.connection == 2 and answer.in_time and "status" in str(answer.json["blocks"])
    assert _open_intake(app)["callback_id"] == View.NEW_AGREEMENT


def test_after_a_dropped_connection_the_app_reconnects(app):
    app.sock.drop()  # no disconnect message: the socket just closes
    app.sock.wait_connected(2, timeout=15)
    answer = app.driver.command("/port", "help", user_id=AGENT, channel_id=CHANNEL)
    assert answer.connection == 2 and "submit" in str(answer.json["blocks"])


def test_socket_mode_needs_an_app_level_token(ctx):
    before = set(threading.enumerate())
    with SlackSimulator() as sim, SlackSocket(sim) as sock:
        web = WebClient(base_url=sim.url)
        with pytest.raises(SlackApiError) as refused:
            web.apps_connections_open(app_token="xoxb-test")
        assert refused.value.response["error"] == "not_allowed_token_type"
        assert web.apps_connections_open(app_token=sock.app_token)["url"].startswith(sock.url)

        runtime = build_runtime(socket_settings(sim, "xoxb-test"), ctx=ctx)
        sim.clear_calls()
        with pytest.raises(ConfigError, match=r"SLACK_APP_TOKEN: needs the app-level token"):
            socket_mode_handler(runtime.settings, runtime)
        assert sim.calls_to("apps.connections.open") == []  # refused before asking Slack

        revoked = build_runtime(socket_settings(sim, "xapp-1-revoked"), ctx=ctx)
        with pytest.raises(ConfigError, match=r"did not open Socket Mode \(invalid_auth\)"):
            socket_mode_handler(revoked.settings, revoked)
        assert sock.connections == 0
        _close(runtime)
        _close(revoked)
    _no_new_threads(before)  # the refused handler was closed


def test_the_endpoint_speaks_socket_mode_to_any_websocket_client():
    with SlackSimulator() as sim, SlackSocket(sim, timeout=5) as sock:
        url = sock.new_url()
        with ws_connect(url, open_timeout=5) as ws:
            hello = json.loads(ws.recv(timeout=5))
            assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == sim.app_id
            sent = sock.send("events_api", {"type": "event_callback", "event_id": "Ev1"})
            envelope = json.loads(ws.recv(timeout=5))
            assert envelope == sent.wire and envelope["retry_attempt"] == 0
            ws.send(json.dumps({"envelope_id": sent.envelope_id}))
            assert sock.wait_ack(sent.envelope_id).payload is None
            ws.send(json.dumps({"envelope_id": sent.envelope_id}))  # a second ack is stray
            sock.disconnect("warning")
            assert json.loads(ws.recv(timeout=5))["reason"] == "warning"
        sock.wait_closed(1)
        with pytest.raises(InvalidStatus) as reused:
            ws_connect(url, open_timeout=5)
        assert reused.value.response.status_code == 401
        assert sock.refused == [url.removeprefix(sock.url[:-6])]  # the path, /link/?ticket=…
        assert len(sock.stray) == 1 and sock.unacked == []
