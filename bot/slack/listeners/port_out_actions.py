"""The port-out modals' submissions and the port-out buttons (Approve, Reject, Revoke, and the
porting team's Mark ported and Cancel). Each checks who may act, as the commands do: the
account comes back from ``private_metadata`` only as a claim, checked against where the person
is and what they opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.porting.errors import InvalidInput
from bot.services import port_outs as po
from bot.services.port_outs.overview import accounts_for
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks import port_outs as views
from bot.slack.blocks.text import mrkdwn
from bot.slack.deps import SlackDeps, load_meta, team_of
from bot.slack.errors import bind
from bot.slack.ids import Action, Block, View
from bot.wording.port_out_notices import request_details

BLOCKS = {
    "numbers": Block.PORTOUT_NUMBERS,
    "starts_at": Block.PORTOUT_STARTS_AT,
    "ends_at": Block.PORTOUT_ENDS_AT,
    "carrier": Block.PORTOUT_CARRIER,
    "pin": Block.PORTOUT_PIN,
    "wished_date": Block.PORTOUT_WISHED_DATE,
}


def _errors(exc: InvalidInput, fallback: Block) -> dict[str, str]:
    found = {BLOCKS[f].value: m[:1000] for f, m in exc.errors.items() if f in BLOCKS}
    return found or {fallback.value: exc.message[:1000]}


def _account(deps: SlackDeps, body: dict[str, Any], meta: dict[str, str], client: WebClient) -> str:
    """The account the modal was opened for, if the person may act for it."""
    user = body["user"]["id"]
    claimed = meta.get("account", "")
    if deps.is_agent(user, client):
        return claimed
    allowed = accounts_for(
        deps.ctx, team_id=team_of(body), user_id=user, channel_id=meta.get("channel", "")
    )
    if claimed not in allowed:
        raise InvalidInput("You can only act for your own channel's numbers.")
    return claimed


def _accounts(deps: SlackDeps, body: dict[str, Any], client: WebClient) -> list[str] | None:
    """Whom a button's presser acts for (None: the porting team, for anyone)."""
    user = body["user"]["id"]
    if deps.is_agent(user, client):
        return None
    channel = (body.get("channel") or {}).get("id") or ""
    return accounts_for(deps.ctx, team_id=team_of(body), user_id=user, channel_id=channel)


def _value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


