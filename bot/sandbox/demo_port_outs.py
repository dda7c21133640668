"""``portbot demo``, part two: the ported numbers leave again, or are kept.

Played after the port-in journey, when #acme-telecom holds its numbers: the customer opens a
port-out window and a port-out inside it is authorized at once and marked ported; another one,
outside any window, waits for an answer nobody gives and is authorized at its deadline; a third
number is locked and protected with a PIN, and a port-out quoting the wrong PIN is rejected.
Everything goes through the real surfaces (signed Slack requests, the outbox, the reminder
sweep); the transcript shows what each person saw. The PINs typed are never printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.porting.numbers import format_display
from bot.sandbox import render
from bot.sandbox.demo_time import FastForward, Landed
from bot.sandbox.slack_driver import SlackDriver
from bot.sandbox.slack_sim import SlackSimulator
from bot.services import port_outs as po
from bot.services.base import Context
from bot.slack.ids import Action, Block

CARRIER = "Greenfield Wireless"
PIN = "90417263"  # casey's port-out PIN, set in the modal (never printed)
WRONG_PIN = "31415926"  # what the carrier quotes (never printed either)
SPARE = "+16172531002"  # registered by the porting team when the port-in brought fewer than 3


class Printer(Protocol):
    """The demo's transcript (``bot.sandbox.demo.Transcript``)."""

    def step(self, who: str, did: str) -> None: ...

    def saw(self, lines: list[str] | str) -> None: ...

    def note(self, text: str) -> None: ...


@dataclass(frozen=True)
class Cast:
    """Who and where, as the first part of the demo set them up in the simulated Slack."""

    customer: str
    agent: str
    channel: str
    agents: str
    names: Mapping[str, str]

    def name(self, slack_id: str) -> str:
        return self.names.get(slack_id, slack_id)


def play(
    t: Printer,
    sim: SlackSimulator,
    driver: SlackDriver,
    ff: FastForward,
    ctx: Context,
    cast: Cast,
) -> None:
    """Port-outs: a window and a port-out inside it, one decided at its deadline, one refused
    for a wrong PIN on a locked number."""
    day = ctx.calendar.add_business_days(ctx.today(), 1)
    morning = datetime(day.year, day.month, day.day, 10, tzinfo=ctx.calendar.tz)
    t.step("⏩ the clock", f"jumps to {day:%a %b %-d}, 10:00. Part two: port-outs")
    ff.until(morning)
    part = _Part(t, sim, driver, ff, ctx, cast)
    first, second, third = part.numbers()
    part.window(first)
    part.inside_window(first)
    part.at_deadline(second)
    part.wrong_pin(third)


