"""``/port list`` a page at a time, ``/port find``, the list's buttons and menus in a message
and on the App Home, and the porting team's CSV from the App Home — over real HTTP, against
the Slack simulator."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient

from bot import services as svc
from bot.porting.sids import new_sid
from bot.sandbox.slack_driver import app_home_opened_event, static_select
from bot.slack.ids import Action
from storage.models import PortRequest
from storage.values import RequestStatus as S
from tests.services.helpers import ACCOUNT, PIN, draft
from tests.slack.conftest import AGENT, CHANNEL, CUSTOMER, OTHER

START = datetime(2026, 1, 1, tzinfo=UTC)


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _bulk(slack, ctx, count, *, requester=CUSTOMER, channel=CHANNEL, **fields) -> list[str]:
    """``count`` requests, one minute apart, newest last."""
    sids = []
    with ctx.db.write() as s:
        for i in range(count):
            sid = new_sid()
            values = {
                "sid": sid,
                "status": S.IN_REVIEW,
                "team_id": slack.sim.team_id,
                "channel_id": channel,
                "requester_id": requester,
                "losing_carrier": "Old Phone Co",
                "created_at": START + timedelta(minutes=i),
                "updated_at": START,
                **fields,
            }
            s.add(PortRequest(**values))
            sids.append(sid)
    return sids


def _posted(slack, answer) -> dict:
    """Show an ephemeral answer as a message in the channel, so that its buttons and menus
    can be pressed (the driver finds them in a stored message) and replaced in place."""
    client = WebClient(token="xoxb-test", base_url=slack.sim.url)
    blocks = answer.json["blocks"]
    ts = client.chat_postMessage(channel=CHANNEL, text="list", blocks=blocks)["ts"]
    return slack.sim.message(CHANNEL, ts)


def _element(blocks, action_id) -> dict:
    for block in blocks:
        for element in [block.get("accessory"), *block.get("elements", [])]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id}")


def _ids(blocks) -> set[str]:
    return {a for b in blocks for a in [(e or {}).get("action_id") for e in b.get("elements", [])]}


def _press(slack, message, action_id, user, value=None):
    """Press a button (its own value) or pick in a menu, in a stored message; returns the
    message as it stands after."""
    value = value if value is not None else _element(message["blocks"], action_id)["value"]
    answer = slack.driver.block_action(
        action_id, value, user, channel_id=CHANNEL, message_ts=message["ts"]
    )
    assert answer.status == 200
    return slack.sim.message(CHANNEL, message["ts"])


def test_list_pages_through_a_customers_requests_with_the_total(slack, ctx):
    mine = _bulk(slack, ctx, 25)
    others = _bulk(slack, ctx, 4, requester=OTHER, channel="C0ELSEWHERE")
    answer = slack.driver.command("/port", "list", user_id=CUSTOMER, channel_id=CHANNEL)
    body = _dump(answer.json["blocks"])
    assert "Page 1 of 2 · requests 1–20 of 25." in body
    assert all(s[:10] in body for s in mine[-20:]) and mine[0][:10] not in body
    assert not any(s[:10] in body for s in others)
    assert Action.LIST_PREVIOUS not in _ids(answer.json["blocks"])

    message = _posted(slack, answer)
    after = _press(slack, message, Action.LIST_NEXT, CUSTOMER)
    assert slack.sim.responses[-1].body["replace_original"] is True
    page2 = _dump(after["blocks"])
    assert "Page 2 of 2 · requests 21–25 of 25." in page2
    assert all(s[:10] in page2 for s in mine[:5]) and mine[-1][:10] not in page2
    assert {Action.LIST_PREVIOUS} <= _ids(after["blocks"]) and Action.LIST_NEXT not in _ids(
        after["blocks"]
    )
    back = _press(slack, after, Action.LIST_PREVIOUS, CUSTOMER)
    assert "Page 1 of 2" in _dump(back["blocks"])


def test_list_filters_by_status_and_carrier_from_the_command_and_the_menus(slack, ctx):
    _bulk(slack, ctx, 3)
    done = _bulk(slack, ctx, 2, status=S.COMPLETED, losing_carrier="Verizon Wireless")
    answer = slack.driver.command(
        "/port", "list completed --carrier verizon wireless", user_id=AGENT, channel_id=CHANNEL
    )
    body = _dump(answer.json["blocks"])
    assert "Requests: Completed from verizon wireless" in body and "2 requests in all." in body
    assert all(s[:10] in body for s in done)

    message = _posted(
        slack, slack.driver.command("/port", "list", user_id=AGENT, channel_id=CHANNEL)
    )
    assert "3 requests in all." in _dump(message["blocks"])
    picked = _press(slack, message, Action.LIST_STATUS, AGENT, static_select("all"))
    assert "All port requests" in _dump(picked["blocks"]) and "5 requests in all" in _dump(
        picked["blocks"]
    )
    carrier = _element(picked["blocks"], Action.LIST_CARRIER)
    assert [o["value"] for o in carrier["options"]] == ["*", "Old Phone Co", "Verizon Wireless"]
    narrowed = _press(slack, picked, Action.LIST_CARRIER, AGENT, static_select("Verizon Wireless"))
    text = _dump(narrowed["blocks"])
    assert "All port requests from Verizon Wireless" in text and "2 requests in all." in text
    status_menu = _element(narrowed["blocks"], Action.LIST_STATUS)
    assert status_menu["initial_option"]["value"] == "all"  # the status stayed as picked


def test_list_usage_errors_are_plain(slack):
    for typed, words in (
        ("list closed", "is not a status"),
        ("list --page x", "--page takes a page number"),
        ("list open extra", "I don't understand"),
        ("list --carrier", "Which carrier?"),
    ):
        answer = slack.driver.command("/port", typed, user_id=CUSTOMER, channel_id=CHANNEL)
        assert words in (answer.json or {}).get("text", answer.text), typed


def test_buttons_answer_as_the_person_who_presses_them(slack, ctx):
    theirs = _bulk(slack, ctx, 30, requester=OTHER, channel="C0ELSEWHERE")
    message = _posted(
        slack, slack.driver.command("/port", "list", user_id=AGENT, channel_id=CHANNEL)
    )
    assert "Page 1 of 2" in _dump(message["blocks"])
    seen = _press(slack, message, Action.LIST_NEXT, CUSTOMER)  # an agent's list, a customer's press
    body = _dump(seen["blocks"])
    assert "No requests." in body and not any(s[:10] in body for s in theirs)


def test_find_by_number_name_and_carrier_within_what_each_may_see(slack, ctx):
    mine = svc.open_request(
        ctx,
        draft(["+16172535001"], losing_carrier="AT&T", name="Front desk"),
        actor=svc.Actor.customer(CUSTOMER, "casey"),
        team_id=slack.sim.team_id,
        channel_id=CHANNEL,
    )
    theirs = svc.open_request(
        ctx,
        draft(["+16172535002"], losing_carrier="AT&T"),
        actor=svc.Actor.customer(OTHER, "olive"),
        team_id=slack.sim.team_id,
        channel_id="C0ELSEWHERE",
    )

    def find(text, user):
        answer = slack.driver.command("/port", f"find {text}", user_id=user, channel_id=CHANNEL)
        assert answer.status == 200
        return _dump(answer.json["blocks"])

    by_number = find("(617) 253-5001", CUSTOMER)
    assert mine.sid[:10] in by_number and "1 request matches" in by_number
    assert "+1 617-253-5001" in by_number
    assert theirs.sid[:10] not in find("617 253 5002", CUSTOMER)
    assert "Nothing matches" in find("617 253 5002", CUSTOMER)
    carrier = find("at&amp;t", AGENT)  # Slack sends & as &amp; in command text
    assert mine.sid[:10] in carrier and theirs.sid[:10] in carrier and "2 requests match" in carrier
    assert mine.sid[:10] in find("front DESK", CUSTOMER)
    assert mine.sid[:10] in find(mine.sid[:7].lower(), CUSTOMER)
    empty = slack.driver.command("/port", "find", user_id=CUSTOMER, channel_id=CHANNEL)
    assert "What should I look for?" in empty.text


def test_find_says_how_many_matched_beyond_the_limit(slack, ctx):
    _bulk(slack, ctx, 30, company_name="Big Co")
    answer = slack.driver.command("/port", "find big co", user_id=AGENT, channel_id=CHANNEL)
    body = _dump(answer.json["blocks"])
    assert "30 requests match" in body and "Showing the newest 25 of 30." in body


def test_help_and_the_manifest_mention_find(slack):
    import yaml

    from tests.slack.test_manifest import MANIFEST

    customer = slack.driver.command("/port", "help", user_id=CUSTOMER, channel_id=CHANNEL)
    assert "/port find" in _dump(customer.json["blocks"])
    hint = MANIFEST["features"]["slash_commands"][0]["usage_hint"]
    assert "find" in hint and yaml is not None


def _home(slack, user):
    slack.driver.event(app_home_opened_event(user))
    return slack.sim.home(user)


def test_app_home_pages_and_filters_with_the_total(slack, ctx):
    mine = _bulk(slack, ctx, 23)
    _bulk(slack, ctx, 2, status=S.CANCELLED)
    view = _home(slack, CUSTOMER)
    body = _dump(view["blocks"])
    assert "Your open requests" in body and "Page 1 of 2 · requests 1–20 of 23." in body
    assert Action.EXPORT_CSV not in body
    slack.driver.block_action(
        Action.LIST_NEXT, _element(view["blocks"], Action.LIST_NEXT)["value"], CUSTOMER, view=view
    )
    page2 = slack.sim.home(CUSTOMER)
    assert page2["id"] == view["id"]
    text = _dump(page2["blocks"])
    assert "Page 2 of 2 · requests 21–23 of 23." in text and mine[0][:10] in text
    slack.driver.block_action(Action.LIST_STATUS, static_select("cancelled"), CUSTOMER, view=page2)
    cancelled = _dump(slack.sim.home(CUSTOMER)["blocks"])
    assert "Requests: Cancelled" in cancelled and "2 requests in all." in cancelled


def test_agents_export_a_csv_from_app_home_to_their_dm(slack, ctx):
    snap = svc.open_request(
        ctx,
        draft(["+16172536001"], wireless=["+16172536002"]),
        actor=svc.Actor.customer(CUSTOMER, "casey"),
        team_id=slack.sim.team_id,
        channel_id=CHANNEL,
    )
    _bulk(slack, ctx, 3, company_name="=cmd|' /C calc'!A0")
    view = _home(slack, AGENT)
    button = _element(view["blocks"], Action.EXPORT_CSV)
    slack.driver.block_action(Action.EXPORT_CSV, button["value"], AGENT, view=view)
    methods = [c.method for c in slack.sim.calls if c.method.startswith("files.")]
    assert methods == [
        "files.getUploadURLExternal",
        "files.upload",
        "files.completeUploadExternal",
    ]
    (shared,) = [m for m in slack.sim.messages(AGENT) if m.get("files")]
    assert "Open port requests: 4 requests" in shared["text"]
    (file,) = shared["files"]
    assert file["name"].startswith("port-requests-open-") and file["name"].endswith(".csv")
    data = slack.sim._files[file["id"]][1].decode("utf-8")
    table = list(csv.DictReader(io.StringIO(data)))
    assert len(table) == 4 and table[0]["SID"] == snap.sid and table[0]["Numbers"] == "2"
    assert {r["Company"] for r in table[1:]} == {"'=cmd|' /C calc'!A0"}  # newest first
    assert PIN not in data and ACCOUNT not in data


def test_the_csv_is_refused_to_customers_even_with_a_forged_press(slack, ctx):
    _bulk(slack, ctx, 2)
    view = _home(slack, CUSTOMER)
    assert Action.EXPORT_CSV not in _dump(view["blocks"])
    forged = '{"w":"all","c":"","p":1}'
    answer = slack.driver.block_action(Action.EXPORT_CSV, forged, CUSTOMER, channel_id=CHANNEL)
    assert answer.status == 200
    assert not [c for c in slack.sim.calls if c.method.startswith("files.")]
    assert not [m for m in slack.sim.messages(CUSTOMER) if m.get("files")]


def test_find_is_answered_after_an_empty_ack_like_list(ctx):
    from bot.slack.deferral import Front, ThreadRunner
    from tests.slack.conftest import SIGNING_SECRET, served_slack

    def front(runtime):
        return Front(ThreadRunner(runtime.bolt, limit=8), SIGNING_SECRET)

    with served_slack(ctx, front=front) as slack:
        (sid,) = _bulk(slack, ctx, 1, company_name="Deferred Dental")
        answer = slack.driver.command("/port", "find dental", user_id=AGENT, channel_id=CHANNEL)
        assert answer.status == 200 and answer.text == ""
        slack.sim.wait_for("response_url", 1)
        reply = slack.sim.responses[-1].body
        assert reply["response_type"] == "ephemeral" and sid[:10] in _dump(reply["blocks"])
