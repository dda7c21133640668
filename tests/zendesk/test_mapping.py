"""A request as a Zendesk ticket: the create body and the update for each timeline event."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot import services as svc
from bot.porting import rejections
from bot.services import Snapshot
from bot.zendesk.mapping import (
    DESCRIPTION_NUMBERS,
    TicketOptions,
    event_update,
    new_ticket,
    status_tag,
)
from storage.models import TimelineEvent
from storage.values import RequestStatus, Role
from tests.services.helpers import ACCOUNT, AGENT, CUSTOMER, PIN, draft, mark_loa_signed, numbers

S = RequestStatus
PLAIN = TicketOptions()
FIELDS = TicketOptions(field_status=9001, field_foc_date=9002, field_sid=9003)
PUBLIC = TicketOptions(public_updates=True, timezone="America/New_York")
FOC = date(2026, 12, 2)
ALL_STATUS_TAGS = {status_tag(s) for s in S}


def _open(ctx, landlines=None, wireless=None, **kw) -> Snapshot:
    return svc.open_request(
        ctx, draft(landlines, wireless, **kw), actor=CUSTOMER, team_id="T1", channel_id="C1"
    )


def _submitted(ctx, landlines=None, wireless=None, **kw) -> Snapshot:
    snap = _open(ctx, landlines, wireless, **kw)
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    return svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)


def _event(snap: Snapshot, action: str) -> TimelineEvent:
    return [e for e in snap.events if e.action == action][-1]


def _apply_tags(tags: set[str], update: dict) -> set[str]:
    """What Zendesk does with additional_tags / remove_tags."""
    return (tags | set(update.get("additional_tags", []))) - set(update.get("remove_tags", []))


# --- the ticket ------------------------------------------------------------------------------


def test_new_ticket_body(ctx) -> None:
    landlines, wireless = numbers(2), numbers(1)
    snap = _open(ctx, landlines, wireless, name="Main office")
    ticket = new_ticket(snap, PLAIN, requester_id=7001)

    assert ticket["external_id"] == snap.sid
    # the Slack person who opened it, never the representative (who gets the LOA e-mail only)
    assert ticket["requester_id"] == 7001 and "requester" not in ticket
    assert "jordan@acme.example" not in json.dumps(
        {k: v for k, v in ticket.items() if k != "comment"}
    )
    assert ticket["subject"] == (
        f"Port {snap.sid[:10]} — 3 numbers from Old Phone Co (Main office)"
    )
    assert ticket["tags"] == [
        "portbot", "port_in", "port_status_awaiting_signature", "portbot_slack"
    ]  # fmt: skip
    assert ticket["status"] == "pending" and ticket["priority"] == "normal"
    assert "group_id" not in ticket and "assignee_id" not in ticket
    assert "custom_fields" not in ticket
    assert ticket["comment"]["public"] is False  # the description is for the porting team

    text = ticket["comment"]["body"]
    assert text.startswith(f"Port-in request {snap.sid}\nRequest name: Main office\n")
    assert "Status: Waiting for LOA signature" in text
    assert "Next step: The Letter of Authorization (LOA) goes to Jordan Rivera" in text
    assert "Account holder: Acme Widgets Inc (business)" in text
    assert "Current carrier: Old Phone Co" in text
    assert "Account number: ••••4567" in text
    assert "Wireless PIN / SSN digits: on file (not shown)" in text
    assert "Authorized representative: Jordan Rivera <jordan@acme.example>" in text
    assert "Service address: 77 Massachusetts Ave, Cambridge, MA 02139, US" in text
    assert "NUMBERS (3)" in text
    n = landlines[0]
    assert f"+1 {n[2:5]}-{n[5:8]}-{n[8:]}  (landline)" in text
    w = wireless[0]
    assert f"+1 {w[2:5]}-{w[5:8]}-{w[8:]}  (wireless)" in text
    assert "Desired date: none given" in text
    assert "Letter of Authorization: sent for signature to Jordan Rivera" in text
    assert "Billing statement: bill.pdf, issued Tue Nov 10, 2026" in text
    assert "Opened in Slack by Casey Customer on Mon Nov 16, 2026." in text
    # Plain text for Zendesk, not Slack markup.
    assert "*" not in text and "`" not in text and "&amp;" not in text and ":" + "memo" not in text


def test_new_ticket_without_a_name_or_wireless_numbers(ctx) -> None:
    snap = _open(ctx, numbers(1), desired_date=date(2026, 12, 14), account_type="residential")
    ticket = new_ticket(snap, PLAIN)
    assert ticket["subject"] == f"Port {snap.sid[:10]} — 1 number from Old Phone Co"
    text = ticket["comment"]["body"]
    assert "PIN" not in text  # nothing to say when no number is wireless
    assert "Account holder: Jordan Rivera (residential)" in text
    assert "Desired date: Mon Dec 14, 2026 (the customer's wish" in text


def test_new_ticket_fills_the_configured_custom_fields(ctx) -> None:
    snap = _open(ctx)
    assert new_ticket(snap, FIELDS)["custom_fields"] == [
        {"id": 9001, "value": "awaiting_signature"},
        {"id": 9002, "value": None},
        {"id": 9003, "value": snap.sid},
    ]
    only_sid = TicketOptions(field_sid=77)
    assert new_ticket(snap, only_sid)["custom_fields"] == [{"id": 77, "value": snap.sid}]


def test_long_number_lists_are_cut_with_a_count(ctx) -> None:
    count = DESCRIPTION_NUMBERS + 12
    snap = _open(ctx, numbers(count))
    text = new_ticket(snap, PLAIN)["comment"]["body"]
    assert f"NUMBERS ({count})" in text
    assert text.count("(landline") == DESCRIPTION_NUMBERS
    assert "…and 12 more" in text
    assert new_ticket(snap, PLAIN)["subject"].endswith(f"— {count} numbers from Old Phone Co")


def test_a_ticket_records_the_port_date_once_known(ctx) -> None:
    snap = _submitted(ctx)
    start = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    end = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    snap = svc.set_foc(ctx, snap.sid, FOC, actor=AGENT, window_start=start, window_end=end)
    ticket = new_ticket(snap, TicketOptions(field_foc_date=5, timezone="America/New_York"))
    assert "Port date (FOC): Wed Dec 2, 2026, 9:00 AM – 11:00 AM EST" in ticket["comment"]["body"]
    assert "Letter of Authorization: signed on Mon Nov 16, 2026" in ticket["comment"]["body"]
    assert ticket["custom_fields"] == [{"id": 5, "value": "2026-12-02"}]
    assert ticket["tags"][-1] == "port_status_foc_confirmed"


# --- status changes --------------------------------------------------------------------------


def test_a_status_change_is_an_internal_note_with_tags_and_fields(ctx) -> None:
    snap = _submitted(ctx, numbers(3))
    update = event_update(snap, _event(snap, "submit"), FIELDS)
    assert update is not None
    assert update["comment"]["public"] is False
    body = update["comment"]["body"]
    assert body.startswith("Status: In review → Submitted to carrier\n")
    assert "Submitted 3 numbers to Old Phone Co." in body
    assert "Numbers: +1 617-253-" in body
    assert "By Avery Agent (porting team)." in body
    assert "Next step: Old Phone Co has the request." in body
    assert update["additional_tags"] == ["portbot", "port_in", "port_status_submitted"]
    assert set(update["remove_tags"]) == ALL_STATUS_TAGS - {"port_status_submitted"}
    assert update["custom_fields"] == [
        {"id": 9001, "value": "submitted"},
        {"id": 9002, "value": None},
        {"id": 9003, "value": snap.sid},
    ]
    assert "tags" not in update  # never a full replacement of the ticket's tags


def test_tags_and_fields_follow_the_current_request_whatever_the_order(ctx) -> None:
    snap = _submitted(ctx)
    svc.set_foc(ctx, snap.sid, FOC, actor=AGENT)
    done = svc.mark_ported(ctx, snap.sid, actor=AGENT)
    assert done.status is S.COMPLETED
    events = [e for e in done.events if e.from_status != e.to_status]
    updates = [event_update(done, e, FIELDS) for e in events]
    assert all(u is not None for u in updates)

    agent_tags = {"vip", "port_status_bogus"}  # tags others put on the ticket stay
    in_order = agent_tags
    for u in updates:
        in_order = _apply_tags(in_order, u)
    reordered = agent_tags
    for u in reversed(updates + updates):  # late, repeated and out of order
        reordered = _apply_tags(reordered, u)
    expected = agent_tags | {"portbot", "port_in", "port_status_completed"}
    assert in_order == reordered == expected
    assert all(u["custom_fields"][0] == {"id": 9001, "value": "completed"} for u in updates)


def test_a_late_event_says_the_request_moved_on(ctx) -> None:
    snap = _submitted(ctx)
    done = svc.set_foc(ctx, snap.sid, FOC, actor=AGENT)
    update = event_update(done, _event(done, "submit"), PUBLIC)
    assert update is not None
    assert update["comment"]["public"] is False  # old news is not told to the customer
    assert (
        "Since then the request has moved on; it is now: Port date confirmed."
        in (update["comment"]["body"])
    )
    assert "Next step" not in update["comment"]["body"]
    assert update["additional_tags"][-1] == "port_status_foc_confirmed"


# --- public updates --------------------------------------------------------------------------


def test_foc_is_a_public_comment_in_customer_words_when_enabled(ctx) -> None:
    snap = _submitted(ctx, numbers(2))
    start = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    end = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    snap = svc.set_foc(ctx, snap.sid, FOC, actor=AGENT, window_start=start, window_end=end)
    event = _event(snap, "set_foc")

    public = event_update(snap, event, PUBLIC)
    assert public is not None and public["comment"]["public"] is True
    text = public["comment"]["body"]
    assert text.startswith(
        "The carriers confirmed the port date for 2 numbers: "
        "Wed Dec 2, 2026, 9:00 AM – 11:00 AM EST."
    )
    assert "Set them up in your account now" in text
    assert "*" not in text and "Avery" not in text  # no Slack markup, no agent names
    assert public["additional_tags"][-1] == "port_status_foc_confirmed"

    private = event_update(snap, event, PLAIN)
    assert private is not None and private["comment"]["public"] is False
    assert private["comment"]["body"].startswith("Status: Submitted to carrier → Port date")


def test_a_moved_port_date_says_so(ctx) -> None:
    snap = _submitted(ctx)
    svc.set_foc(ctx, snap.sid, FOC, actor=AGENT)
    moved = svc.set_foc(ctx, snap.sid, date(2026, 12, 9), actor=AGENT)
    update = event_update(moved, _event(moved, "set_foc"), PUBLIC)
    assert update is not None and update["comment"]["public"] is True
    assert (
        "The carriers moved the port date for 2 numbers: Wed Dec 9, 2026."
        in (update["comment"]["body"])
    )
    # The same event is worth a note even though the status did not change.
    note = event_update(moved, _event(moved, "set_foc"), PLAIN)
    assert note is not None
    assert note["comment"]["body"].startswith("Status: Port date confirmed (unchanged)\n")


def test_a_rejection_tells_the_customer_the_fix(ctx) -> None:
    landlines, wireless = numbers(1), numbers(1)
    snap = _submitted(ctx, landlines, wireless)
    snap = svc.reject(ctx, snap.sid, ["wrong_pin"], actor=AGENT, numbers=wireless)
    event = _event(snap, "reject")
    update = event_update(snap, event, PUBLIC)
    assert update is not None and update["comment"]["public"] is True
    text = update["comment"]["body"]
    entry = rejections.get("wrong_pin")
    assert text.startswith("Old Phone Co turned down the request for 1 number.")
    assert entry.title in text and entry.meaning in text
    assert f"1. {entry.fix[0]}" in text
    assert rejections.RESUBMIT_NOTE in text

    note = event_update(snap, event, PLAIN)
    assert note is not None and note["comment"]["public"] is False
    assert "Rejection codes: wrong_pin" in note["comment"]["body"]


def test_a_cancellation_is_public_when_enabled(ctx) -> None:
    snap = _open(ctx)  # never submitted: cancelled at once
    snap = svc.request_cancel(ctx, snap.sid, actor=CUSTOMER, reason="changed our mind")
    assert snap.status is S.CANCELLED
    done = event_update(snap, _event(snap, "confirm_cancel"), PUBLIC)
    assert done is not None and done["comment"]["public"] is True
    assert done["comment"]["body"].startswith("Your port request is cancelled.")
    assert "nothing will move" in done["comment"]["body"]
    assert done["additional_tags"][-1] == "port_status_cancelled"
    # The request to cancel was overtaken at once: an internal note only.
    asked = event_update(snap, _event(snap, "request_cancel"), PUBLIC)
    assert asked is not None and asked["comment"]["public"] is False


def test_a_completed_port_is_public_when_enabled(ctx) -> None:
    snap = _submitted(ctx)
    svc.set_foc(ctx, snap.sid, FOC, actor=AGENT)
    done = svc.mark_ported(ctx, snap.sid, actor=AGENT)
    update = event_update(done, _event(done, "complete"), PUBLIC)
    assert update is not None and update["comment"]["public"] is True
    assert update["comment"]["body"].startswith("Done: 2 numbers moved to us.")
    assert "close the old account with Old Phone Co" in update["comment"]["body"]


def test_agent_only_events_stay_internal(ctx) -> None:
    snap = _submitted(ctx)
    event = _event(snap, "submit")
    event.public = False
    update = event_update(snap, event, PUBLIC)
    assert update is not None and update["comment"]["public"] is False


def test_moves_that_are_not_customer_news_stay_internal(ctx) -> None:
    snap = _open(ctx)
    snap = mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    update = event_update(snap, _event(snap, "sign_loa"), PUBLIC)
    assert update is not None and update["comment"]["public"] is False
    assert "Letter of Authorization signed by Jordan Rivera." in update["comment"]["body"]


# --- conversation ----------------------------------------------------------------------------


def test_a_slack_comment_without_a_zendesk_user_names_its_author(ctx) -> None:
    snap = _open(ctx)
    dana = svc.Actor.customer("U0DANA", "Dana Reyes")
    snap = svc.add_comment(
        ctx, snap.sid, "Is the port still on for Tuesday?", actor=dana, source="slack",
        source_id="1700000000.000100",
    )  # fmt: skip
    event = _event(snap, "comment")
    update = event_update(snap, event, PLAIN)
    assert update == {
        "comment": {
            "body": "Dana Reyes wrote in Slack:\n\nIs the port still on for Tuesday?",
            "public": False,
        }
    }
    public = event_update(snap, event, PUBLIC)
    assert public is not None and public["comment"]["public"] is True


def test_a_comment_from_zendesk_is_not_echoed(ctx) -> None:
    snap = _open(ctx)
    agent = svc.Actor.agent("zd:772", "Dana Reyes")
    snap = svc.add_comment(
        ctx, snap.sid, "We called the carrier.", actor=agent, source="zendesk", source_id="39001"
    )
    assert event_update(snap, _event(snap, "comment"), PUBLIC) is None
    assert event_update(snap, _event(snap, "comment"), PLAIN) is None


def test_an_agent_note_is_an_internal_note(ctx) -> None:
    snap = _open(ctx)
    snap = svc.add_note(ctx, snap.sid, "Customer prefers calls after 3pm.", actor=AGENT)
    update = event_update(snap, _event(snap, "note"), PUBLIC)
    assert update == {
        "comment": {
            "body": "Note from Avery Agent in Slack:\n\nCustomer prefers calls after 3pm.",
            "public": False,
        }
    }


def test_a_public_note_is_public_only_with_public_updates(ctx) -> None:
    snap = _open(ctx)
    snap = svc.add_note(ctx, snap.sid, "We're on it.", actor=AGENT, public=True)
    event = _event(snap, "note")
    public = event_update(snap, event, PUBLIC)
    assert public == {"comment": {"body": "Avery Agent:\n\nWe're on it.", "public": True}}
    private = event_update(snap, event, PLAIN)
    assert private is not None and private["comment"]["public"] is False


def test_events_the_ticket_does_not_need(ctx) -> None:
    snap = _open(ctx)
    assert event_update(snap, _event(snap, "open"), PUBLIC) is None  # the ticket covers it
    quiet = TimelineEvent(
        request_id=snap.request.id or 0,
        at=datetime(2026, 11, 16, tzinfo=UTC),
        actor_role=Role.SYSTEM,
        action="reminder_sent",
        from_status=snap.status,
        to_status=snap.status,
        detail="Reminded the representative.",
    )
    assert event_update(snap, quiet, PUBLIC) is None


def test_an_edit_is_noted(ctx) -> None:
    snap = _open(ctx)
    snap = svc.update_details(ctx, snap.sid, {"name": "HQ lines"}, actor=CUSTOMER)
    update = event_update(snap, _event(snap, "edit"), PLAIN)
    assert update is not None
    assert "Changed name." in update["comment"]["body"]
    assert update["comment"]["public"] is False


# --- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pin", [PIN, "4821"], ids=["wireless-pin", "ssn-last-4"])
def test_no_payload_ever_holds_a_pin_ssn_digits_or_the_account_number(ctx, pin: str) -> None:
    landlines, wireless = numbers(2), numbers(2)
    assert all(pin not in n for n in landlines + wireless)
    snap = _open(ctx, landlines, wireless, pin=pin, name="Secret check")
    sid = snap.sid
    payloads: list[dict | None] = []
    options = (PLAIN, FIELDS, PUBLIC)

    def collect(s: Snapshot) -> None:
        for o in options:
            payloads.append(new_ticket(s, o))
            payloads.extend(event_update(s, e, o) for e in s.events)

    collect(snap)
    collect(svc.add_comment(ctx, sid, "thanks", actor=CUSTOMER, source="slack", source_id="1.2"))
    collect(mark_loa_signed(ctx, sid, actor=CUSTOMER))
    collect(svc.submit_to_carrier(ctx, sid, actor=AGENT))
    collect(svc.reject(ctx, sid, ["wrong_pin", "account_number"], actor=AGENT))
    collect(svc.resubmit(ctx, sid, actor=CUSTOMER, changes={"pin": "555999"}))
    collect(svc.add_note(ctx, sid, "checked the CSR", actor=AGENT))
    collect(svc.request_cancel(ctx, sid, actor=AGENT, reason="customer asked"))
    collect(svc.confirm_cancel(ctx, sid, actor=AGENT))

    text = json.dumps([p for p in payloads if p], ensure_ascii=False).replace(sid, "<sid>")
    assert len(payloads) > 50
    for secret in (pin, "555999", ACCOUNT, ACCOUNT[:-4]):
        assert secret not in text, f"{secret!r} leaked into a Zendesk payload"
    # The account number only ever appears masked.
    assert "••••" + ACCOUNT[-4:] in text
    assert text.count(ACCOUNT[-4:]) == text.count("••••" + ACCOUNT[-4:])


# --- outside strings -------------------------------------------------------------------------

HOSTILE = "<!channel> <https://evil.example|Reset password>"


def test_outside_strings_reach_the_ticket_as_plain_words(ctx) -> None:
    """Names and carriers are plain text on a ticket: shown as typed, never turned into markup,
    entities or links (Zendesk shows a comment's ``body`` as text)."""
    snap = _submitted(ctx, numbers(2))
    author = svc.Actor.customer("U0DANA", HOSTILE)
    snap = svc.add_comment(
        ctx, snap.sid, HOSTILE, actor=author, source="slack", source_id="1700000000.000200"
    )
    req = snap.request
    for name in ("rep_name", "losing_carrier", "company_name", "requester_name", "name"):
        setattr(req, name, HOSTILE)
    bodies = [
        new_ticket(snap, PLAIN)["comment"]["body"],
        new_ticket(snap, PLAIN)["subject"],
        *(u["comment"]["body"] for e in snap.events if (u := event_update(snap, e, PUBLIC))),
    ]
    text = "\n".join(bodies)
    for shown in (
        f"Current carrier: {HOSTILE}",
        f"Account holder: {HOSTILE} (business)",
        f"Authorized representative: {HOSTILE} <jordan@acme.example>",
        f"Opened in Slack by {HOSTILE}",
        f"{HOSTILE} wrote in Slack:\n\n{HOSTILE}",
        f"We've sent your port request to {HOSTILE}.",
        f"Port {snap.sid[:10]} — 2 numbers from {HOSTILE} ({HOSTILE})",
    ):
        assert shown in text, shown
    assert "&lt;" not in text and "&amp;" not in text and "<a " not in text