@dataclass
class _Part:
    t: Printer
    sim: SlackSimulator
    driver: SlackDriver
    ff: FastForward
    ctx: Context
    cast: Cast

    # ------------------------------------------------------------------ the steps
    def numbers(self) -> list[str]:
        """Three numbers #acme-telecom holds (one registered by the agent if need be)."""
        held = self._held()
        if len(held) < 3:
            shown = _typed(SPARE)
            where = f"<#{self.cast.channel}|{self.cast.name(self.cast.channel)}>"
            self.t.step(
                "avery (agent)",
                f"registers the office line: `/port numbers add {shown} --channel "
                f"#{self.cast.name(self.cast.channel)}`",
            )
            self.t.saw(self._said(self._agent(f"numbers add {shown} --channel {where}")))
            held = self._held()
        self.t.step("casey", "types `/port numbers` in #acme-telecom")
        self.t.saw(self._said(self._customer("numbers")))
        return held[:3]

    def window(self, number: str) -> None:
        shown, ends = format_display(number), self.ctx.now() + timedelta(days=2)
        local = ends.astimezone(self.ctx.calendar.tz)
        self.t.step("casey", "types `/port portout authorize`")
        self._expect("views.open", lambda: self._customer("portout authorize"))
        self.t.saw(self._form())
        self.t.step(
            "casey", f"lets {shown} go to {CARRIER} until {local:%a %b %-d %H:%M}, and submits"
        )
        until = {"type": "datetimepicker", "selected_date_time": int(ends.timestamp())}
        values: dict[str, Any] = {
            Block.PORTOUT_NUMBERS: shown,
            Block.PORTOUT_ENDS_AT: until,
            Block.PORTOUT_CARRIER: CARRIER,
        }
        self._submit(values)
        self.t.saw(self._modal_lines())
        self.t.step("#acme-telecom", "is told the window is open")
        self.t.saw(self._landed(self.ff.tick()))

    def inside_window(self, number: str) -> None:
        shown = _typed(number)
        self.t.step(
            "avery (agent)",
            f"logs {CARRIER}'s port-out: `/port portout incoming {shown} --carrier {CARRIER}`",
        )
        self.t.saw(self._said(self._agent(f"portout incoming {shown} --carrier {CARRIER}")))
        card = self._new_card()
        self.t.step("#acme-telecom", "gets its card: authorized by the window, nobody had to click")
        self.t.saw(self._blocks(card))
        self.t.step("avery", "presses Mark ported on the card, once the number has moved")
        pid = _button_value(card, Action.PORTOUT_PORTED)
        self._expect(
            "response_url",
            lambda: self.driver.block_action(
                Action.PORTOUT_PORTED,
                pid,
                self.cast.agent,
                channel_id=self.cast.channel,
                message_ts=card["ts"],
            ),
        )
        self.t.saw(render.mrkdwn(self.sim.responses[-1].body.get("text", ""), self.cast.name))
        self.ff.deliver()
        self.t.step("casey", "types `/port numbers` again")
        self.t.saw(self._said(self._customer("numbers")))

    def at_deadline(self, number: str) -> None:
        shown = _typed(number)
        self.t.step("avery", f"logs another one, for {shown}: no window covers it")
        self.t.saw(self._said(self._agent(f"portout incoming {shown} --carrier {CARRIER}")))
        card = self._new_card()
        self.t.step("#acme-telecom", "gets its card at once, with Approve and Reject")
        self.t.saw(self._blocks(card) + self._landed(self.ff.tick(), quiet=True))
        self.t.step("casey", "gets a direct message at once, the same buttons")
        self.t.saw(self._blocks(self.sim.messages(self.cast.customer)[-1]))
        with self.ctx.db.read() as s:
            deadline = po.load_port_out(s, _button_value(card, Action.PORTOUT_APPROVE)).deadline_at
        assert deadline is not None
        local = deadline.astimezone(self.ctx.calendar.tz)
        self.t.step(
            "⏩ the clock",
            f"jumps past the deadline, {local:%a %b %-d %H:%M}: nobody answered",
        )
        self.t.saw(self._landed(self.ff.until(deadline + timedelta(minutes=1))))
        self.t.step("#acme-telecom", "sees the card, updated in place")
        self.t.saw(self._blocks(self.sim.message(self.cast.channel, card["ts"]) or {}))

    def wrong_pin(self, number: str) -> None:
        shown = _typed(number)
        self.t.step("casey", f"locks one number: `/port portout lock {shown}`")
        self.t.saw(self._said(self._customer(f"portout lock {shown}")))
        self._told()
        self.t.step("casey", "types `/port portout pin` and sets a PIN for it (not shown here)")
        self._expect("views.open", lambda: self._customer("portout pin"))
        self.t.saw(self._form())
        values: dict[str, Any] = {
            Block.PORTOUT_NUMBERS: shown,
            Block.PORTOUT_PIN: PIN,
            Block.PORTOUT_PIN_AGAIN: PIN,
        }
        self._submit(values)
        self.t.saw(self._modal_lines())
        self._told()
        self.t.step(
            "avery",
            f"logs a port-out for {shown} from {CARRIER}, which quotes a PIN that is not "
            f"casey's: `/port portout incoming {shown} --carrier {CARRIER} --pin ••••••••`",
        )
        text = f"portout incoming {shown} --carrier {CARRIER} --pin {WRONG_PIN}"
        self.t.saw(self._said(self._agent(text)))
        card = self._new_card()
        self.t.step("#acme-telecom", "gets its card: refused, and why")
        self.t.saw(self._blocks(card))
        sent = [c.args for c in self.sim.calls] + [r.body for r in self.sim.responses]
        text = json.dumps(sent, default=str)
        kept = PIN not in text and WRONG_PIN not in text
        self.t.note(
            f"Slack received {len(sent)} calls and replies; "
            + ("neither PIN is in any of them" if kept else "a PIN reached Slack: that is a bug")
        )

    # ------------------------------------------------------------------ helpers
    def _held(self) -> list[str]:
        with self.ctx.db.read() as s:
            rows = po.numbers_of_account(s, self.sim.team_id, self.cast.channel)
        return [r.e164 for r in rows]

    def _customer(self, text: str) -> Any:
        return self.driver.command(
            "/port", text, user_id=self.cast.customer, channel_id=self.cast.channel
        )

    def _agent(self, text: str) -> Any:
        return self.driver.command(
            "/port", text, user_id=self.cast.agent, channel_id=self.cast.agents
        )

    def _expect(self, method: str, act: Callable[[], Any]) -> None:
        """Act, then wait until Slack receives ``method`` (portbot acks first, works after)."""
        before = len(self.sim.calls_to(method))
        act()
        self.sim.wait_for(method, count=before + 1, timeout=10)

    def _modal(self) -> dict[str, Any]:
        stack = self.sim.view_stack(self.cast.customer)
        view = self.sim.current_view(stack[-1]) if stack else None
        if view is None:
            raise RuntimeError("the demo expected a modal to be open")
        return view

    def _submit(self, values: dict[str, Any]) -> None:
        """casey presses the modal's submit button; portbot must take it."""
        answer = self.driver.view_submission(self._modal(), values, self.cast.customer)
        errors = (answer.json or {}).get("errors") if answer.view_error is None else None
        if answer.view_error or errors:
            raise RuntimeError(f"portbot refused the demo's modal: {answer.view_error or errors}")

    def _form(self) -> str:
        """The open modal's title and the fields it asks for."""
        view = self._modal()
        asks = [b["label"]["text"] for b in view.get("blocks") or [] if b.get("type") == "input"]
        return f"« {view.get('title', {}).get('text', '')} »: " + " · ".join(asks)

    def _modal_lines(self) -> list[str]:
        view = self._modal()
        title = view.get("title", {}).get("text", "")
        return [f"« {title} »", *render.blocks(view.get("blocks"), self.cast.name, limit=6)]

    def _new_card(self) -> dict[str, Any]:
        """Deliver what portbot queued; the port-out card it posted in the account's channel."""
        before = len(self.sim.messages(self.cast.channel))
        self.ff.deliver()
        posted = self.sim.messages(self.cast.channel)[before:]
        cards = [m for m in posted if str(m.get("text", "")).startswith("Port-out:")]
        if not cards:
            raise RuntimeError("the demo expected a port-out card in the account's channel")
        return cards[-1]

    def _told(self) -> None:
        """What the account's channel was told (delivered now)."""
        before = len(self.sim.messages(self.cast.channel))
        self.ff.deliver()
        for message in self.sim.messages(self.cast.channel)[before:]:
            self.t.saw("#acme-telecom: " + render.mrkdwn(message.get("text", ""), self.cast.name))

    def _blocks(self, message: Mapping[str, Any]) -> list[str]:
        return render.blocks(message.get("blocks"), self.cast.name, limit=10)

    def _said(self, answer: Any) -> list[str]:
        data = answer.json
        if data and data.get("blocks"):
            return render.blocks(data["blocks"], self.cast.name, limit=10)
        return [render.mrkdwn(data.get("text", "") if data else answer.text, self.cast.name)]

    def _landed(self, items: list[Landed], *, quiet: bool = False) -> list[str]:
        """One line per message the reminders delivered (the daily digest left out)."""
        lines = []
        for r in items:
            if r.kind == "daily-digest":
                continue
            where = "the card's thread" if r.thread else f"#{self.cast.name(r.channel)}"
            first = render.mrkdwn(r.text, self.cast.name).splitlines()[0]
            lines.append(f"⏰ {r.at:%a %b %-d %H:%M} in {where}: {first}")
        return lines or ([] if quiet else ["(nothing was due)"])


def _button_value(message: Mapping[str, Any], action: str) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action:
                return str(element.get("value") or "")
    raise RuntimeError(f"the demo expected a {action} button")


def _typed(number: str) -> str:
    """A number as a person types it in a command: one word (the command splits on spaces)."""
    return format_display(number).removeprefix("+1 ").replace(" ", "")
