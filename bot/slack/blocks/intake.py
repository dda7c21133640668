"""The ``/port new`` modal: four steps, the confirmation, and the loading and error views.

Every input element's ``action_id`` is :data:`bot.slack.ids.VALUE`; the block id carries the
meaning, so ``state.values[block_id]["value"]`` is where a listener reads each answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    EmailInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.porting.countries import Country, DocumentRule
from bot.porting.intake import AGREEMENT_TEXT, Agreement
from bot.porting.rules import DOCUMENT_MAX_AGE_DAYS, EXPIRY_DAYS
from bot.services.base import Snapshot
from bot.slack import ids
from bot.slack.blocks.intake_country import (
    address_blocks,
    country_fields,
    document_inputs,
    documents_block,
)
from bot.slack.blocks.text import (
    context,
    day,
    escape,
    field,
    modal,
    mrkdwn,
    plural,
    request_status,
    section,
    short_sid,
    text_input,
    truncate,
)
from bot.wording.requests import next_step
from storage.values import AccountType, RequestStatus

__all__ = [
    "AGREEMENT_LABELS",
    "BILL_FILETYPES",
    "BILL_LATER",
    "STEPS",
    "agreement_step",
    "bill_step",
    "contact_step",
    "done_view",
    "error_view",
    "loading_view",
    "numbers_step",
]

STEPS = 4
BILL_LATER = "later"
BILL_FILETYPES = ["pdf", "png", "jpg", "jpeg"]

# Checkbox option texts are capped at 75 characters by Slack, so each box carries a short
# label; the full statement (AGREEMENT_TEXT) is shown above the boxes.
AGREEMENT_LABELS: dict[Agreement, str] = {
    Agreement.KEEP_ACTIVE: "I'll keep my current service active until the port is done",
    Agreement.MATCH_RECORDS: "My details will match my current carrier's records exactly",
    Agreement.DATE_BY_CARRIERS: "The carriers set the port date; mine is only a wish",
    Agreement.FEES_ARE_YOURS: "Fees from my current carrier are mine to settle",
}


def _title(step: int) -> str:
    return f"New port · {step} of {STEPS}"


# --- step 1: agreements ------------------------------------------------------------------


def agreement_step(metadata: str) -> View:
    statements = "\n".join(f"• {escape(AGREEMENT_TEXT[a])}" for a in Agreement)
    blocks: list[Block] = [
        section(
            "Let's move your numbers to us. It takes about five minutes if you have these "
            "at hand:\n"
            "• the *account number* with your current carrier\n"
            "• the *port-out PIN* for any mobile numbers\n"
            f"• a *bill* from the last {plural(DOCUMENT_MAX_AGE_DAYS, 'day')}\n"
            "• the name and e-mail of *who can sign* for the account"
        ),
        section("*Before we start, please read and confirm:*\n" + statements),
        field(
            ids.Block.AGREEMENTS,
            "Tick each box",
            CheckboxesElement(
                options=[Option(value=a.value, text=AGREEMENT_LABELS[a]) for a in Agreement]
            ),
        ),
    ]
    return modal(ids.View.NEW_AGREEMENT, _title(1), blocks, metadata, submit="Next")


# --- step 2: numbers and account ---------------------------------------------------------


def numbers_step(metadata: str, country: Country | None = None) -> View:
    """Step 2. ``country``: the numbers' row of the country table once the numbers are known
    and it asks for account fields of its own; None shows the standard fields."""
    if country is not None:
        return _numbers_step(metadata, country_fields(country))
    return _numbers_step(metadata, None)


def _numbers_step(metadata: str, own: list[Block] | None) -> View:
    blocks: list[Block] = [
        field(
            ids.Block.LANDLINES,
            "Landline and toll-free numbers",
            text_input(multiline=True, placeholder="617 555 0100, 617 555 0101"),
            hint="Paste as many as you like, separated by commas, spaces or new lines. "
            "Add the country code for numbers outside the US.",
            optional=True,
        ),
        field(
            ids.Block.WIRELESS,
            "Mobile numbers",
            text_input(multiline=True),
            hint="Mobile numbers need the port-out PIN from your carrier (below)."
            if own is None
            else "Mobile numbers go here, apart from the landlines.",
            optional=True,
        ),
        field(
            ids.Block.LOSING_CARRIER,
            "Current carrier",
            text_input(placeholder="The company that bills you for these numbers", max_length=120),
        ),
    ]
    if own is not None:
        blocks += own
        return modal(ids.View.NEW_NUMBERS, _title(2), blocks, metadata, submit="Next")
    blocks += [
        field(
            ids.Block.ACCOUNT_NUMBER,
            "Account number with that carrier",
            text_input(max_length=40),
            hint="Exactly as on your bill or Customer Service Record (CSR).",
        ),
        field(
            ids.Block.BTN,
            "Billing telephone number (BTN)",
            text_input(max_length=30),
            hint="The main number the account is billed under. Required for landlines.",
            optional=True,
        ),
        field(
            ids.Block.PIN,
            "Port-out PIN",
            text_input(max_length=20),
            hint="From your mobile carrier, or the last 4 digits of the account holder's SSN. "
            "Required for mobile numbers. We store it encrypted and never show it.",
            optional=True,
        ),
        context(
            ":bulb: Ask your current carrier for a *Customer Service Record (CSR)* and copy "
            "the details from it. Carriers compare letter by letter, and a mismatch is the most "
            "common reason a port is refused."
        ),
    ]
    return modal(ids.View.NEW_NUMBERS, _title(2), blocks, metadata, submit="Next")


# --- step 3: who and where ----------------------------------------------------------------


def contact_step(metadata: str, country: Country | None = None) -> View:
    """Step 3. ``country``: the numbers' row when the form shows its own fields; its address
    lines replace the standard city, state and ZIP."""
    account_types = {
        AccountType.BUSINESS: Option(value=AccountType.BUSINESS.value, text="Business"),
        AccountType.RESIDENTIAL: Option(value=AccountType.RESIDENTIAL.value, text="Residential"),
    }
    blocks: list[Block] = [
        field(
            ids.Block.NAME,
            "Name this request",
            text_input(placeholder="e.g. Main office lines", max_length=120),
            hint="Only for you, to find it later.",
            optional=True,
        ),
        field(
            ids.Block.ACCOUNT_TYPE,
            "Account type",
            RadioButtonsElement(
                options=list(account_types.values()),
                initial_option=account_types[AccountType.BUSINESS],
            ),
        ),
        field(
            ids.Block.COMPANY_NAME,
            "Company name",
            text_input(max_length=200),
            hint="Required for business accounts, exactly as your carrier has it "
            "(Inc and Incorporated count as different).",
            optional=True,
        ),
        field(
            ids.Block.REP_NAME,
            "Authorized person's full name",
            text_input(max_length=200),
            hint="Someone your carrier lists on the account. They sign the Letter of "
            "Authorization (LOA).",
        ),
        field(
            ids.Block.REP_EMAIL,
            "Their e-mail",
            EmailInputElement(),
            hint="We send the LOA here for signature.",
        ),
        field(
            ids.Block.STREET,
            "Service address",
            text_input(max_length=200),
            hint="Where the lines are installed, as on your CSR. No PO boxes.",
        ),
        field(
            ids.Block.STREET2,
            "Suite, unit or floor",
            text_input(max_length=200),
            optional=True,
        ),
    ]
    if country is not None:
        blocks += address_blocks(country)
    else:
        blocks += [
            field(ids.Block.CITY, "City", text_input(max_length=120)),
            field(ids.Block.REGION, "State or region", text_input(max_length=64)),
            field(ids.Block.POSTAL_CODE, "ZIP or postal code", text_input(max_length=16)),
        ]
    blocks.append(
        field(
            ids.Block.COUNTRY,
            "Country",
            PlainTextInputElement(initial_value=country.code if country else "US", max_length=2),
            hint="Two-letter code, such as US or CA.",
        )
    )
    return modal(ids.View.NEW_CONTACT, _title(3), blocks, metadata, submit="Next")


# --- step 4: bill and date -------------------------------------------------------------------


def bill_step(
    metadata: str,
    *,
    today: date,
    country: str | None = None,
    documents: Sequence[DocumentRule] = (),
    lead_time: str | None = None,
) -> View:
    """Step 4. ``documents``: what the numbers' country asks for besides the LOA and the bill
    (``country`` its name), a file input each with its reason; ``lead_time``: how long its ports
    usually take ("8 to 15 business days")."""
    oldest = today - timedelta(days=DOCUMENT_MAX_AGE_DAYS)
    blocks: list[Block] = [
        field(
            ids.Block.BILL,
            "Latest bill from your current carrier",
            FileInputElement(filetypes=BILL_FILETYPES, max_files=1),
            hint="A PDF or an image of up to 10 MB.",
            optional=True,
        ),
        field(
            ids.Block.BILL_ISSUED_ON,
            "Date on the bill",
            DatePickerElement(placeholder="Pick the issue date"),
            hint=f"Carriers accept bills issued on or after {day(oldest)}.",
            optional=True,
        ),
        field(
            ids.Block.BILL_LATER,
            "No bill at hand?",
            CheckboxesElement(
                options=[Option(value=BILL_LATER, text="Upload the bill later — save as a draft")]
            ),
            optional=True,
        ),
        field(
            ids.Block.DESIRED_DATE,
            "Preferred port date",
            DatePickerElement(placeholder="Any date is fine"),
            hint="A wish, not a booking: the carriers set the date. "
            + (
                f"Ports from {country} usually take {lead_time}."
                if country and lead_time
                else "Ports usually take two to four weeks."
            ),
            optional=True,
        ),
    ]
    if documents and country:  # after the bill's boxes, before the date
        blocks[3:3] = [documents_block(country, documents), *document_inputs(documents)]
    return modal(ids.View.NEW_BILL, _title(4), blocks, metadata, submit="Create request")


# --- after the last step ---------------------------------------------------------------------


def done_view(snapshot: Snapshot, *, channel_note: str | None, metadata: str = "") -> View:
    """The confirmation. ``channel_note`` is ``mrkdwn`` built by the caller (it may hold a
    ``<#C…>`` link), so any outside text in it must already be escaped."""
    req = snapshot.request
    draft = req.status is RequestStatus.DRAFT
    headline = (
        ":memo: *Saved as a draft.*" if draft else ":white_check_mark: *Your port request is in.*"
    )
    count = plural(len(snapshot.numbers), "number")
    blocks: list[Block] = [
        section(f"{headline} {count}, status: {request_status(req.status)}."),
        section(f"*Request ID* (for `/port status`):\n```{req.sid}```"),
    ]
    if req.status is RequestStatus.AWAITING_SIGNATURE:
        who = escape(req.rep_name) or "your authorized representative"
        blocks.append(
            section(
                f"*Next:* the Letter of Authorization goes to *{who}* at "
                f"{escape(req.rep_email)} for signature; the request's thread says when it has "
                "gone out, or what is stopping it. Nothing goes to the carrier until it's "
                "signed, so a nudge helps."
            )
        )
    elif draft:
        blocks.append(
            section(
                "*Next:* upload a bill from the last "
                f"{plural(DOCUMENT_MAX_AGE_DAYS, 'day')} with the *Add the bill* button on the "
                "request (in the channel or in the portbot App Home), or look it up with "
                f"`/port status {short_sid(req.sid)}`. Drafts close after "
                f"{plural(EXPIRY_DAYS, 'day')}."
            )
        )
    else:
        blocks.append(section(f"*Next:* {mrkdwn(next_step(req))}"))
    if snapshot.warnings:
        lines = "\n".join(f"• {escape(truncate(w, 400))}" for w in snapshot.warnings[:10])
        blocks.append(section(f":warning: *Good to know*\n{lines}"))
    if channel_note:
        blocks.append(context(channel_note))
    title = "Draft saved" if draft else "Port request created"
    return modal(ids.View.NEW_DONE, title, blocks, metadata, close="Done")


def loading_view(title: str, *, metadata: str = "") -> View:
    blocks: list[Block] = [section(":hourglass_flowing_sand: Working on it, one moment…")]
    return modal(ids.View.LOADING, title, blocks, metadata, close="Close")


def notice_view(title: str, text: str, *, metadata: str = "") -> View:
    return modal(None, title, [section(text)], metadata, close="Close")


def error_view(message: str, ref: str | None, *, metadata: str = "") -> View:
    blocks: list[Block] = [section(f":x: {escape(truncate(message, 2000))}")]
    if ref:
        blocks.append(
            context(f"If it happens again, tell the porting team this reference: `{escape(ref)}`")
        )
    return modal(None, "Something went wrong", blocks, metadata, close="Close")


def checking_view(count: int, *, metadata: str = "") -> View:
    """Shown at once while a long paste is checked; the next step replaces it."""
    blocks: list[Block] = [
        section(
            f":hourglass_flowing_sand: Checking {plural(count, 'line')} of numbers against the "
            "numbering plan and the requests already open. This takes a few seconds; the next "
            "step appears here by itself."
        )
    ]
    return modal(ids.View.LOADING, _title(2), blocks, metadata, close="Cancel")


# Keys of a stored view that views.update accepts back (the rest are Slack's own: id, hash…).
_VIEW_KEYS = (
    *("type", "callback_id", "title", "submit", "close", "private_metadata", "notify_on_close"),
)
_SECRET_BLOCKS = frozenset({ids.Block.ACCOUNT_NUMBER, ids.Block.PIN})


def refilled_view(view: dict, errors: Mapping[str, str] | Mapping[ids.Block, str]) -> dict:
    """The submitted view again, as typed, with each error under its input block (``errors``
    maps block ids to messages).

    For answers that come after the ack (a long paste checked in the background), where
    ``response_action: errors`` is no longer possible. The account number and PIN are not
    sent back to Slack; the person types them again.
    """
    by_block = {str(block_id): message for block_id, message in errors.items()}
    values = (view.get("state") or {}).get("values") or {}
    blocks: list[dict] = [
        section(
            ":warning: Some entries need a fix; each is marked below. Correct them and press "
            f"*{(view.get('submit') or {}).get('text') or 'Next'}* again."
        ).to_dict()
    ]
    for block in view.get("blocks") or []:
        block = {k: v for k, v in block.items()}
        block_id = block.get("block_id", "")
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            element = dict(block["element"])
            entry = (values.get(block_id) or {}).get(element.get("action_id", ""))
            if block_id in _SECRET_BLOCKS:
                if (entry or {}).get("value"):  # typed anew, and not kept: it was refused
                    block["hint"] = {"type": "plain_text", "text": "Please enter this again."}
            elif entry:
                _prefill(element, entry)
            block["element"] = element
        blocks.append(block)
        if message := by_block.get(block_id):
            error = context(f":x: {escape(truncate(message, 1000))}").to_dict()
            error["block_id"] = f"{block_id}-error"[:255]
            blocks.append(error)
    out = {k: view[k] for k in _VIEW_KEYS if view.get(k) is not None}
    out["blocks"] = blocks[:100]
    return out


def _prefill(element: dict, entry: dict) -> None:
    """Set an input element's initial value from its ``state.values`` entry."""
    kind = entry.get("type")
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        if entry.get("value"):
            element["initial_value"] = entry["value"]
    elif kind in ("static_select", "radio_buttons") and entry.get("selected_option"):
        element["initial_option"] = entry["selected_option"]
    elif kind in ("checkboxes", "multi_static_select") and entry.get("selected_options"):
        element["initial_options"] = entry["selected_options"]
    elif kind == "datepicker" and entry.get("selected_date"):
        element["initial_date"] = entry["selected_date"]
