"""Buttons on request cards, status replies and the App Home. Each acks first, then works."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import services as svc
from bot.porting import lifecycle
from bot.porting.calendar import cancellation_deadline
from bot.porting.errors import InvalidInput
from bot.slack.blocks import agent as agent_views
from bot.slack.blocks import cards
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks.text import escape
from bot.slack.deps import SlackDeps, dump_meta
from bot.slack.errors import guarded
from bot.slack.ids import Action

AGENT_ONLY = {Action.SUBMIT, Action.FOC, Action.REJECT, Action.COMPLETE, Action.NOTE}


def _context(body: dict[str, Any]) -> tuple[str, str, str]:
    user = body["user"]["id"]
    team = (body.get("team") or {}).get("id", "") or body["user"].get("team_id", "")
    channel = (body.get("channel") or {}).get("id", "")
    return user, team, channel


def register(app: App, deps: SlackDeps) -> None:
    ctx = deps.ctx

    def find(body: dict[str, Any], client: WebClient) -> svc.Snapshot:
        user, team, channel = _context(body)
        return svc.find(ctx, body["actions"][0]["value"], deps.viewer(user, team, channel, client))

    def check_agent(body: dict[str, Any], client: WebClient) -> None:
        if not deps.is_agent(body["user"]["id"], client):
            raise InvalidInput("Only the porting team can do that.")

    @guarded
    def status(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        snap = find(body, client)
        is_agent = deps.is_agent(body["user"]["id"], client)
        respond(
            text=cards.card_text(snap),
            blocks=cards.status_blocks(snap, is_agent=is_agent),
            response_type="ephemeral",
            replace_original=False,
        )

    @guarded
    def submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        check_agent(body, client)
        snap = find(body, client)
        done = svc.submit_to_carrier(
            ctx,
            snap.sid,
            actor=deps.actor(body["user"], client),
            key=f"submit:{body['actions'][0].get('action_ts', '')}",
        )
        deps.wake()
        note = "".join(f"\n• CSR check: {w}" for w in done.warnings)
        respond(
            text=f"Submitted {done.sid} to {done.request.losing_carrier}.{note}",
            response_type="ephemeral",
            replace_original=False,
        )

    def modal(builder: Any, name: str) -> Any:
        @guarded
        def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            check_agent(body, client)
            snap = find(body, client)
            meta = dump_meta(sid=snap.sid, channel=_context(body)[2])
            client.views_open(trigger_id=body["trigger_id"], view=builder(snap, meta))

        open_modal.__name__ = name
        return open_modal

    @guarded
    def cancel(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        snap = find(body, client)
        role = deps.actor(body["user"], client).role
        foc = snap.request.foc_date
        lifecycle.check_cancel(role, ctx.now(), foc, ctx.calendar)
        lifecycle.apply(snap.status, lifecycle.Move.REQUEST_CANCEL, role)
        deadline = cancellation_deadline(foc, ctx.calendar) if foc else None
        meta = dump_meta(sid=snap.sid, channel=_context(body)[2])
        client.views_open(
            trigger_id=body["trigger_id"],
            view=agent_views.cancel_modal(snap, meta, deadline=deadline),
        )

    @guarded
    def resume(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """ "Add the bill" on a draft: the last intake step, for this request."""
        ack()
        snap = find(body, client)
        meta = dump_meta(sid=snap.sid)
        client.views_open(
            trigger_id=body["trigger_id"], view=intake_views.bill_step(meta, today=ctx.today())
        )

    @guarded
    def confirm_cancel(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        check_agent(body, client)
        snap = find(body, client)
        done = svc.confirm_cancel(ctx, snap.sid, actor=deps.actor(body["user"], client))
        deps.wake()
        respond(
            text=f"{done.sid} is cancelled; its numbers are free again.",
            response_type="ephemeral",
            replace_original=False,
        )

    @guarded
    def resend_loa(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Customers resend the LOA of requests they opened (the service checks), agents any."""
        ack()
        snap = find(body, client)
        done = svc.resend_loa(
            ctx,
            snap.sid,
            actor=deps.actor(body["user"], client),
            key=f"resend-loa:{snap.sid}:{body['actions'][0].get('action_ts', '')}",
        )
        deps.wake()
        rep = done.request.rep_email or done.request.rep_name
        respond(
            text=(
                f"A new signing link for {done.sid} is on its way to {escape(rep)}; "
                "the previous link stops working."
            ),
            response_type="ephemeral",
            replace_original=False,
        )

    @guarded
    def new(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _, team, _ = _context(body)
        meta = dump_meta(team=team, channel="")
        client.views_open(trigger_id=body["trigger_id"], view=intake_views.agreement_step(meta))

    tz = ctx.calendar.timezone
    app.action(Action.STATUS)(status)
    app.action(Action.SUBMIT)(submit)
    app.action(Action.FOC)(modal(lambda s, m: agent_views.foc_modal(s, m, tz_name=tz), "foc"))
    app.action(Action.REJECT)(modal(agent_views.reject_modal, "reject"))
    app.action(Action.COMPLETE)(modal(agent_views.complete_modal, "complete"))
    app.action(Action.NOTE)(modal(agent_views.note_modal, "note"))
    app.action(Action.CANCEL)(cancel)
    app.action(Action.RESUME)(resume)
    app.action(Action.CONFIRM_CANCEL)(confirm_cancel)
    app.action(Action.NEW)(new)
    app.action(Action.RESEND_LOA)(resend_loa)
