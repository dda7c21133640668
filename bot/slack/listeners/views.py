"""Modal submissions. Each validates through the domain and answers in the ack: errors on the
exact input block, or the next step. Only ids travel in ``private_metadata``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import services as svc
from bot.documents.checks import MAX_BILL_BYTES, check_content, sniff
from bot.porting import intake
from bot.porting.errors import InvalidInput
from bot.porting.fields import Bill, F
from bot.porting.numbers import split_pasted
from bot.services import intake_flow
from bot.slack.blocks import intake as intake_views
from bot.slack.deps import SlackDeps, load_meta
from bot.slack.errors import guarded
from bot.slack.files import FetchedFile, FileUnavailable, SlackFiles
from bot.slack.ids import INTAKE_BLOCKS, Block, View
from bot.slack.state import State
from storage.models import DocumentKind

MAX_ERROR = 1000
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


def _read_bill(bill: Bill, client: WebClient) -> tuple[str | None, FetchedFile | None]:
    """The bill's bytes, read from Slack, and what is wrong with them (a ZIP named .pdf, an
    empty file…), or None when it is a real PDF, PNG or JPEG of an acceptable size. The name and
    Slack's idea of the type do not count: carriers open the file, so we look inside it."""
    if not bill.file_id:
        return None, None
    files = SlackFiles(client, max_bytes=MAX_BILL_BYTES, timeout=BILL_FETCH_SECONDS)
    try:
        fetched = files.fetch(bill.file_id)
    except FileUnavailable:
        return (
            "We could not read that file from Slack. Attach it again "
            "(a PDF, PNG or JPEG of 10 MB at most).",
            None,
        )
    except (requests.RequestException, SlackApiError):
        return "Slack did not hand the file over just now. Press the button again.", None
    problems = check_content(fetched.data, filename=bill.filename)
    return (" ".join(problems) or None), fetched


