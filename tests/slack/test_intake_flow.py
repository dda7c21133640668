"""`/port new` end to end: signed requests over HTTP, the modal in the simulator, the card."""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from sqlmodel import func, select

from bot.porting.intake import Agreement
from bot.sandbox.slack_driver import datepicker, file_input
from bot.services import intake_flow
from bot.slack.agents import AgentDirectory
from bot.slack.deps import SlackDeps
from bot.slack.ids import VALUE, Action, Block, View
from bot.slack.listeners import views
from storage.documents import DocumentStore
from storage.models import Document, DocumentKind, PortRequest
from tests.slack.conftest import AGENTS_CHANNEL, CHANNEL, CUSTOMER, OTHER

ALL_AGREEMENTS = [a.value for a in Agreement]
GOOD_NUMBERS = {
    Block.LANDLINES: "+1 617 253 1000\n617-253-1001",
    Block.LOSING_CARRIER: "Old Phone Co",
    Block.ACCOUNT_NUMBER: "88001234567",
    Block.BTN: "617-253-1000",
}
GOOD_CONTACT = {
    Block.ACCOUNT_TYPE: "business",
    Block.COMPANY_NAME: "Acme Widgets Inc",
    Block.REP_NAME: "Jordan Rivera",
    Block.REP_EMAIL: "jordan@acme.example",
    Block.STREET: "77 Massachusetts Ave",
    Block.CITY: "Cambridge",
    Block.REGION: "MA",
    Block.POSTAL_CODE: "02139",
}


def _open(slack):
    answer = slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    assert answer.status == 200
    return _latest_view(slack)


def _latest_view(slack):
    stack = slack.sim.view_stack(CUSTOMER)
    assert stack, "no modal is open"
    return slack.sim.current_view(stack[-1])


def resend(slack, answer):
    """Deliver the same interaction payload again, as Slack does on a double click."""
    body = urlencode({"payload": json.dumps(answer.sent)})
    return slack.driver.post(body, "application/x-www-form-urlencoded", answer.sent)


def _bill(slack):
    pdf = slack.sim.add_file("march-bill.pdf", b"%PDF-1.7 test bill", "application/pdf", "pdf")
    return {Block.BILL: file_input(pdf), Block.BILL_ISSUED_ON: datepicker(date(2026, 11, 10))}


def _through_contact(slack):
    _open(slack)
    view = _latest_view(slack)
    assert view["callback_id"] == View.NEW_AGREEMENT
    slack.driver.view_submission(view, {Block.AGREEMENTS: ALL_AGREEMENTS}, CUSTOMER)
    view = _latest_view(slack)
    assert view["callback_id"] == View.NEW_NUMBERS
    slack.driver.view_submission(view, GOOD_NUMBERS, CUSTOMER)
    view = _latest_view(slack)
    assert view["callback_id"] == View.NEW_CONTACT
    slack.driver.view_submission(view, GOOD_CONTACT, CUSTOMER)
    view = _latest_view(slack)
    assert view["callback_id"] == View.NEW_BILL
    return view


def _count(ctx):
    with ctx.db.read() as s:
        return s.exec(select(func.count()).select_from(PortRequest)).one()


def test_new_opens_the_first_step_at_once(slack):
    answer = slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    assert answer.status == 200 and answer.text == ""
    view = _latest_view(slack)
    assert view["callback_id"] == View.NEW_AGREEMENT
    assert slack.sim.calls_to("views.open")[-1].error is None


def test_the_whole_intake_posts_a_card(slack, ctx):
    bill_view = _through_contact(slack)
    answer = slack.driver.view_submission(bill_view, _bill(slack), CUSTOMER)
    assert answer.status == 200, answer.text
    done = _latest_view(slack)
    assert done["callback_id"] == View.NEW_DONE
    with ctx.db.read() as s:
        req = s.exec(select(PortRequest)).one()
    assert req.sid in str(done["blocks"])
    assert req.status.value == "awaiting_signature" and req.channel_id == CHANNEL
    assert req.bill_filename == "march-bill.pdf" and req.bill_file_id

    assert slack.drain() >= 1
    cards = slack.sim.messages(CHANNEL)
    assert len(cards) == 1 and req.sid in str(cards[0]["blocks"])
    notices = slack.sim.messages(AGENTS_CHANNEL)
    assert len(notices) == 1 and req.sid in notices[0]["text"]
    assert "88001234567" not in str(slack.sim.calls)  # the account number never reaches Slack


