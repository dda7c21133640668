"""Listeners as plain functions, and the checks they make on what a submission claims.

The handlers are module-level functions taking ``deps`` first, so these tests call some of
them directly with stand-ins for Bolt's ``ack`` and the Web API client; the forged
submissions go over real, signed HTTP like everything else in this folder."""

from __future__ import annotations

import inspect
import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.util.utils import get_arg_names_of_callable

from bot import services as svc
from bot.porting.errors import NotFound
from bot.services.base import Context
from bot.slack.agents import AgentDirectory
from bot.slack.deps import SlackDeps, dump_meta
from bot.slack.errors import bind
from bot.slack.ids import Action, Block, View
from bot.slack.listeners import (
    actions,
    commands,
    documents,
    events,
    find,
    intake_nav,
    port_out_actions,
    quotes,
    transfers,
    views,
)
from tests.services.helpers import draft, mark_loa_signed, numbers
from tests.slack.conftest import AGENT, CHANNEL, CUSTOMER, OTHER

ELSEWHERE = "C0ELSEWHERE"


class Ack:
    """Bolt's ``ack`` as the handlers use it: called once, with what Slack is answered."""

    def __init__(self) -> None:
        self.response: dict[str, Any] | None = None

    def __call__(self, **answer: Any) -> None:
        assert self.response is None, "acked twice"
        self.response = answer


class Client:
    """The Web API calls a handler makes, recorded."""

    def __init__(self) -> None:
        self.opened: list[dict[str, Any]] = []

    def views_open(self, *, trigger_id: str, view: Any) -> None:
        self.opened.append(view.to_dict())


def _opened(ctx: Context, *, submitted: bool = False, team: str = "T0TEST") -> str:
    snap = svc.open_request(
        ctx,
        draft(numbers(2)),
        actor=svc.Actor.customer(CUSTOMER, "casey"),
        team_id=team,
        channel_id=CHANNEL,
    )
    mark_loa_signed(ctx, snap.sid, actor=svc.Actor.customer(CUSTOMER))
    if submitted:
        svc.submit_to_carrier(ctx, snap.sid, actor=svc.Actor.agent(AGENT))
    return snap.sid


def _deps(ctx: Context) -> SlackDeps:
    return SlackDeps(ctx, AgentDirectory([AGENT], []))


def _body(user: str) -> dict[str, Any]:
    return {
        "user": {"id": user, "name": user.lower(), "team_id": "T0TEST"},
        "team": {"id": "T0TEST"},
    }


# --- registration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "names"),
    [
        (commands.port, ["ack", "command", "client"]),
        (actions.status, ["ack", "body", "client", "respond"]),
        (actions.cancel, ["ack", "body", "client"]),
        (views.step_bill, ["ack", "body", "view", "client"]),
        (views.foc, ["ack", "body", "view", "client"]),
        (events.home_opened, ["event", "body", "client"]),
        (events.thread_reply, ["event", "client"]),
    ],
)
def test_bolt_sees_each_handlers_own_arguments(ctx, handler, names):
    assert get_arg_names_of_callable(bind(handler, _deps(ctx))) == names


def test_every_action_and_view_has_a_module_level_handler():
    """Each listener module's tables (``HANDLERS``, ``ACTIONS``, ``VIEWS``) together cover every
    action and view id, each once, with a module-level function of that module."""
    action_tables = [
        actions.HANDLERS,
        find.HANDLERS,
        intake_nav.ACTIONS,
        port_out_actions.ACTIONS,
        transfers.ACTIONS,
        quotes.ACTIONS,
        documents.ACTIONS,
    ]
    view_tables = [views.HANDLERS, port_out_actions.VIEWS, transfers.VIEWS, documents.VIEWS]
    action_ids = [a for table in action_tables for a in table]
    view_ids = [v for table in view_tables for v in table]
    assert sorted(action_ids) == sorted(set(Action))  # each once
    assert sorted(view_ids) == sorted(
        set(View) - {View.NEW_DONE, View.LOADING, View.NEW_RESUME}  # no submit: buttons only
    )
    listeners = (actions, find, intake_nav, port_out_actions, transfers, views, quotes, documents)
    modules = {m.__name__ for m in listeners}
    for table in [*action_tables, *view_tables]:
        for handler in table.values():
            assert handler.__module__ in modules
            assert "<locals>" not in handler.__qualname__


