"""``/port numbers`` and ``/port portout …``, their modals and the port-out buttons.

Whom a command acts for: a customer acts for the account of where they typed it (the channel,
or themselves in a DM); the porting team may name a channel with ``--channel #channel``. Every
button and modal checks again who may do it, as the commands do.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.porting.errors import InvalidInput
from bot.porting.numbers import format_display
from bot.porting.words import plural
from bot.services import port_outs as po
from bot.services.base import Actor
from bot.services.port_outs.overview import overview
from bot.slack.blocks import port_outs as views
from bot.slack.blocks.text import escape
from bot.slack.deps import SlackDeps, dump_meta
from bot.slack.ids import COMMAND
from bot.slack.text_typed import typed

OPTIONS = ("carrier", "spid", "pin", "foc", "account", "zip", "name", "channel")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>|^([CG][A-Z0-9]{2,})$")
INCOMING_USAGE = (
    f"`{COMMAND} portout incoming NUMBERS --carrier NAME [--spid SPID] [--pin PIN] "
    "[--foc YYYY-MM-DD] [--account ACCOUNT] [--zip ZIP] [--name SUBSCRIBER]`"
)


# ----------------------------------------------------------------------------- helpers
def split_options(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """Words before the first ``--option``, and each option's words (which may be several)."""
    plain: list[str] = []
    options: dict[str, list[str]] = {}
    current: list[str] | None = None
    for word in args:
        if word.startswith("--") and len(word) > 2:
            name = word[2:].lower()
            if name not in OPTIONS:
                raise InvalidInput(f"I don't know the option `--{escape(name)}`.")
            current = options.setdefault(name, [])
        elif current is None:
            plain.append(word)
        else:
            current.append(word)
    values = {k: " ".join(v).strip() for k, v in options.items()}
    # Slack escapes &, < and > in command text; the channel keeps its <#C…|name> form.
    found = {k: v if k == "channel" else typed(v) for k, v in values.items()}
    return [typed(w) for w in plain], found


def channel_option(text: str) -> str:
    found = _CHANNEL.search(text.strip())
    if not found:
        raise InvalidInput("Name the channel as #channel (pick it from the list as you type).")
    return found.group(1) or found.group(2)


def _where(deps: SlackDeps, cmd: dict[str, Any], client: WebClient, options: dict[str, str]) -> str:
    """The account this command acts for."""
    if "channel" in options:
        if not deps.is_agent(cmd["user_id"], client):
            raise InvalidInput("Only the porting team can act for another channel.")
        return channel_option(options["channel"])
    return po.account_of(cmd.get("channel_id", ""), cmd["user_id"])


def _actor(deps: SlackDeps, user: dict[str, Any], client: WebClient) -> Actor:
    return deps.actor(user, client)


def _cmd_user(cmd: dict[str, Any]) -> dict[str, Any]:
    return {"id": cmd["user_id"], "name": cmd.get("user_name", "")}


def _agent_only(deps: SlackDeps, user_id: str, client: WebClient, what: str) -> None:
    if not deps.is_agent(user_id, client):
        raise InvalidInput(f"{what} is for the porting team.")


def _numbers_list(numbers: list[str]) -> str:
    return ", ".join(format_display(n) for n in numbers) or "none"


