"""The Slack simulator, driven by the real slack_sdk WebClient, and the driver, driving a real Bolt
app over HTTP with signed requests. Everything stays on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.sandbox.slack_driver import (
    SlackDriver,
    checkboxes,
    datepicker,
    file_input,
    message_event,
    option,
    plain_text_input,
    static_select,
)
from bot.sandbox.slack_sim import SlackSimulator

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"


def text(value: str) -> dict:
    return {"type": "plain_text", "text": value}


def modal(**overrides: Any) -> dict:
    """A port-in intake modal shaped like the ones portbot opens."""
    blocks = [
        {
            "type": "input",
            "block_id": "port-new-landlines",
            "label": text("Landline numbers"),
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "port-new-account-type",
            "label": text("Account type"),
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "options": [option("business", "Business"), option("residential", "Home")],
            },
        },
        {
            "type": "input",
            "block_id": "port-new-agreements",
            "label": text("I understand"),
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [option("keep-active", "Keep service on"), option("csr", "Match CSR")],
            },
        },
        {
            "type": "input",
            "block_id": "port-new-country",
            "label": text("Country"),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [option("US", "United States"), option("CA", "Canada")],
                "initial_option": option("US", "United States"),
            },
        },
        {
            "type": "input",
            "block_id": "port-new-desired-date",
            "optional": True,
            "label": text("Desired date"),
            "element": {"type": "datepicker", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "port-new-bill",
            "optional": True,
            "label": text("Bill"),
            "element": {"type": "file_input", "action_id": "value", "filetypes": ["pdf"]},
        },
    ]
    view = {
        "type": "modal",
        "callback_id": "port-new",
        "title": text("New port request"),
        "submit": text("Next"),
        "close": text("Cancel"),
        "private_metadata": json.dumps({"sid": "PR" + "0" * 32}),
        "notify_on_close": True,
        "blocks": blocks,
    }
    return {**view, **overrides}


# ---------------------------------------------------------------------- fixtures
@pytest.fixture
def sim() -> Iterator[SlackSimulator]:
    with SlackSimulator(team_id="T0PORTBOT", bot_user_id="U0BOT") as simulator:
        simulator.add_user("U1", "ada", "ada@example.com")
        simulator.add_user("U2", "bob", "bob@example.com", tz="Europe/Paris", is_admin=True)
        simulator.add_channel("C1", "porting", members=["U1", "U0BOT"])
        yield simulator


@pytest.fixture
def client(sim: SlackSimulator) -> WebClient:
    return WebClient(token=TOKEN, base_url=sim.url)


def opened(client: WebClient, sim: SlackSimulator, user: str = "U1", **overrides: Any) -> dict:
    return client.views_open(trigger_id=sim.new_trigger(user), view=modal(**overrides))["view"]


# ---------------------------------------------------------------------- the Web API
def test_auth_test_answers_for_the_bot(client: WebClient, sim: SlackSimulator) -> None:
    answer = client.auth_test()
    assert answer["team_id"] == "T0PORTBOT" and answer["user_id"] == "U0BOT"
    assert answer["bot_id"] == sim.bot_id
    assert sim.url.startswith("http://127.0.0.1:") and sim.url.endswith("/api/")


def test_tokens_are_checked(sim: SlackSimulator) -> None:
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=sim.url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-nope", base_url=sim.url).chat_postMessage(channel="C1", text="x")
    assert wrong.value.response["error"] == "invalid_auth"
    assert sim.messages("C1") == []


def test_unknown_methods_are_refused(client: WebClient, sim: SlackSimulator) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call("chat.teleport", json={"channel": "C1"})
    assert refused.value.response["error"] == "unknown_method"
    assert sim.calls[-1].method == "chat.teleport" and sim.calls[-1].error == "unknown_method"


def test_a_trigger_opens_one_modal(client: WebClient, sim: SlackSimulator) -> None:
    trigger = sim.new_trigger("U1")
    view = client.views_open(trigger_id=trigger, view=modal())["view"]
    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert view["state"] == {"values": {}} and view["callback_id"] == "port-new"
    assert sim.current_view(view["id"])["private_metadata"] == modal()["private_metadata"]
    assert sim.view_stack("U1") == [view["id"]]
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=trigger, view=modal())
    assert reused.value.response["error"] == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as invented:
        client.views_open(trigger_id="123.456.abc", view=modal())
    assert invented.value.response["error"] == "invalid_trigger_id"


def test_a_trigger_expires_after_three_seconds(client: WebClient) -> None:
    now = [1000.0]
    with SlackSimulator(clock=lambda: now[0]) as sim:
        late = WebClient(token=TOKEN, base_url=sim.url)
        trigger, fresh = sim.new_trigger("U1"), sim.new_trigger("U1")
        now[0] += 2.9
        assert late.views_open(trigger_id=fresh, view=modal())["ok"]
        now[0] += 0.2
        with pytest.raises(SlackApiError) as expired:
            late.views_open(trigger_id=trigger, view=modal())
        assert expired.value.response["error"] == "expired_trigger_id"


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"title": text("x" * 25)}, "/view/title/text"),
        ({"submit": text("Submit this port request!")}, "/view/submit/text"),
        ({"close": text("y" * 25)}, "/view/close/text"),
        ({"private_metadata": "m" * 3001}, "/view/private_metadata"),
        ({"callback_id": "c" * 256}, "/view/callback_id"),
        ({"blocks": [{"type": "divider"}] * 101}, "/view/blocks"),
        (
            {
                "blocks": [
                    {
                        "type": "input",
                        "label": text("Pick"),
                        "element": {
                            "type": "checkboxes",
                            "options": [option(str(i)) for i in range(11)],
                        },
                    }
                ]
            },
            "/view/blocks/0/element/options",
        ),
    ],
)
def test_modal_limits_are_enforced(
    client: WebClient, sim: SlackSimulator, overrides: dict, pointer: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id=sim.new_trigger(), view=modal(**overrides))
    assert refused.value.response["error"] == "invalid_arguments"
    messages = refused.value.response["response_metadata"]["messages"]
    assert any(m.endswith(f"[json-pointer:{pointer}]") for m in messages), messages


def test_views_update_needs_the_current_hash(client: WebClient, sim: SlackSimulator) -> None:
    view = opened(client, sim, external_id="port-new-PR1")
    newer = client.views_update(view_id=view["id"], hash=view["hash"], view=modal(title=text("2")))
    assert newer["view"]["hash"] != view["hash"] and newer["view"]["id"] == view["id"]
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=view["id"], hash=view["hash"], view=modal())
    assert stale.value.response["error"] == "hash_conflict"
    by_external = client.views_update(external_id="port-new-PR1", view=modal(title=text("3")))
    assert (
        sim.current_view(view["id"])["title"]["text"] == "3" == by_external["view"]["title"]["text"]
    )
    sim.close_view(view["id"])
    with pytest.raises(SlackApiError) as closed:
        client.views_update(view_id=view["id"], view=modal())
    assert closed.value.response["error"] == "not_found"


def test_views_push_stops_at_three(client: WebClient, sim: SlackSimulator) -> None:
    root = opened(client, sim)
    second = client.views_push(trigger_id=sim.new_trigger("U1"), view=modal())["view"]
    third = client.views_push(trigger_id=sim.new_trigger("U1"), view=modal())["view"]
    assert second["previous_view_id"] == root["id"] and third["root_view_id"] == root["id"]
    with pytest.raises(SlackApiError) as deep:
        client.views_push(trigger_id=sim.new_trigger("U1"), view=modal())
    assert deep.value.response["error"] == "push_limit_reached"
    assert sim.view_stack("U1") == [root["id"], second["id"], third["id"]]


def test_app_home_is_published_per_user(client: WebClient, sim: SlackSimulator) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": text("Your ports")}]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    again = client.views_publish(user_id="U1", view={**home, "blocks": []}, hash=first["hash"])
    assert again["view"]["id"] == first["id"] and sim.home("U1")["blocks"] == []
    with pytest.raises(SlackApiError) as stale:
        client.views_publish(user_id="U1", view=home, hash=first["hash"])
    assert stale.value.response["error"] == "hash_conflict"
    assert sim.home("U2") is None


def test_messages_threads_updates_and_permalinks(client: WebClient, sim: SlackSimulator) -> None:
    card = client.chat_postMessage(channel="C1", text="PR1 opened", blocks=[{"type": "divider"}])
    first = client.chat_postMessage(channel="C1", text="LOA sent", thread_ts=card["ts"])
    second = client.chat_postMessage(channel="C1", text="LOA signed", thread_ts=card["ts"])
    assert card["ts"] < first["ts"] < second["ts"] and card["ts"].startswith("1700000000.")
    assert [m["text"] for m in sim.messages("C1")] == ["PR1 opened"]
    assert [m["text"] for m in sim.thread("C1", card["ts"])] == [
        "PR1 opened",
        "LOA sent",
        "LOA signed",
    ]
    assert sim.message("C1", card["ts"])["reply_count"] == 2
    client.chat_update(channel="C1", ts=card["ts"], text="PR1 in review", blocks=[])
    assert sim.messages("C1")[0]["text"] == "PR1 in review" and "edited" in sim.messages("C1")[0]
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel="C1", ts="1.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as empty, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1")
    assert empty.value.response["error"] == "no_text"
    link = client.chat_getPermalink(channel="C1", message_ts=first["ts"])["permalink"]
    assert link.startswith(sim.root + "archives/C1/p") and f"thread_ts={card['ts']}" in link
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "divider"}] * 51)
    assert too_many.value.response["error"] == "invalid_blocks"


def test_ephemerals_and_direct_messages(client: WebClient, sim: SlackSimulator) -> None:
    client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert sim.ephemerals("C1", "U1")[0]["text"] == "only you"
    with pytest.raises(SlackApiError) as outsider:
        client.chat_postEphemeral(channel="C1", user="U2", text="no")
    assert outsider.value.response["error"] == "user_not_in_channel"
    dm = client.chat_postMessage(channel="U2", text="Please sign the LOA")
    assert dm["channel"].startswith("D")
    opened_dm = client.conversations_open(users="U2")
    assert opened_dm["channel"]["id"] == dm["channel"] and opened_dm["already_open"]
    assert sim.messages("U2")[0]["text"] == "Please sign the LOA"
    assert client.conversations_info(channel=dm["channel"])["channel"]["is_im"]
    assert client.conversations_info(channel="C1")["channel"]["name"] == "porting"
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_info(channel="C404")
    assert unknown.value.response["error"] == "channel_not_found"


def test_strict_workspaces_refuse_unknown_channels() -> None:
    with SlackSimulator(strict=True) as sim:
        with pytest.raises(SlackApiError) as refused:
            WebClient(token=TOKEN, base_url=sim.url).chat_postMessage(channel="C9", text="x")
        assert refused.value.response["error"] == "channel_not_found"


def test_form_encoded_calls_are_understood(client: WebClient, sim: SlackSimulator) -> None:
    blocks = json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "*PR1*"}}])
    answer = client.api_call("chat.postMessage", data={"channel": "C1", "blocks": blocks})
    assert sim.message("C1", answer["ts"])["blocks"][0]["text"]["text"] == "*PR1*"
    assert client.api_call("auth.test", params={"token": TOKEN})["ok"]


def test_users_and_groups(client: WebClient, sim: SlackSimulator) -> None:
    bob = client.users_info(user="U2")["user"]
    assert bob["tz"] == "Europe/Paris" and bob["is_admin"] and bob["profile"]["email"]
    assert client.users_lookupByEmail(email="ADA@example.com")["user"]["id"] == "U1"
    with pytest.raises(SlackApiError) as nobody:
        client.users_lookupByEmail(email="eve@example.com")
    assert nobody.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError) as unknown:
        client.users_info(user="U404")
    assert unknown.value.response["error"] == "user_not_found"
    sim.add_usergroup("S1", ["U2"])
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U2"]


def test_files_are_served_to_the_bot_token_only(client: WebClient, sim: SlackSimulator) -> None:
    pdf = b"%PDF-1.7 bill"
    added = sim.add_file("bill.pdf", pdf, "application/pdf", "pdf", user="U1")
    info = client.files_info(file=added["id"])["file"]
    assert info["size"] == len(pdf) and info["url_private"].startswith(sim.root)
    request = urllib.request.Request(
        info["url_private"], headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=5) as got:
        assert got.read() == pdf and got.headers["Content-Type"] == "application/pdf"
    for headers in ({}, {"Authorization": "Bearer xoxb-nope"}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(info["url_private"], headers=headers))
        assert refused.value.code == 401
    with pytest.raises(SlackApiError) as missing:
        client.files_info(file="F404")
    assert missing.value.response["error"] == "file_not_found"


def test_rate_limits_answer_429_with_retry_after(client: WebClient, sim: SlackSimulator) -> None:
    sim.fail("chat.postMessage", times=1, status=429, retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_the_rate_limit_handler_retries(sim: SlackSimulator) -> None:
    retrying = WebClient(
        token=TOKEN,
        base_url=sim.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    sim.fail("chat.postMessage", retry_after=0)
    assert retrying.chat_postMessage(channel="C1", text="after the wait")["ok"]
    assert [c.status for c in sim.calls_to("chat.postMessage")] == [429, 200]
    assert len(sim.messages("C1")) == 1


def test_errors_and_outages_can_be_injected(client: WebClient, sim: SlackSimulator) -> None:
    sim.fail("chat.update", error="channel_not_found")
    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel="C1", ts="1.2", text="x")
    assert refused.value.response.status_code == 200
    assert refused.value.response["error"] == "channel_not_found"
    sim.fail("users.info", times=2, status=500)
    for _ in range(2):
        with pytest.raises(SlackApiError) as down:
            client.users_info(user="U1")
        assert down.value.response.status_code == 500
    assert client.users_info(user="U1")["ok"]


def test_delays_and_waiting_for_background_work(client: WebClient, sim: SlackSimulator) -> None:
    sim.delay("chat.postMessage", 0.3, times=1)
    started = time.monotonic()
    worker = threading.Thread(target=lambda: client.chat_postMessage(channel="C1", text="later"))
    worker.start()
    (call,) = sim.wait_for("chat.postMessage", timeout=3)
    assert call.args["text"] == "later" and time.monotonic() - started >= 0.3
    worker.join()
    with pytest.raises(TimeoutError):
        sim.wait_for("chat.postMessage", count=2, timeout=0.1)


def test_response_urls_record_and_replace(client: WebClient, sim: SlackSimulator) -> None:
    card = client.chat_postMessage(channel="C1", text="Approve the port-out?")
    url = sim.new_response_url("C1", card["ts"], "U1")
    WebhookClient(url).send(text="Approved by ada", replace_original=True)
    assert sim.message("C1", card["ts"])["text"] == "Approved by ada"
    WebhookClient(url).send(text="just for you")
    assert sim.ephemerals("C1", "U1")[-1]["text"] == "just for you"
    assert [r.body["text"] for r in sim.responses] == ["Approved by ada", "just for you"]
    for _ in range(3):
        WebhookClient(url).send(text="again")
    assert WebhookClient(url).send(text="sixth").status_code == 404


# ---------------------------------------------------------------------- the driver and Bolt
class BoltHandler(BaseHTTPRequestHandler):
    """POST /slack/events -> App.dispatch, as portbot's web layer does."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        request = BoltRequest(body=body, headers=dict(self.headers.items()))
        response = self.server.app.dispatch(request)  # type: ignore[attr-defined]
        data = response.body.encode()
        self.send_response(response.status)
        for name, values in response.headers.items():
            for value in values:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Bolt:
    def __init__(self, sim: SlackSimulator) -> None:
        client = WebClient(token=TOKEN, base_url=sim.url)
        self.app = App(signing_secret=SECRET, client=client, process_before_response=True)
        self.seen: list[tuple[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), BoltHandler)
        self.server.app = self.app  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        self.driver = SlackDriver(self.url, SECRET, sim)


