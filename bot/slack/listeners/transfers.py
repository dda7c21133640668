"""``/port transfer`` (the modal), ``/port transfer cancel TR…``, ``/port transfer TR…`` (the
card, for you alone), ``/port complete TR…``, the modal's submission and the Complete and Cancel
buttons on the porting team's copy of the card.

Who may: anyone may ask, for an account they act for (the channel they are in, or one where
they opened port-ins; the porting team for any); only the porting team completes; the porting
team or the person who asked cancels. Every submission and button checks again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.porting.errors import InvalidInput
from bot.services import transfers as tr
from bot.services.base import Actor
from bot.services.port_outs import account_of
from bot.services.port_outs.overview import accounts_for
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks import transfers as views
from bot.slack.deps import SlackDeps, dump_meta, load_meta, team_of
from bot.slack.errors import bind
from bot.slack.ids import COMMAND, Action, Block, View
from bot.slack.text_typed import typed
from bot.wording import transfers as words
from storage.transfer_models import Transfer

USAGE = (
    f"`{COMMAND} transfer` opens the form; `{COMMAND} transfer TR…` shows one; "
    f"`{COMMAND} transfer cancel TR… [reason]` cancels one."
)


def _actor(deps: SlackDeps, user: dict[str, Any], client: WebClient) -> Actor:
    return deps.actor(user, client)


def _cmd_user(cmd: dict[str, Any]) -> dict[str, Any]:
    return {"id": cmd["user_id"], "name": cmd.get("user_name", "")}


# ----------------------------------------------------------------------------- commands
def transfer(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    """``/port transfer [cancel] [TR…]``."""
    if not args:
        channel = cmd.get("channel_id", "")
        meta = dump_meta(team=cmd.get("team_id", ""), channel=channel)
        ack()
        view = views.transfer_modal(private_metadata=meta, source=channel)
        client.views_open(trigger_id=cmd["trigger_id"], view=view)
        return
    if args[0].lower() == "cancel":
        if len(args) < 2:
            raise InvalidInput(f"Which transfer? Usage: `{COMMAND} transfer cancel TR… [reason]`")
        actor = _actor(deps, _cmd_user(cmd), client)
        done = tr.cancel_transfer(deps.ctx, args[1], actor=actor, reason=typed(" ".join(args[2:])))
        deps.wake()
        ack(text=f"Transfer `{done.public_id[:10]}` cancelled: nothing moved.")
        return
    if args[0][:2].upper() == "TR":
        shown = tr.find_transfer(deps.ctx, args[0])
        if not _may_see(deps, cmd, client, shown):
            raise InvalidInput(f"There is no transfer {args[0][:40]} that you can see.")
        tz = deps.ctx.calendar.timezone
        for_agents = deps.is_agent(cmd["user_id"], client)
        ack(
            text=views.transfer_card_text(shown),
            blocks=views.transfer_card(shown, tz, for_agents=for_agents),
        )
        return
    raise InvalidInput(USAGE)


def complete(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    """``/port complete TR…`` (the porting team; ``commands.complete`` sends TR ids here)."""
    done = tr.complete_transfer(deps.ctx, args[0], actor=_actor(deps, _cmd_user(cmd), client))
    deps.wake()
    ack(
        text=f"Transfer `{done.public_id[:10]}` completed: the numbers moved to "
        f"{views.place(done.destination)}, and its channel has been told to set up call "
        "routing and SMS again."
    )


def _may_see(deps: SlackDeps, cmd: dict[str, Any], client: WebClient, t: Transfer) -> bool:
    if deps.is_agent(cmd["user_id"], client):
        return True
    mine = accounts_for(
        deps.ctx,
        team_id=cmd.get("team_id", ""),
        user_id=cmd["user_id"],
        channel_id=cmd.get("channel_id", ""),
    )
    return t.team_id == cmd.get("team_id", "") and (t.source in mine or t.destination in mine)


# ----------------------------------------------------------------------------- the modal
def submitted(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    meta, form = load_meta(view), views.read_transfer(view)
    user = body["user"]["id"]
    team = team_of(body)
    accounts = None
    if not deps.is_agent(user, client):
        accounts = accounts_for(
            deps.ctx, team_id=team, user_id=user, channel_id=meta.get("channel", "")
        )
        if form.source not in accounts:
            ack(
                response_action="errors",
                errors={
                    Block.TRANSFER_SOURCE.value: "Pick a channel you belong to: only its "
                    "people can give its numbers away."
                },
            )
            return
    try:
        asked = tr.request_transfer(
            deps.ctx,
            team_id=team,
            source=form.source or account_of(meta.get("channel", ""), user),
            destination=form.destination,
            numbers=form.numbers_text,
            actor=deps.actor(body["user"], client),
            channel_id=meta.get("channel", ""),
            accounts=accounts,
            dedupe_key=f"view:{view.get('id')}" if view.get("id") else None,
        )
    except InvalidInput as exc:
        found = {
            views.FIELDS[f].value: m[:1000] for f, m in exc.errors.items() if f in views.FIELDS
        }
        ack(
            response_action="errors",
            errors=found or {Block.TRANSFER_NUMBERS.value: exc.message[:1000]},
        )
        return
    deps.wake()
    reply = views.said(words.requested_reply(asked, deps.ctx.calendar.timezone))
    ack(
        response_action="update",
        view=intake_views.notice_view("Transfer asked for", f":white_check_mark: {reply}"),
    )


# ----------------------------------------------------------------------------- buttons
def _value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def complete_button(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    if not deps.is_agent(body["user"]["id"], client):
        raise InvalidInput("Completing a transfer is for the porting team.")
    done = tr.complete_transfer(deps.ctx, _value(body), actor=deps.actor(body["user"], client))
    deps.wake()
    _say(
        respond,
        f"Transfer `{done.public_id[:10]}` completed: the numbers moved to "
        f"{views.place(done.destination)}.",
    )


def cancel_button(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    if not deps.is_agent(body["user"]["id"], client):
        raise InvalidInput("Cancelling a transfer from its card is for the porting team.")
    done = tr.cancel_transfer(deps.ctx, _value(body), actor=deps.actor(body["user"], client))
    deps.wake()
    _say(respond, f"Transfer `{done.public_id[:10]}` cancelled: nothing moved.")


VIEWS: dict[View, Callable[..., Any]] = {View.TRANSFER: submitted}
ACTIONS: dict[Action, Callable[..., Any]] = {
    Action.TRANSFER_COMPLETE: complete_button,
    Action.TRANSFER_CANCEL: cancel_button,
}


def register(app: App, deps: SlackDeps) -> None:
    for view_id, handler in VIEWS.items():
        app.view(view_id.value)(bind(handler, deps))
    for action, button in ACTIONS.items():
        app.action(action.value)(bind(button, deps))
