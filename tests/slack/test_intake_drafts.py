"""The intake form forgives: Back keeps what was typed, a closed form is kept as a draft, and
the next `/port new` offers to continue it. Signed requests over HTTP, the modal in the
simulator; secrets are looked for in everything that went to Slack."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.sandbox.slack_driver import datepicker
from bot.services import intake_drafts
from bot.slack.ids import VALUE, Action, Block, View
from storage.models import IntakeSession, PortRequest
from tests.slack.conftest import CHANNEL, CUSTOMER, OTHER
from tests.slack.test_intake_flow import (
    ALL_AGREEMENTS,
    GOOD_CONTACT,
    _bill,
    _latest_view,
    _open,
)

ACCOUNT, PIN = "88001234567", "7391846"
NUMBERS = {
    Block.LANDLINES: "+1 617 253 1000\n617-253-1001",
    Block.WIRELESS: "617-253-1002",
    Block.LOSING_CARRIER: "Old Phone Co",
    Block.ACCOUNT_NUMBER: ACCOUNT,
    Block.BTN: "617-253-1000",
    Block.PIN: PIN,
}
PART_OF_CONTACT = {
    Block.COMPANY_NAME: "Acme Widgets Inc",
    Block.REP_NAME: "Jordan Rivera",
    Block.CITY: "Cambridge",
}


class Recorder:
    """Every answer the app gave Slack in the ack; with the simulator's calls, all it sent."""

    def __init__(self, slack):
        self.slack, self.answers = slack, []

    def __call__(self, answer):
        if answer is not None:
            self.answers.append(answer.text)
        return answer

    def everything(self) -> str:
        calls = [json.dumps(c.args, default=str) for c in self.slack.sim.calls]
        return "\n".join([*calls, *self.answers])


@pytest.fixture
def sent(slack):
    return Recorder(slack)


def _input(view, block):
    found = [b for b in view["blocks"] if b.get("block_id") == block]
    assert found, f"no {block} in {view['callback_id']}"
    return found[0]


def _initial(view, block):
    element = _input(view, block)["element"]
    for key in ("initial_value", "initial_date"):
        if key in element:
            return element[key]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    return [o["value"] for o in element.get("initial_options", [])] or None


def _button(view, action):
    for block in view["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action:
                return element
    raise AssertionError(f"no {action} button in {view['callback_id']}")


def _to_contact(slack, sent):
    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL))
    view = _latest_view(slack)
    sent(slack.driver.view_submission(view, {Block.AGREEMENTS: ALL_AGREEMENTS}, CUSTOMER))
    view = _latest_view(slack)
    sent(slack.driver.view_submission(view, NUMBERS, CUSTOMER))
    view = _latest_view(slack)
    assert view["callback_id"] == View.NEW_CONTACT
    return view


def _back(slack, sent, view, typed=None):
    sent(slack.driver.block_action(Action.NEW_BACK, "back", CUSTOMER, view=view, state=typed or {}))
    return _latest_view(slack)


def _session(ctx) -> IntakeSession:
    with ctx.db.read() as s:
        return s.exec(select(IntakeSession)).one()


def test_back_from_step_3_keeps_what_was_typed_on_both_steps(slack, ctx, sent):
    contact = _to_contact(slack, sent)
    assert _button(contact, Action.NEW_BACK)
    assert contact["notify_on_close"] is True

    numbers = _back(slack, sent, contact, PART_OF_CONTACT)
    assert numbers["callback_id"] == View.NEW_NUMBERS and numbers["id"] == contact["id"]
    update = slack.sim.calls_to("views.update")[-1]
    assert update.error is None and update.args["hash"] == contact["hash"]  # stale-safe
    assert _initial(numbers, Block.LANDLINES) == NUMBERS[Block.LANDLINES]
    assert _initial(numbers, Block.WIRELESS) == NUMBERS[Block.WIRELESS]
    assert _initial(numbers, Block.LOSING_CARRIER) == "Old Phone Co"
    assert _initial(numbers, Block.BTN) == "617-253-1000"
    # The secrets are asked again, never filled in: kept, and an empty box keeps them.
    account = _input(numbers, Block.ACCOUNT_NUMBER)
    assert "initial_value" not in account["element"] and account["optional"] is True
    assert "4567" in account["hint"]["text"] and "Leave this empty" in account["hint"]["text"]
    pin = _input(numbers, Block.PIN)
    assert "initial_value" not in pin["element"] and "kept" in pin["hint"]["text"]

    # Next with the secrets left empty: step 3 comes back as it was typed before Back.
    kept = {Block.ACCOUNT_NUMBER: None, Block.PIN: None}
    answer = sent(slack.driver.view_submission(numbers, kept, CUSTOMER))
    assert answer.view_error is None, answer.text
    contact = _latest_view(slack)
    assert contact["callback_id"] == View.NEW_CONTACT
    assert _initial(contact, Block.COMPANY_NAME) == "Acme Widgets Inc"
    assert _initial(contact, Block.REP_NAME) == "Jordan Rivera"
    assert _initial(contact, Block.CITY) == "Cambridge"

    sent(slack.driver.view_submission(contact, GOOD_CONTACT, CUSTOMER))
    bill = _latest_view(slack)
    assert bill["callback_id"] == View.NEW_BILL and _button(bill, Action.NEW_BACK)
    sent(slack.driver.view_submission(bill, _bill(slack), CUSTOMER))
    assert _latest_view(slack)["callback_id"] == View.NEW_DONE
    with ctx.db.read() as s:
        req = s.exec(select(PortRequest)).one()
    assert req.account_number.reveal() == ACCOUNT and req.pin.reveal() == PIN
    everything = sent.everything()
    assert "Old Phone Co" in everything and "Jordan Rivera" in everything  # the views are in it
    assert ACCOUNT not in everything and PIN not in everything