def register(app: App, deps: SlackDeps) -> None:
    ctx = deps.ctx

    @guarded
    def agreement(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        checked = State(view).choices(Block.AGREEMENTS)
        errors = intake.validate_agreements(checked)
        if errors:
            ack(response_action="errors", errors=slack_errors(errors))
            return
        meta, user = load_meta(view), body["user"]
        session = intake_flow.start(
            ctx,
            user_id=user["id"],
            user_name=user.get("name", ""),
            team_id=meta.get("team", ""),
            channel_id=meta.get("channel", ""),
            agreements=frozenset(checked),
        )
        ack(response_action="update", view=intake_views.numbers_step(session))

    def step(number: int, next_view: Any) -> Any:
        @guarded
        def submit_step(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            session_id, user_id = view["private_metadata"], body["user"]["id"]
            typed = _typed(State(view), STEP_FIELDS[number])
            draft = intake_flow.draft_of(
                intake_flow.load(ctx, session_id, user_id), **{f.value: v for f, v in typed.items()}
            )
            if number == 2:
                result = intake_flow.check_numbers_step(ctx, draft)
            else:
                result = intake_flow.check_contact_step(draft)
            errors = {f: m for f, m in result.errors.items() if f in STEP_FIELDS[number]}
            if errors:
                ack(response_action="errors", errors=slack_errors(errors))
                return
            intake_flow.save(ctx, session_id, user_id, step=number, values=typed)
            ack(response_action="update", view=next_view(session_id))

        submit_step.__name__ = f"intake_step_{number}"
        return submit_step

    @guarded
    def bill(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        state, session_id = State(view), view["private_metadata"]
        attached = _bill(state)
        later = "later" in state.choices(Block.BILL_LATER)
        desired = state.day(Block.DESIRED_DATE)
        result = intake_flow.check_bill_step(ctx, attached, later=later, desired=desired)
        if result.errors:
            ack(response_action="errors", errors=slack_errors(result.errors))
            return
        content: FetchedFile | None = None
        if attached is not None:
            refused, content = _read_bill(attached, client)
            if refused:
                ack(response_action="errors", errors={Block.BILL: refused})
                return
        actor = deps.actor(body["user"], client)
        existing = load_meta(view).get("sid")
        if existing:  # "Add the bill" on a draft
            if attached is None:
                ack(
                    response_action="errors",
                    errors={Block.BILL: "Attach the bill to send the request on."},
                )
                return
            snap = svc.complete_draft(ctx, existing, actor=actor, bill=attached)
            ack(response_action="update", view=intake_views.done_view(snap, channel_note=None))
            _keep_bill(snap, attached, content)
            deps.wake()
            return
        try:
            snap = intake_flow.finish(
                ctx, session_id, actor=actor, bill=attached, later=later, desired=desired
            )
        except InvalidInput as exc:  # e.g. a number taken by another request meanwhile
            ack(
                response_action="update",
                view=intake_views.error_view("\n".join(exc.errors.values()) or exc.message, None),
            )
            return
        ack(response_action="update", view=intake_views.done_view(snap, channel_note=None))
        _keep_bill(snap, attached, content)
        deps.wake()

    def _keep_bill(snap: svc.Snapshot, bill: Bill | None, content: FetchedFile | None) -> None:
        """Keep the checked bill with its checksum (once per request and Slack file)."""
        if deps.documents is None or bill is None or content is None:
            return
        with ctx.db.write() as s:
            deps.documents.put(
                s,
                request_id=snap.request.id,
                kind=DocumentKind.BILL,
                filename=bill.filename,
                data=content.data,
                content_type=sniff(content.data) or "application/octet-stream",
                issued_on=bill.issued_on,
                source_ref=bill.file_id,
                now=ctx.now(),
            )

    app.view(View.NEW_AGREEMENT)(agreement)
    app.view(View.NEW_NUMBERS)(step(2, lambda s: intake_views.contact_step(s)))
    app.view(View.NEW_CONTACT)(step(3, lambda s: intake_views.bill_step(s, today=ctx.today())))
    app.view(View.NEW_BILL)(bill)
    _register_agent_modals(app, deps)


def _numbers(state: State, block: Block) -> list[str] | None:
    """A numbers selector: a multi-select, or pasted text for long requests; empty = all."""
    return state.choices(block) or split_pasted(state.text(block)) or None


def _register_agent_modals(app: App, deps: SlackDeps) -> None:
    ctx = deps.ctx

    def actor_of(body: dict[str, Any], client: WebClient) -> svc.Actor:
        return deps.actor(body["user"], client)

    def done(ack: Ack) -> None:
        ack()
        deps.wake()

    @guarded
    def foc(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        state, sid = State(view), load_meta(view)["sid"]
        day = state.day(Block.FOC_DATE)
        if day is None:
            ack(response_action="errors", errors={Block.FOC_DATE: "Pick the port date."})
            return
        start, end = (
            state.clock_time(Block.FOC_WINDOW_START),
            state.clock_time(Block.FOC_WINDOW_END),
        )
        tz = ctx.calendar.tz
        window = [datetime.combine(day, t, tzinfo=tz) if t else None for t in (start, end)]
        try:
            svc.set_foc(
                ctx,
                sid,
                day,
                actor=actor_of(body, client),
                numbers=_numbers(state, Block.FOC_NUMBERS),
                window_start=window[0],
                window_end=window[1],
            )
        except InvalidInput as exc:
            block = Block.FOC_WINDOW_START if "window" in exc.message else Block.FOC_DATE
            ack(response_action="errors", errors={block: exc.message})
            return
        done(ack)

    @guarded
    def reject(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        state, sid = State(view), load_meta(view)["sid"]
        codes = state.choices(Block.REJECT_CODES)
        if not codes:
            ack(
                response_action="errors", errors={Block.REJECT_CODES: "Choose at least one reason."}
            )
            return
        svc.reject(
            ctx,
            sid,
            codes,
            actor=actor_of(body, client),
            numbers=_numbers(state, Block.REJECT_NUMBERS),
            note=state.text(Block.REJECT_NOTE),
        )
        done(ack)

    @guarded
    def complete(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        state, sid = State(view), load_meta(view)["sid"]
        svc.mark_ported(
            ctx, sid, actor=actor_of(body, client), numbers=_numbers(state, Block.COMPLETE_NUMBERS)
        )
        done(ack)

    @guarded
    def note(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        state, sid = State(view), load_meta(view)["sid"]
        text = state.text(Block.NOTE_TEXT)
        if not text.strip():
            ack(response_action="errors", errors={Block.NOTE_TEXT: "Write the note first."})
            return
        svc.add_note(
            ctx,
            sid,
            text,
            actor=actor_of(body, client),
            public="public" in state.choices(Block.NOTE_PUBLIC),
        )
        done(ack)

    @guarded
    def cancel(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        state, sid = State(view), load_meta(view)["sid"]
        svc.request_cancel(
            ctx,
            sid,
            actor=actor_of(body, client),
            reason=state.text(Block.CANCEL_REASON),
            key=f"cancel:{view.get('id', '')}",
        )
        done(ack)

    app.view(View.FOC)(foc)
    app.view(View.REJECT)(reject)
    app.view(View.COMPLETE)(complete)
    app.view(View.NOTE)(note)
    app.view(View.CANCEL)(cancel)