# ----------------------------------------------------------------------------- modals
def window_submitted(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    meta, form = load_meta(view), views.read_window(view)
    try:
        account = _account(deps, body, meta, client)
        window = po.open_window(
            deps.ctx,
            team_id=team_of(body),
            account=account,
            channel_id=meta.get("channel", ""),
            actor=deps.actor(body["user"], client),
            numbers=form.numbers_text,
            starts_at=form.starts_at,
            ends_at=form.ends_at,
            carrier=form.carrier,
            pin=form.pin,
        )
    except InvalidInput as exc:
        ack(response_action="errors", errors=_errors(exc, Block.PORTOUT_NUMBERS))
        return
    deps.wake()
    ack(
        response_action="update",
        view=intake_views.notice_view(
            "Window open",
            f":white_check_mark: The port-out window `{window.public_id[:10]}` is open. "
            "The channel is told when it opens and before it closes.",
        ),
    )


def pin_submitted(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    meta, form = load_meta(view), views.read_pin(view)
    if form.pin.strip() != form.pin_again.strip():
        ack(
            response_action="errors", errors={Block.PORTOUT_PIN_AGAIN.value: "The two PINs differ."}
        )
        return
    try:
        account = _account(deps, body, meta, client)
        count = po.set_pin(
            deps.ctx,
            team_id=team_of(body),
            account=account,
            pin=form.pin,
            actor=deps.actor(body["user"], client),
            numbers=form.numbers_text or None,
        )
    except InvalidInput as exc:
        ack(response_action="errors", errors=_errors(exc, Block.PORTOUT_PIN))
        return
    deps.wake()
    what = (
        "every number of the account"
        if not form.numbers_text.strip()
        else f"{count} number{'s' if count != 1 else ''}"
    )
    ack(
        response_action="update",
        view=intake_views.notice_view(
            "PIN set",
            f":lock: The port-out PIN now protects {what}. It is kept encrypted and never shown "
            "again; a carrier must quote it to take these numbers.",
        ),
    )


def request_submitted(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    meta, form = load_meta(view), views.read_request(view)
    try:
        account = _account(deps, body, meta, client)
        asked = po.request_port_out(
            deps.ctx,
            team_id=team_of(body),
            account=account,
            channel_id=meta.get("channel", ""),
            actor=deps.actor(body["user"], client),
            numbers=form.numbers_text,
            carrier=form.carrier,
            wished_date=form.wished_date,
        )
    except InvalidInput as exc:
        ack(response_action="errors", errors=_errors(exc, Block.PORTOUT_NUMBERS))
        return
    deps.wake()
    words = request_details(
        asked.account_code,
        asked.pin,
        asked.address,
        asked.window.ends_at,
        deps.ctx.calendar.timezone,
    )
    # A modal is seen by the person who submitted it alone: the one-time PIN stays private.
    ack(
        response_action="update",
        view=intake_views.notice_view("For your new carrier", mrkdwn(words)),
    )


def reject_submitted(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    form = views.read_reject(view)
    try:
        po.answer(
            deps.ctx,
            form.port_out_id,
            approve=False,
            actor=deps.actor(body["user"], client),
            accounts=_accounts(deps, body, client),
            reason=form.reason or "other",
            comment=form.reason_text,
        )
    except InvalidInput as exc:
        ack(response_action="errors", errors={Block.PORTOUT_REASON.value: exc.message[:1000]})
        return
    deps.wake()
    ack()


# ----------------------------------------------------------------------------- buttons
def approve(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    done = po.answer(
        deps.ctx,
        _value(body),
        approve=True,
        actor=deps.actor(body["user"], client),
        accounts=_accounts(deps, body, client),
    )
    deps.wake()
    _say(respond, f":white_check_mark: Approved: port-out `{done.public_id[:10]}` may go ahead.")


def reject_open(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=views.reject_modal(_value(body)))


def revoke(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    accounts = _accounts(deps, body, client)
    actor = deps.actor(body["user"], client)
    window_id = _value(body)
    if accounts is None:
        done = po.revoke_window(deps.ctx, window_id, actor=actor, account=None)
    else:
        last: Exception | None = None
        for account in accounts:
            try:
                done = po.revoke_window(deps.ctx, window_id, actor=actor, account=account)
                break
            except Exception as exc:
                last = exc
        else:
            assert last is not None
            raise last
    deps.wake()
    _say(respond, f"Revoked the window `{done.public_id[:10]}`: it authorizes nothing more.")


def ported(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    if not deps.is_agent(body["user"]["id"], client):
        raise InvalidInput("Marking a port-out ported is for the porting team.")
    done = po.mark_ported(deps.ctx, _value(body), actor=deps.actor(body["user"], client))
    deps.wake()
    _say(respond, f"Port-out `{done.public_id[:10]}` marked ported: its numbers left the account.")


def cancel(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    if not deps.is_agent(body["user"]["id"], client):
        raise InvalidInput("Cancelling a port-out is for the porting team.")
    done = po.cancel(deps.ctx, _value(body), actor=deps.actor(body["user"], client))
    deps.wake()
    _say(respond, f"Port-out `{done.public_id[:10]}` cancelled: the numbers stay.")


VIEWS: dict[View, Callable[..., Any]] = {
    View.PORTOUT_WINDOW: window_submitted,
    View.PORTOUT_PIN: pin_submitted,
    View.PORTOUT_REQUEST: request_submitted,
    View.PORTOUT_REJECT: reject_submitted,
}
ACTIONS: dict[Action, Callable[..., Any]] = {
    Action.PORTOUT_APPROVE: approve,
    Action.PORTOUT_REJECT_OPEN: reject_open,
    Action.PORTOUT_REVOKE: revoke,
    Action.PORTOUT_PORTED: ported,
    Action.PORTOUT_CANCEL: cancel,
}


def register(app: App, deps: SlackDeps) -> None:
    for view_id, handler in VIEWS.items():
        app.view(view_id.value)(bind(handler, deps))
    for action, button in ACTIONS.items():
        app.action(action.value)(bind(button, deps))