@pytest.fixture
def bolt(sim: SlackSimulator) -> Iterator[Bolt]:
    bolt = Bolt(sim)
    app, seen = bolt.app, bolt.seen

    @app.command("/port")
    def port(ack, command, body, client, respond) -> None:
        seen.append(("command", command["text"]))
        if command["text"] == "new":
            client.views_open(trigger_id=body["trigger_id"], view=modal())
        if command["text"] == "later":
            respond(text="Working on it", response_type="in_channel")
        ack(f"portbot got: {command['text']}")

    @app.view("port-new")
    def submitted(ack, view, body) -> None:
        values = view["state"]["values"]
        seen.append(("view", values, body["user"]["id"], view["private_metadata"]))
        landlines = values["port-new-landlines"]["value"]["value"]
        if landlines == "bad":
            ack(response_action="errors", errors={"port-new-landlines": "Not a phone number"})
        elif landlines == "more":
            ack(response_action="update", view=modal(title=text("Step 2")))
        elif landlines == "push":
            ack(response_action="push", view=modal(callback_id="port-new-more"))
        elif landlines == "slow":
            time.sleep(0.3)
            ack()
        elif landlines == "wrong-block":
            ack(response_action="errors", errors={"nope": "x"})
        else:
            ack()

    @app.view_closed("port-new")
    def closed(ack, view, body) -> None:
        seen.append(("closed", view["id"], body["is_cleared"]))
        ack()

    @app.action("port-approve")
    def approve(ack, action, body, respond) -> None:
        seen.append(("action", action["value"], action["block_id"], body["container"]))
        ack()
        respond(replace_original=True, text=f"Approved by <@{body['user']['id']}>")

    @app.action("port-carrier")
    def carrier(ack, action) -> None:
        seen.append(("select", action["selected_option"]))
        ack()

    @app.event("message")
    def message(event, request, context) -> None:
        seen.append(("event", event["text"], request.headers.get("x-slack-retry-num", [None])[0]))
        seen.append(
            ("retry", request.headers.get("x-slack-retry-reason", [None])[0], context["team_id"])
        )

    yield bolt
    bolt.server.shutdown()
    bolt.server.server_close()


