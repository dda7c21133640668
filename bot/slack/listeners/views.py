"""Modal submissions. Each validates through the services and answers in the ack: errors on
the exact input block (services key them by field; :data:`FOC_BLOCKS` and ``INTAKE_BLOCKS``
say where each field shows), or the next step. The intake's last step alone does its work after
the ack (:func:`step_bill`: a bill of up to 10 MB is stored with the request). Only ids travel
in ``private_metadata``, and a SID read from it is resolved through
:func:`bot.services.queries.visible_sid` as the submitter may see it, with the porting team's
modals checking the role first, as their commands and buttons do."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import requests
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View as SlackView

from bot import services as svc
from bot.documents.checks import MAX_BILL_BYTES
from bot.porting.errors import DomainError, InvalidInput
from bot.porting.fields import Bill, F
from bot.porting.numbers import split_pasted
from bot.services import intake_flow
from bot.services.carrier import FOC_DATE, FOC_WINDOW
from bot.services.queries import visible_sid
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks import intake_form
from bot.slack.deps import SlackDeps, load_meta
from bot.slack.errors import bind, log, new_ref, unexpected_text
from bot.slack.files import FileUnavailable, SlackFiles
from bot.slack.ids import INTAKE_BLOCKS, Block, View
from bot.slack.listeners import documents as documents_listeners
from bot.slack.listeners import intake_nav
from bot.slack.listeners.documents import read_uploads
from bot.slack.listeners.intake_country import for_country, on_shown_blocks
from bot.slack.state import State

MAX_ERROR = 1000
SECRET_FIELDS = frozenset({F.ACCOUNT_NUMBER, F.PIN})
STEP_FIELDS = {
    2: (F.LANDLINES, F.WIRELESS, F.LOSING_CARRIER, F.ACCOUNT_NUMBER, F.BTN, F.PIN),
    3: (
        F.NAME,
        F.ACCOUNT_TYPE,
        F.COMPANY_NAME,
        F.REP_NAME,
        F.REP_EMAIL,
        F.STREET,
        F.STREET2,
        F.CITY,
        F.REGION,
        F.POSTAL_CODE,
        F.COUNTRY,
    ),
}


def slack_errors(errors: dict[F, str] | dict[str, str]) -> dict[str, str]:
    """Domain field → the input block where Slack shows the message."""
    return {INTAKE_BLOCKS[F(f)].value: m[:MAX_ERROR] for f, m in errors.items()}


def _typed(state: State, fields: tuple[F, ...]) -> dict[F, str]:
    out: dict[F, str] = {}
    for fld in fields:
        block = INTAKE_BLOCKS[fld]
        out[fld] = (state.choice(block) if fld is F.ACCOUNT_TYPE else state.text(block)) or ""
    return out


def _bill(state: State) -> Bill | None:
    files = state.files(Block.BILL)
    if not files:
        return None
    f = files[0]
    return Bill(
        filename=f.get("name") or f.get("title") or "bill",
        size=int(f.get("size") or 0),
        content_type=f.get("mimetype") or "",
        issued_on=state.day(Block.BILL_ISSUED_ON),
        file_id=f.get("id"),
    )


BILL_FETCH_SECONDS = 1.5  # the file comes from Slack's own servers; the ack must stay in 3 s
BILL_FIELDS = frozenset({F.BILL, F.BILL_ISSUED_ON, F.DESIRED_DATE})  # the last step's own
OPENING = "Opening your request…"  # the last step's title while the request is opened


def _read_bill(bill: Bill, client: WebClient) -> tuple[dict[str, str], bytes | None]:
    """The bill's bytes, read from Slack, or what to show on the bill's block instead: Slack
    could not hand them over, or the service found them wanting (:func:`intake_flow.
    check_bill_content`). No bytes and no errors when Slack gave the file no id."""
    if not bill.file_id:
        return {}, None
    files = SlackFiles(client, max_bytes=MAX_BILL_BYTES, timeout=BILL_FETCH_SECONDS)
    try:
        fetched = files.fetch(bill.file_id)
    except FileUnavailable:
        refused = (
            "We could not read that file from Slack. Attach it again "
            "(a PDF, PNG or JPEG of 10 MB at most)."
        )
        return {Block.BILL: refused}, None
    except (requests.RequestException, SlackApiError):
        again = "Slack did not hand the file over just now. Press the button again."
        return {Block.BILL: again}, None
    errors = intake_flow.check_bill_content(fetched.data, filename=bill.filename)
    return slack_errors(errors), (None if errors else fetched.data)


def _show_after_ack(
    deps: SlackDeps, client: WebClient, view: dict[str, Any], work: Callable[[], SlackView]
) -> None:
    """Do ``work`` after the ack put a "working on it" view up, and show what it gives in its
    place (``views.update``). A refusal shows the step again as typed with each message under
    its block, or on its own when it is about an earlier step (a number another request took
    meanwhile); anything unexpected an apology with a reference, as the error guard does
    before an ack. A modal closed meanwhile (``not_found``) is no error."""
    done = False
    try:
        shown: SlackView | dict[str, Any] = work()
        done = True
    except InvalidInput as exc:
        if exc.errors and set(exc.errors) <= BILL_FIELDS:  # StrEnum: field names compare equal
            shown = intake_views.refilled_view(view, slack_errors(exc.errors))
        else:
            shown = intake_views.error_view("\n".join(exc.errors.values()) or exc.message, None)
    except DomainError as exc:
        shown = intake_views.error_view(exc.message, None)
    except Exception:
        ref = new_ref()
        log.exception("unexpected error after the ack of %s (ref %s)", view.get("callback_id"), ref)
        shown = intake_views.error_view(unexpected_text(ref), ref)
    try:
        client.views_update(view_id=view["id"], view=shown)
    except SlackApiError as exc:
        if exc.response.get("error") != "not_found":  # not_found: the person closed it
            raise
    if done:
        deps.wake()


# --- the intake ---------------------------------------------------------------------------


def step_agreement(deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Step 1. A form that came back to it (Back from step 2, or a draft reopened here) goes
    on with its session and what was typed in it; otherwise a session starts."""
    checked = State(view).choices(Block.AGREEMENTS)
    errors = intake_flow.check_agreements(checked)
    if errors:
        ack(response_action="errors", errors=slack_errors(errors))
        return
    meta, user = load_meta(view), body["user"]
    if meta.get("session"):
        form = intake_flow.agree(
            deps.ctx, meta["session"], user["id"], agreements=frozenset(checked)
        )
        ack(response_action="update", view=intake_form.step_view(form, today=deps.ctx.today()))
        return
    session = intake_flow.start(
        deps.ctx,
        user_id=user["id"],
        user_name=user.get("name", ""),
        team_id=meta.get("team", ""),
        channel_id=meta.get("channel", ""),
        agreements=frozenset(checked),
    )
    form = intake_flow.Form(session_id=session, step=2, typed={})
    ack(response_action="update", view=intake_form.step_view(form, today=deps.ctx.today()))


