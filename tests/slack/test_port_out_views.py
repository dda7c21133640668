"""Port-out views in Slack: the modals validate and use our ids, their readers read what Slack
sends, the card and the notice carry the buttons each status allows, and no outside string
pings anyone and no PIN or account number appears in any block."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.services.port_outs import REJECT_REASONS
from bot.slack import ids
from bot.slack.blocks import port_outs as views
from storage.models import HeldNumber, PortOut, PortOutWindow
from storage.values import PortOutStatus, Secret, WindowStatus

P = PortOutStatus
TZ = "America/New_York"
HOSTILE = "<!channel> <https://evil.example|Reset>"
ESCAPED = "&lt;!channel&gt; &lt;https://evil.example|Reset&gt;"
PIN, ACCOUNT, WINDOW_PIN = "4829", "ACCT99887766", "55117733"
NUMS = ["+16172531000", "+16172531001"]
PO_ID, PW_ID = "PO" + "a" * 32, "PW" + "b" * 32


def port_out(status=P.PENDING, **kw) -> PortOut:
    fields = {
        "public_id": PO_ID,
        "numbers": list(NUMS),
        "receiving_carrier": "Other Tel",
        "decisions": [{"number": n, "reason": "ask"} for n in NUMS],
        "status": status,
        "source": "bandwidth",
        "deadline_at": datetime(2026, 11, 17, 15, 0, tzinfo=UTC),
        "created_at": datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
        "pin_offered": Secret(PIN),
        "account_number": Secret(ACCOUNT, keep_last=4),
        **kw,
    }
    return PortOut(**fields)


def window(**kw) -> PortOutWindow:
    fields = {
        "public_id": PW_ID,
        "numbers": [NUMS[0]],
        "starts_at": datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        "receiving_carrier": "Acme Wireless",
        "pin": Secret(WINDOW_PIN),
        "status": WindowStatus.OPEN,
        **kw,
    }
    return PortOutWindow(**fields)


def held(e164: str, **kw) -> HeldNumber:
    return HeldNumber(e164=e164, account="C1", **kw)


def as_dicts(blocks) -> list[dict]:
    return [b if isinstance(b, dict) else b.to_dict() for b in blocks]


def parsed(blocks) -> list[dict]:
    """The blocks as dicts, checked to be exactly what slack_sdk builds from them."""
    out = as_dicts(blocks)
    for block in out:
        assert Block.parse(block).to_dict() == block
    return out


def buttons(blocks) -> list[tuple[str, str, str | None, bool]]:
    """(action id, value, style, has a confirm dialog) of every button."""
    found = []
    for b in as_dicts(blocks):
        elements = b.get("elements", []) if b["type"] == "actions" else [b.get("accessory") or {}]
        for e in elements:
            if e.get("type") == "button":
                found.append((e["action_id"], e["value"], e.get("style"), "confirm" in e))
    return found


def every_builder(po: PortOut, windows: list[PortOutWindow], rows: list[HeldNumber]) -> str:
    """Everything the builders make for these rows, as the JSON Slack would receive."""
    made = [
        views.port_out_card(po, TZ, default="authorize"),
        views.port_out_notice(po, TZ, default="reject"),
        as_dicts(views.windows_blocks(windows, [po], TZ)),
        as_dicts(views.numbers_blocks(rows, True, True, TZ)),
        views.port_out_card_text(po, TZ),
    ]
    return json.dumps(made, ensure_ascii=False)


# --- modals --------------------------------------------------------------------------------

MODALS = {
    ids.View.PORTOUT_WINDOW: (
        lambda: views.window_modal(numbers_hint="You hold 2 numbers.", private_metadata="C1"),
        [
            ("port-portout-numbers", "plain_text_input", False),
            ("port-portout-starts-at", "datetimepicker", True),
            ("port-portout-ends-at", "datetimepicker", False),
            ("port-portout-carrier", "plain_text_input", True),
            ("port-portout-pin", "plain_text_input", True),
        ],
        "Open window",
    ),
    ids.View.PORTOUT_PIN: (
        lambda: views.pin_modal(private_metadata="C1"),
        [
            ("port-portout-numbers", "plain_text_input", True),
            ("port-portout-pin", "plain_text_input", False),
            ("port-portout-pin-again", "plain_text_input", False),
        ],
        "Set PIN",
    ),
    ids.View.PORTOUT_REQUEST: (
        lambda: views.request_modal(private_metadata="C1"),
        [
            ("port-portout-numbers", "plain_text_input", False),
            ("port-portout-carrier", "plain_text_input", False),
            ("port-portout-wished-date", "datepicker", True),
        ],
        "Ask for port-out",
    ),
    ids.View.PORTOUT_REJECT: (
        lambda: views.reject_modal(PO_ID),
        [
            ("port-portout-reason", "radio_buttons", False),
            ("port-portout-reason-text", "plain_text_input", True),
        ],
        "Reject it",
    ),
}


@pytest.mark.parametrize("callback_id", list(MODALS))
def test_each_modal_validates_and_uses_our_ids(callback_id):
    build, inputs, submit = MODALS[callback_id]
    d = build().to_dict()  # slack_sdk validates lengths and types here
    assert View(**d).to_dict() == d
    assert d["type"] == "modal" and d["callback_id"] == callback_id
    assert d["submit"]["text"] == submit and len(d["title"]["text"]) <= 24
    got = [
        (b["block_id"], b["element"]["type"], b.get("optional", False))
        for b in parsed(d["blocks"])
        if b["type"] == "input"
    ]
    assert got == inputs
    for b in d["blocks"]:
        if b["type"] == "input":
            assert b["element"]["action_id"] == ids.VALUE and b["block_id"] in set(ids.Block)


def test_the_window_modal_says_what_it_does_and_the_limits():
    d = views.window_modal(numbers_hint="You hold 2 numbers.", private_metadata="C1").to_dict()
    hints = {b["block_id"]: b["hint"]["text"] for b in d["blocks"] if "hint" in b}
    assert hints["port-portout-numbers"].endswith("You hold 2 numbers.")
    assert hints["port-portout-ends-at"] == "At most 30 days after the start."
    assert hints["port-portout-pin"].startswith("4 to 10 digits. The carrier must quote it.")
    assert d["private_metadata"] == "C1"
    assert "Outside it, port-outs wait for your approval." in json.dumps(d)


def test_the_reject_modal_offers_the_services_catalog_and_carries_the_id():
    d = views.reject_modal(PO_ID).to_dict()
    radio = next(b for b in d["blocks"] if b.get("block_id") == "port-portout-reason")["element"]
    assert [o["value"] for o in radio["options"]] == list(REJECT_REASONS)
    assert [o["text"]["text"] for o in radio["options"]] == [
        "We did not ask for this port-out",
        "These numbers are on the wrong account",
        "Another reason",
    ]
    assert d["private_metadata"] == PO_ID


# --- readers -------------------------------------------------------------------------------


def submitted(values: dict, metadata: str = "") -> dict:
    """A ``view`` as Slack sends it in a ``view_submission``."""
    return {
        "id": "V123",
        "type": "modal",
        "private_metadata": metadata,
        "callback_id": "whatever",
        "state": {"values": {block: {"value": v} for block, v in values.items()}},
    }


def test_the_window_reader_reads_epoch_seconds_as_aware_instants():
    view = submitted(
        {
            "port-portout-numbers": {"type": "plain_text_input", "value": "617 253 1000\n+1617"},
            "port-portout-starts-at": {"type": "datetimepicker", "selected_date_time": None},
            "port-portout-ends-at": {"type": "datetimepicker", "selected_date_time": 1763740800},
            "port-portout-carrier": {"type": "plain_text_input", "value": "  Acme Wireless "},
            "port-portout-pin": {"type": "plain_text_input", "value": "55 11-77"},
        }
    )
    form = views.read_window(view)
    assert form == views.WindowForm(
        numbers_text="617 253 1000\n+1617",
        starts_at=None,
        ends_at=datetime(2025, 11, 21, 16, 0, tzinfo=UTC),
        carrier="Acme Wireless",
        pin="55 11-77",  # as typed: checking it is the service's job
    )
    assert "55 11-77" not in repr(form)
    empty = views.read_window(submitted({}))
    assert (empty.numbers_text, empty.starts_at, empty.ends_at, empty.pin) == ("", None, None, "")


def test_the_pin_request_and_reject_readers():
    pin = views.read_pin(
        submitted(
            {
                "port-portout-numbers": {"type": "plain_text_input", "value": None},
                "port-portout-pin": {"type": "plain_text_input", "value": "123456"},
                "port-portout-pin-again": {"type": "plain_text_input", "value": "123465"},
            }
        )
    )
    assert (pin.numbers_text, pin.pin, pin.pin_again) == ("", "123456", "123465")
    assert "123456" not in repr(pin) and "123465" not in repr(pin)

    request = views.read_request(
        submitted(
            {
                "port-portout-numbers": {"type": "plain_text_input", "value": "+16172531000"},
                "port-portout-carrier": {"type": "plain_text_input", "value": "Acme"},
                "port-portout-wished-date": {"type": "datepicker", "selected_date": "2026-12-01"},
            }
        )
    )
    assert request == views.RequestForm("+16172531000", "Acme", date(2026, 12, 1))

    choice = {"text": {"type": "plain_text", "text": "Wrong account"}, "value": "wrong-account"}
    reject = views.read_reject(
        submitted(
            {
                "port-portout-reason": {"type": "radio_buttons", "selected_option": choice},
                "port-portout-reason-text": {"type": "plain_text_input", "value": " Not ours "},
            },
            metadata=PO_ID,
        )
    )
    assert reject == views.RejectForm(PO_ID, "wrong-account", "Not ours")
    nothing = views.read_reject(submitted({}, metadata=PO_ID))
    assert (nothing.reason, nothing.reason_text) == (None, "")


# --- the card and the notice -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            P.PENDING,
            [
                ("port-portout-approve", PO_ID, "primary", True),
                ("port-portout-reject-open", PO_ID, None, False),
                ("port-portout-cancel", PO_ID, "danger", True),
            ],
        ),
        (
            P.AUTHORIZED,
            [
                ("port-portout-ported", PO_ID, None, True),
                ("port-portout-cancel", PO_ID, "danger", True),
            ],
        ),
        (P.REJECTED, []),
        (P.PORTED, []),
        (P.CANCELLED, []),
    ],
)
def test_the_card_and_the_notice_carry_the_buttons_the_status_allows(status, expected):
    po = port_out(status, rule="window" if status is not P.PENDING else None)
    card = parsed(views.port_out_card(po, TZ, default="authorize"))
    notice = parsed(views.port_out_notice(po, TZ, default="authorize"))
    assert buttons(card) == expected and buttons(notice) == expected
    actions = [b for b in card if b["type"] == "actions"]
    assert [b["block_id"] for b in actions] == ([f"port-portout-{PO_ID}"] if expected else [])


def test_the_pending_card_says_when_and_what_silence_does():
    po = port_out()
    card = views.port_out_card(po, TZ, default="authorize")
    assert card[0]["text"]["text"].startswith(
        ":hourglass_flowing_sand: Port-out to *Other Tel*: Waiting for your answer\n"
        "2 numbers: +1 617-253-1000, +1 617-253-1001\n"
        "Answer by: *Tue Nov 17, 2026 at 10:00 AM EST*"
    )
    assert card[1]["text"]["text"].endswith("If nobody answers by then, it goes ahead.")
    refusing = views.port_out_card(po, TZ, default="reject")
    assert refusing[1]["text"]["text"].endswith("If nobody answers by then, it is refused.")
    assert card[2]["elements"][0]["text"] == (
        f"`{PO_ID}` · from Bandwidth's port-out validation · arrived Mon Nov 16, 2026, 10:00 AM EST"
    )
    confirm = card[3]["elements"][0]["confirm"]
    assert confirm["text"] == {
        "type": "plain_text",
        "text": "+1 617-253-1000, +1 617-253-1001 may move to the new carrier.",
    }
    assert views.port_out_card_text(po, TZ) == (
        "Port-out: *Other Tel* wants +1 617-253-1000, +1 617-253-1001 · answer by Tue Nov 17, "
        "2026 at 10:00 AM EST"
    )


def test_the_notice_tells_the_news_of_the_status():
    arrived = views.port_out_notice(port_out(), TZ, default="reject")[0]["text"]["text"]
    assert arrived.startswith(":hourglass_flowing_sand: Other Tel has asked to take +1 617-")
    assert arrived.endswith("If nobody answers by then, it is refused.")
    po = port_out(P.REJECTED, rule="customer", decided_by="U0CUSTOMER", reason="Not ours.")
    rejected = views.port_out_notice(po, TZ, default="reject")[0]["text"]["text"]
    assert rejected.startswith(":no_entry: <@U0CUSTOMER> rejected Other Tel's request")


# --- lists -----------------------------------------------------------------------------------


def test_windows_blocks_list_open_windows_with_revoke_and_pending_port_outs():
    windows = [window(), window(public_id="PWclosed", status=WindowStatus.CLOSED)]
    decided = port_out(P.AUTHORIZED, public_id="POdecided", rule="window")
    blocks = parsed(views.windows_blocks(windows, [port_out(), decided], TZ))
    assert buttons(blocks) == [
        ("port-portout-revoke", PW_ID, "danger", True),
        ("port-portout-approve", PO_ID, "primary", True),
        ("port-portout-reject-open", PO_ID, None, False),
    ]
    revoke = blocks[1]["accessory"]["confirm"]["text"]["text"]
    assert revoke.startswith("The window for +1 617-253-1000 closes now.")
    assert blocks[1]["text"]["text"] == (
        "*Port-out window* for +1 617-253-1000: from Mon Nov 16, 2026, 10:00 AM EST to Fri Nov "
        "20, 2026, 10:00 AM EST · only to Acme Wireless · PIN set"
    )
    text = json.dumps(blocks, ensure_ascii=False)
    assert "POdecided" not in text and "PWclosed" not in text


def test_windows_blocks_when_nothing_is_open_or_too_much_is():
    empty = json.dumps(parsed(views.windows_blocks([], [], TZ)))
    assert "No window is open, so port-outs wait for your approval." in empty
    assert "None." in empty
    many = [window(public_id=f"PW{i:032d}") for i in range(20)]
    waiting = [port_out(public_id=f"PO{i:032d}") for i in range(12)]
    blocks = parsed(views.windows_blocks(many, waiting, TZ))
    assert len(blocks) <= 50
    assert sum(1 for b in buttons(blocks) if b[0] == "port-portout-revoke") == 15
    assert sum(1 for b in buttons(blocks) if b[0] == "port-portout-approve") == 10
    text = json.dumps(blocks, ensure_ascii=False)
    assert "…and 5 more." in text and "…and 2 more." in text


def test_numbers_blocks_list_each_number_with_its_protection():
    rows = [held(f"+1617253{i:04d}", pin=Secret(PIN), source="port-in") for i in range(45)]
    blocks = parsed(views.numbers_blocks(rows, False, False, TZ))
    assert blocks[0]["text"]["text"] == "*Numbers on this account*\nThis account holds 45 numbers."
    assert [b["text"]["text"].count("\n") + 1 for b in blocks[1:4]] == [20, 20, 5]
    assert blocks[1]["text"]["text"].startswith(
        "• +1 617-253-0000 · not locked · PIN set · from a port-in\n"
    )
    assert "`/port portout pin` or `/port portout lock`" in blocks[-1]["elements"][0]["text"]
    lots = parsed(views.numbers_blocks([held(NUMS[0])] * 310, True, True, TZ))
    assert len(lots) <= 50 and "…and 10 more." in json.dumps(lots, ensure_ascii=False)
    none = json.dumps(parsed(views.numbers_blocks([], False, False, TZ)))
    assert "This account holds no numbers yet." in none


# --- outside strings and secrets ---------------------------------------------------------------


def test_a_hostile_carrier_name_is_inert_in_every_block():
    po = port_out(receiving_carrier=HOSTILE, subscriber_name=HOSTILE)
    text = every_builder(po, [window(receiving_carrier=HOSTILE)], [held(NUMS[0])])
    assert "<!channel>" not in text and "<https://evil" not in text
    assert text.count(ESCAPED) >= 5  # card (carrier, name), notice, window, list, fallback
    for status in P:
        decided = port_out(
            status, receiving_carrier=HOSTILE, rule="customer", decided_by=HOSTILE, reason=HOSTILE
        )
        for blocks in (
            views.port_out_card(decided, TZ, default="reject"),
            views.port_out_notice(decided, TZ, default="reject"),
        ):
            dumped = json.dumps(parsed(blocks), ensure_ascii=False)
            assert "<!channel>" not in dumped and "<https://evil" not in dumped


def test_no_pin_or_account_number_reaches_any_block():
    rows = [held(NUMS[0], pin=Secret(PIN)), held(NUMS[1], locked=True)]
    for status in P:
        po = port_out(status, rule="pin", decided_by="portbot")
        text = every_builder(po, [window()], rows)
        for secret in (PIN, ACCOUNT, ACCOUNT[-4:], WINDOW_PIN, "••••"):
            assert secret not in text, (status, secret)
        assert "PIN set" in text  # said, never shown
