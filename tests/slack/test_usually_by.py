""" "Usually by ...": the next step of a submitted request, from the country table's figures on
the numbers' country's calendar, on the card and in ``/port status`` (signed, over HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot import services as svc
from bot.services.base import Snapshot
from bot.slack.blocks import cards
from bot.wording.timelines import timeline_lines
from storage.models import PortNumber, PortRequest
from storage.values import AccountType, LineType, RequestStatus
from tests.services.helpers import draft, mark_loa_signed, numbers
from tests.slack.conftest import AGENT, CHANNEL, CUSTOMER

SID = "PR" + "a" * 32
MONDAY_JULY_13 = datetime(2026, 7, 13, 14, tzinfo=UTC)  # the day before Bastille Day


def _request(country: str, status=RequestStatus.SUBMITTED, **extra) -> PortRequest:
    return PortRequest(
        id=1,
        sid=SID,
        status=status,
        numbers_country=country,
        submitted_at=MONDAY_JULY_13 if status is RequestStatus.SUBMITTED else None,
        created_at=MONDAY_JULY_13,
        updated_at=MONDAY_JULY_13,
        **extra,
    )


def _numbers(*kinds: LineType) -> list[PortNumber]:
    return [
        PortNumber(request_id=1, position=i, e164=f"+3314268530{i}", line_type=k)
        for i, k in enumerate(kinds)
    ]


def test_the_carriers_answer_counts_business_days_of_the_numbers_country():
    landline = _numbers(LineType.LANDLINE)
    today = date(2026, 7, 13)
    # France: July 14 is a public holiday, so one to three business days run Wed to Fri
    assert timeline_lines(_request("FR"), landline, today=today) == [
        "The losing carrier usually answers between Wed Jul 15, 2026 and Fri Jul 17, 2026."
    ]
    # the United States work on July 14
    assert timeline_lines(_request("US"), landline, today=today) == [
        "The losing carrier usually answers between Tue Jul 14, 2026 and Thu Jul 16, 2026."
    ]


def test_once_the_answer_is_due_the_firm_date_is_next():
    lines = timeline_lines(_request("US"), _numbers(LineType.LANDLINE), today=date(2026, 7, 17))
    # answer Jul 14-16, then 3-7 business days: Fri Jul 17 to Mon Jul 27
    assert lines == [
        "A firm port date usually comes between Fri Jul 17, 2026 and Mon Jul 27, 2026."
    ]


def test_nothing_is_promised_before_submission_or_once_the_date_is_set():
    landline = _numbers(LineType.LANDLINE)
    assert timeline_lines(_request("US", RequestStatus.IN_REVIEW), landline) == []
    assert timeline_lines(_request("US", RequestStatus.FOC_CONFIRMED), landline) == []
    assert timeline_lines(_request("JP"), landline) == []  # a country outside the table


def test_the_card_shows_both_steps_ahead_and_the_documents_to_send():
    card = str(cards.request_card(Snapshot(_request("US"), _numbers(LineType.LANDLINE), [])))
    assert "usually answers between Tue Jul 14, 2026 and Thu Jul 16, 2026." in card
    assert "A firm port date usually comes between" in card
    assert "To send" not in card  # a US request: the CSR is only recommended

    french = _request("FR", RequestStatus.IN_REVIEW, account_type=AccountType.RESIDENTIAL)
    card = str(cards.request_card(Snapshot(french, _numbers(LineType.LANDLINE), [])))
    assert "To send for a port from France: proof of address, ID of the person who signs" in card
    assert "company registration" not in card  # only business accounts need it
    assert "usually answers" not in card and "firm port date usually" not in card


def test_port_status_says_when_the_next_step_usually_happens(slack, ctx, clock):
    clock.set(datetime(2026, 11, 16, 15, tzinfo=UTC))  # Monday, 10:00 in New York
    sid = svc.open_request(
        ctx, draft(numbers(2)), actor=svc.Actor.customer(CUSTOMER), channel_id=CHANNEL
    ).sid
    mark_loa_signed(ctx, sid, actor=svc.Actor.customer(CUSTOMER))
    svc.submit_to_carrier(ctx, sid, actor=svc.Actor.agent(AGENT))

    answer = slack.driver.command("/port", f"status {sid}", user_id=CUSTOMER, channel_id=CHANNEL)
    shown = str(answer.json["blocks"])
    assert (
        "The losing carrier usually answers between Tue Nov 17, 2026 and Thu Nov 19, 2026." in shown
    )
    assert "usually comes between" not in shown  # only the next step

    clock.set(datetime(2026, 11, 20, 15, tzinfo=UTC))  # past the answer's latest day
    answer = slack.driver.command("/port", f"status {sid}", user_id=CUSTOMER, channel_id=CHANNEL)
    shown = str(answer.json["blocks"])
    # the answer by Thu Nov 19, then 7 business days: Thanksgiving (Nov 26) not counted
    assert "A firm port date usually comes between Fri Nov 20, 2026 and Tue Dec 1, 2026." in shown
