"""``/port`` and its verbs. Each verb parses, calls a service, and answers — in the ack itself
(an ephemeral reply costs no extra call) or by opening a modal right after the ack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import services as svc
from bot.porting.errors import InvalidInput
from bot.porting.transfers import is_transfer_id
from bot.services.cancel import cancel_preview
from bot.services.intake_drafts import kept_draft
from bot.services.tickets import ticket_url
from bot.slack.blocks import agent as agent_views
from bot.slack.blocks import cards
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks.intake_form import resume_offer
from bot.slack.blocks.text import MAX_BLOCKS_MESSAGE, context, escape
from bot.slack.deps import SlackDeps, dump_meta
from bot.slack.errors import bind
from bot.slack.ids import COMMAND
from bot.slack.listeners import find, port_outs, quotes, transfers
from bot.slack.text_typed import typed
from bot.wording.timelines import timeline_lines

Verb = Callable[[SlackDeps, Ack, dict[str, Any], WebClient, list[str]], None]
AGENT_VERBS = {"submit", "foc", "reject", "complete", "note", "quote"}
# How long /port new waits to learn whether portbot is in the channel (the modal's trigger is
# good for 3 seconds from Slack's send; when Slack does not say in time, the form opens).
MEMBERSHIP_TIMEOUT = 1  # seconds
_NOT_THERE = frozenset({"channel_not_found", "not_in_channel"})
NOT_IN_CHANNEL = (
    "I'm not in this channel, so I can't post your request's card here. Type "
    f"`/invite @portbot` in this channel, then `{COMMAND} new` again. You can also run "
    f"`{COMMAND} new` in a direct message with me."
)


def _sid_arg(args: list[str], usage: str) -> str:
    if not args:
        raise InvalidInput(f"Which request? Usage: `{COMMAND} {usage}`")
    return args[0]


def _viewer(deps: SlackDeps, cmd: dict[str, Any], client: WebClient) -> svc.Viewer:
    return deps.viewer(cmd["user_id"], cmd.get("team_id", ""), cmd.get("channel_id"), client)


def _find(deps: SlackDeps, cmd: dict[str, Any], client: WebClient, query: str) -> svc.Snapshot:
    return svc.find(deps.ctx, query, _viewer(deps, cmd, client))


def _actor(deps: SlackDeps, cmd: dict[str, Any], client: WebClient) -> svc.Actor:
    return deps.actor({"id": cmd["user_id"], "name": cmd.get("user_name", "")}, client)


def _key(cmd: dict[str, Any], verb: str) -> str | None:
    """The command's idempotency key: Slack sends a retried command with the same body, so
    with the same ``trigger_id``."""
    trigger = cmd.get("trigger_id")
    return f"command:{verb}:{trigger}" if trigger else None


def bot_not_in(client: WebClient, channel: str) -> bool:
    """Whether Slack says portbot is not a member of ``channel`` (``conversations.info``, one
    short try). A DM is always fine; no answer in time, a rate limit or a missing scope
    count as "not known", and the card's delivery copes if it must."""
    if channel[:1] not in ("C", "G"):
        return False
    quick = WebClient(
        token=client.token, base_url=client.base_url, timeout=MEMBERSHIP_TIMEOUT, retry_handlers=[]
    )
    try:
        info = quick.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as exc:
        return exc.response.get("error") in _NOT_THERE
    except OSError:  # a timeout or a refused connection: not known
        return False
    return info.get("is_member") is False


def help_(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    is_agent = deps.is_agent(cmd["user_id"], client)
    ack(text="How to use /port", blocks=cards.help_blocks(is_agent=is_agent))


def new(deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]) -> None:
    ack()
    if bot_not_in(client, cmd.get("channel_id", "")) and cmd.get("response_url"):
        WebhookClient(cmd["response_url"], timeout=5).send(
            text=NOT_IN_CHANNEL, response_type="ephemeral"
        )
        return
    team, channel = cmd.get("team_id", ""), cmd.get("channel_id", "")
    meta = dump_meta(team=team, channel=channel)
    # One indexed read: a form this person closed here is offered before a new one starts.
    kept = kept_draft(deps.ctx, user_id=cmd["user_id"], team_id=team, channel_id=channel)
    first = resume_offer(kept, meta) if kept else intake_views.agreement_step(meta)
    client.views_open(trigger_id=cmd["trigger_id"], view=first)