def test_a_signed_command_reaches_its_listener(bolt: Bolt, sim: SlackSimulator) -> None:
    answer = bolt.driver.command("/port", "status PR1234abcd", user_id="U1", channel_id="C1")
    assert answer.status == 200 and answer.text == "portbot got: status PR1234abcd"
    assert answer.in_time and answer.sent["channel_name"] == "porting"
    assert bolt.seen == [("command", "status PR1234abcd")]
    assert sim.calls_to("auth.test")  # Bolt checked its token against the simulator


def test_forged_and_stale_requests_get_401(bolt: Bolt) -> None:
    forged = bolt.driver.command("/port", "x", user_id="U1", channel_id="C1", bad_signature=True)
    stale = bolt.driver.command("/port", "x", user_id="U1", channel_id="C1", timestamp_offset=-600)
    forged_event = bolt.driver.event(message_event("hi", "U1", "C1"), bad_signature=True)
    assert forged.status == stale.status == forged_event.status == 401
    assert bolt.seen == []


def test_command_trigger_opens_a_modal_and_respond_posts(bolt: Bolt, sim: SlackSimulator) -> None:
    bolt.driver.command("/port", "new", user_id="U1", channel_id="C1")
    (view_id,) = sim.view_stack("U1")
    assert sim.current_view(view_id)["callback_id"] == "port-new"
    bolt.driver.command("/port", "later", user_id="U1", channel_id="C1")
    assert sim.responses[-1].body["text"] == "Working on it"
    assert sim.messages("C1")[-1]["text"] == "Working on it"


