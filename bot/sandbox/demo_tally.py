"""How loud a port was for its customer, counted where Slack received it: the messages portbot
posted to the customer's channel (the card and its thread) and to their DM, and how many of
them @-mention the customer. ``portbot demo`` prints it after the port-in; the tests hold it
to the message budget the README states."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.sandbox.slack_sim import SlackSimulator
from bot.slack.blocks.reminders import reminder_of


@dataclass(frozen=True)
class Tally:
    """What portbot posted where the customer reads: ``channel`` messages (the card),
    ``thread`` replies under them, ``dm`` direct messages; of all of them, ``reminders`` (a
    message that tells several reminders counts once) and ``mentions`` (the messages that
    @-mention the customer anywhere in their text or blocks)."""

    channel: int
    thread: int
    dm: int
    reminders: int
    mentions: int

    @property
    def messages(self) -> int:
        return self.channel + self.thread + self.dm

    def lines(self, customer: str, channel: str) -> list[str]:
        """The transcript's summary."""
        return [
            f"{self.messages} messages from portbot: {self.channel} in {channel} (the card), "
            f"{self.thread} in its thread, {self.dm} by direct message",
            f"{self.reminders} of them reminders; {self.mentions} of them @-mention {customer}",
        ]


def posted_to(sim: SlackSimulator, channel: str, customer: str, *, since: int = 0) -> list[dict]:
    """The arguments of each ``chat.postMessage`` that Slack accepted for ``channel`` (its
    thread replies included) or the customer's DM, from call number ``since`` of that method."""
    dm = sim.channel(customer)  # None while no DM with them was opened
    places = {channel, customer} | ({str(dm["id"])} if dm else set())
    calls = sim.calls_to("chat.postMessage")[since:]
    return [dict(c.args) for c in calls if not c.error and str(c.args.get("channel")) in places]


def mentions(args: dict, customer: str) -> bool:
    """Whether one posted message @-mentions ``customer`` (text, blocks or attachments)."""
    return f"<@{customer}>" in json.dumps(args, default=str)


def tally(sim: SlackSimulator, channel: str, customer: str, *, since: int = 0) -> Tally:
    """Count what the customer received (see :func:`posted_to`)."""
    posted = posted_to(sim, channel, customer, since=since)
    return Tally(
        channel=sum(a.get("channel") == channel and not a.get("thread_ts") for a in posted),
        thread=sum(a.get("channel") == channel and bool(a.get("thread_ts")) for a in posted),
        dm=sum(a.get("channel") != channel for a in posted),
        reminders=sum(reminder_of(a) is not None for a in posted),
        mentions=sum(mentions(a, customer) for a in posted),
    )