# --- handlers called alone ------------------------------------------------------------------


def _foc_view(sid: str, day: str, start: str | None = None, end: str | None = None) -> dict:
    values: dict[str, Any] = {Block.FOC_DATE: {"value": {"selected_date": day}}}
    if start:
        values[Block.FOC_WINDOW_START] = {"value": {"selected_time": start}}
    if end:
        values[Block.FOC_WINDOW_END] = {"value": {"selected_time": end}}
    return {"private_metadata": dump_meta(sid=sid, channel=""), "state": {"values": values}}


@pytest.mark.parametrize(
    ("day", "start", "end", "block", "words"),
    [
        ("2026-11-13", None, None, Block.FOC_DATE, "is in the past"),
        ("2026-12-03", "11:00", "09:00", Block.FOC_WINDOW_START, "must end after it starts"),
        ("2026-12-03", "11:00", None, Block.FOC_WINDOW_START, "or neither"),
    ],
)
def test_foc_errors_land_on_the_block_of_their_field(ctx, day, start, end, block, words):
    sid = _opened(ctx, submitted=True)
    ack = Ack()
    views.foc(_deps(ctx), ack, _body(AGENT), _foc_view(sid, day, start, end), None)
    assert ack.response is not None and ack.response["response_action"] == "errors"
    assert list(ack.response["errors"]) == [block] and words in ack.response["errors"][block]


def test_foc_modal_sets_the_date_when_called_alone(ctx):
    sid = _opened(ctx, submitted=True)
    ack = Ack()
    views.foc(_deps(ctx), ack, _body(AGENT), _foc_view(sid, "2026-12-03"), None)
    assert ack.response == {}
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).request.foc_date == date(
        2026, 12, 3
    )


def test_the_cancel_button_opens_the_confirmation_through_the_service(ctx):
    sid = _opened(ctx, submitted=True)
    svc.set_foc(ctx, sid, date(2026, 11, 25), actor=svc.Actor.agent(AGENT))
    ack, client = Ack(), Client()
    body = {**_body(CUSTOMER), "actions": [{"value": sid}], "trigger_id": "1.2.3"}
    body["channel"] = {"id": CHANNEL}
    actions.cancel(_deps(ctx), ack, body, client)
    (view,) = client.opened
    assert ack.response == {} and view["callback_id"] == View.CANCEL
    assert json.loads(view["private_metadata"]) == {"sid": sid, "channel": CHANNEL}
    assert "Mon Nov 23" in json.dumps(view)


# --- forged submissions over HTTP -----------------------------------------------------------


def forge(slack, user: str, callback_id: View, meta: dict[str, str], values: dict[str, Any]):
    """A correctly signed ``view_submission`` of a modal Slack never showed this user, with
    ``private_metadata`` and state of the sender's choosing."""
    team = slack.sim.team_id
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "name": user.lower(), "team_id": team},
        "api_app_id": "A0PORTBOT",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V0FORGED",
            "type": "modal",
            "team_id": team,
            "callback_id": callback_id,
            "private_metadata": json.dumps(meta),
            "state": {"values": values},
        },
        "response_urls": [],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return slack.driver.post(body, "application/x-www-form-urlencoded", payload)


def _refusal(answer) -> str:
    assert answer.status == 200 and answer.json["response_action"] == "update"
    return json.dumps(answer.json["view"])


def _events(ctx, sid: str, action: str) -> list:
    snap = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True), events=100)
    return [e for e in snap.events if e.action == action]