def test_each_step_refuses_bad_input_on_the_right_block(slack, ctx):
    _open(slack)
    view = _latest_view(slack)
    answer = slack.driver.view_submission(view, {Block.AGREEMENTS: ALL_AGREEMENTS[:2]}, CUSTOMER)
    assert answer.json["response_action"] == "errors"
    assert set(answer.json["errors"]) == {Block.AGREEMENTS}
    slack.driver.view_submission(view, {Block.AGREEMENTS: ALL_AGREEMENTS}, CUSTOMER)

    view = _latest_view(slack)
    bad = {
        **GOOD_NUMBERS,
        Block.LANDLINES: "+1 212 555 0100, 617-253-1000",
        Block.WIRELESS: "617-253-1002",
    }
    answer = slack.driver.view_submission(view, bad, CUSTOMER)
    errors = answer.json["errors"]
    assert "+1 212 555 0100" in errors[Block.LANDLINES] and "fictional" in errors[Block.LANDLINES]
    assert Block.PIN in errors  # a wireless number needs the PIN
    slack.driver.view_submission(view, GOOD_NUMBERS, CUSTOMER)

    view = _latest_view(slack)
    answer = slack.driver.view_submission(
        view, {**GOOD_CONTACT, Block.STREET: "PO Box 12"}, CUSTOMER
    )
    assert "PO box" in answer.json["errors"][Block.STREET]
    slack.driver.view_submission(view, GOOD_CONTACT, CUSTOMER)

    view = _latest_view(slack)
    old = {**_bill(slack), Block.BILL_ISSUED_ON: datepicker(date(2026, 9, 1))}
    answer = slack.driver.view_submission(view, old, CUSTOMER)
    assert "days old" in answer.json["errors"][Block.BILL_ISSUED_ON]
    assert _count(ctx) == 0  # nothing is created until every step is right
    slack.driver.view_submission(view, _bill(slack), CUSTOMER)
    assert _count(ctx) == 1


def test_a_double_clicked_last_step_makes_one_request(slack, ctx):
    bill_view = _through_contact(slack)
    first = slack.driver.view_submission(bill_view, _bill(slack), CUSTOMER)
    second = resend(slack, first)
    assert first.status == second.status == 200
    assert first.json["view"]["callback_id"] == second.json["view"]["callback_id"] == View.LOADING
    assert _latest_view(slack)["callback_id"] == View.NEW_DONE
    assert _count(ctx) == 1
    with ctx.db.read() as s:
        assert len(s.exec(select(Document)).all()) == 1  # and one copy of the bill
    slack.drain()
    assert len(slack.sim.messages(CHANNEL)) == 1  # and one card


class RecordingAck:
    """Bolt's ``ack``, noting what the database held when it was called."""

    def __init__(self, ctx) -> None:
        self.ctx, self.response, self.stored_then = ctx, None, None

    def __call__(self, **answer) -> None:
        assert self.response is None, "acked twice"
        self.response = answer
        with self.ctx.db.read() as s:
            self.stored_then = (_count(self.ctx), len(s.exec(select(Document)).all()))


def _last_step(slack, values: dict) -> dict:
    """The last step's view as Slack submits it: the open modal with ``values`` as its state."""
    view = _latest_view(slack)
    assert view["callback_id"] == View.NEW_BILL
    return {**view, "state": {"values": values}}


def test_the_last_step_acks_before_the_bill_and_the_request_are_stored(slack, ctx, tmp_path):
    """Storing a bill of up to 10 MB and the request's transaction happen after the ack; the
    ack only says the request is being opened, and the confirmation replaces it."""
    _through_contact(slack)
    pdf = slack.sim.add_file("bill.pdf", b"%PDF-1.7 " + b"x" * 4096, "application/pdf", "pdf")
    values = {
        Block.BILL: {VALUE: {"type": "file_input", "files": [pdf]}},
        Block.BILL_ISSUED_ON: {VALUE: {"type": "datepicker", "selected_date": "2026-11-10"}},
    }
    view = _last_step(slack, values)
    deps = SlackDeps(ctx, AgentDirectory([], []), documents=DocumentStore(ctx.db, tmp_path))
    ack, client = RecordingAck(ctx), WebClient(token="xoxb-test", base_url=slack.sim.url)
    body = {"user": {"id": CUSTOMER, "name": "casey"}, "team": {"id": slack.sim.team_id}}
    views.step_bill(deps, ack, body, view, client)
    assert ack.response is not None and ack.response["response_action"] == "update"
    assert ack.response["view"].callback_id == View.LOADING
    assert ack.stored_then == (0, 0)  # nothing written before the ack
    done = _latest_view(slack)
    assert done["callback_id"] == View.NEW_DONE  # views.update, after the ack
    with ctx.db.read() as s:
        req = s.exec(select(PortRequest)).one()
        (doc,) = s.exec(select(Document)).all()
    assert req.sid in str(done["blocks"]) and doc.request_id == req.id and doc.path


