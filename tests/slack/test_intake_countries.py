"""`/port new` for one country at a time: signed step submissions over HTTP against the Slack
simulator. Numbers of several countries are refused, named per country; a country outside
PORTBOT_COUNTRIES is refused by name; a French request gets the French fields, address lines
and documents, each with its reason; the US form stays as it was."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import select

from bot.porting.countries import requirements_for
from bot.porting.fields import F
from bot.porting.intake import Agreement
from bot.sandbox.slack_driver import datepicker, file_input
from bot.slack.ids import Action, Block, View
from storage.models import PortRequest
from tests.slack.conftest import CHANNEL, CUSTOMER, served_slack

ALL_AGREEMENTS = [a.value for a in Agreement]
PARIS, PARIS_MOBILE = "+33 1 42 68 53 00", "+33 6 12 34 56 78"
LONDON, BOSTON, BERLIN, TOKYO = (
    "+44 20 7219 3000",
    "+1 617 253 1000",
    "+49 30 901820",
    "+81 3 3580 3311",
)


def _view(slack):
    stack = slack.sim.view_stack(CUSTOMER)
    assert stack, "no modal is open"
    return slack.sim.current_view(stack[-1])


def _to_numbers(slack):
    slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    slack.driver.view_submission(_view(slack), {Block.AGREEMENTS: ALL_AGREEMENTS}, CUSTOMER)
    view = _view(slack)
    assert view["callback_id"] == View.NEW_NUMBERS
    return view


def _inputs(view) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b.get("type") == "input"}


def _label(block) -> str:
    return block["label"]["text"]


def _hint(block) -> str:
    return (block.get("hint") or {}).get("text", "")


def _count(ctx) -> int:
    with ctx.db.read() as s:
        return len(s.exec(select(PortRequest)).all())


def test_numbers_of_three_countries_are_refused_and_named_per_country(slack, ctx):
    view = _to_numbers(slack)
    answer = slack.driver.view_submission(
        view,
        {
            Block.LANDLINES: f"{BOSTON}\n{PARIS}\n{LONDON}",
            Block.LOSING_CARRIER: "Old Phone Co",
            Block.ACCOUNT_NUMBER: "88001234567",
            Block.BTN: "617-253-1000",
        },
        CUSTOMER,
    )
    assert answer.json["response_action"] == "errors" and answer.view_error is None
    message = answer.json["errors"][Block.LANDLINES]
    assert "3 countries" in message
    lines = {line.split(":")[0]: line for line in message.splitlines() if line.startswith("•")}
    assert "+1 617-253-1000" in lines["• United States"]
    assert "+33 1 42 68 53 00" in lines["• France"]
    assert "+44 20 7219 3000" in lines["• United Kingdom"]
    assert "separate request for each" in message
    assert _view(slack)["callback_id"] == View.NEW_NUMBERS  # still on the numbers step


def test_mixed_countries_across_the_two_lists_are_named_on_the_wireless_box(slack):
    view = _to_numbers(slack)
    answer = slack.driver.view_submission(
        view,
        {Block.WIRELESS: f"{PARIS_MOBILE}\n+1 617 253 1002", Block.LOSING_CARRIER: "Orange"},
        CUSTOMER,
        client_validation=False,
    )
    message = answer.json["errors"][Block.WIRELESS]
    assert "France" in message and "United States" in message


def test_a_country_outside_portbot_countries_is_refused_by_name(ctx):
    only_na = dataclasses.replace(ctx, countries=frozenset({"US", "CA"}))
    with served_slack(only_na) as slack:
        view = _to_numbers(slack)
        answer = slack.driver.view_submission(
            view,
            {Block.LANDLINES: PARIS, Block.LOSING_CARRIER: "Orange"},
            CUSTOMER,
            client_validation=False,
        )
        message = answer.json["errors"][Block.LANDLINES]
        assert "numbers from France" in message
        assert "Canada, United States" in message
        # The same form takes US numbers.
        answer = slack.driver.view_submission(
            view,
            {
                Block.LANDLINES: BOSTON,
                Block.LOSING_CARRIER: "Old Phone Co",
                Block.ACCOUNT_NUMBER: "88001234567",
                Block.BTN: "617-253-1000",
            },
            CUSTOMER,
        )
        assert _view(slack)["callback_id"] == View.NEW_CONTACT


def test_a_country_the_table_does_not_hold_is_refused_by_default(slack):
    view = _to_numbers(slack)
    answer = slack.driver.view_submission(
        view,
        {Block.LANDLINES: TOKYO, Block.LOSING_CARRIER: "NTT"},
        CUSTOMER,
        client_validation=False,
    )
    message = answer.json["errors"][Block.LANDLINES]
    assert "numbers from JP" in message and "France" in message and "United States" in message


def test_the_us_form_is_unchanged(slack):
    view = _to_numbers(slack)
    inputs = _inputs(view)
    assert _label(inputs[Block.BTN]) == "Billing telephone number (BTN)"
    assert _label(inputs[Block.PIN]) == "Port-out PIN"
    slack.driver.view_submission(
        view,
        {
            Block.LANDLINES: BOSTON,
            Block.LOSING_CARRIER: "Old Phone Co",
            Block.ACCOUNT_NUMBER: "88001234567",
            Block.BTN: "617-253-1000",
        },
        CUSTOMER,
    )
    contact = _view(slack)
    assert contact["callback_id"] == View.NEW_CONTACT
    inputs = _inputs(contact)
    assert _label(inputs[Block.REGION]) == "State or region"
    assert _label(inputs[Block.POSTAL_CODE]) == "ZIP or postal code"
    assert inputs[Block.COUNTRY]["element"]["initial_value"] == "US"


def test_a_french_request_asks_for_french_fields_address_and_documents(slack, ctx):
    france = requirements_for("FR")
    view = _to_numbers(slack)
    # Typed on the standard form; the numbers are French, so the step comes back with the
    # French fields, keeping what was typed.
    answer = slack.driver.view_submission(
        view,
        {Block.LANDLINES: PARIS, Block.LOSING_CARRIER: "Orange"},
        CUSTOMER,
        client_validation=False,
    )
    assert answer.json["response_action"] == "update"
    view = _view(slack)
    assert view["callback_id"] == View.NEW_NUMBERS
    inputs = _inputs(view)
    assert inputs[Block.LANDLINES]["element"]["initial_value"] == PARIS
    assert inputs[Block.LOSING_CARRIER]["element"]["initial_value"] == "Orange"
    rio = france.field(F.PIN)
    assert rio is not None and _label(inputs[Block.PIN]) == "RIO code"
    assert rio.reason in _hint(inputs[Block.PIN])
    ndi = france.field(F.BTN)
    assert ndi is not None and _label(inputs[Block.BTN]) == "NDI (head number)"
    assert ndi.reason in _hint(inputs[Block.BTN]) and "Optional" in _hint(inputs[Block.BTN])
    labels = " ".join(_label(b) for b in inputs.values())
    assert "Billing telephone number" not in labels and "Port-out PIN" not in labels
    assert "France" in str(view["blocks"])

    # The RIO code is required for every French number, in its own shape.
    answer = slack.driver.view_submission(view, {}, CUSTOMER, client_validation=False)
    assert answer.view_error is None
    assert "RIO code" in answer.json["errors"][Block.PIN]
    assert "3179" in answer.json["errors"][Block.PIN]
    answer = slack.driver.view_submission(view, {Block.PIN: "12345"}, CUSTOMER)
    assert "02P123456ABC" in answer.json["errors"][Block.PIN]
    slack.driver.view_submission(view, {Block.PIN: "02P123456ABC"}, CUSTOMER)

    contact = _view(slack)
    assert contact["callback_id"] == View.NEW_CONTACT
    inputs = _inputs(contact)
    assert Block.REGION not in inputs  # French addresses have no region line
    assert _label(inputs[Block.POSTAL_CODE]) == "Code postal"
    assert inputs[Block.COUNTRY]["element"]["initial_value"] == "FR"
    contact_values = {
        Block.ACCOUNT_TYPE: "business",
        Block.COMPANY_NAME: "Acme SARL",
        Block.REP_NAME: "Camille Martin",
        Block.REP_EMAIL: "camille@acme.example",
        Block.STREET: "55 Rue du Faubourg Saint-Honoré",
        Block.CITY: "Paris",
        Block.POSTAL_CODE: "750",
    }
    answer = slack.driver.view_submission(contact, contact_values, CUSTOMER)
    assert "Code postal" in answer.json["errors"][Block.POSTAL_CODE]
    slack.driver.view_submission(contact, {**contact_values, Block.POSTAL_CODE: "75008"}, CUSTOMER)

    bill = _view(slack)
    assert bill["callback_id"] == View.NEW_BILL
    shown = str(bill["blocks"])
    for name in ("Proof of address", "Company registration", "ID of the person who signs"):
        assert name in shown
    proof = next(d for d in france.documents if d.document.value == "proof_of_address")
    assert proof.reason in shown
    # the French landline lead time, not the US "two to four weeks"
    assert "Ports from France usually take 8 to 15 business days." in shown
    pdf = slack.sim.add_file("facture.pdf", b"%PDF-1.7 facture", "application/pdf", "pdf")
    slack.driver.view_submission(
        bill,
        {Block.BILL: file_input(pdf), Block.BILL_ISSUED_ON: datepicker(date(2026, 11, 10))},
        CUSTOMER,
    )
    assert _view(slack)["callback_id"] == View.NEW_DONE
    with ctx.db.read() as s:
        req = s.exec(select(PortRequest)).one()
    assert req.numbers_country == "FR" and req.country == "FR"
    assert req.pin is not None and req.pin.reveal() == "02P123456ABC"
    assert req.btn is None and req.region == ""

    slack.drain()
    card = str(slack.sim.messages(CHANNEL)[0]["blocks"])
    assert "To send for a port from France" in card and "proof of address" in card


def test_a_german_request_shows_no_billing_number_nor_pin(slack, ctx):
    view = _to_numbers(slack)
    slack.driver.view_submission(
        view,
        {Block.LANDLINES: BERLIN, Block.LOSING_CARRIER: "Telekom"},
        CUSTOMER,
        client_validation=False,
    )
    inputs = _inputs(_view(slack))
    assert Block.BTN not in inputs and Block.PIN not in inputs
    assert _label(inputs[Block.ACCOUNT_NUMBER]) == "Customer number"
    assert inputs[Block.ACCOUNT_NUMBER].get("optional") is True
    slack.driver.view_submission(_view(slack), {}, CUSTOMER)
    assert _view(slack)["callback_id"] == View.NEW_CONTACT
    assert _count(ctx) == 0


def test_a_message_for_a_box_the_country_form_leaves_out_lands_on_the_country_box(slack):
    view = _to_numbers(slack)
    slack.driver.view_submission(
        view,
        {Block.LANDLINES: PARIS, Block.LOSING_CARRIER: "Orange"},
        CUSTOMER,
        client_validation=False,
    )
    slack.driver.view_submission(_view(slack), {Block.PIN: "02P123456ABC"}, CUSTOMER)
    contact = _view(slack)
    assert Block.REGION not in _inputs(contact)
    answer = slack.driver.view_submission(
        contact,
        {
            Block.REP_NAME: "Camille Martin",
            Block.REP_EMAIL: "camille@acme.example",
            Block.COMPANY_NAME: "Acme SARL",
            Block.STREET: "1 Main St",
            Block.CITY: "Boston",
            Block.POSTAL_CODE: "02139",
            Block.COUNTRY: "US",  # a US address has a state line, which this form leaves out
        },
        CUSTOMER,
    )
    assert answer.view_error is None  # Slack accepts every error's block
    assert "state or region" in answer.json["errors"][Block.COUNTRY]


def test_back_from_a_french_step_3_shows_the_french_fields_again(slack):
    view = _to_numbers(slack)
    slack.driver.view_submission(
        view,
        {Block.LANDLINES: PARIS, Block.LOSING_CARRIER: "Orange"},
        CUSTOMER,
        client_validation=False,
    )
    slack.driver.view_submission(_view(slack), {Block.PIN: "02P123456ABC"}, CUSTOMER)
    contact = _view(slack)
    assert contact["callback_id"] == View.NEW_CONTACT
    slack.driver.block_action(Action.NEW_BACK, "back", CUSTOMER, view=contact, state={})
    numbers = _view(slack)
    assert numbers["callback_id"] == View.NEW_NUMBERS
    inputs = _inputs(numbers)
    assert _label(inputs[Block.PIN]) == "RIO code" and Block.BTN in inputs
    assert "kept" in _hint(inputs[Block.PIN])  # the code is kept, never shown
    assert inputs[Block.LANDLINES]["element"]["initial_value"] == PARIS
    # Next again with the box empty keeps the code and goes on.
    slack.driver.view_submission(numbers, {}, CUSTOMER)
    assert _view(slack)["callback_id"] == View.NEW_CONTACT