def test_view_submission_carries_the_state(bolt: Bolt, sim: SlackSimulator) -> None:
    bolt.driver.command("/port", "new", user_id="U1", channel_id="C1")
    (view_id,) = sim.view_stack("U1")
    bill = sim.add_file("bill.pdf", b"%PDF", "application/pdf", "pdf", user="U1")
    answer = bolt.driver.view_submission(
        view_id,
        {
            "port-new-landlines": plain_text_input("+16175551212"),
            "port-new-account-type": "business",
            "port-new-agreements": checkboxes("keep-active", "csr"),
            "port-new-desired-date": {"value": datepicker("2026-12-01")},
            "port-new-bill": file_input(bill),
        },
        "U1",
    )
    assert answer.status == 200 and answer.view_error is None
    kind, values, user, metadata = bolt.seen[-1]
    assert (kind, user, json.loads(metadata)["sid"]) == ("view", "U1", "PR" + "0" * 32)
    assert values["port-new-landlines"]["value"]["value"] == "+16175551212"
    assert values["port-new-account-type"]["value"]["selected_option"] == option(
        "business", "Business"
    )
    agreed = values["port-new-agreements"]["value"]["selected_options"]
    assert [o["text"]["text"] for o in agreed] == ["Keep service on", "Match CSR"]
    assert values["port-new-country"]["value"]["selected_option"]["value"] == "US"  # initial
    assert values["port-new-desired-date"]["value"]["selected_date"] == "2026-12-01"
    assert values["port-new-bill"]["value"]["files"][0]["id"] == bill["id"]
    assert not sim.is_open(view_id)  # an empty ack closes the modal