def status(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    if not args:
        list_(deps, ack, cmd, client, ["open"])
        return
    viewer = _viewer(deps, cmd, client)
    snap = svc.find(deps.ctx, args[0], viewer)
    blocks = cards.status_blocks(
        snap,
        is_agent=viewer.is_agent,
        ticket_url=ticket_url(deps.ctx, snap.request, viewer),
        today=deps.ctx.today(),
        tz=deps.ctx.calendar.timezone,
    )
    # When the next step usually happens, and documents the numbers' country still wants.
    lines = timeline_lines(
        snap.request, snap.numbers, today=deps.ctx.today(), received=snap.documents
    )
    blocks[2:2] = [context(f":hourglass_flowing_sand: {escape(line)}") for line in lines]
    ack(text=cards.card_text(snap), blocks=blocks[:MAX_BLOCKS_MESSAGE])


def list_(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    """``/port list [status] [--carrier NAME] [--page N]`` (``bot.slack.listeners.find``)."""
    find.list_verb(deps, ack, cmd, client, args)


def cancel(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    preview = cancel_preview(
        deps.ctx,
        _sid_arg(args, "cancel SID"),
        viewer=_viewer(deps, cmd, client),
        actor=_actor(deps, cmd, client),
    )
    ack()
    meta = dump_meta(sid=preview.snapshot.sid, channel=cmd.get("channel_id", ""))
    client.views_open(
        trigger_id=cmd["trigger_id"],
        view=agent_views.cancel_modal(preview.snapshot, meta, deadline=preview.deadline),
    )


def submit(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    snap = _find(deps, cmd, client, _sid_arg(args, "submit SID"))
    actor = _actor(deps, cmd, client)
    done = svc.submit_to_carrier(deps.ctx, snap.sid, actor=actor, key=_key(cmd, "submit"))
    deps.wake()
    lines = [f"Submitted {done.sid} to {escape(done.request.losing_carrier)}."]
    lines += [f"• CSR check: {escape(w)}" for w in done.warnings]
    ack(text="\n".join(lines))


def foc(deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]) -> None:
    snap = _find(deps, cmd, client, _sid_arg(args, "foc SID [YYYY-MM-DD]"))
    if len(args) < 2:
        ack()
        meta = dump_meta(sid=snap.sid, channel=cmd.get("channel_id", ""))
        client.views_open(
            trigger_id=cmd["trigger_id"],
            view=agent_views.foc_modal(snap, meta, tz_name=deps.ctx.calendar.timezone),
        )
        return
    try:
        when = date.fromisoformat(args[1])
    except ValueError:
        raise InvalidInput(f"“{args[1]}” is not a date; use YYYY-MM-DD.") from None
    actor = _actor(deps, cmd, client)
    done = svc.set_foc(
        deps.ctx, snap.sid, when, actor=actor, numbers=args[2:] or None, key=_key(cmd, "foc")
    )
    deps.wake()
    ack(text=f"Port date for {done.sid}: {when:%a %b %-d, %Y}. Status: {done.status.label}.")


def reject(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    snap = _find(deps, cmd, client, _sid_arg(args, "reject SID"))
    ack()
    meta = dump_meta(sid=snap.sid, channel=cmd.get("channel_id", ""))
    client.views_open(trigger_id=cmd["trigger_id"], view=agent_views.reject_modal(snap, meta))


def complete(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    if args and is_transfer_id(args[0]):  # a transfer between accounts: TR…
        transfers.complete(deps, ack, cmd, client, args)
        return
    snap = _find(deps, cmd, client, _sid_arg(args, "complete SID [numbers]"))
    actor = _actor(deps, cmd, client)
    done = svc.mark_ported(
        deps.ctx, snap.sid, actor=actor, numbers=args[1:] or None, key=_key(cmd, "complete")
    )
    deps.wake()
    ack(text=f"{done.sid}: {done.status.label}.")


def note(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    snap = _find(deps, cmd, client, _sid_arg(args, "note SID text"))
    actor = _actor(deps, cmd, client)
    text = typed(" ".join(args[1:]))
    svc.add_note(deps.ctx, snap.sid, text, actor=actor, public=False, key=_key(cmd, "note"))
    deps.wake()
    ack(text=f"Noted on {snap.sid} (visible to the porting team).")


VERBS: dict[str, Verb] = {
    "": help_,
    "help": help_,
    "new": new,
    "status": status,
    "list": list_,
    "find": find.find_verb,
    "cancel": cancel,
    "submit": submit,
    "foc": foc,
    "reject": reject,
    "complete": complete,
    "note": note,
    "numbers": port_outs.numbers,
    "portout": port_outs.portout,
    "transfer": transfers.transfer,
    "quote": quotes.quote_verb,
}


def port(deps: SlackDeps, ack: Ack, command: dict[str, Any], client: WebClient) -> None:
    """``/port <verb> …``: the porting team's verbs are refused to everyone else here."""
    words = (command.get("text") or "").split()
    verb, args = (words[0].lower(), words[1:]) if words else ("", [])
    handler = VERBS.get(verb)
    if handler is None:
        raise InvalidInput(f"I don't know “{verb}”. Try `{COMMAND} help`.")
    if verb in AGENT_VERBS and not deps.is_agent(command["user_id"], client):
        raise InvalidInput(
            f"`{COMMAND} {verb}` is for the porting team. You can use `new`, `status`, "
            "`list`, `find`, `cancel`, `numbers`, `portout` and `help`."
        )
    handler(deps, ack, command, client, args)


def register(app: App, deps: SlackDeps) -> None:
    app.command(COMMAND)(bind(port, deps))