NOTE = {
    Block.NOTE_TEXT: {"value": {"type": "plain_text_input", "value": "Your port is cancelled"}},
    Block.NOTE_PUBLIC: {"value": {"type": "checkboxes", "selected_options": [{"value": "public"}]}},
}


@pytest.mark.parametrize("user", [CUSTOMER, OTHER])
def test_a_forged_note_from_a_customer_makes_no_note(slack, ctx, user):
    sid = _opened(ctx, team=slack.sim.team_id)
    answer = forge(slack, user, View.NOTE, {"sid": sid, "channel": CHANNEL}, NOTE)
    assert "Only the porting team can do that." in _refusal(answer)
    assert _events(ctx, sid, "note") == []


@pytest.mark.parametrize(
    ("callback_id", "values"),
    [
        (View.COMPLETE, {}),
        (
            View.FOC,
            {Block.FOC_DATE: {"value": {"type": "datepicker", "selected_date": "2026-12-03"}}},
        ),
        (
            View.REJECT,
            {
                Block.REJECT_CODES: {
                    "value": {"type": "checkboxes", "selected_options": [{"value": "wrong_pin"}]}
                }
            },
        ),
    ],
)
def test_the_porting_teams_other_modals_refuse_customers_too(slack, ctx, callback_id, values):
    sid = _opened(ctx, submitted=True, team=slack.sim.team_id)
    answer = forge(slack, CUSTOMER, callback_id, {"sid": sid, "channel": CHANNEL}, values)
    assert "Only the porting team can do that." in _refusal(answer)
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).status.value == "submitted"


@pytest.mark.parametrize("channel", ["", ELSEWHERE])
def test_a_forged_cancel_of_another_customers_request_is_refused(slack, ctx, channel):
    sid = _opened(ctx, team=slack.sim.team_id)
    reason = {Block.CANCEL_REASON: {"value": {"type": "plain_text_input", "value": "mine now"}}}
    answer = forge(slack, OTHER, View.CANCEL, {"sid": sid, "channel": channel}, reason)
    assert f"No request matches {sid}" in _refusal(answer)
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).status.value == "in_review"
    assert _events(ctx, sid, "request_cancel") == []


def test_an_agent_note_still_goes_through(slack, ctx):
    sid = _opened(ctx, team=slack.sim.team_id)
    answer = forge(slack, AGENT, View.NOTE, {"sid": sid, "channel": ""}, NOTE)
    assert answer.status == 200 and not answer.json  # an empty ack closes the modal
    (note,) = _events(ctx, sid, "note")
    assert note.public and note.detail == "Your port is cancelled"


def test_a_modals_sid_is_resolved_without_loading_the_request(ctx, monkeypatch):
    """Before the ack of every porting-team modal and of the last intake step: the SID is
    checked against what the submitter may see, and nothing else is read (no numbers, no
    timeline)."""
    sid = _opened(ctx)
    from storage import repositories as repo

    def loaded(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("loaded the request's numbers or timeline before the ack")

    monkeypatch.setattr(repo, "numbers_of", loaded)
    monkeypatch.setattr(repo, "events_of", loaded)
    meta = {"sid": sid[:12], "channel": CHANNEL}
    assert views._visible_sid(_deps(ctx), _body(AGENT), meta, None) == sid
    with pytest.raises(NotFound, match=f"No request matches {sid[:12]}"):
        views._visible_sid(_deps(ctx), _body(OTHER), {**meta, "channel": ELSEWHERE}, None)


def test_the_last_step_passes_the_service_bytes_not_the_store():
    """The content check and the store are the service's (``intake_flow``); the listener
    fetches the bytes from Slack and hands them over with the bill's details."""
    source = inspect.getsource(views)
    for name in ("check_content", "BillCopy", "DocumentStore", "deps.documents"):
        assert name not in source, name