def test_submission_answers_change_the_modal(bolt: Bolt, sim: SlackSimulator) -> None:
    bolt.driver.command("/port", "new", user_id="U1", channel_id="C1")
    (view_id,) = sim.view_stack("U1")
    base = {"port-new-account-type": "residential", "port-new-agreements": ["csr"]}
    errors = bolt.driver.view_submission(view_id, {**base, "port-new-landlines": "bad"}, "U1")
    assert errors.json["errors"] == {"port-new-landlines": "Not a phone number"}
    assert errors.view_error is None and sim.is_open(view_id)
    update = bolt.driver.view_submission(view_id, {**base, "port-new-landlines": "more"}, "U1")
    assert update.view_error is None and sim.current_view(view_id)["title"]["text"] == "Step 2"
    wrong = bolt.driver.view_submission(
        view_id, {**base, "port-new-landlines": "wrong-block"}, "U1"
    )
    assert "nope" in (wrong.view_error or "")
    with pytest.raises(ValueError, match="port-new-landlines"):
        bolt.driver.view_submission(view_id, base, "U1")  # required and empty: not sent
    with pytest.raises(ValueError, match="no block"):
        bolt.driver.view_submission(view_id, {**base, "port-new-typo": "x"}, "U1")


def test_late_answers_and_pushes(bolt: Bolt, sim: SlackSimulator) -> None:
    bolt.driver.command("/port", "new", user_id="U1", channel_id="C1")
    (view_id,) = sim.view_stack("U1")
    base = {"port-new-account-type": "business", "port-new-agreements": ["csr"]}
    impatient = SlackDriver(bolt.url, SECRET, sim, ack_seconds=0.2)
    late = impatient.view_submission(view_id, {**base, "port-new-landlines": "slow"}, "U1")
    assert late.status == 200 and not late.in_time and "Slack waits" in (late.view_error or "")
    assert sim.is_open(view_id)  # Slack showed an error; the modal stayed
    pushed = bolt.driver.view_submission(view_id, {**base, "port-new-landlines": "push"}, "U1")
    assert pushed.view_error is None and len(sim.view_stack("U1")) == 2
    top = sim.current_view(sim.view_stack("U1")[-1])
    assert top["callback_id"] == "port-new-more" and top["previous_view_id"] == view_id


