"""What the demo's later parts share: who and where (:class:`Cast`), and a :class:`Stage` that
acts as a person would (slash commands, modals, button presses over signed HTTP) and reads
back, as transcript lines, what the simulated Slack and Zendesk received."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.sandbox import render
from bot.sandbox.demo_port_outs import Printer
from bot.sandbox.demo_time import FastForward
from bot.sandbox.slack_driver import SlackDriver
from bot.sandbox.slack_sim import SlackSimulator
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.services.base import Context


@dataclass(frozen=True)
class Cast:
    """Who and where: a customer in their account's channel, and the porting team."""

    customer: str
    channel: str
    agent: str
    agents: str
    names: Mapping[str, str]

    def name(self, slack_id: str) -> str:
        return self.names.get(slack_id, slack_id)


@dataclass
class Stage:
    t: Printer
    sim: SlackSimulator
    driver: SlackDriver
    ff: FastForward
    ctx: Context
    zendesk: ZendeskSimulator
    cast: Cast

    # ------------------------------------------------------------------ acting
    def customer(self, text: str, channel: str | None = None) -> Any:
        """The customer types ``/port <text>`` (in their channel unless told otherwise)."""
        return self.driver.command(
            "/port", text, user_id=self.cast.customer, channel_id=channel or self.cast.channel
        )

    def agent(self, text: str) -> Any:
        """The agent types ``/port <text>`` in the porting team's channel."""
        return self.driver.command(
            "/port", text, user_id=self.cast.agent, channel_id=self.cast.agents
        )

    def expect(self, method: str, act: Callable[[], Any]) -> None:
        """Act, then wait until Slack receives ``method`` (portbot acks first, works after)."""
        before = len(self.sim.calls_to(method))
        act()
        self.sim.wait_for(method, count=before + 1, timeout=10)

    def modal(self, user: str | None = None) -> dict[str, Any]:
        """The modal open for ``user`` (the customer by default)."""
        stack = self.sim.view_stack(user or self.cast.customer)
        view = self.sim.current_view(stack[-1]) if stack else None
        if view is None:
            raise RuntimeError("the demo expected a modal to be open")
        return view

    def submit(self, values: dict[str, Any], user: str | None = None) -> None:
        """The modal's submit button is pressed; portbot must take it."""
        who = user or self.cast.customer
        answer = self.driver.view_submission(self.modal(who), values, who)
        errors = (answer.json or {}).get("errors") if answer.view_error is None else None
        if answer.view_error or errors:
            raise RuntimeError(f"portbot refused the demo's modal: {answer.view_error or errors}")

    # ------------------------------------------------------------------ reading back
    def modal_lines(self, *, limit: int) -> list[str]:
        """The open modal's title and its first ``limit`` lines (0: the title alone)."""
        view = self.modal()
        title = f"« {view.get('title', {}).get('text', '')} »"
        shown = render.blocks(view.get("blocks"), self.cast.name, limit=limit) if limit else []
        return [title, *shown]

    def blocks(self, message: Mapping[str, Any], *, limit: int = 10) -> list[str]:
        return render.blocks(message.get("blocks"), self.cast.name, limit=limit)

    def said(self, answer: Any) -> list[str]:
        """What a slash command answered, as the person who typed it saw it."""
        data = answer.json
        if data and data.get("blocks"):
            return render.blocks(data["blocks"], self.cast.name, limit=10)
        return [render.mrkdwn(data.get("text", "") if data else answer.text, self.cast.name)]

    def ticket_of(self, needle: str) -> dict[str, Any]:
        """The Zendesk ticket that names ``needle`` (delivering until it exists)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for ticket in self.zendesk.tickets():
                if needle in json.dumps(ticket):
                    return ticket
            self.ff.deliver()
            time.sleep(0.02)
        raise RuntimeError(f"the demo expected a Zendesk ticket for {needle}")

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        found = self.zendesk.ticket(ticket_id)
        if found is None:
            raise RuntimeError(f"the demo expected Zendesk ticket #{ticket_id}")
        return found

    def ticket_lines(self, ticket: dict[str, Any], *, comments: int = 2) -> list[str]:
        """A ticket's subject, status and tags, and its last ``comments`` comments."""
        lines = [
            f"subject: {ticket['subject']}",
            f"status: {ticket.get('status')}; tags: {', '.join(sorted(ticket['tags']))}",
        ]
        for comment in self.zendesk.comments(ticket["id"])[-comments:]:
            lines += comment_lines(comment)
        return lines


def comment_lines(comment: Mapping[str, Any]) -> list[str]:
    kind = "public reply" if comment["public"] else "internal note"
    files = ", ".join(a["file_name"] for a in comment.get("attachments") or ())
    body = str(comment["body"]).strip().splitlines()
    head = f"[{kind}] " + (body[0] if body else "")
    rest = [f"    {line}" for line in body[1:6] if line.strip()]
    return [head, *rest] + ([f"    attached: {files}"] if files else [])


def label(view: Mapping[str, Any], block_id: str) -> str:
    """The label of a modal's input block (its id when it has none)."""
    for block in view.get("blocks") or []:
        if block.get("block_id") == block_id and block.get("label"):
            return str(block["label"]["text"])
    return block_id


def button_value(message: Mapping[str, Any], action: str) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action:
                return str(element.get("value") or "")
    raise RuntimeError(f"the demo expected a {action} button")


def reply(lines: list[str]) -> list[str]:
    """One thread reply: an arrow before its first line."""
    return [("↳ " if i == 0 else "  ") + line for i, line in enumerate(lines)]


def when(instant: datetime, calendar: Any) -> str:
    """``Wed Dec 9 15:30 CET``: an instant in ``calendar``'s zone."""
    local = instant.astimezone(calendar.tz)
    return f"{local:%a %b %-d %H:%M %Z}"


_SID = re.compile(r"PR[0-9a-f]{32}")


def has_sid(message: Mapping[str, Any]) -> bool:
    """Whether a message names a port request by its SID (a request card does)."""
    return bool(_SID.search(json.dumps(message.get("blocks") or [])))


def sid_of(message: Mapping[str, Any]) -> str:
    found = _SID.search(json.dumps(message.get("blocks") or []))
    if found is None:
        raise RuntimeError("the demo expected the card to name its request")
    return found.group(0)


def page_lines(page: str) -> list[str]:
    """A web page's lines after its title."""
    lines = render.html_lines(page)
    return lines[1:] if len(lines) > 1 else lines


def open_in_both(ctx: Context, country: Any, start: date, days: int) -> date:
    """``days`` business days of ``country`` after ``start``, moved on to a day open in both
    that calendar and the porting team's."""
    day = country.add_business_days(start, days)
    while not (country.is_business_day(day) and ctx.calendar.is_business_day(day)):
        day += timedelta(days=1)
    return day


def business_days(calendar: Any, start: datetime, end: datetime) -> tuple[list[str], list[str]]:
    """The business days of ``calendar`` after ``start``'s date, up to ``end``'s, and the
    holidays skipped on the way (weekdays, with their names)."""
    first, last = calendar.local_date(start), calendar.local_date(end)
    days, holidays, day = [], [], first + timedelta(days=1)
    while day <= last:
        if calendar.is_business_day(day):
            days.append(f"{day:%a %-d}")
        elif day.weekday() < 5 and (name := calendar.holiday_name(day)):
            holidays.append(f"{day:%a %b %-d} ({name})")
        day += timedelta(days=1)
    return days, holidays


def at_hour(day: date, hour: int, calendar: Any) -> datetime:
    """``hour`` o'clock on ``day`` in ``calendar``'s zone."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=calendar.tz)
