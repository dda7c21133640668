"""The one error handler of the Slack app, applied to every listener.

A :class:`DomainError` is a rule saying no: its message goes to the person, where they are.
Anything else is our fault: the person gets a short reference, and the log gets the same
reference with the traceback. Nothing of the request (PINs included) is logged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import trace
from bot.porting.errors import DomainError
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks.text import escape
from bot.slack.deps import SlackDeps

log = logging.getLogger("bot.slack")


def new_ref() -> str:
    """The reference a person quotes: the id of the request being served, which every log
    line of that request carries (``bot.trace``); a fresh one outside a request."""
    return trace.current() or trace.new_id()


def unexpected_text(ref: str) -> str:
    return (
        f"Something went wrong on our side, sorry. Please try again; if it keeps happening, "
        f"tell the porting team the reference {ref}."
    )


def _reply(kwargs: dict[str, Any], message: str, *, ref: str | None = None) -> None:
    """``message`` (plain text: a domain error may quote what someone typed) where the person
    acted: on the modal (whose builder escapes it), else as Slack text, escaped here."""
    ack = kwargs.get("ack")
    text = escape(message)
    # Bolt passes only what a listener declares: a command listener may have ``command``
    # (the same dict as the body) and no ``body``.
    body = kwargs.get("body") or kwargs.get("command") or {}
    if ack is not None and ack.response is None:  # not acked yet
        if body.get("type") == "view_submission":
            ack(response_action="update", view=intake_views.error_view(message, ref))
            return
        if body.get("command"):
            ack(text=text)
            return
        ack()
    respond = kwargs.get("respond")
    try:
        if respond is not None and (body.get("response_url") or body.get("response_urls")):
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        client, user = kwargs.get("client"), (body.get("user") or {}).get("id")
        channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
        if client is not None and user and channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        log.warning("could not tell the user about an error: %s", exc.response.get("error"))


def guarded(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Bolt listener (Bolt reads the wrapped function's parameter names)."""
    name = getattr(listener, "__name__", None) or getattr(listener, "func", listener).__name__

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return listener(**kwargs)
        except DomainError as exc:
            _reply(kwargs, exc.message)
        except Exception:
            ref = new_ref()
            log.exception("unexpected error in %s (ref %s)", name, ref)
            _reply(kwargs, unexpected_text(ref), ref=ref)
        return None

    wrapper.__name__ = name
    return wrapper


def bind(handler: Callable[..., Any], deps: SlackDeps) -> Callable[..., Any]:
    """A module-level handler ``handler(deps, ack, body, …)`` as a Bolt listener, inside the
    error guard. Bolt injects arguments by the names it reads from the listener's signature;
    a partial keeps the handler's names after ``deps``."""
    return guarded(functools.partial(handler, deps))