def test_back_to_the_checklist_goes_on_with_the_same_form(slack, ctx, sent):
    _to_contact(slack, sent)
    numbers = _back(slack, sent, _latest_view(slack))
    agreement = _back(slack, sent, numbers, {Block.LANDLINES: "617-253-1005"})
    assert agreement["callback_id"] == View.NEW_AGREEMENT
    assert sorted(_initial(agreement, Block.AGREEMENTS)) == sorted(ALL_AGREEMENTS)
    with pytest.raises(AssertionError):
        _button(agreement, Action.NEW_BACK)  # no Back on the first step

    sent(slack.driver.view_submission(agreement, {}, CUSTOMER))
    numbers = _latest_view(slack)
    assert numbers["callback_id"] == View.NEW_NUMBERS
    assert _initial(numbers, Block.LANDLINES) == "617-253-1005"
    assert _session(ctx).step == 2  # one session all along
    assert ACCOUNT not in sent.everything() and PIN not in sent.everything()


def test_a_closed_form_is_offered_again_and_continues_where_it_stopped(slack, ctx, sent):
    contact = _to_contact(slack, sent)
    closed = slack.driver.view_closed(contact, CUSTOMER)
    assert closed is not None and closed.status == 200  # notify_on_close told the app
    kept = _session(ctx)
    assert kept.kept_at is not None and kept.step == 3
    assert kept.expires_at == kept.created_at + timedelta(days=30)  # as a draft request lives

    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL))
    offer = _latest_view(slack)
    assert offer["callback_id"] == View.NEW_RESUME
    text = json.dumps(offer["blocks"])
    assert "3 numbers" in text and "Old Phone Co" in text and "step 3 of 4" in text
    assert "Mon Nov 16, 2026" in text and "Wed Dec 16, 2026" in text

    go_on = _button(offer, Action.NEW_CONTINUE)
    sent(slack.driver.block_action(Action.NEW_CONTINUE, go_on["value"], CUSTOMER, view=offer))
    contact = _latest_view(slack)
    assert contact["callback_id"] == View.NEW_CONTACT and contact["id"] == offer["id"]
    numbers = _back(slack, sent, contact)
    assert _initial(numbers, Block.LANDLINES) == NUMBERS[Block.LANDLINES]
    assert ACCOUNT not in sent.everything() and PIN not in sent.everything()


def test_a_close_that_carries_the_inputs_keeps_them(slack, ctx, sent):
    """Whatever ``view.state.values`` a view_closed carries is kept; what it leaves out keeps
    what was kept before."""
    contact = _to_contact(slack, sent)
    slack.sim.close_view(contact["id"])
    payload = slack.driver._interaction("view_closed", CUSTOMER)
    state = {
        b: {VALUE: {"type": "plain_text_input", "value": v}} for b, v in PART_OF_CONTACT.items()
    }
    payload.update(view={**contact, "state": {"values": state}}, is_cleared=False)
    assert slack.driver._send_payload(payload, False, 0).status == 200

    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL))
    offer = _latest_view(slack)
    go_on = _button(offer, Action.NEW_CONTINUE)
    sent(slack.driver.block_action(Action.NEW_CONTINUE, go_on["value"], CUSTOMER, view=offer))
    contact = _latest_view(slack)
    assert _initial(contact, Block.REP_NAME) == "Jordan Rivera"
    assert _initial(contact, Block.CITY) == "Cambridge"
    assert _initial(contact, Block.STREET) is None


def test_the_last_step_is_kept_too_but_not_its_file(slack, ctx, sent):
    contact = _to_contact(slack, sent)
    sent(slack.driver.view_submission(contact, GOOD_CONTACT, CUSTOMER))
    bill = _latest_view(slack)
    wish = {Block.DESIRED_DATE: datepicker("2026-12-14"), Block.BILL_LATER: ["later"]}
    contact = _back(slack, sent, bill, wish)
    assert contact["callback_id"] == View.NEW_CONTACT
    assert _initial(contact, Block.REP_EMAIL) == GOOD_CONTACT[Block.REP_EMAIL]
    assert _initial(contact, Block.ACCOUNT_TYPE) == "business"
    sent(slack.driver.view_submission(contact, {}, CUSTOMER))
    bill = _latest_view(slack)
    assert _initial(bill, Block.DESIRED_DATE) == "2026-12-14"
    assert _initial(bill, Block.BILL_LATER) == ["later"]
    assert _initial(bill, Block.BILL) is None