def _step(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], number: int
) -> None:
    """Steps 2 and 3: checked with everything typed before; an account number or PIN left
    empty where one is kept means "keep it"."""
    session_id, user_id = view["private_metadata"], body["user"]["id"]
    typed = _typed(State(view), STEP_FIELDS[number])
    given = {f.value: v for f, v in typed.items() if v or f not in SECRET_FIELDS}
    draft = intake_flow.draft_of(intake_flow.load(deps.ctx, session_id, user_id), **given)
    if number == 2:
        result = intake_flow.check_numbers_step(deps.ctx, draft)
        again = for_country(deps, session_id, user_id, typed, result)
        if again is not None:  # the numbers' country asks for other fields: show them first
            ack(response_action="update", view=again)
            return
    else:
        result = intake_flow.check_contact_step(draft)
    errors = {f: m for f, m in result.errors.items() if f in STEP_FIELDS[number]}
    if errors:
        ack(response_action="errors", errors=on_shown_blocks(view, slack_errors(errors), number))
        return
    form = intake_flow.save(deps.ctx, session_id, user_id, step=number, values=typed)
    ack(response_action="update", view=intake_form.step_view(form, today=deps.ctx.today()))


def step_numbers(deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    _step(deps, ack, body, view, 2)


def step_contact(deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    _step(deps, ack, body, view, 3)


def step_bill(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """The last step. What can be wrong with what was typed or attached is answered in the ack,
    on its block: the form; for "Add the bill" on a draft, whether the submitter may see that
    request (before any byte is fetched for it); then the bill's bytes, read from Slack within
    :data:`BILL_FETCH_SECONDS` and checked by the service. The request is then opened (or the
    draft completed) after the ack, behind an "Opening your request…" view that the
    confirmation replaces: storing a bill of up to 10 MB and its transaction never hold up the
    ack."""
    state, meta = State(view), load_meta(view)
    attached = _bill(state)
    later = "later" in state.choices(Block.BILL_LATER)
    desired = state.day(Block.DESIRED_DATE)
    result = intake_flow.check_bill_step(deps.ctx, attached, later=later, desired=desired)
    if result.errors:
        ack(response_action="errors", errors=slack_errors(result.errors))
        return
    draft: str | None = None
    if meta.get("sid"):  # "Add the bill" on a draft
        if attached is None:
            ack(
                response_action="errors",
                errors={Block.BILL: "Attach the bill to send the request on."},
            )
            return
        draft = _visible_sid(deps, body, meta, client)
    content: bytes | None = None
    refused: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:  # the country's documents, meanwhile
        extra = pool.submit(read_uploads, state, client)
        if attached is not None:
            refused, content = _read_bill(attached, client)
        refused_documents, documents = extra.result()
    if refused or refused_documents:
        ack(response_action="errors", errors={**refused, **refused_documents})
        return
    ack(response_action="update", view=intake_views.loading_view(OPENING))
    bills = deps.bills

    def open_it() -> SlackView:
        actor = deps.actor(body["user"], client)
        if draft is not None and attached is not None:
            snap = bills.complete_draft(draft, actor=actor, bill=attached, content=content)
        else:
            snap = bills.finish(
                view["private_metadata"],
                actor=actor,
                bill=attached,
                later=later,
                desired=desired,
                content=content,
                documents=documents,
            )
        return intake_views.done_view(snap, channel_note=None)

    _show_after_ack(deps, client, view, open_it)


# --- the porting team's modals, and the cancellation ---------------------------------------

# Field of a service's InvalidInput -> the block of the FOC modal where its message shows.
FOC_BLOCKS: dict[str, Block] = {FOC_DATE: Block.FOC_DATE, FOC_WINDOW: Block.FOC_WINDOW_START}


def _field_errors(exc: InvalidInput, blocks: dict[str, Block], default: Block) -> dict[str, str]:
    """The messages of ``exc`` on the blocks of their fields; one without a field (or with a
    field this modal does not show) goes on ``default``."""
    placed: dict[str, str] = {}
    for fld, message in (exc.errors or {"": exc.message}).items():
        block = blocks.get(fld, default)
        placed[block] = f"{placed[block]} {message}" if block in placed else message
    return {block: message[:MAX_ERROR] for block, message in placed.items()}


def _visible_sid(
    deps: SlackDeps, body: dict[str, Any], meta: dict[str, str], client: WebClient
) -> str:
    """The SID in a modal's ``private_metadata``, resolved as the submitter may see it (from
    the channel the modal was opened in): a submission naming a request they cannot see is
    refused as an unknown request would be."""
    viewer = deps.viewer_of(body, meta.get("channel") or None, client)
    return visible_sid(deps.ctx, meta.get("sid", ""), viewer)


def _agent_target(
    deps: SlackDeps, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> tuple[str, svc.Actor]:
    """The request a porting-team modal acts on, and who acts: refused to anyone else."""
    if not deps.is_agent(body["user"]["id"], client):
        raise InvalidInput("Only the porting team can do that.")
    return _visible_sid(deps, body, load_meta(view), client), deps.actor(body["user"], client)


def _chosen(state: State, block: Block) -> list[str] | None:
    """A numbers selector: a multi-select, or pasted text for long requests; empty = all."""
    return state.choices(block) or split_pasted(state.text(block)) or None


def _done(deps: SlackDeps, ack: Ack) -> None:
    ack()
    deps.wake()


def foc(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    state = State(view)
    day = state.day(Block.FOC_DATE)
    if day is None:
        ack(response_action="errors", errors={Block.FOC_DATE: "Pick the port date."})
        return
    sid, actor = _agent_target(deps, body, view, client)
    start, end = (
        state.clock_time(Block.FOC_WINDOW_START),
        state.clock_time(Block.FOC_WINDOW_END),
    )
    tz = deps.ctx.calendar.tz
    window = [datetime.combine(day, t, tzinfo=tz) if t else None for t in (start, end)]
    try:
        svc.set_foc(
            deps.ctx,
            sid,
            day,
            actor=actor,
            numbers=_chosen(state, Block.FOC_NUMBERS),
            window_start=window[0],
            window_end=window[1],
        )
    except InvalidInput as exc:
        ack(response_action="errors", errors=_field_errors(exc, FOC_BLOCKS, Block.FOC_DATE))
        return
    _done(deps, ack)


def reject(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    state = State(view)
    codes = state.choices(Block.REJECT_CODES)
    if not codes:
        ack(response_action="errors", errors={Block.REJECT_CODES: "Choose at least one reason."})
        return
    sid, actor = _agent_target(deps, body, view, client)
    svc.reject(
        deps.ctx,
        sid,
        codes,
        actor=actor,
        numbers=_chosen(state, Block.REJECT_NUMBERS),
        note=state.text(Block.REJECT_NOTE),
    )
    _done(deps, ack)


def complete(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    sid, actor = _agent_target(deps, body, view, client)
    numbers = _chosen(State(view), Block.COMPLETE_NUMBERS)
    svc.mark_ported(deps.ctx, sid, actor=actor, numbers=numbers)
    _done(deps, ack)


def note(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    state = State(view)
    text = state.text(Block.NOTE_TEXT)
    if not text.strip():
        ack(response_action="errors", errors={Block.NOTE_TEXT: "Write the note first."})
        return
    sid, actor = _agent_target(deps, body, view, client)
    public = "public" in state.choices(Block.NOTE_PUBLIC)
    svc.add_note(deps.ctx, sid, text, actor=actor, public=public)
    _done(deps, ack)


def cancel(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Customers cancel their own requests (and their channels'), inside the cut-off; the
    service checks the cut-off again."""
    sid = _visible_sid(deps, body, load_meta(view), client)
    svc.request_cancel(
        deps.ctx,
        sid,
        actor=deps.actor(body["user"], client),
        reason=State(view).text(Block.CANCEL_REASON),
        key=f"cancel:{view.get('id', '')}",
    )
    _done(deps, ack)


HANDLERS: dict[View, Callable[..., None]] = {
    View.NEW_AGREEMENT: step_agreement,
    View.NEW_NUMBERS: step_numbers,
    View.NEW_CONTACT: step_contact,
    View.NEW_BILL: step_bill,
    View.FOC: foc,
    View.REJECT: reject,
    View.COMPLETE: complete,
    View.NOTE: note,
    View.CANCEL: cancel,
}


def register(app: App, deps: SlackDeps) -> None:
    for callback_id, handler in HANDLERS.items():
        app.view(callback_id)(bind(handler, deps))
    intake_nav.register(app, deps)
    documents_listeners.register(app, deps)
