"""A request keeps its numbers' country: opening records it, and edits are checked by that
country's rules (a French RIO code, a French postal code), not by the US ones."""

from __future__ import annotations

import dataclasses

import pytest

from bot import services as svc
from bot.porting.errors import InvalidInput
from tests.services.helpers import CUSTOMER, draft

FRENCH = {
    "landlines": "+33 1 42 68 53 00",
    "btn": "",
    "pin": "02P123456ABC",
    "account_number": "",
    "company_name": "Acme SARL",
    "street": "55 Rue du Faubourg Saint-Honoré",
    "city": "Paris",
    "region": "",
    "postal_code": "75008",
    "country": "FR",
}


def _french(ctx) -> str:
    snap = svc.open_request(ctx, dataclasses.replace(draft(), **FRENCH), actor=CUSTOMER)
    assert snap.request.numbers_country == "FR" and snap.request.country == "FR"
    return snap.sid


def test_a_french_request_is_edited_by_french_rules(ctx):
    sid = _french(ctx)
    with pytest.raises(InvalidInput) as caught:
        svc.update_details(ctx, sid, {"pin": "1234"}, actor=CUSTOMER)
    assert "RIO code" in caught.value.errors["pin"]
    with pytest.raises(InvalidInput) as caught:
        svc.update_details(ctx, sid, {"postal_code": "7500"}, actor=CUSTOMER)
    assert "Code postal" in caught.value.errors["postal_code"]
    changed = svc.update_details(ctx, sid, {"city": "Lyon", "postal_code": "69001"}, actor=CUSTOMER)
    assert changed.request.postal_code == "69001" and changed.request.region == ""


def test_a_us_request_records_us(ctx):
    assert svc.open_request(ctx, draft(), actor=CUSTOMER).request.numbers_country == "US"


def test_numbers_of_two_countries_cannot_be_opened_even_past_the_form(ctx):
    mixed = dataclasses.replace(draft(), landlines="+1 617 253 1000\n+33 1 42 68 53 00")
    with pytest.raises(InvalidInput) as caught:
        svc.open_request(ctx, mixed, actor=CUSTOMER)
    assert "France" in caught.value.errors["landlines"]