def test_start_over_discards_the_draft(slack, ctx, sent):
    slack.driver.view_closed(_to_contact(slack, sent), CUSTOMER)
    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL))
    offer = _latest_view(slack)
    again = _button(offer, Action.NEW_START_OVER)
    assert again["confirm"]["confirm"]["text"] == "Start over"
    sent(slack.driver.block_action(Action.NEW_START_OVER, again["value"], CUSTOMER, view=offer))
    first = _latest_view(slack)
    assert first["callback_id"] == View.NEW_AGREEMENT and _initial(first, Block.AGREEMENTS) is None
    with ctx.db.read() as s:
        assert s.exec(select(IntakeSession)).all() == []
    slack.sim.close_view(first["id"])
    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL))
    assert _latest_view(slack)["callback_id"] == View.NEW_AGREEMENT


def test_an_expired_draft_is_not_offered_nor_continued(slack, ctx, clock, sent):
    slack.driver.view_closed(_to_contact(slack, sent), CUSTOMER)
    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL))
    offer = _latest_view(slack)
    assert offer["callback_id"] == View.NEW_RESUME

    clock.set(clock.now + timedelta(days=30))  # the draft's last moment has passed
    go_on = _button(offer, Action.NEW_CONTINUE)
    sent(slack.driver.block_action(Action.NEW_CONTINUE, go_on["value"], CUSTOMER, view=offer))
    refused = _latest_view(slack)
    assert refused["callback_id"] is None or refused["callback_id"] == ""
    assert "expired" in json.dumps(refused["blocks"])

    slack.sim.close_view(refused["id"])
    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL))
    assert _latest_view(slack)["callback_id"] == View.NEW_AGREEMENT


def test_a_draft_is_offered_only_to_its_owner_in_its_channel(slack, ctx, sent):
    slack.driver.view_closed(_to_contact(slack, sent), CUSTOMER)
    slack.sim.add_channel("C0ELSEWHERE", "elsewhere", members=[CUSTOMER, OTHER])
    slack.sim.add_channel(CHANNEL + "X", "x", members=[OTHER])
    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id="C0ELSEWHERE"))
    assert _latest_view(slack)["callback_id"] == View.NEW_AGREEMENT
    slack.driver.command("/port", "new", user_id=OTHER, channel_id=CHANNEL)
    stack = slack.sim.view_stack(OTHER)
    assert slack.sim.current_view(stack[-1])["callback_id"] == View.NEW_AGREEMENT
    # A Continue that names the draft but comes from someone else gets nothing of it.
    assert (
        intake_drafts.kept_draft(ctx, user_id=OTHER, team_id=slack.sim.team_id, channel_id=CHANNEL)
        is None
    )
    sent(slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL))
    offer = _latest_view(slack)
    go_on = _button(offer, Action.NEW_CONTINUE)
    slack.driver.block_action(Action.NEW_CONTINUE, go_on["value"], OTHER, view=offer)
    shown = slack.sim.current_view(offer["id"])
    assert shown["callback_id"] != View.NEW_CONTACT and "belongs to someone else" in json.dumps(
        shown
    )
    assert "Jordan" not in json.dumps(shown) and "Old Phone" not in json.dumps(shown)


def test_a_form_closed_before_anything_was_typed_is_not_kept(slack, ctx, sent):
    first = _open(slack)
    slack.driver.view_submission(first, {Block.AGREEMENTS: ALL_AGREEMENTS}, CUSTOMER)
    numbers = _latest_view(slack)
    assert numbers["notify_on_close"] is True
    slack.driver.view_closed(numbers, CUSTOMER)
    with ctx.db.read() as s:
        assert s.exec(select(IntakeSession)).all() == []
    slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    assert _latest_view(slack)["callback_id"] == View.NEW_AGREEMENT


def test_a_sent_form_is_not_offered(slack, ctx, sent):
    contact = _to_contact(slack, sent)
    sent(slack.driver.view_submission(contact, GOOD_CONTACT, CUSTOMER))
    sent(slack.driver.view_submission(_latest_view(slack), _bill(slack), CUSTOMER))
    done = _latest_view(slack)
    assert done["callback_id"] == View.NEW_DONE
    slack.driver.view_closed(done, CUSTOMER, force=True)
    slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    assert _latest_view(slack)["callback_id"] == View.NEW_AGREEMENT
    assert ACCOUNT not in sent.everything() and PIN not in sent.everything()
