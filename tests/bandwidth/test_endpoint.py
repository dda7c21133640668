"""``POST /portout/validation`` end to end: Bandwidth's documented request against the real
use case and database, over HTTP."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from sqlmodel import select, update

from bot.bandwidth.decide import decider
from bot.bandwidth.route import validation_routes
from bot.sandbox.serving import ServedApp
from bot.services import port_outs as po
from bot.web import create_app
from storage.models import HeldNumber, PortOut, PortOutAccount
from storage.values import PortOutStatus
from tests.bandwidth.test_validation import SAMPLE
from tests.services.helpers import AGENT, CUSTOMER
from tests.web.conftest import Site, request

USER, PASSWORD = "bandwidth", "validation-pass"
HELD = ("+12223331000", "+12223331001")


@pytest.fixture
def site(ctx) -> Iterator[Site]:
    routes = validation_routes(decider(ctx), user=USER, password=PASSWORD)
    with ServedApp(create_app(ctx, None, portout=routes)) as served:
        yield Site(served.url)


def _post(site: Site, body: bytes, password: str = PASSWORD):
    token = base64.b64encode(f"{USER}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/xml"}
    return request(site, "POST", "/portout/validation", body, headers)


def _answer(response) -> tuple[str | None, list[str]]:
    root = ET.fromstring(response.body)
    return root.findtext("Portable"), [e.findtext("Code") or "" for e in root.iter("Error")]


def _hold(ctx, *, pin: str | None = None) -> None:
    with ctx.db.write() as s:
        for n in HELD:
            s.add(HeldNumber(e164=n, team_id="T1", account="C0ACME", added_at=ctx.now()))
    if pin:
        po.set_pin(ctx, team_id="T1", account="C0ACME", pin=pin, actor=CUSTOMER)
    with ctx.db.write() as s:  # the account code the sample quotes, and the ZIP on file
        s.exec(update(PortOutAccount).values(code="777"))
        s.exec(update(HeldNumber).values(postal_code="62025"))


def test_an_account_code_or_zip_that_does_not_match_is_not_portable(ctx, site):
    _hold(ctx, pin="1111")
    answer = _post(site, SAMPLE.replace(b"<ZipCode>62025", b"<ZipCode>10001"))
    assert _answer(answer) == ("false", ["7515"])
    answer = _post(site, SAMPLE.replace(b"<AccountNumber>777", b"<AccountNumber>778"))
    assert _answer(answer) == ("false", ["7511"])


def _port_outs(ctx) -> list[PortOut]:
    with ctx.db.read() as s:
        return list(s.exec(select(PortOut)))


def test_numbers_nobody_holds_are_not_portable_with_7516(ctx, site):
    answer = _post(site, SAMPLE)
    assert answer.status == 200 and _answer(answer) == ("false", ["7516"])
    (recorded,) = _port_outs(ctx)
    assert recorded.status is PortOutStatus.REJECTED and recorded.source == "bandwidth"
    assert recorded.pon == "some_pon"


def test_held_numbers_with_the_right_pin_go_ahead_and_the_holder_is_asked(ctx, site):
    _hold(ctx, pin="1111")  # the documented sample's PIN
    answer = _post(site, SAMPLE)
    assert _answer(answer) == ("true", [])  # pending; the default is to authorize
    (recorded,) = _port_outs(ctx)
    assert recorded.status is PortOutStatus.PENDING and recorded.deadline_at is not None
    again = _post(site, SAMPLE)  # Bandwidth retries the same delivery
    assert again.body == answer.body and len(_port_outs(ctx)) == 1


def test_a_wrong_pin_is_7513_and_the_pin_is_never_echoed(ctx, site):
    _hold(ctx, pin="2222")
    answer = _post(site, SAMPLE)
    assert _answer(answer) == ("false", ["7513"])
    assert b"2222" not in answer.body and b"1111" not in answer.body


def test_a_sent_again_request_follows_the_holders_approval(db, clock, tmp_path):
    from bot.porting.reminders import ReminderPolicy
    from bot.services.base import Context
    from bot.services.reminders import reconcile

    ctx = Context(
        db=db, clock=clock, reconcile=reconcile, reminders=ReminderPolicy(port_out_default="reject")
    )
    routes = validation_routes(decider(ctx), user=USER, password=PASSWORD)
    with ServedApp(create_app(ctx, None, portout=routes)) as served:
        site = Site(served.url)
        _hold(ctx, pin="1111")
        assert _answer(_post(site, SAMPLE)) == ("false", ["7598"])  # waits for the holder
        (pending,) = _port_outs(ctx)
        po.answer(ctx, pending.public_id, approve=True, actor=AGENT, accounts=None)
        assert _answer(_post(site, SAMPLE)) == ("true", [])
        assert len(_port_outs(ctx)) == 1


def test_bad_credentials_and_malformed_xml_record_nothing(ctx, site):
    assert _post(site, SAMPLE, password="wrong").status == 401
    assert _post(site, b"<PortOutValidationRequest><PON>x</PON>").status == 400
    assert _port_outs(ctx) == []
