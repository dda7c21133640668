"""The ``/port new`` steps as a form that forgives: each step shown again with what was typed
in it, a Back button on steps 2–4, Slack told to report a close (``notify_on_close``), and the
offer to continue a kept draft.

The account number and PIN are never sent back to Slack: a step that has them kept asks again,
says that they are kept, and takes an empty box as "keep it".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
)
from slack_sdk.models.views import View

from bot.porting.fields import F
from bot.porting.intake_country import country_phrase
from bot.services.intake_drafts import KeptDraft
from bot.services.intake_flow import (
    BILL_LATER_KEY,
    Form,
    form_documents,
    form_lead_time,
    form_row,
)
from bot.slack import ids
from bot.slack.blocks import intake as steps
from bot.slack.blocks.text import context, day, escape, modal, plural, section, truncate

__all__ = ["BLOCK_KEYS", "STEP_OF", "resume_offer", "session_meta", "step_view", "typed_in"]

# The view of each step, and its number.
STEP_OF: dict[str, int] = {
    ids.View.NEW_AGREEMENT: 1,
    ids.View.NEW_NUMBERS: 2,
    ids.View.NEW_CONTACT: 3,
    ids.View.NEW_BILL: 4,
}
# Input block -> the key of what was typed in it (``Form.typed``).
BLOCK_KEYS: dict[str, str] = {
    **{block.value: fld.value for fld, block in ids.INTAKE_BLOCKS.items()},
    ids.Block.BILL_LATER.value: BILL_LATER_KEY,
}
TEXT_MAX = 3000  # Slack's longest text input


def session_meta(session_id: str) -> str:
    """``private_metadata`` of the first step when it belongs to a form already started."""
    return json.dumps({"session": session_id}, separators=(",", ":"))


def step_view(form: Form, *, today: date) -> dict[str, Any]:
    """The step ``form.step``, filled in with what was typed, with Back from step 2 on."""
    if form.step <= 1:
        view = steps.agreement_step(session_meta(form.session_id)).to_dict()
    elif form.step == 2:
        view = steps.numbers_step(form.session_id, form_row(form)).to_dict()
    elif form.step == 3:
        view = steps.contact_step(form.session_id, form_row(form)).to_dict()
    else:
        row = form_row(form)
        view = steps.bill_step(
            form.session_id,
            today=today,
            country=country_phrase(row.code) if row else None,
            documents=form_documents(form),
            lead_time=form_lead_time(form),
        ).to_dict()
    for block in view["blocks"]:
        if block.get("type") == "input":
            _fill(block, form)
    if form.step > 1:
        back = ButtonElement(text="Back", action_id=ids.Action.NEW_BACK, value="back")
        view["blocks"].append(ActionsBlock(elements=[back]).to_dict())
    view["notify_on_close"] = True
    return view


def _fill(block: dict[str, Any], form: Form) -> None:
    """Set the input's initial value from what was typed; the secrets get a hint instead."""
    block_id, element = block.get("block_id", ""), block["element"]
    if block_id == ids.Block.ACCOUNT_NUMBER and form.account_number:
        block["optional"] = True
        block["hint"] = _plain(
            f"We kept the one you typed ({form.account_number}). Leave this empty to keep "
            "it, or type it again to change it."
        )
        return
    if block_id == ids.Block.PIN and form.has_pin:
        block["optional"] = True  # a country may require it: the kept one counts
        block["hint"] = _plain(
            "We kept the PIN you typed, encrypted; we never show it. Leave this empty to keep "
            "it, or type it again to change it."
        )
        return
    key = BLOCK_KEYS.get(block_id)
    if key is None or key in (F.ACCOUNT_NUMBER, F.PIN) or key not in form.typed:
        return
    _set_initial(element, form.typed[key])


def _set_initial(element: dict[str, Any], value: Any) -> None:
    kind = element.get("type")
    if kind in ("plain_text_input", "email_text_input"):
        if isinstance(value, str) and value:
            element["initial_value"] = value[: element.get("max_length") or TEXT_MAX]
    elif kind == "radio_buttons":
        chosen = [o for o in element.get("options", []) if o.get("value") == value]
        if chosen:
            element["initial_option"] = chosen[0]
    elif kind == "checkboxes":
        wanted = (
            set(value)
            if isinstance(value, list)
            else ({steps.BILL_LATER} if value is True else set())
        )
        chosen = [o for o in element.get("options", []) if o.get("value") in wanted]
        if chosen:
            element["initial_options"] = chosen
        else:
            element.pop("initial_options", None)
    elif kind == "datepicker" and isinstance(value, str) and value:
        element["initial_date"] = value


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, 2000)}


def resume_offer(draft: KeptDraft, metadata: str) -> View:
    """The first view of ``/port new`` when a draft was kept: continue it, or start over."""
    what = plural(draft.numbers, "number")
    if draft.carrier:
        what += f" from {escape(truncate(draft.carrier, 120))}"
    blocks: list[Block] = [
        section(
            f":memo: *You have an unfinished port request* ({what}), started "
            f"{day(draft.started_on)}. You stopped at step {draft.step} of {steps.STEPS}; "
            "everything you typed is kept."
        ),
        context(
            f"We keep it until {day(draft.kept_until)}. Starting over deletes it, with the "
            "account number and PIN in it."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Continue where I stopped",
                    action_id=ids.Action.NEW_CONTINUE,
                    value=draft.session_id,
                    style="primary",
                ),
                ButtonElement(
                    text="Start over",
                    action_id=ids.Action.NEW_START_OVER,
                    value=draft.session_id,
                    confirm=ConfirmObject(
                        title="Start over?",
                        text="The unfinished request and everything typed in it will be deleted.",
                        confirm="Start over",
                        deny="Keep it",
                    ),
                ),
            ]
        ),
    ]
    return modal(ids.View.NEW_RESUME, "New port", blocks, metadata, close="Cancel")


def typed_in(view: Mapping[str, Any]) -> dict[str, Any]:
    """What a step's inputs hold in ``view.state.values``, by :data:`BLOCK_KEYS` key. Only the
    inputs Slack reported are in it, so an input it left out keeps what was kept before."""
    values = (view.get("state") or {}).get("values") or {}
    out: dict[str, Any] = {}
    for block_id, entries in values.items():
        key = BLOCK_KEYS.get(block_id)
        entry = (entries or {}).get(ids.VALUE) if isinstance(entries, dict) else None
        if key is None or not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if kind in ("plain_text_input", "email_text_input"):
            out[key] = entry.get("value") or ""
        elif kind == "radio_buttons":
            out[key] = (entry.get("selected_option") or {}).get("value") or ""
        elif kind == "checkboxes":
            chosen = [o.get("value") for o in entry.get("selected_options") or []]
            out[key] = (steps.BILL_LATER in chosen) if key == BILL_LATER_KEY else chosen
        elif kind == "datepicker":
            out[key] = entry.get("selected_date") or None
    return out