def test_view_closed_is_sent_only_when_asked_for(bolt: Bolt, client: WebClient, sim) -> None:
    quiet = opened(client, sim, notify_on_close=False)
    assert bolt.driver.view_closed(quiet, "U1") is None and not sim.is_open(quiet["id"])
    loud = opened(client, sim)
    assert bolt.driver.view_closed(loud, "U1").status == 200
    assert bolt.seen == [("closed", loud["id"], False)]


def test_block_actions_route_and_respond(bolt: Bolt, client: WebClient, sim) -> None:
    blocks = [
        {
            "type": "actions",
            "block_id": "port-card-PR1",
            "elements": [
                {
                    "type": "button",
                    "action_id": "port-approve",
                    "text": text("Approve"),
                    "value": "PR1",
                },
                {
                    "type": "static_select",
                    "action_id": "port-carrier",
                    "options": [option("att", "AT&T")],
                },
            ],
        }
    ]
    card = client.chat_postMessage(channel="C1", text="Port-out pending", blocks=blocks)
    clicked = bolt.driver.block_action("port-approve", "PR1", "U1", "C1", card["ts"])
    assert clicked.status == 200
    kind, value, block_id, container = bolt.seen[-1]
    assert (kind, value, block_id) == ("action", "PR1", "port-card-PR1")
    assert container["message_ts"] == card["ts"] and container["channel_id"] == "C1"
    assert sim.message("C1", card["ts"])["text"] == "Approved by <@U1>"
    bolt.driver.block_action("port-carrier", static_select("att"), "U1", "C1", card["ts"])
    assert bolt.seen[-1] == ("select", option("att", "AT&T"))
    with pytest.raises(ValueError, match="no element"):
        bolt.driver.block_action("port-nothing", "x", "U1", "C1", card["ts"])


def test_events_carry_slack_retry_headers(bolt: Bolt) -> None:
    event = message_event("reply for the ticket", "U1", "C1", thread_ts="1700000000.000100")
    first = bolt.driver.event(event, event_id="Ev0001")
    retry = bolt.driver.event(event, event_id="Ev0001", retry_num=1, retry_reason="http_timeout")
    assert first.status == retry.status == 200 and retry.sent["event_id"] == "Ev0001"
    assert bolt.seen == [
        ("event", "reply for the ticket", None),
        ("retry", None, "T0PORTBOT"),
        ("event", "reply for the ticket", "1"),
        ("retry", "http_timeout", "T0PORTBOT"),
    ]


def test_url_verification_echoes_the_challenge(bolt: Bolt) -> None:
    answer = bolt.driver.url_verification("c-123")
    assert answer.status == 200 and answer.json == {"challenge": "c-123"}


def test_the_driver_only_talks_to_loopback(sim: SlackSimulator) -> None:
    for url in ("http://10.0.0.1/slack/events", "https://example.com/slack/events"):
        with pytest.raises(ValueError, match="loopback"):
            SlackDriver(url, SECRET, sim)
    assert SlackDriver("http://localhost:3000/slack/events", SECRET, sim)