def test_a_refusal_after_the_ack_shows_the_step_again_with_its_error(slack, ctx, clock):
    """Midnight passed between the ack and the work: the bill is now too old. The step comes
    back as typed (views.update), the message under the bill's date."""
    bill_view = _through_contact(slack)
    issued = {Block.BILL_ISSUED_ON: datepicker(date(2026, 10, 17))}  # 30 days before today
    real = intake_flow.finish

    def a_day_later(*args, **kwargs):
        clock.set(clock.now + timedelta(hours=15))  # 1 a.m. the next day in New York
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(intake_flow, "finish", a_day_later)
        answer = slack.driver.view_submission(bill_view, {**_bill(slack), **issued}, CUSTOMER)
    assert answer.status == 200 and answer.json["view"]["callback_id"] == View.LOADING
    again = _latest_view(slack)
    assert again["callback_id"] == View.NEW_BILL and "days old" in json.dumps(again)
    assert _count(ctx) == 0


def test_upload_later_keeps_a_draft(slack, ctx):
    bill_view = _through_contact(slack)
    slack.driver.view_submission(bill_view, {Block.BILL_LATER: ["later"]}, CUSTOMER)
    with ctx.db.read() as s:
        req = s.exec(select(PortRequest)).one()
    assert req.status.value == "draft"


def test_a_200_number_paste_goes_through(slack, ctx):
    _open(slack)
    slack.driver.view_submission(_latest_view(slack), {Block.AGREEMENTS: ALL_AGREEMENTS}, CUSTOMER)
    numbers = "\n".join(f"+1617253{2000 + i:04d}" for i in range(200))
    answer = slack.driver.view_submission(
        _latest_view(slack), {**GOOD_NUMBERS, Block.LANDLINES: numbers}, CUSTOMER
    )
    assert answer.status == 200 and answer.json["response_action"] == "update"
    assert answer.elapsed < 3.0
    slack.driver.view_submission(_latest_view(slack), GOOD_CONTACT, CUSTOMER)
    slack.driver.view_submission(_latest_view(slack), _bill(slack), CUSTOMER)
    with ctx.db.read() as s:
        req = s.exec(select(PortRequest)).one()
    from storage import repositories as repo

    with ctx.db.read() as s:
        assert len(repo.numbers_of(s, request_id=req.id)) == 200


def test_the_bill_is_judged_by_what_is_inside_it(slack, ctx):
    bill_view = _through_contact(slack)
    issued = {Block.BILL_ISSUED_ON: datepicker(date(2026, 11, 10))}
    zipped = slack.sim.add_file(
        "bill.pdf", b"PK\x03\x04" + b"\x00" * 200, "application/pdf", "pdf", user=CUSTOMER
    )
    answer = slack.driver.view_submission(
        bill_view, {Block.BILL: file_input(zipped), **issued}, CUSTOMER
    )
    assert answer.json["response_action"] == "errors"
    message = answer.json["errors"][Block.BILL]
    assert "ZIP" in message and "not a PDF, PNG or JPEG" in message
    assert _count(ctx) == 0
    assert slack.sim.calls_to("files.download"), "the file itself was read"

    # A photo of the bill, named .pdf by mistake, is a PNG inside: that is fine.
    photo = slack.sim.add_file(
        "bill.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "application/pdf", "pdf", user=CUSTOMER
    )
    answer = slack.driver.view_submission(
        bill_view, {Block.BILL: file_input(photo), **issued}, CUSTOMER
    )
    assert answer.status == 200 and _latest_view(slack)["callback_id"] == View.NEW_DONE
    assert _count(ctx) == 1
    assert resend(slack, answer).status == 200  # a double click stores the bill once

    # The bill is kept, as the type found inside it, with its checksum.
    with ctx.db.read() as s:
        (doc,) = s.exec(select(Document)).all()
    content = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert doc.kind == DocumentKind.BILL and doc.content_type == "image/png"
    assert doc.sha256 == hashlib.sha256(content).hexdigest() and doc.size == len(content)
    assert doc.source_ref == photo["id"] and doc.issued_on == date(2026, 11, 10)


