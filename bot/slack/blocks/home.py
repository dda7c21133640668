"""The App Home tab: a way to start, the person's requests, and the agents' queue."""

from __future__ import annotations

from datetime import date, timedelta

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.services.search import Filters, RequestPage
from bot.slack import ids
from bot.slack.blocks import lists
from bot.slack.blocks.text import (
    MAX_BLOCKS_MODAL,
    context,
    escape,
    mrkdwn,
    request_status,
    section,
    short_day,
    short_sid,
    truncate,
)
from bot.wording.formats import plural
from bot.wording.requests import next_step
from storage.models import PortRequest
from storage.values import RequestStatus

__all__ = ["HOME_MAX_REQUESTS", "UPCOMING_DAYS", "home_view"]

HOME_MAX_REQUESTS = 20
UPCOMING_DAYS = 7
_UPCOMING_MAX = 25


def _request_block(req: PortRequest) -> SectionBlock:
    name = escape(truncate(req.name, 80)) if req.name else "Port request"
    if req.status is RequestStatus.DRAFT:
        button = ButtonElement(
            text="Add the bill", action_id=ids.Action.RESUME, value=req.sid, style="primary"
        )
    else:
        button = ButtonElement(text="Details", action_id=ids.Action.STATUS, value=req.sid)
    step = mrkdwn(next_step(req))
    text = f"*{name}* `{short_sid(req.sid)}`\n{request_status(req.status)}\n{step}"
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000)), accessory=button)


def _queue_blocks(
    queues: dict[RequestStatus, int] | None,
    upcoming: list[tuple[date, PortRequest]] | None,
    today: date,
) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Porting team")]
    counts = queues or {}
    open_statuses = [s for s in RequestStatus if not s.final]
    fields = [
        MarkdownTextObject(text=f"{request_status(s)}\n*{counts.get(s, 0):,}*")
        for s in open_statuses
    ]
    blocks.append(section("*Open requests by status*"))
    blocks.append(SectionBlock(fields=fields[:10]))
    until = today + timedelta(days=UPCOMING_DAYS)
    soon = sorted(
        ((d, r) for d, r in (upcoming or []) if today <= d <= until),
        key=lambda item: (item[0], item[1].sid),
    )
    heading = f"*Port dates in the next {plural(UPCOMING_DAYS, 'day')}*"
    if soon:
        lines = [
            f"• {short_day(d, today=today)} · `{short_sid(r.sid)}` "
            f"{escape(truncate(r.name, 60)) if r.name else 'Port request'} · "
            f"{escape(truncate(r.losing_carrier, 40)) or 'carrier unknown'}"
            for d, r in soon[:_UPCOMING_MAX]
        ]
        if len(soon) > _UPCOMING_MAX:
            lines.append(f"…and {len(soon) - _UPCOMING_MAX} more.")
        text = heading + "\n" + "\n".join(lines)
    else:
        text = heading + "\nNone scheduled."
    blocks.append(section(text))
    return blocks


def _page_blocks(page: RequestPage, carriers: list[str], *, is_agent: bool) -> list[Block]:
    """The list a page at a time: its title and total, a row per request with its button,
    then Previous/Next, the status and carrier menus and (porting team) the CSV export."""
    title = lists.title_of(page.filters, home_customer=not is_agent)
    blocks: list[Block] = [section(f"*{escape(title)}* · {lists.where_text(page)}")]
    blocks.extend(_request_block(r) for r in page.rows)
    if not page.rows and page.filters == Filters() and not is_agent:
        blocks.append(
            section(
                "You have no open port requests. Press *New port request* to start one; "
                "pick *All requests* below to see finished ones."
            )
        )
    elif not page.rows:
        blocks.append(section("No requests match. Pick another status or carrier below."))
    blocks.append(lists.controls(page, carriers, export=is_agent))
    return blocks


def home_view(
    *,
    mine: list[PortRequest],
    is_agent: bool,
    queues: dict[RequestStatus, int] | None,
    upcoming: list[tuple[date, PortRequest]] | None,
    today: date,
    port_outs: list[Block] | None = None,
    requests: RequestPage | None = None,
    carriers: list[str] | None = None,
) -> View:
    """``port_outs``: the open port-out windows and waiting port-outs of the person's accounts
    (``bot.slack.blocks.port_outs.windows_blocks``), shown when there are any. ``requests``:
    the list a page at a time with its controls (``carriers`` for its menu), shown instead of
    ``mine`` (the first open requests the person opened)."""
    start = ButtonElement(
        text="New port request", action_id=ids.Action.NEW, value="new", style="primary"
    )
    blocks: list[Block] = [
        HeaderBlock(text="Phone number porting"),
        SectionBlock(
            text=MarkdownTextObject(
                text="Bring your phone numbers over from your current carrier. We collect "
                "what the carriers need, send the authorization letter for signature and "
                "keep you posted until the numbers arrive."
            ),
            accessory=start,
        ),
        DividerBlock(),
    ]
    if requests is not None:
        blocks.extend(_page_blocks(requests, carriers or [], is_agent=is_agent))
    elif mine:
        blocks.append(section("*Your requests*"))
        blocks.extend(_request_block(r) for r in mine[:HOME_MAX_REQUESTS])
        if len(mine) > HOME_MAX_REQUESTS:
            more = len(mine) - HOME_MAX_REQUESTS
            blocks.append(context(f"…and {more} more. See them all with `/port list all`."))
    else:
        blocks.append(section("*Your requests*"))
        blocks.append(
            section("You have no port requests yet. Press *New port request* to start one.")
        )
    if port_outs:
        blocks.append(DividerBlock())
        blocks.extend(port_outs)
    if is_agent:
        blocks.extend(_queue_blocks(queues, upcoming, today))
    blocks.append(context("Type `/port help` in any channel to see everything `/port` can do."))
    return View(type="home", blocks=blocks[:MAX_BLOCKS_MODAL])
