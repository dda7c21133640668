"""The ticket names the documents the numbers' country asks for beyond the LOA and the bill,
each with the country's reason, until the request goes to the carrier."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.porting.countries import Document, requirements_for
from bot.wording.rich import plain
from bot.wording.tickets import description
from storage.models import PortNumber, PortRequest
from storage.values import AccountType, LineType, RequestStatus

NOW = datetime(2026, 11, 16, 15, tzinfo=UTC)


def _request(country: str, status: RequestStatus, account: AccountType) -> PortRequest:
    return PortRequest(
        id=1,
        sid="PR" + "b" * 32,
        status=status,
        numbers_country=country,
        account_type=account,
        created_at=NOW,
        updated_at=NOW,
    )


def _numbers() -> list[PortNumber]:
    return [PortNumber(request_id=1, e164="+33142685300", line_type=LineType.LANDLINE)]


def test_a_french_business_ticket_lists_what_to_send_with_reasons():
    req = _request("FR", RequestStatus.IN_REVIEW, AccountType.BUSINESS)
    text = plain(description(req, _numbers(), "Europe/Paris"))
    france = requirements_for("FR")
    proof = france.document(Document.PROOF_OF_ADDRESS)
    registration = france.document(Document.COMPANY_REGISTRATION)
    assert proof is not None and registration is not None
    assert f"Proof of address: to send (France: {proof.reason})" in text
    assert f"Company registration: to send (France: {registration.reason})" in text
    assert "Customer Service Record (CSR): to send, recommended" in text


def test_nothing_to_send_for_a_us_ticket_or_once_submitted():
    us = _request("US", RequestStatus.IN_REVIEW, AccountType.BUSINESS)
    assert "to send" not in plain(description(us, _numbers(), "America/New_York"))
    gone = _request("FR", RequestStatus.SUBMITTED, AccountType.BUSINESS)
    assert "to send" not in plain(description(gone, _numbers(), "Europe/Paris"))
