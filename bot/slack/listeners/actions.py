"""Buttons on request cards, status replies and the App Home. Each acks first, then works.

Every button's value is a SID, resolved through :func:`bot.services.find` as the person who
pressed it may see it; buttons of the porting team check the role first, every time: the card in
a customer's channel no longer shows them, but an old card or a forwarded message still may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View as SlackView

from bot import services as svc
from bot.porting.errors import InvalidInput
from bot.services.cancel import cancel_preview
from bot.services.tickets import ticket_url
from bot.slack.blocks import agent as agent_views
from bot.slack.blocks import cards
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks.text import escape
from bot.slack.deps import SlackDeps, dump_meta, team_of
from bot.slack.errors import bind
from bot.slack.ids import Action

ModalBuilder = Callable[[svc.Snapshot, str], SlackView]  # (request, private_metadata)


def _channel(body: dict[str, Any]) -> str:
    return (body.get("channel") or {}).get("id", "")


def _find(deps: SlackDeps, body: dict[str, Any], client: WebClient) -> svc.Snapshot:
    """The request the button names, as the person who pressed it may see it."""
    viewer = deps.viewer_of(body, _channel(body), client)
    return svc.find(deps.ctx, body["actions"][0]["value"], viewer)


NOT_FOR_CUSTOMERS = (
    "Only the porting team can do that. You can follow the request with its Details button "
    "or `/port status`."
)


def _check_agent(deps: SlackDeps, body: dict[str, Any], client: WebClient) -> None:
    if not deps.is_agent(body["user"]["id"], client):
        raise InvalidInput(NOT_FOR_CUSTOMERS)


def _action_ts(body: dict[str, Any]) -> str:
    return body["actions"][0].get("action_ts", "")


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def status(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """Details: the request as ``/port status`` shows it, to the person who pressed it only,
    dates in each reader's own time zone; the porting team also gets the ticket and its
    buttons."""
    ack()
    viewer = deps.viewer_of(body, _channel(body), client)
    snap = svc.find(deps.ctx, body["actions"][0]["value"], viewer)
    blocks = cards.status_blocks(
        snap,
        is_agent=viewer.is_agent,
        ticket_url=ticket_url(deps.ctx, snap.request, viewer),
        today=deps.ctx.today(),
        tz=deps.ctx.calendar.timezone,
    )
    respond(
        text=cards.card_text(snap),
        blocks=blocks,
        response_type="ephemeral",
        replace_original=False,
    )


def submit(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    _check_agent(deps, body, client)
    snap = _find(deps, body, client)
    done = svc.submit_to_carrier(
        deps.ctx,
        snap.sid,
        actor=deps.actor(body["user"], client),
        key=f"submit:{_action_ts(body)}",
    )
    deps.wake()
    note = "".join(f"\n• CSR check: {escape(w)}" for w in done.warnings)
    _say(respond, f"Submitted {done.sid} to {escape(done.request.losing_carrier)}.{note}")


def _open_agent_modal(
    deps: SlackDeps, body: dict[str, Any], client: WebClient, build: ModalBuilder
) -> None:
    _check_agent(deps, body, client)
    snap = _find(deps, body, client)
    meta = dump_meta(sid=snap.sid, channel=_channel(body))
    client.views_open(trigger_id=body["trigger_id"], view=build(snap, meta))


def foc(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    tz_name = deps.ctx.calendar.timezone
    _open_agent_modal(
        deps, body, client, lambda snap, meta: agent_views.foc_modal(snap, meta, tz_name=tz_name)
    )


def reject(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    _open_agent_modal(deps, body, client, agent_views.reject_modal)


def complete(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    _open_agent_modal(deps, body, client, agent_views.complete_modal)


def note(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    _open_agent_modal(deps, body, client, agent_views.note_modal)


def cancel(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    channel = _channel(body)
    preview = cancel_preview(
        deps.ctx,
        body["actions"][0]["value"],
        viewer=deps.viewer_of(body, channel, client),
        actor=deps.actor(body["user"], client),
    )
    meta = dump_meta(sid=preview.snapshot.sid, channel=channel)
    client.views_open(
        trigger_id=body["trigger_id"],
        view=agent_views.cancel_modal(preview.snapshot, meta, deadline=preview.deadline),
    )


def resume(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """ "Add the bill" on a draft: the last intake step, for this request."""
    ack()
    snap = _find(deps, body, client)
    meta = dump_meta(sid=snap.sid, channel=_channel(body))
    client.views_open(
        trigger_id=body["trigger_id"], view=intake_views.bill_step(meta, today=deps.ctx.today())
    )


def confirm_cancel(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    _check_agent(deps, body, client)
    snap = _find(deps, body, client)
    done = svc.confirm_cancel(deps.ctx, snap.sid, actor=deps.actor(body["user"], client))
    deps.wake()
    _say(respond, f"{done.sid} is cancelled; its numbers are free again.")


def resend_loa(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """Customers resend the LOA of requests they opened (the service checks), agents any."""
    ack()
    snap = _find(deps, body, client)
    done = svc.resend_loa(
        deps.ctx,
        snap.sid,
        actor=deps.actor(body["user"], client),
        key=f"resend-loa:{snap.sid}:{_action_ts(body)}",
    )
    deps.wake()
    rep = done.request.rep_email or done.request.rep_name
    _say(
        respond,
        f"A new signing link for {done.sid} is on its way to {escape(rep)}; "
        "the previous link stops working.",
    )


def new(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    meta = dump_meta(team=team_of(body), channel="")
    client.views_open(trigger_id=body["trigger_id"], view=intake_views.agreement_step(meta))


HANDLERS: dict[Action, Callable[..., None]] = {
    Action.STATUS: status,
    Action.SUBMIT: submit,
    Action.FOC: foc,
    Action.REJECT: reject,
    Action.COMPLETE: complete,
    Action.NOTE: note,
    Action.CANCEL: cancel,
    Action.RESUME: resume,
    Action.CONFIRM_CANCEL: confirm_cancel,
    Action.NEW: new,
    Action.RESEND_LOA: resend_loa,
}


def register(app: App, deps: SlackDeps) -> None:
    for action, handler in HANDLERS.items():
        app.action(action)(bind(handler, deps))
