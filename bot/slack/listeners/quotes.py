"""The fee quote in Slack: ``/port quote SID AMOUNT CURRENCY [--per-number] [--note TEXT]``
for the porting team, and the Accept and Decline buttons under the quote in the thread.

The buttons name the request by SID, resolved as the person who pressed them may see it; the
service checks that the request still waits for an answer (a second press is told so)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import services as svc
from bot.porting.errors import InvalidInput
from bot.porting.quotes import money
from bot.services import quotes
from bot.slack.blocks import quotes as quote_blocks
from bot.slack.blocks.text import escape
from bot.slack.deps import SlackDeps
from bot.slack.errors import bind
from bot.slack.ids import COMMAND, Action
from bot.slack.text_typed import typed
from bot.wording import quotes as words

USAGE = f"`{COMMAND} quote SID AMOUNT CURRENCY [--per-number] [--note TEXT]`"
ANSWERS = ("accept", "decline")


def _parse(args: list[str]) -> tuple[str, str, str, bool, str]:
    """``SID AMOUNT CURRENCY [--per-number] [--note TEXT…]`` (the note runs to the end)."""
    per_number, note, rest = False, "", []
    i = 0
    while i < len(args):
        word = args[i]
        if word.lower() == "--per-number":
            per_number = True
        elif word.lower() == "--note":
            note = " ".join(args[i + 1 :])
            break
        else:
            rest.append(word)
        i += 1
    if len(rest) != 3:
        raise InvalidInput(
            f"Usage: {USAGE}, for example `{COMMAND} quote PR1a2b3c4d 12.50 EUR --per-number`."
        )
    return rest[0], rest[1], rest[2], per_number, note


def quote_verb(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    """``/port quote …`` (agents only: the command router checks the role first);
    ``/port quote accept|decline SID [reason]`` records the customer's answer given elsewhere
    (by e-mail, on the phone)."""
    if args and args[0].lower() in ANSWERS:
        _record_answer(deps, ack, cmd, client, args)
        return
    query, amount, currency, per_number, note = _parse(args)
    viewer = deps.viewer(cmd["user_id"], cmd.get("team_id", ""), cmd.get("channel_id"), client)
    snap = svc.find(deps.ctx, query, viewer)
    actor = deps.actor({"id": cmd["user_id"], "name": cmd.get("user_name", "")}, client)
    trigger = cmd.get("trigger_id")
    done = quotes.send_quote(
        deps.ctx,
        snap.sid,
        amount,
        currency,
        actor=actor,
        per_number=per_number,
        note=typed(note),
        key=f"command:quote:{trigger}" if trigger else None,
    )
    deps.wake()
    quote = words.quote_of(done.request)
    assert quote is not None
    ack(
        text=f"Quote sent for {done.sid}: {escape(words.price(quote))}. The customer answers "
        f"in the request's thread; no answer by {escape(words.deadline(quote, 'UTC'))} counts "
        "as acceptance."
    )


def _record_answer(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    if len(args) < 2:
        raise InvalidInput(f"Which request? Usage: `{COMMAND} quote {args[0].lower()} SID`")
    viewer = deps.viewer(cmd["user_id"], cmd.get("team_id", ""), cmd.get("channel_id"), client)
    snap = svc.find(deps.ctx, args[1], viewer)
    actor = deps.actor({"id": cmd["user_id"], "name": cmd.get("user_name", "")}, client)
    trigger = cmd.get("trigger_id")
    key = f"command:quote-{args[0].lower()}:{trigger}" if trigger else None
    if args[0].lower() == "accept":
        done = quotes.accept_quote(deps.ctx, snap.sid, actor=actor, key=key)
        said = f"Recorded: the customer accepted the quote for {done.sid}; it is back in review."
    else:
        reason = typed(" ".join(args[2:]))
        done = quotes.decline_quote(deps.ctx, snap.sid, actor=actor, reason=reason, key=key)
        said = f"Recorded: the customer declined the quote; {done.sid} is cancelled."
    deps.wake()
    ack(text=said)


def _answer(
    deps: SlackDeps, body: dict[str, Any], client: WebClient, respond: Respond, accept: bool
) -> None:
    channel = (body.get("channel") or {}).get("id", "")
    viewer = deps.viewer_of(body, channel, client)
    snap = svc.find(deps.ctx, body["actions"][0]["value"], viewer)
    actor = deps.actor(body["user"], client)
    key = f"quote:{snap.sid}:{body['actions'][0].get('action_ts', '')}"
    if accept:
        done = quotes.accept_quote(deps.ctx, snap.sid, actor=actor, key=key)
    else:
        done = quotes.decline_quote(deps.ctx, snap.sid, actor=actor, key=key)
    deps.wake()
    quote = words.quote_of(done.request)
    price = money(quote.amount, quote.currency) if quote else "the fee"
    text = (
        f"Thanks — you accepted the quote ({escape(price)}). Our porting team reviews "
        f"{done.sid} within a business day and sends it to the carrier."
        if accept
        else f"You declined the quote; {done.sid} is cancelled and nothing went to the carrier."
    )
    message = body.get("message") or {}
    if message.get("text"):  # the quote's own message: the answer replaces its buttons
        tz = deps.ctx.calendar.timezone
        respond(
            replace_original=True,
            **quote_blocks.answered_message(done.request, message["text"], tz),
        )
    respond(text=text, response_type="ephemeral", replace_original=False)


def accept(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    _answer(deps, body, client, respond, accept=True)


def decline(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    _answer(deps, body, client, respond, accept=False)


ACTIONS: dict[Action, Callable[..., None]] = {
    Action.QUOTE_ACCEPT: accept,
    Action.QUOTE_DECLINE: decline,
}


def register(app: App, deps: SlackDeps) -> None:
    for action, handler in ACTIONS.items():
        app.action(action)(bind(handler, deps))
