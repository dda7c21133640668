"""The documents a country asks for besides the LOA and the bill: the country table maps each
to an intake field, step 4 of a French request has a file input for each (the US form none),
files attached there are checked like the bill and kept, the card's "to send" list shrinks as
they arrive, and "Add documents" on the card takes what is still missing. All through signed
requests against the Slack simulator."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.loa.templates import TEMPLATES
from bot.porting.countries import Collect, Document, requirements_for, table
from bot.porting.fields import F
from bot.porting.intake import Agreement
from bot.sandbox.slack_driver import SlackDriver, datepicker, file_input
from bot.sandbox.slack_sim import SlackSimulator
from bot.slack.ids import DOCUMENT_BLOCKS, INTAKE_BLOCKS, Action, Block, View
from storage.models import Document as StoredDocument
from storage.models import DocumentKind, PortRequest
from tests.slack.conftest import CHANNEL, CUSTOMER

PARIS = "+33 1 42 68 53 00"
BOSTON = "+1 617 253 1000"
PDF = b"%PDF-1.7\n" + b"facture " * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 300
ZIP = b"PK\x03\x04" + b"\x00" * 300
FRENCH_UPLOADS = {
    Document.PROOF_OF_ADDRESS: "edf-octobre.pdf",
    Document.COMPANY_REGISTRATION: "kbis.pdf",
    Document.SIGNER_ID: "passeport.png",
}


# --- the country table ----------------------------------------------------------------------


def test_every_document_a_country_asks_for_maps_to_an_intake_field():
    seen: set[Document] = set()
    for code, row in table().countries.items():
        for rule in row.documents:
            seen.add(rule.document)
            how, name = rule.collect
            if how is Collect.SIGNED:
                assert rule.document is Document.LOA, code
            elif how is Collect.FIELD:
                assert F(name) in INTAKE_BLOCKS, (code, name)
            else:
                assert rule.document in DOCUMENT_BLOCKS, (code, rule.document)
                assert DocumentKind(rule.document.value)  # a kind the documents table keeps
    assert {Document.PROOF_OF_ADDRESS, Document.SIGNER_ID} <= seen  # the table does use them
    # one block a document, no two documents on the same box
    assert len(set(DOCUMENT_BLOCKS.values())) == len(DOCUMENT_BLOCKS)


def test_every_country_of_the_table_has_a_letter_template():
    assert set(table().countries) <= set(TEMPLATES)


# --- the intake -----------------------------------------------------------------------------


def _view(sim: SlackSimulator) -> dict:
    stack = sim.view_stack(CUSTOMER)
    assert stack, "no modal is open"
    return sim.current_view(stack[-1])


def _inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b.get("type") == "input"}


def to_bill_step(sim: SlackSimulator, driver: SlackDriver, landline: str = PARIS) -> dict:
    """``/port new`` through steps 1–3 for a business account; the step-4 view."""
    driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    driver.view_submission(_view(sim), {Block.AGREEMENTS: [a.value for a in Agreement]}, CUSTOMER)
    french = landline == PARIS
    numbers = {Block.LANDLINES: landline, Block.LOSING_CARRIER: "Orange"}
    if french:  # the French form comes back with its own fields, then takes the RIO code
        driver.view_submission(_view(sim), numbers, CUSTOMER, client_validation=False)
        driver.view_submission(_view(sim), {Block.PIN: "02P123456ABC"}, CUSTOMER)
    else:
        numbers |= {Block.ACCOUNT_NUMBER: "88001234567", Block.BTN: "617-253-1000"}
        driver.view_submission(_view(sim), numbers, CUSTOMER)
    contact = {
        Block.ACCOUNT_TYPE: "business",
        Block.COMPANY_NAME: "Acme SARL",
        Block.REP_NAME: "Camille Martin",
        Block.REP_EMAIL: "camille@acme.example",
        Block.STREET: "55 Rue du Faubourg Saint-Honoré" if french else "77 Mass Ave",
        Block.CITY: "Paris" if french else "Cambridge",
        Block.POSTAL_CODE: "75008" if french else "02139",
    }
    if not french:
        contact[Block.REGION] = "MA"
    driver.view_submission(_view(sim), contact, CUSTOMER)
    view = _view(sim)
    assert view["callback_id"] == View.NEW_BILL
    return view


def submit_french_documents(
    sim: SlackSimulator, driver: SlackDriver, uploads: dict[Document, str] = FRENCH_UPLOADS
) -> None:
    """Step 4 of a French request, sent with the bill and ``uploads`` (file names)."""
    view = to_bill_step(sim, driver)
    bill = sim.add_file("facture.pdf", PDF, "application/pdf", "pdf", user=CUSTOMER)
    values = {Block.BILL: file_input(bill), Block.BILL_ISSUED_ON: datepicker(date(2026, 11, 10))}
    for document, name in uploads.items():
        data, kind = (PNG, "png") if name.endswith(".png") else (PDF, "pdf")
        f = sim.add_file(name, data, f"{'image' if kind == 'png' else 'application'}/{kind}", kind)
        values[DOCUMENT_BLOCKS[document]] = file_input(f)
    driver.view_submission(view, values, CUSTOMER)
    assert _view(sim)["callback_id"] == View.NEW_DONE


def _card(slack) -> dict:
    slack.drain()
    (card,) = slack.sim.messages(CHANNEL)
    return card


def _to_send_line(card: dict) -> str:
    lines = [str(b) for b in card["blocks"] if "To send for a port" in str(b)]
    return lines[0] if lines else ""


def _stored(ctx) -> dict[str, StoredDocument]:
    with ctx.db.read() as s:
        return {str(d.kind): d for d in s.exec(select(StoredDocument)).all()}


def test_french_step_4_has_a_file_input_for_each_document_with_its_reason(slack):
    france = requirements_for("FR")
    inputs = _inputs(to_bill_step(slack.sim, slack.driver))
    for document in (Document.PROOF_OF_ADDRESS, Document.COMPANY_REGISTRATION, Document.SIGNER_ID):
        box = inputs[DOCUMENT_BLOCKS[document]]
        assert box["element"]["type"] == "file_input"
        assert box["element"]["filetypes"] == ["pdf", "png", "jpg", "jpeg"]
        assert box["optional"] is True  # a customer may send it later
        rule = france.document(document)
        assert rule is not None and rule.reason in box["hint"]["text"]
    assert "For business accounts." in inputs[Block.DOC_COMPANY_REGISTRATION]["hint"]["text"]
    assert "(recommended)" in inputs[Block.DOC_CSR]["label"]["text"]
    assert Block.DOC_POWER_OF_ATTORNEY not in inputs  # France does not ask for one


def test_us_step_4_has_no_document_inputs(slack):
    inputs = _inputs(to_bill_step(slack.sim, slack.driver, landline=BOSTON))
    assert not set(inputs) & {b.value for b in DOCUMENT_BLOCKS.values()}
    assert set(inputs) == {Block.BILL, Block.BILL_ISSUED_ON, Block.BILL_LATER, Block.DESIRED_DATE}


def test_documents_attached_at_step_4_are_kept_and_leave_the_to_send_list(slack, ctx):
    submit_french_documents(slack.sim, slack.driver)
    stored = _stored(ctx)
    assert stored["proof_of_address"].filename == "edf-octobre.pdf"
    assert stored["proof_of_address"].content_type == "application/pdf"
    assert stored["signer_id"].content_type == "image/png"  # by its first bytes
    assert {"bill", "proof_of_address", "company_registration", "signer_id"} <= set(stored)
    line = _to_send_line(_card(slack))
    for gone in ("proof of address", "company registration", "ID of the person who signs"):
        assert gone not in line
    assert "Customer Service Record (CSR) (recommended)" in line  # not attached: still listed


def test_without_documents_the_card_lists_them_and_add_documents_takes_them(slack, ctx):
    submit_french_documents(slack.sim, slack.driver, uploads={})
    card = _card(slack)
    assert "proof of address" in _to_send_line(card)
    buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    add = next(e for e in buttons if e["action_id"] == Action.ADD_DOCUMENTS)
    slack.driver.block_action(
        Action.ADD_DOCUMENTS, add["value"], CUSTOMER, channel_id=CHANNEL, message_ts=card["ts"]
    )
    modal = _view(slack.sim)
    assert modal["callback_id"] == View.ADD_DOCUMENTS
    boxes = _inputs(modal)
    assert Block.DOC_PROOF_OF_ADDRESS in boxes and Block.DOC_SIGNER_ID in boxes

    # Nothing attached: said on the first box, nothing kept.
    answer = slack.driver.view_submission(modal, {}, CUSTOMER)
    assert answer.json["errors"] == {Block.DOC_PROOF_OF_ADDRESS: "Attach at least one document."}

    proof = slack.sim.add_file("edf.pdf", PDF, "application/pdf", "pdf", user=CUSTOMER)
    signer = slack.sim.add_file("id.png", PNG, "image/png", "png", user=CUSTOMER)
    answer = slack.driver.view_submission(
        modal,
        {Block.DOC_PROOF_OF_ADDRESS: file_input(proof), Block.DOC_SIGNER_ID: file_input(signer)},
        CUSTOMER,
    )
    assert answer.json["response_action"] == "update"
    done = str(_view(slack.sim)["blocks"])
    assert "Received:* Proof of address, ID of the person who signs" in done
    assert "Company registration" in done  # still to send
    assert {"proof_of_address", "signer_id"} <= set(_stored(ctx))
    line = _to_send_line(_card(slack))
    assert "proof of address" not in line and "ID of the person who signs" not in line
    assert "company registration" in line


def test_a_zip_named_pdf_is_refused_on_its_own_box(slack, ctx):
    view = to_bill_step(slack.sim, slack.driver)
    bill = slack.sim.add_file("facture.pdf", PDF, "application/pdf", "pdf", user=CUSTOMER)
    fake = slack.sim.add_file("justificatif.pdf", ZIP, "application/pdf", "pdf", user=CUSTOMER)
    answer = slack.driver.view_submission(
        view,
        {
            Block.BILL: file_input(bill),
            Block.BILL_ISSUED_ON: datepicker(date(2026, 11, 10)),
            Block.DOC_PROOF_OF_ADDRESS: file_input(fake),
        },
        CUSTOMER,
    )
    assert answer.json["response_action"] == "errors" and answer.view_error is None
    errors = answer.json["errors"]
    assert set(errors) == {Block.DOC_PROOF_OF_ADDRESS}
    assert "ZIP archive" in errors[Block.DOC_PROOF_OF_ADDRESS]
    assert "Upload the document as a PDF" in errors[Block.DOC_PROOF_OF_ADDRESS]
    with ctx.db.read() as s:
        assert s.exec(select(PortRequest)).first() is None  # nothing opened
    assert _view(slack.sim)["callback_id"] == View.NEW_BILL
