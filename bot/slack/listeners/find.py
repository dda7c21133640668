"""Finding requests in Slack: ``/port list`` a page at a time, ``/port find``, the list's
Previous/Next and menus (in the ephemeral answer and on the App Home), and the porting team's
CSV export from the App Home.

Every press is answered as the person who pressed it may see the requests (their role is
asked again each time); the controls carry only what the list shows.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.porting.errors import InvalidInput
from bot.services.export import write_csv
from bot.services.home import home
from bot.services.port_outs.overview import accounts_for, overview
from bot.services.search import (
    Filters,
    carrier_choices,
    filters,
    find_requests,
    list_page,
)
from bot.slack.blocks import home as home_views
from bot.slack.blocks import lists
from bot.slack.blocks import port_outs as port_out_views
from bot.slack.blocks.text import escape
from bot.slack.deps import SlackDeps, team_of
from bot.slack.errors import bind
from bot.slack.ids import COMMAND, Action
from bot.slack.text_typed import typed
from bot.wording.formats import plural

LIST_USAGE = f"`{COMMAND} list [open|all|<status>] [--carrier NAME] [--page N]`"


def parse_list_args(args: list[str]) -> tuple[Filters, int]:
    """``[status] [--carrier NAME…] [--page N]`` (a carrier's name may have spaces)."""
    which: str | None = None
    carrier: list[str] = []
    page, i = 1, 0
    while i < len(args):
        word = args[i]
        if word.lower() == "--carrier":
            i += 1
            while i < len(args) and not args[i].startswith("--"):
                carrier.append(args[i])
                i += 1
            if not carrier:
                raise InvalidInput(f"Which carrier? Usage: {LIST_USAGE}")
            continue
        if word.lower() == "--page":
            if i + 1 >= len(args) or not args[i + 1].isdigit() or int(args[i + 1]) < 1:
                raise InvalidInput(f"--page takes a page number, such as `--page 2`. {LIST_USAGE}")
            page, i = int(args[i + 1]), i + 2
            continue
        if word.startswith("--") or which is not None:
            raise InvalidInput(f"I don't understand “{escape(word[:40])}”. Usage: {LIST_USAGE}")
        which, i = word, i + 1
    return filters(which, typed(" ".join(carrier))), page


def _command_viewer(deps: SlackDeps, cmd: dict[str, Any], client: WebClient) -> Any:
    return deps.viewer(cmd["user_id"], cmd.get("team_id", ""), cmd.get("channel_id"), client)


def list_verb(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    """``/port list``: a page of the requests this person may see, with the total."""
    flt, number = parse_list_args(args)
    viewer = _command_viewer(deps, cmd, client)
    page = list_page(deps.ctx, viewer, flt, page=number)
    carriers = carrier_choices(deps.ctx, viewer, flt)
    text = f"{lists.title_of(flt)}: {lists.where_text(page)}"
    ack(text=text, blocks=lists.list_blocks(page, carriers=carriers, today=deps.ctx.today()))


def find_verb(
    deps: SlackDeps, ack: Ack, cmd: dict[str, Any], client: WebClient, args: list[str]
) -> None:
    """``/port find TEXT``: requests by number, ID, carrier, company or name."""
    found = find_requests(deps.ctx, _command_viewer(deps, cmd, client), typed(" ".join(args)))
    text = f"{plural(found.total, 'request')} found"
    ack(text=text, blocks=lists.found_blocks(found, today=deps.ctx.today()))


def publish_home(
    deps: SlackDeps,
    client: WebClient,
    *,
    user: str,
    team: str,
    state: lists.ListState | None = None,
) -> None:
    """Publish ``user``'s App Home, its list at ``state`` (the first page of open requests
    by default)."""
    state = state or lists.ListState()
    is_agent = deps.is_agent(user, client)
    try:
        flt = filters(state.which, state.carrier)
    except InvalidInput:
        flt = Filters()
    page = home(deps.ctx, user_id=user, team_id=team, is_agent=is_agent, flt=flt, page=state.page)
    windows, pending = [], []
    for account in accounts_for(deps.ctx, team_id=team, user_id=user, channel_id=""):
        seen = overview(deps.ctx, team_id=team, account=account)
        windows += seen.windows
        pending += seen.pending
    tz = deps.ctx.calendar.timezone
    port_outs = port_out_views.windows_blocks(windows, pending, tz) if windows or pending else None
    client.views_publish(
        user_id=user,
        view=home_views.home_view(
            mine=page.mine,
            is_agent=is_agent,
            queues=page.queues,
            upcoming=page.upcoming,
            today=page.today,
            port_outs=port_outs,
            requests=page.requests,
            carriers=page.carriers,
        ),
    )


def _on_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def _show(
    deps: SlackDeps,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    state: lists.ListState,
) -> None:
    """The list at ``state``, where it was: the App Home is published again, an ephemeral
    answer is replaced through its ``response_url``."""
    user = body["user"]["id"]
    if _on_home(body):
        publish_home(deps, client, user=user, team=team_of(body), state=state)
        return
    flt = filters(state.which, state.carrier)
    channel = (body.get("channel") or {}).get("id") or None
    viewer = deps.viewer_of(body, channel, client)
    page = list_page(deps.ctx, viewer, flt, page=state.page)
    carriers = carrier_choices(deps.ctx, viewer, flt)
    respond(
        text=f"{lists.title_of(flt)}: {lists.where_text(page)}",
        blocks=lists.list_blocks(page, carriers=carriers, today=deps.ctx.today()),
        response_type="ephemeral",
        replace_original=True,
    )


def turn_page(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """Previous or Next: the button's value is the page to show."""
    ack()
    _show(deps, body, client, respond, lists.ListState.load(body["actions"][0].get("value")))


def pick_status(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    action = body["actions"][0]
    was = lists.ListState.load(action.get("block_id"))
    which = lists.chosen_value(action) or "open"
    _show(deps, body, client, respond, lists.ListState(which, was.carrier, 1))


def pick_carrier(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    action = body["actions"][0]
    was = lists.ListState.load(action.get("block_id"))
    _show(deps, body, client, respond, lists.ListState(was.which, lists.chosen_value(action), 1))


def export_csv(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """The porting team's CSV of the list as filtered, built after the ack and sent to the
    person's DM with the app (``files.uploadV2``)."""
    ack()
    user = body["user"]["id"]
    if not deps.is_agent(user, client):
        raise InvalidInput("Only the porting team can export requests.")
    state = lists.ListState.load(body["actions"][0].get("value"))
    try:
        flt = filters(state.which, state.carrier)
    except InvalidInput:
        flt = Filters()
    out = io.StringIO()
    count = write_csv(deps.ctx, out, flt=flt)
    today = deps.ctx.today()
    dm = client.conversations_open(users=user)["channel"]["id"]
    title = lists.title_of(flt)
    client.files_upload_v2(
        channel=dm,
        content=out.getvalue().encode("utf-8"),
        filename=f"port-requests-{flt.which}-{today:%Y-%m-%d}.csv",
        title=f"{title} ({today:%Y-%m-%d})",
        initial_comment=f"{escape(title)}: {plural(count, 'request')}, newest first.",
    )


HANDLERS: dict[Action, Callable[..., None]] = {
    Action.LIST_PREVIOUS: turn_page,
    Action.LIST_NEXT: turn_page,
    Action.LIST_STATUS: pick_status,
    Action.LIST_CARRIER: pick_carrier,
    Action.EXPORT_CSV: export_csv,
}


def register(app: App, deps: SlackDeps) -> None:
    for action, handler in HANDLERS.items():
        app.action(action)(bind(handler, deps))