# ----------------------------------------------------------------------------- /port numbers
def numbers(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    sub = args[0].lower() if args else ""
    team = cmd.get("team_id", "")
    if sub in ("add", "remove"):
        _agent_only(deps, cmd["user_id"], client, f"`{COMMAND} numbers {sub}`")
        plain, options = split_options(args[1:])
        actor = _actor(deps, _cmd_user(cmd), client)
        if sub == "add":
            account = _where(deps, cmd, client, options)
            change = po.add_numbers(
                deps.ctx, team_id=team, account=account, numbers=" ".join(plain), actor=actor
            )
            text = f"Added to {_account_name(account)}: {_numbers_list(change.added)}."
            if change.already:
                text += f" Already there: {_numbers_list(change.already)}."
        else:
            change = po.remove_numbers(deps.ctx, numbers=" ".join(plain), actor=actor)
            text = f"Removed: {_numbers_list(change.removed)}."
            if change.already:
                text += f" Not held by any account: {_numbers_list(change.already)}."
        ack(text=text)
        return
    _, options = split_options(args)
    account = _where(deps, cmd, client, options)
    seen = overview(deps.ctx, team_id=team, account=account)
    blocks = views.numbers_blocks(
        seen.numbers,
        seen.locked,
        seen.has_pin,
        deps.ctx.calendar.timezone,
        account_unlock_at=seen.unlock_at,
    )
    ack(text=f"Numbers on this account: {len(seen.numbers)}", blocks=[b.to_dict() for b in blocks])


def _account_name(account: str) -> str:
    return f"<#{account}>" if account[:1] in ("C", "G") else f"<@{account}>"


# ----------------------------------------------------------------------------- /port portout
def portout(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    sub, rest = (args[0].lower(), args[1:]) if args else ("list", [])
    handler = SUBVERBS.get(sub)
    if handler is None:
        names = ", ".join(f"`{name}`" for name in SUBVERBS)
        raise InvalidInput(f"`{COMMAND} portout` takes one of {names}.")
    handler(deps, ack, cmd, client, rest)


def _open(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str], build: Any
) -> None:
    _, options = split_options(args)
    account = _where(deps, cmd, client, options)
    meta = dump_meta(
        team=cmd.get("team_id", ""), channel=cmd.get("channel_id", ""), account=account
    )
    ack()
    client.views_open(trigger_id=cmd["trigger_id"], view=build(private_metadata=meta))


def authorize(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    _open(deps, ack, cmd, client, args, views.window_modal)


def request(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    _open(deps, ack, cmd, client, args, views.request_modal)


def pin(deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]) -> None:
    _open(deps, ack, cmd, client, args, views.pin_modal)


def list_(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    _, options = split_options(args)
    account = _where(deps, cmd, client, options)
    seen = overview(deps.ctx, team_id=cmd.get("team_id", ""), account=account)
    blocks = views.windows_blocks(seen.windows, seen.pending, deps.ctx.calendar.timezone)
    ack(text="Port-out windows and requests", blocks=[b.to_dict() for b in blocks])


def _protection(
    deps: SlackDeps, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> tuple[dict[str, Any], bool]:
    """What lock and unlock both take: the account, the actor, the numbers (none: all of
    them); and whether numbers were named."""
    plain, options = split_options(args)
    named = " ".join(plain)
    return {
        "team_id": cmd.get("team_id", ""),
        "account": _where(deps, cmd, client, options),
        "actor": _actor(deps, _cmd_user(cmd), client),
        "numbers": named or None,
    }, bool(named)


def lock(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    given, named = _protection(deps, cmd, client, args)
    count = po.lock(deps.ctx, **given)
    deps.wake()
    what = plural(count, "number") if named else "every number of this account"
    ack(
        text=f":lock: Locked {what} against port-outs, from now. "
        "Unlocking takes effect after a wait."
    )


def unlock(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    given, _ = _protection(deps, cmd, client, args)
    ends = po.unlock(deps.ctx, **given)
    deps.wake()
    stamp = int(ends.timestamp())
    ack(
        text=f":unlock: The lock ends <!date^{stamp}^{{date_short_pretty}} at {{time}}"
        f"|{ends:%Y-%m-%d %H:%M} UTC>. Until then it holds; the channel has been told."
    )


def incoming(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    _agent_only(deps, cmd["user_id"], client, f"`{COMMAND} portout incoming`")
    plain, options = split_options(args)
    if not plain or not options.get("carrier"):
        raise InvalidInput(f"Usage: {INCOMING_USAGE}")
    foc = None
    if options.get("foc"):
        try:
            foc = date.fromisoformat(options["foc"])
        except ValueError:
            raise InvalidInput(
                f"“{escape(options['foc'])}” is not a date; use YYYY-MM-DD."
            ) from None
    trigger = cmd.get("trigger_id")
    got = po.receive(
        deps.ctx,
        po.Incoming(
            numbers=" ".join(plain),
            carrier=options["carrier"],
            spid=options.get("spid"),
            pin=options.get("pin"),
            account_number=options.get("account"),
            postal_code=options.get("zip"),
            subscriber_name=options.get("name"),
            foc_date=foc,
        ),
        actor=_actor(deps, _cmd_user(cmd), client),
        source="agent",
        dedupe_key=f"command:incoming:{trigger}" if trigger else None,
    )
    deps.wake()
    lines = [
        f"• `{p.public_id[:10]}` {_numbers_list(list(p.numbers))}: *{p.status.value}*"
        + (f" (rule: {p.rule})" if p.rule else "")
        for p in got.port_outs
    ]
    ack(text="Port-out recorded:\n" + "\n".join(lines))


def _by_id(action: str) -> Any:
    def verb(
        deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
    ) -> None:
        _agent_only(deps, cmd["user_id"], client, f"`{COMMAND} portout {action}`")
        if not args:
            raise InvalidInput(f"Which port-out? Usage: `{COMMAND} portout {action} PO…`")
        actor = _actor(deps, _cmd_user(cmd), client)
        done = (
            po.mark_ported(deps.ctx, args[0], actor=actor)
            if action == "ported"
            else po.cancel(deps.ctx, args[0], actor=actor, reason=" ".join(args[1:]))
        )
        deps.wake()
        ack(text=f"Port-out `{done.public_id[:10]}`: {done.status.value}.")

    return verb


SUBVERBS = {
    "list": list_,
    "authorize": authorize,
    "request": request,
    "pin": pin,
    "lock": lock,
    "unlock": unlock,
    "incoming": incoming,
    "ported": _by_id("ported"),
    "cancel": _by_id("cancel"),
}