def test_a_bill_slack_cannot_hand_over_is_refused_with_a_way_forward(slack, ctx):
    bill_view = _through_contact(slack)
    pdf = slack.sim.add_file("bill.pdf", b"%PDF-1.7 x", "application/pdf", "pdf", user=CUSTOMER)
    slack.sim.fail("files.info", error="file_not_found")
    answer = slack.driver.view_submission(
        bill_view,
        {Block.BILL: file_input(pdf), Block.BILL_ISSUED_ON: datepicker(date(2026, 11, 10))},
        CUSTOMER,
    )
    assert "Attach it again" in answer.json["errors"][Block.BILL]
    assert _count(ctx) == 0


def test_the_bill_is_kept_in_the_transaction_that_opens_the_request(slack, ctx, monkeypatch):
    """The process dies the moment the request is committed: no later transaction runs. The
    bill, already read and checked, must have been committed with the request."""
    bill_view = _through_contact(slack)
    write = ctx.db.write

    @contextmanager
    def dying_write():
        if _count(ctx):
            raise RuntimeError("the process died after the request was committed")
        with write() as s:
            yield s

    monkeypatch.setattr(ctx.db, "write", dying_write)
    answer = slack.driver.view_submission(bill_view, _bill(slack), CUSTOMER)
    assert answer.status == 200
    assert "reference" in json.dumps(_latest_view(slack))  # the crash, seen after the ack
    monkeypatch.undo()
    with ctx.db.read() as s:
        req = s.exec(select(PortRequest)).one()
        (doc,) = s.exec(select(Document)).all()
    assert doc.request_id == req.id and doc.kind == DocumentKind.BILL
    assert doc.sha256 == hashlib.sha256(b"%PDF-1.7 test bill").hexdigest()


def test_a_draft_gets_its_bill_from_the_card_and_only_from_who_may_see_it(slack, ctx):
    bill_view = _through_contact(slack)
    slack.driver.view_submission(bill_view, {Block.BILL_LATER: ["later"]}, CUSTOMER)
    slack.drain()
    (card,) = [m for m in slack.sim.messages(CHANNEL) if m.get("blocks")]
    with ctx.db.read() as s:
        sid = s.exec(select(PortRequest)).one().sid

    # Someone else's modal claiming the draft is refused, and keeps nothing: portbot does not
    # even fetch the file for it.
    slack.driver.block_action(
        Action.RESUME, sid, CUSTOMER, channel_id=CHANNEL, message_ts=card["ts"]
    )
    view = _latest_view(slack)
    forged = {**view, "private_metadata": json.dumps({"sid": sid, "channel": ""})}
    payload = {
        "type": "view_submission",
        "team": {"id": slack.sim.team_id},
        "user": {"id": OTHER, "name": "olive", "team_id": slack.sim.team_id},
        "view": {**forged, "state": {"values": _bill_state(slack)}},
    }
    fetched = len(slack.sim.calls_to("files.info"))
    answer = slack.driver.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", payload
    )
    assert f"No request matches {sid}" in json.dumps(answer.json)
    assert len(slack.sim.calls_to("files.info")) == fetched
    assert not slack.sim.calls_to("files.download")
    with ctx.db.read() as s:
        assert s.exec(select(PortRequest)).one().status.value == "draft"
        assert s.exec(select(Document)).all() == []

    # The requester's own goes through, and the bill is kept with the request.
    answer = slack.driver.view_submission(view, _bill(slack), CUSTOMER)
    assert answer.status == 200 and _latest_view(slack)["callback_id"] == View.NEW_DONE
    with ctx.db.read() as s:
        req = s.exec(select(PortRequest)).one()
        (doc,) = s.exec(select(Document)).all()
    assert req.status.value == "awaiting_signature" and doc.request_id == req.id


def _bill_state(slack):
    pdf = slack.sim.add_file("bill.pdf", b"%PDF-1.7 other", "application/pdf", "pdf", user=OTHER)
    return {
        Block.BILL: {"value": {"type": "file_input", "files": [pdf]}},
        Block.BILL_ISSUED_ON: {"value": {"type": "datepicker", "selected_date": "2026-11-10"}},
    }
