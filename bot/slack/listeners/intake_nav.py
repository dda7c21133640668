"""Moving about the ``/port new`` form: Back, closing it (kept as a draft), and the offer to
continue a kept draft or start over.

Slack modals have no Back of their own. Back is a button on steps 2–4: its ``block_actions``
carries the step's inputs as typed (``view.state.values``), which the service keeps unchecked,
and ``views.update`` (guarded by the view's ``hash``, so a double click moves once) shows the
step before, filled in. A close arrives as ``view_closed`` because the steps set
``notify_on_close``; whatever inputs it carries are kept too, and the form is kept as a draft.
Every handler acks first; the session is looked up as the person's own, as a step is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.porting.errors import NotFound
from bot.services import intake_drafts
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks import intake_form
from bot.slack.deps import SlackDeps, dump_meta, load_meta
from bot.slack.errors import bind, log
from bot.slack.ids import Action

# Where a view's changes may be dropped without fuss: the person closed it, or it changed
# already (a double click, or an answer that got there first).
_STALE = frozenset({"not_found", "hash_conflict"})


def _session(view: dict[str, Any]) -> str:
    """The session of a step's view: its ``private_metadata`` (step 1 carries it as JSON)."""
    meta = load_meta(view)
    return meta.get("session") or ""


def _show(client: WebClient, view: dict[str, Any], shown: Any) -> None:
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=shown)
    except SlackApiError as exc:
        if exc.response.get("error") not in _STALE:
            raise
        log.info("intake view %s not updated: %s", view.get("id"), exc.response.get("error"))


def _refused(client: WebClient, view: dict[str, Any], message: str) -> None:
    _show(client, view, intake_views.error_view(message, None))


def back(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Back on steps 2–4: keep what the step holds now and show the one before."""
    ack()
    view = body["view"]
    step = intake_form.STEP_OF.get(view.get("callback_id", ""), 0)
    try:
        form = intake_drafts.go_back(
            deps.ctx,
            _session(view),
            body["user"]["id"],
            step=step,
            typed=intake_form.typed_in(view),
        )
    except NotFound as exc:
        _refused(client, view, exc.message)
        return
    _show(client, view, intake_form.step_view(form, today=deps.ctx.today()))


def closed(deps: SlackDeps, ack: Ack, body: dict[str, Any]) -> None:
    """A step closed with Cancel or ×: the form is kept as a draft (or dropped when nothing
    was typed in it). Slack shows nothing for the answer, so there is nothing to say."""
    ack()
    view = body["view"]
    session_id = _session(view)
    if not session_id:  # the first step of a form not started yet: nothing to keep
        return
    intake_drafts.close(
        deps.ctx,
        session_id,
        body["user"]["id"],
        step=intake_form.STEP_OF[view.get("callback_id", "")],
        typed=intake_form.typed_in(view),
    )


def continue_draft(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """ "Continue where I stopped": the kept draft's step, as it was."""
    ack()
    view = body["view"]
    try:
        form = intake_drafts.resume(deps.ctx, body["actions"][0]["value"], body["user"]["id"])
    except NotFound as exc:
        _refused(client, view, exc.message)
        return
    _show(client, view, intake_form.step_view(form, today=deps.ctx.today()))


def start_over(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """ "Start over": the kept draft goes, and the form begins at its first step."""
    ack()
    view = body["view"]
    try:
        intake_drafts.discard(deps.ctx, body["actions"][0]["value"], body["user"]["id"])
    except NotFound as exc:
        _refused(client, view, exc.message)
        return
    meta = load_meta(view)
    fresh = dump_meta(team=meta.get("team", ""), channel=meta.get("channel", ""))
    _show(client, view, intake_views.agreement_step(fresh))


ACTIONS: dict[Action, Callable[..., None]] = {
    Action.NEW_BACK: back,
    Action.NEW_CONTINUE: continue_draft,
    Action.NEW_START_OVER: start_over,
}


def register(app: App, deps: SlackDeps) -> None:
    for action, handler in ACTIONS.items():
        app.action(action)(bind(handler, deps))
    for callback_id in intake_form.STEP_OF:
        app.view({"type": "view_closed", "callback_id": callback_id})(bind(closed, deps))
