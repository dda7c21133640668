"""Lists of requests a page at a time (``/port list`` and the App Home) and ``/port find``'s
answer: the total, the page, Previous/Next, and menus for the status and the carrier.

The controls carry what the list shows (:class:`ListState`: status, carrier, page) in their
values and in the block id of their row, never who may see it: each press is answered as the
person who pressed it may see the requests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    Option,
    StaticSelectElement,
)

from bot.porting.numbers import format_display
from bot.services.search import Filters, Found, RequestPage
from bot.slack import ids
from bot.slack.blocks.text import context, escape, request_status, section, truncate
from bot.wording.formats import plural, short_day, short_sid
from storage.models import PortRequest
from storage.values import RequestStatus

ROWS_PER_SECTION = 10
_STATE_PREFIX = "port-list:"
_ANY_CARRIER = "*"
_OPTION_TEXT = 75  # Slack: an option's text


@dataclass(frozen=True)
class ListState:
    """What a list shows; kept in its controls. ``load`` forgives anything (a tampered or old
    value gives the first page of open requests): it decides nothing about visibility."""

    which: str = "open"
    carrier: str = ""
    page: int = 1

    def dump(self) -> str:
        data = {"w": self.which, "c": self.carrier[:120], "p": self.page}
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def load(cls, raw: str | None) -> ListState:
        try:
            data = json.loads((raw or "").removeprefix(_STATE_PREFIX) or "{}")
            which, carrier, page = str(data.get("w", "open")), str(data.get("c", "")), data["p"]
            return cls(which, carrier, max(1, int(page)))
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()

    @property
    def block_id(self) -> str:
        return _STATE_PREFIX + self.dump()


def title_of(flt: Filters, *, home_customer: bool = False) -> str:
    if flt.which == "open":
        title = "Your open requests" if home_customer else "Open port requests"
    elif flt.which == "all":
        title = "All your requests" if home_customer else "All port requests"
    else:
        title = f"Requests: {RequestStatus(flt.which).label}"
    return f"{title} from {flt.carrier}" if flt.carrier else title


def _row(req: PortRequest, counts: dict[str, int], today: date | None) -> str:
    parts = [f"`{short_sid(req.sid)}`", escape(truncate(req.name, 40)) if req.name else "—"]
    parts.append(request_status(req.status))
    if req.sid in counts:
        parts.append(plural(counts[req.sid], "number"))
    if req.losing_carrier:
        parts.append(escape(truncate(req.losing_carrier, 40)))
    if req.foc_date:
        parts.append(f"port {short_day(req.foc_date, today=today)}")
    return " · ".join(parts)


def rows_blocks(rows: list[PortRequest], counts: dict[str, int], today: date | None) -> list[Block]:
    lines = [_row(r, counts, today) for r in rows]
    return [
        section("\n".join(lines[start : start + ROWS_PER_SECTION]))
        for start in range(0, len(lines), ROWS_PER_SECTION)
    ]


def _status_menu(which: str) -> StaticSelectElement:
    options = [Option(text="Open requests", value="open"), Option(text="All requests", value="all")]
    options += [Option(text=s.label, value=s.value) for s in RequestStatus]
    chosen = next((o for o in options if o.value == which), options[0])
    return StaticSelectElement(
        action_id=ids.Action.LIST_STATUS,
        placeholder="Status",
        options=options,
        initial_option=chosen,
    )


def _carrier_menu(carrier: str, carriers: list[str]) -> StaticSelectElement | None:
    names = list(dict.fromkeys(carriers))
    if carrier and carrier not in names:
        names.insert(0, carrier)
    if not names:
        return None
    options = [Option(text="Any carrier", value=_ANY_CARRIER)]
    options += [Option(text=truncate(n, _OPTION_TEXT), value=n[:150]) for n in names[:99]]
    chosen = next((o for o in options if carrier and o.value == carrier), options[0])
    return StaticSelectElement(
        action_id=ids.Action.LIST_CARRIER,
        placeholder="Carrier",
        options=options,
        initial_option=chosen,
    )


def controls(page: RequestPage, carriers: list[str], *, export: bool = False) -> ActionsBlock:
    """Previous/Next, the status and carrier menus and, for the porting team on the App Home,
    the CSV export. The row's block id holds the list's state, for the menus."""
    state = ListState(page.filters.which, page.filters.carrier or "", page.page)
    elements: list[Any] = []
    if page.has_previous:
        back = ListState(state.which, state.carrier, page.page - 1)
        elements.append(
            ButtonElement(text="Previous", action_id=ids.Action.LIST_PREVIOUS, value=back.dump())
        )
    if page.has_next:
        on = ListState(state.which, state.carrier, page.page + 1)
        elements.append(ButtonElement(text="Next", action_id=ids.Action.LIST_NEXT, value=on.dump()))
    elements.append(_status_menu(state.which))
    if (menu := _carrier_menu(state.carrier, carriers)) is not None:
        elements.append(menu)
    if export:
        elements.append(
            ButtonElement(text="Export CSV", action_id=ids.Action.EXPORT_CSV, value=state.dump())
        )
    return ActionsBlock(block_id=state.block_id, elements=elements)


def where_text(page: RequestPage) -> str:
    if not page.total:
        return "No requests."
    if page.pages == 1:
        return f"{plural(page.total, 'request')} in all."
    return (
        f"Page {page.page} of {page.pages:,} · requests {page.first:,}–{page.last:,} "
        f"of {page.total:,}."
    )


def list_blocks(
    page: RequestPage, *, carriers: list[str], today: date | None = None
) -> list[Block]:
    """``/port list``'s ephemeral answer."""
    title = title_of(page.filters)
    blocks: list[Block] = [section(f"*{escape(title)}* · {where_text(page)}")]
    if page.rows:
        blocks += rows_blocks(page.rows, page.number_counts, today)
    elif page.filters == Filters():
        blocks.append(section("Nothing open. Start a request with `/port new`."))
    else:
        blocks.append(section("No requests match. Pick another status or carrier below."))
    blocks.append(controls(page, carriers))
    blocks.append(
        context(
            "See one in full with `/port status ID`; the first 10 characters do. "
            "Look one up by number, carrier or company with `/port find`."
        )
    )
    return blocks


def found_blocks(found: Found, *, today: date | None = None) -> list[Block]:
    """``/port find``'s answer: how many matched, the newest of them, how to narrow down."""
    what = escape(truncate(found.query, 60))
    if found.number:
        what = f"{escape(format_display(found.number))}"
    if not found.total:
        return [
            section(
                f"Nothing matches *{what}* among the requests you can see. Try part of a "
                "number, the first characters of the ID, a carrier or a company."
            )
        ]
    head = f"*{plural(found.total, 'request')} {'matches' if found.total == 1 else 'match'}*"
    blocks: list[Block] = [section(f"{head} *{what}*")]
    blocks += rows_blocks(found.rows, found.number_counts, today)
    if found.total > len(found.rows):
        blocks.append(
            context(
                f"Showing the newest {len(found.rows)} of {found.total:,}. Type more to narrow "
                "it down, or page through them with `/port list`."
            )
        )
    blocks.append(context("See one in full with `/port status ID`."))
    return blocks


def chosen_value(action: dict[str, Any]) -> str:
    """The value a menu or button sent (``*`` for "Any carrier" becomes empty)."""
    value = str((action.get("selected_option") or {}).get("value") or action.get("value") or "")
    return "" if value == _ANY_CARRIER else value
