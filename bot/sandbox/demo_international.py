"""``portbot demo --international``: a port from France with its fee quote, then a transfer
between two of the customer's accounts.

Played instead of the US journey, on the same stage (the real app over signed HTTP, the
simulated Slack, Zendesk and mail server, a clock that jumps). camille, in #acme-france, asks
to port two Paris numbers and is asked what France asks for (the RIO code, the NDI, a French
address, the documents); the representative signs the French letter; the porting team sends
a fee quote per number; nobody answers, and three French business days later, a weekend in
between, the quote counts as accepted; the request goes to the carrier, gets its port date and
ports, and the fee is recorded. Then one of the ported numbers moves to the sub-account
#acme-france-support, whose channel is told that call routing and SMS settings were reset.
The transcript shows what each person saw; the RIO code is never printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import requests
from sqlmodel import select

from bot.porting.countries import calendar_for
from bot.porting.intake import Agreement
from bot.porting.numbers import format_display
from bot.porting.quotes import ANSWER_BUSINESS_DAYS
from bot.sandbox import render
from bot.sandbox.demo_port_outs import Printer
from bot.sandbox.demo_stage import (
    Cast,
    Stage,
    at_hour,
    business_days,
    button_value,
    comment_lines,
    has_sid,
    label,
    open_in_both,
    page_lines,
    reply,
    sid_of,
    when,
)
from bot.sandbox.demo_time import FastForward, Landed
from bot.sandbox.mail_sim import MailCatcher
from bot.sandbox.slack_driver import SlackDriver, datepicker, file_input
from bot.sandbox.slack_sim import SlackSimulator
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.services import port_outs as po
from bot.services import transfers as tr
from bot.services.base import Context
from bot.slack.ids import Action, Block
from storage.models import PortRequest

CUSTOMER, CUSTOMER_NAME = "U0CAMILLE", "camille"
CHANNEL, CHANNEL_NAME = "C0ACMEFR", "acme-france"
BRANCH, BRANCH_NAME = "C0ACMEFRSUP", "acme-france-support"
PARIS = ("+33 1 42 68 53 00", "+33 1 42 68 53 01")
CARRIER = "Orange"
RIO = "02P7K4M9X1QZ"  # the lines' RIO code, typed in the form (never printed)
SHORT_RIO = "02P7K4M9X1Q"  # one character short, as first typed (never printed either)
AMOUNT, CURRENCY = "120", "EUR"
REP = ("Sophie Laurent", "sophie@acme.example")


def play(
    t: Printer,
    sim: SlackSimulator,
    driver: SlackDriver,
    ff: FastForward,
    ctx: Context,
    zendesk: ZendeskSimulator,
    mail: MailCatcher,
    *,
    agent: str,
    agents: str,
    names: Mapping[str, str],
) -> None:
    """The French port from ``/port new`` to ported, through its fee quote, then a transfer."""
    sim.add_user(CUSTOMER, CUSTOMER_NAME, "camille@acme.example")
    sim.add_channel(CHANNEL, CHANNEL_NAME, members=[CUSTOMER])
    sim.add_channel(BRANCH, BRANCH_NAME, members=[CUSTOMER])
    everyone = {**names, CUSTOMER: CUSTOMER_NAME, CHANNEL: CHANNEL_NAME, BRANCH: BRANCH_NAME}
    cast = Cast(CUSTOMER, CHANNEL, agent, agents, everyone)
    part = _Part(t, sim, driver, ff, ctx, zendesk, cast, mail)
    part.start()
    sid, ticket = part.intake()
    part.sign(ticket)
    part.quote(sid, ticket)
    part.port(sid, ticket)
    part.transfer()
    part.secrets()


@dataclass
class _Part(Stage):
    mail: MailCatcher

    @property
    def france(self) -> Any:
        return calendar_for("FR")

    # ------------------------------------------------------------------ the steps
    def start(self) -> None:
        """Begin on a Wednesday or Thursday afternoon in France (the porting team's morning in
        New York): the quote sent that day has its three French business days run across a
        weekend."""
        day = _quote_day(self.ctx, self.france)
        start = self._paris(day, 15, 30)
        self.ff.until(start)
        self.t.step(
            "⏩ the clock",
            f"starts at {when(start, self.france)} in Paris "
            f"({when(start, self.ctx.calendar)} for the porting team)",
        )

    def intake(self) -> tuple[str, int]:
        """camille asks for the port, as France asks: the RIO code, a French address, the
        documents."""
        t, c = self.t, self.cast
        t.step("camille (customer)", f"types `/port new` in #{CHANNEL_NAME}")
        self.expect("views.open", lambda: self.customer("new"))
        t.saw(self.modal_lines(limit=3))
        t.step("camille", "ticks the four boxes and presses Next")
        self.submit({Block.AGREEMENTS: [a.value for a in Agreement]})
        t.saw(self.modal_lines(limit=0))

        typed: dict[str, Any] = {Block.LANDLINES: "\n".join(PARIS), Block.LOSING_CARRIER: CARRIER}
        t.step(
            "camille",
            f"pastes two Paris numbers, {' and '.join(PARIS)}, names the current carrier, "
            f"{CARRIER}, and presses Next",
        )
        answer = self.driver.view_submission(self.modal(), typed, CUSTOMER, client_validation=False)
        if (answer.json or {}).get("response_action") != "update":
            raise RuntimeError(f"portbot did not ask for the French fields: {answer.json}")
        t.saw("the same step comes back, asking what a port from France needs:")
        t.saw(self._fields())

        t.step("camille", "types the RIO code from the bill, one character short, and presses Next")
        answer = self.driver.view_submission(self.modal(), {Block.PIN: SHORT_RIO}, CUSTOMER)
        view = self.modal()
        for block, message in (answer.json or {}).get("errors", {}).items():
            t.saw(f"⚠ under “{label(view, block)}”: {message}")
        t.step("camille", "types it again, whole (not shown here), and presses Next")
        self.submit({Block.PIN: RIO})
        t.saw(self.modal_lines(limit=0))

        t.step("camille", "fills in the company, the representative and the Paris address")
        self.submit(
            {
                Block.ACCOUNT_TYPE: "business",
                Block.COMPANY_NAME: "Acme France SARL",
                Block.REP_NAME: REP[0],
                Block.REP_EMAIL: REP[1],
                Block.STREET: "55 Rue du Faubourg Saint-Honoré",
                Block.CITY: "Paris",
                Block.POSTAL_CODE: "75008",
            }
        )
        t.saw(self.modal_lines(limit=12))

        bill = self.sim.add_file(
            "facture-orange.pdf", b"%PDF-1.7 facture", "application/pdf", "pdf"
        )
        t.step("camille", "attaches last week's Orange invoice and presses Create request")
        last: dict[str, Any] = {
            Block.BILL: file_input(bill),
            Block.BILL_ISSUED_ON: datepicker(self.ctx.today() - timedelta(days=6)),
        }
        self.expect(
            "views.update",
            lambda: self.driver.view_submission(self.modal(), last, CUSTOMER),
        )
        t.saw(self.modal_lines(limit=8))
        self.ff.deliver()
        card = self._card()
        sid = sid_of(card)
        t.step(f"#{CHANNEL_NAME}", "gets the request card")
        t.saw(self.blocks(card, limit=24))
        t.step(f"#{c.name(c.agents)}", "gets a notice")
        t.saw(render.mrkdwn(self.sim.messages(c.agents)[-1].get("text", ""), c.name))
        ticket = self.ticket_of(sid)
        t.step("Zendesk", f"gets ticket #{ticket['id']}, linked to the request")
        t.saw(self.ticket_lines(ticket))
        return sid, ticket["id"]

    def sign(self, ticket: int) -> None:
        """The representative signs the French letter from the link in her e-mail."""
        letter = self.mail.wait()[-1]
        body = letter.get_body(("plain",))
        if body is None:
            raise RuntimeError("the demo expected the letter's e-mail to have a text part")
        text = body.get_content()
        link = next(w for w in text.split() if "/loa/" in w).strip("<>.,")
        files = [p.get_filename() for p in letter.iter_attachments()]
        self.t.step(f"{REP[0]} (representative)", f"gets an e-mail at {letter['To']}")
        self.t.saw(
            [
                f"Subject: {letter['Subject']}",
                f"attached: {', '.join(f for f in files if f)}",
            ]
        )
        self.t.step(REP[0], f"opens the link, types “{REP[0]}”, ticks the box and signs")
        signed = requests.post(link, data={"name": REP[0], "authorized": "yes"}, timeout=10)
        self.t.saw(page_lines(signed.text)[:1])
        self.ff.deliver()
        self.t.step("Zendesk", "gets the signed letter on the ticket")
        self.t.saw(comment_lines(self.zendesk.comments(ticket)[-1]))

    def quote(self, sid: str, ticket: int) -> None:
        """The porting team quotes a fee per number; silence accepts it after three French
        business days."""
        t, short = self.t, sid[:12]
        command = f"quote {short} {AMOUNT} {CURRENCY} --per-number"
        t.step("avery (agent)", f"reviews the request and types `/port {command}`")
        t.saw(self.said(self.agent(command)))
        self.ff.deliver()
        card = self._card()
        asked = self._quote_message(card)
        t.step(f"#{CHANNEL_NAME}", "gets the quote in the card's thread, to answer there")
        t.saw(reply(self.blocks(asked, limit=12)))
        t.step("Zendesk", f"ticket #{ticket} now")
        t.saw(self.ticket_lines(self.ticket(ticket), comments=1))

        with self.ctx.db.read() as s:
            quote = _quote_json(s, sid)
        answer_by = datetime.fromisoformat(quote["answer_by"])
        sent_at = datetime.fromisoformat(quote["sent_at"])
        days, holidays = business_days(self.france, sent_at, answer_by)
        off = "".join(f"; {h} is a holiday in France" for h in holidays)
        t.step("camille", "says nothing")
        t.step(
            "⏩ the clock",
            f"moves {ANSWER_BUSINESS_DAYS} French business days ({', '.join(days)}), "
            f"to {when(answer_by, self.france)} in Paris, a weekend in between{off}",
        )
        t.saw(self._landed(self.ff.until(answer_by + timedelta(minutes=1))))
        t.step(f"#{CHANNEL_NAME}", "sees in the card's thread")
        t.saw(reply(self._news(card)[-1:]))
        t.step(f"#{CHANNEL_NAME}", "sees the card, updated in place")
        t.saw(self._fee_lines(self.sim.message(CHANNEL, card["ts"]) or {}))

    def port(self, sid: str, ticket: int) -> None:
        """Submitted, a port date from the carrier, ported, the fee recorded."""
        t, c, short = self.t, self.cast, sid[:12]
        t.step("avery", f"presses Submit on the team's copy of the card in #{c.name(c.agents)}")
        copy = next(m for m in self.sim.messages(c.agents) if sid in json.dumps(m.get("blocks")))
        self.expect(
            "response_url",
            lambda: self.driver.block_action(
                Action.SUBMIT, sid, c.agent, channel_id=c.agents, message_ts=copy["ts"]
            ),
        )
        t.saw(render.mrkdwn(self.sim.responses[-1].body.get("text", ""), c.name))
        t.saw(self._landed(self.ff.tick(), quiet=True))

        foc = open_in_both(self.ctx, self.france, self.ctx.today(), 8)
        team = self.ctx.calendar
        opens, closes = (at_hour(foc, hour, team) for hour in (9, 12))
        t.step("avery", f"types `/port foc {short}` and enters the date Orange confirmed")
        self.expect("views.open", lambda: self.agent(f"foc {short}"))
        values: dict[str, Any] = {
            Block.FOC_DATE: datepicker(foc),
            Block.FOC_WINDOW_START: "09:00",
            Block.FOC_WINDOW_END: "12:00",
        }
        answer = self.driver.view_submission(self.modal(c.agent), values, c.agent)
        if answer.view_error or (answer.json or {}).get("errors"):
            raise RuntimeError(f"portbot refused the port date: {answer.json}")
        paris = [m.astimezone(self.france.tz) for m in (opens, closes)]
        t.saw(
            f"port date {foc:%a %b %-d, %Y}, between 09:00 and 12:00: the form reads times in "
            f"{team.timezone}, so Orange's slot is {paris[0]:%H:%M}–{paris[1]:%H:%M} in Paris"
        )
        t.saw(self._landed(self.ff.tick(), quiet=True))
        card = self._card()

        at = closes + timedelta(minutes=30)
        t.step("⏩ the clock", f"jumps to the port date, {when(at, self.france)} in Paris")
        t.saw(self._landed(self.ff.until(at)))
        t.step("avery", f"marks the numbers ported: `/port complete {short}`")
        t.saw(self.said(self.agent(f"complete {short}")))
        self.ff.deliver()
        t.step(f"#{CHANNEL_NAME}", "sees the card, updated in place, and the thread's news")
        t.saw(self._fee_lines(self.sim.message(CHANNEL, card["ts"]) or {}))
        for news in self._news(card)[-2:]:
            t.saw(reply([news]))
        t.step("Zendesk", f"ticket #{ticket} now")
        t.saw(self.ticket_lines(self.ticket(ticket), comments=2))

    def transfer(self) -> None:
        """One ported number moves to the sub-account #acme-france-support."""
        t, c = self.t, self.cast
        with self.ctx.db.read() as s:
            held = [h.e164 for h in po.numbers_of_account(s, self.sim.team_id, CHANNEL)]
        if not held:
            raise RuntimeError(f"the demo expected #{CHANNEL_NAME} to hold its ported numbers")
        moving = format_display(held[-1])
        t.step("camille", f"types `/port numbers` in #{CHANNEL_NAME}")
        t.saw(self.said(self.customer("numbers")))
        t.step("camille", f"types `/port transfer` in #{CHANNEL_NAME}")
        self.expect("views.open", lambda: self.customer("transfer"))
        t.saw(self.modal_lines(limit=8))
        t.step(
            "camille",
            f"moves {moving} to #{BRANCH_NAME}, a sub-account of the same company, and submits",
        )
        self.submit({Block.TRANSFER_NUMBERS: moving, Block.TRANSFER_DESTINATION: BRANCH})
        t.saw(self.modal_lines(limit=6))
        before = {ch: len(self.sim.messages(ch)) for ch in (CHANNEL, BRANCH, c.agents)}
        tickets = len(self.zendesk.tickets())
        self.ff.deliver()
        cards = {}
        for channel in (CHANNEL, BRANCH, c.agents):
            posted = self.sim.messages(channel)[before[channel] :]
            found = [m for m in posted if "Transfer of" in str(m.get("text", ""))]
            if not found:
                raise RuntimeError(f"the demo expected a transfer card in {channel}")
            cards[channel] = found[-1]
            t.step(f"#{c.name(channel)}", "gets the transfer card")
            t.saw(self.blocks(found[-1], limit=8))
        (ticket,) = self.zendesk.tickets()[tickets:]
        t.step("Zendesk", f"gets ticket #{ticket['id']} for the transfer")
        t.saw(self.ticket_lines(ticket, comments=1))

        public_id = button_value(cards[c.agents], Action.TRANSFER_COMPLETE)
        short = tr.find_transfer(self.ctx, public_id).public_id[:10]
        t.step("avery", f"moves the number and types `/port complete {short}`")
        t.saw(self.said(self.agent(f"complete {short}")))
        before = {ch: len(self.sim.messages(ch)) for ch in (CHANNEL, BRANCH)}
        self.ff.deliver()
        told = self.sim.messages(BRANCH)[before[BRANCH] :]
        t.step(f"#{BRANCH_NAME}", "is told what to do next")
        t.saw([render.mrkdwn(m.get("text", ""), c.name) for m in told])
        for channel in (CHANNEL, BRANCH):
            t.step(f"#{c.name(channel)}", "sees its transfer card, updated in place")
            t.saw(self.blocks(self.sim.message(channel, cards[channel]["ts"]) or {}, limit=6))
        final = self.ticket(ticket["id"])
        t.step("Zendesk", f"ticket #{ticket['id']} now")
        t.saw(self.ticket_lines(final, comments=1))
        t.step("camille", f"types `/port numbers` in #{BRANCH_NAME}")
        t.saw(self.said(self.customer("numbers", BRANCH)))

    def secrets(self) -> None:
        """Neither the RIO code nor the short one reached Slack or Zendesk."""
        sent = [c.args for c in self.sim.calls] + [r.body for r in self.sim.responses]
        desk = [c.body for c in self.zendesk.calls()]
        text = json.dumps([sent, desk], default=str)
        kept = RIO not in text and SHORT_RIO not in text
        self.t.note(
            f"Slack received {len(sent)} calls and replies, Zendesk {len(desk)} calls; "
            + ("the RIO code is in none of them" if kept else "a RIO code leaked: that is a bug")
        )

    # ------------------------------------------------------------------ helpers
    def _paris(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.france.tz)

    def _fields(self) -> list[str]:
        """The open step's inputs: each label, and the hint under it."""
        lines = []
        for block in self.modal().get("blocks") or []:
            if block.get("type") != "input":
                continue
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"[{block['label']['text']}]{optional}")
            hint = (block.get("hint") or {}).get("text", "")
            if hint:
                lines.append(f"    {render.mrkdwn(hint, self.cast.name)}")
        return lines

    def _card(self) -> dict[str, Any]:
        """The request card in #acme-france (its latest state)."""
        cards = [m for m in self.sim.messages(CHANNEL) if has_sid(m)]
        if not cards:
            raise RuntimeError(f"the demo expected a request card in #{CHANNEL_NAME}")
        return cards[0]

    def _quote_message(self, card: dict[str, Any]) -> dict[str, Any]:
        for message in self.sim.thread(CHANNEL, card["ts"])[1:]:
            if Action.QUOTE_ACCEPT.value in json.dumps(message.get("blocks")):
                return message
        raise RuntimeError("the demo expected the quote, with its buttons, in the thread")

    def _news(self, card: dict[str, Any]) -> list[str]:
        """The card's thread replies as text (reminders included)."""
        return [
            render.mrkdwn(m.get("text", ""), self.cast.name)
            for m in self.sim.thread(CHANNEL, card["ts"])
            if m.get("ts") != card["ts"]
        ]

    def _fee_lines(self, card: dict[str, Any]) -> list[str]:
        """The card's status and fee lines."""
        lines = self.blocks(card, limit=40)
        keep = [line for line in lines[2:] if "fee" in line.lower()]
        return lines[:2] + keep

    def _landed(self, items: list[Landed], *, quiet: bool = False) -> list[str]:
        """One line per message the reminders delivered (the daily digest left out)."""
        lines = []
        for r in items:
            if r.kind == "daily-digest":
                continue
            where = "the card's thread" if r.thread else f"#{self.cast.name(r.channel)}"
            if r.channel not in (CHANNEL, self.cast.agents) and not r.thread:
                where = "a direct message"
            first = render.mrkdwn(r.text, self.cast.name).splitlines()[0]
            local = r.at.astimezone(self.france.tz)
            lines.append(f"⏰ {local:%a %b %-d %H:%M} (Paris) in {where}: {first}")
        return lines or ([] if quiet else ["(nothing was due)"])


def _quote_day(ctx: Context, france: Any) -> date:
    """The first Wednesday or Thursday from tomorrow that is a business day in France and
    for the porting team, and whose three French business days run across a weekend."""
    day = ctx.today() + timedelta(days=1)
    while True:
        if (
            day.weekday() in (2, 3)
            and france.is_business_day(day)
            and ctx.calendar.is_business_day(day)
            and france.add_business_days(day, ANSWER_BUSINESS_DAYS).weekday() < day.weekday()
        ):
            return day
        day += timedelta(days=1)


def _quote_json(session: Any, sid: str) -> dict[str, Any]:
    req = session.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
    if not req.quote:
        raise RuntimeError("the demo expected the request to carry its quote")
    return dict(req.quote)
