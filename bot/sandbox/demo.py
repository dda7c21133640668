"""``portbot demo``: the whole journey of a port, offline, on this machine.

The real app is served on a loopback port with a temporary SQLite database; a simulated Slack
(also on loopback) receives what portbot sends, and a driver sends what Slack would send, signed.
A customer opens a request, trips a validation rule, fixes it, and an agent takes the request
to ported. The transcript is built from what the simulated Slack actually received.
"""

from __future__ import annotations

import html
import re
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import requests
from slack_sdk import WebClient

from bot import config
from bot import services as svc
from bot.context import build_context
from bot.loa.delivery import loa_store
from bot.loa.web import loa_routes
from bot.porting.intake import Agreement
from bot.sandbox import demo_international, demo_port_outs, demo_sidebar, demo_tally, render
from bot.sandbox.demo_time import DemoClock, FastForward, Landed, first_morning
from bot.sandbox.mail_sim import MailCatcher
from bot.sandbox.serving import ServedApp
from bot.sandbox.slack_driver import SlackDriver, datepicker, file_input, message_event
from bot.sandbox.slack_sim import SlackSimulator
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.server import build_runtime, zendesk_inbound
from bot.slack.ids import Action, Block
from bot.web import create_app

SECRET = "demo-signing-secret"  # noqa: S105 - the simulator's, on loopback
ZENDESK_EMAIL, ZENDESK_TOKEN = "portbot@acme.example", "demo-zendesk-token"
HOOK_SECRET = "demo-webhook-secret"  # noqa: S105 - the simulator's, on loopback
CUSTOMER, AGENT = "U0CASEY", "U0AVERY"
CHANNEL, AGENTS = "C0ACME", "C0PORTING"
NAMES = {CUSTOMER: "casey", AGENT: "avery", CHANNEL: "acme-telecom", AGENTS: "porting-team"}


class Transcript:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = time.monotonic()

    def step(self, who: str, did: str) -> None:
        print(f"\n{who} {did}", file=self.out)

    def saw(self, lines: list[str] | str, *, prefix: str = "  │ ") -> None:
        for line in [lines] if isinstance(lines, str) else lines:
            for part in textwrap.wrap(line, 96) or [""]:
                print(prefix + part, file=self.out)

    def note(self, text: str) -> None:
        print(f"  ({text})", file=self.out)


def _name(slack_id: str) -> str:
    return NAMES.get(slack_id, slack_id)


def _view_lines(view: dict[str, Any]) -> list[str]:
    title = view.get("title", {}).get("text", "")
    return [f"« {title} »", *render.blocks(view.get("blocks"), _name, limit=14)]


def run(out: TextIO, *, international: bool = False) -> int:
    t = Transcript(out)
    with (
        tempfile.TemporaryDirectory(prefix="portbot-demo-") as tmp,
        SlackSimulator() as sim,
        ZendeskSimulator(email=ZENDESK_EMAIL, token=ZENDESK_TOKEN) as zendesk,
        MailCatcher() as mail,
        ServedApp(late := LateApp()) as served,
    ):
        sim.add_user(CUSTOMER, "casey", "casey@acme.example")
        sim.add_user(AGENT, "avery", "avery@porting.example")
        sim.add_channel(CHANNEL, "acme-telecom", members=[CUSTOMER])
        sim.add_channel(AGENTS, "porting-team", members=[AGENT])
        settings = config.load(
            {
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'demo.db'}",
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": sim.url,
                "PORTBOT_AGENTS": AGENT,
                "PORTBOT_AGENTS_CHANNEL": AGENTS,
                "ZENDESK_SUBDOMAIN": "acme",
                "ZENDESK_URL": zendesk.url,
                "ZENDESK_EMAIL": ZENDESK_EMAIL,
                "ZENDESK_API_TOKEN": ZENDESK_TOKEN,
                "ZENDESK_WEBHOOK_SECRET": HOOK_SECRET,
                "ZENDESK_APP_ID": str(zendesk.app_id),  # the simulator's app: the sidebar
                "PORTBOT_PUBLIC_URL": served.url,
                "SMTP_URL": mail.url,
                "PORTBOT_MAIL_FROM": "Porting team <porting@acme-telecom.example>",
            }
        )
        ctx = build_context(settings)
        ctx.clock = clock = DemoClock(first_morning(ctx))
        client = WebClient(token="xoxb-test", base_url=sim.url)  # noqa: S106 - simulator's
        runtime = build_runtime(settings, ctx=ctx, client=client)
        late.app = create_app(
            ctx,
            runtime.bolt,
            zendesk=zendesk_inbound(settings, ctx),
            loa=loa_routes(ctx, loa_store(settings, ctx), settings),
            sidebar=demo_sidebar.routes(settings, ctx, wake=runtime.outbox.wake.set),
        )
        zendesk.webhook(f"{served.url}/zendesk/webhook", HOOK_SECRET)
        print(
            "portbot demo: everything runs on this machine: portbot at "
            f"{served.url}, a simulated Slack at {sim.url}, a simulated Zendesk at "
            f"{zendesk.url}, a mail server at {mail.url}, a database in {tmp}.",
            file=out,
        )
        driver = SlackDriver(f"{served.url}/slack/events", SECRET, sim, team_id=sim.team_id)
        ff = FastForward(ctx, clock, sim, runtime.outbox.drain)
        desk = demo_sidebar.Desk(served.url, zendesk, Path.cwd())  # the page file goes here
        if international:  # a port from France with its fee quote, then a transfer
            demo_international.play(
                t, sim, driver, ff, ctx, zendesk, mail, agent=AGENT, agents=AGENTS, names=NAMES
            )
        else:
            journey(t, sim, driver, ff, ctx, zendesk, mail, desk)
        runtime.close()
    print(f"\nDone in {time.monotonic() - t.started:.1f} s.", file=out)
    return 0


def expect(sim: SlackSimulator, method: str, act: Callable[[], Any]) -> Any:
    """Do something and wait until Slack receives ``method``: portbot acks first and does
    the work right after, as it must within Slack's three seconds."""
    before = len(sim.calls_to(method))
    result = act()
    sim.wait_for(method, count=before + 1, timeout=10)
    return result


def _label(view: dict[str, Any], block_id: str) -> str:
    for block in view.get("blocks") or []:
        if block.get("block_id") == block_id and block.get("label"):
            return block["label"]["text"]
    return block_id


def _modal(sim: SlackSimulator, user: str) -> dict[str, Any]:
    stack = sim.view_stack(user)
    view = sim.current_view(stack[-1]) if stack else None
    if view is None:
        raise RuntimeError("the demo expected a modal to be open")
    return view


def journey(
    t: Transcript,
    sim: SlackSimulator,
    driver: SlackDriver,
    ff: FastForward,
    ctx: svc.Context,
    zendesk: ZendeskSimulator,
    mail: MailCatcher,
    desk: demo_sidebar.Desk,
) -> None:
    deliver, today = ff.deliver, ctx.today()
    t.note(f"the demo's clock starts at {ctx.now().astimezone(ctx.calendar.tz):%a %b %-d %H:%M %Z}")
    t.step("casey (customer)", "types `/port new` in #acme-telecom")
    expect(
        sim,
        "views.open",
        lambda: driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL),
    )
    t.saw(_view_lines(_modal(sim, CUSTOMER)))

    t.step("casey", "ticks the four boxes and presses Next")
    driver.view_submission(
        _modal(sim, CUSTOMER), {Block.AGREEMENTS: [a.value for a in Agreement]}, CUSTOMER
    )
    t.saw(_view_lines(_modal(sim, CUSTOMER))[:1])

    numbers: dict[str, Any] = {
        Block.LANDLINES: "+1 212 555 0100, (617) 253-1000\n617.253.1001",
        Block.LOSING_CARRIER: "Old Phone Co",
        Block.ACCOUNT_NUMBER: "88001234567",
        Block.BTN: "617-253-1000",
    }
    t.step("casey", "pastes three numbers, one copied from a film script, and presses Next")
    view = _modal(sim, CUSTOMER)
    answer = driver.view_submission(view, numbers, CUSTOMER)
    for block, message in (answer.json or {}).get("errors", {}).items():
        t.saw(f"⚠ under “{_label(view, block)}”: {message}")

    t.step("casey", "removes it and presses Next again")
    numbers[Block.LANDLINES] = "(617) 253-1000\n617.253.1001"
    driver.view_submission(_modal(sim, CUSTOMER), numbers, CUSTOMER)
    t.saw(_view_lines(_modal(sim, CUSTOMER))[:1])

    t.step("casey", "fills in the representative and the service address")
    driver.view_submission(
        _modal(sim, CUSTOMER),
        {
            Block.ACCOUNT_TYPE: "business",
            Block.COMPANY_NAME: "Acme Widgets Inc",
            Block.REP_NAME: "Jordan Rivera",
            Block.REP_EMAIL: "jordan@acme.example",
            Block.STREET: "77 Massachusetts Ave",
            Block.CITY: "Cambridge",
            Block.REGION: "MA",
            Block.POSTAL_CODE: "02139",
        },
        CUSTOMER,
    )
    t.saw(_view_lines(_modal(sim, CUSTOMER))[:1])

    bill = sim.add_file("october-bill.pdf", b"%PDF-1.7 demo bill", "application/pdf", "pdf")
    t.step("casey", "attaches last week's bill and presses Create request")
    last_step: dict[str, Any] = {
        Block.BILL: file_input(bill),
        Block.BILL_ISSUED_ON: datepicker(today - timedelta(days=6)),
    }
    expect(  # the ack says "Opening your request…"; the confirmation follows (views.update)
        sim,
        "views.update",
        lambda: driver.view_submission(_modal(sim, CUSTOMER), last_step, CUSTOMER),
    )
    t.saw(_view_lines(_modal(sim, CUSTOMER)))
    deliver()
    card = sim.messages(CHANNEL)[-1]
    sid = next(r.sid for r in svc.list_requests(ctx, svc.Viewer(AGENT, is_agent=True)))
    t.step("#acme-telecom", "gets the request card")
    t.saw(render.blocks(card["blocks"], _name))
    t.step("#porting-team", "gets a notice")
    t.saw(render.mrkdwn(sim.messages(AGENTS)[-1]["text"], _name))
    (ticket,) = zendesk.tickets()
    t.step("Zendesk", f"gets ticket #{ticket['id']}, linked to the request")
    t.saw(_ticket_lines(zendesk, ticket))

    (letter,) = mail.wait()
    link = _signing_link(letter)
    t.step("Jordan Rivera (representative)", f"gets an e-mail at {letter['To']}")
    t.saw(_mail_lines(letter, link))
    day1 = ctx.calendar.add_business_days(ctx.today(), 1)
    t.step("⏩ the clock", f"jumps to {day1:%a %b %-d}, 10:30: the letter is still unsigned")
    t.saw(_landed(ff.until(_at(ctx, day1, 10, 30))))
    t.step("Jordan", "opens the link, types “Jordan Rivera”, ticks the box and signs")
    page = requests.get(link, timeout=10)
    signed = requests.post(link, data={"name": "Jordan Rivera", "authorized": "yes"}, timeout=10)
    t.saw([*_page_lines(page.text)[:2], "…", *_page_lines(signed.text)[:3]])
    deliver()
    t.step("Zendesk", "gets the signed letter on the ticket")
    t.saw(_comment_lines(zendesk.comments(ticket["id"])[-1]))

    t.step("casey", f"types `/port status {sid[:12]}`")
    status = driver.command("/port", f"status {sid[:12]}", user_id=CUSTOMER, channel_id=CHANNEL)
    t.saw(render.blocks(status.json.get("blocks"), _name, limit=16))

    t.step("casey", "asks in the card's thread: “Do you need anything else from us?”")
    ask = message_event(
        "Do you need anything else from us?", CUSTOMER, CHANNEL, thread_ts=card["ts"]
    )
    before = len(zendesk.comments(ticket["id"]))
    driver.event(ask)
    _until(lambda: deliver() >= 0 and len(zendesk.comments(ticket["id"])) > before)
    t.step("Zendesk", "adds it to the ticket as casey's own comment")
    asked = zendesk.comments(ticket["id"])[-1]
    author = zendesk.user(asked["author_id"]) or {}
    t.saw([f"written by {author.get('name')} <{author.get('email')}>", *_comment_lines(asked)])

    t.step("dana (Zendesk agent)", "answers on the ticket, publicly")
    zendesk.agent_comment(
        ticket["id"],
        "Nothing else for now. We will send the request to the carrier today.",
        author="Dana Lee",
    )
    deliver()
    t.step("#acme-telecom", "sees the answer in the card's thread")
    t.saw("↳ " + render.mrkdwn(sim.thread(CHANNEL, card["ts"])[-1].get("text", ""), _name))

    t.step("avery (agent)", "presses Submit on the team's copy of the card in #porting-team")
    copy = next(m for m in sim.messages(AGENTS) if m.get("blocks"))
    expect(
        sim,
        "response_url",
        lambda: driver.block_action(
            Action.SUBMIT, sid, AGENT, channel_id=AGENTS, message_ts=copy["ts"]
        ),
    )
    t.saw(render.mrkdwn(sim.responses[-1].body.get("text", ""), _name))
    t.saw(_landed(ff.tick(), quiet=True))

    foc = ctx.calendar.add_business_days(ctx.today(), 8)
    t.step("avery", f"types `/port foc {sid[:12]}` and enters the date the carrier confirmed")
    expect(
        sim,
        "views.open",
        lambda: driver.command("/port", f"foc {sid[:12]}", user_id=AGENT, channel_id=AGENTS),
    )
    window: dict[str, Any] = {Block.FOC_WINDOW_START: "09:00", Block.FOC_WINDOW_END: "13:00"}
    driver.view_submission(_modal(sim, AGENT), {Block.FOC_DATE: datepicker(foc), **window}, AGENT)
    t.saw(f"port date {foc:%a %b %-d, %Y}, between 09:00 and 13:00 {ctx.calendar.timezone}")
    t.saw(_landed(ff.tick(), quiet=True))
    desk.visit(t, ticket["id"], deliver=deliver)

    t.step("⏩ the clock", f"jumps to the port date, {foc:%a %b %-d}, 12:00")
    t.saw(_landed(ff.until(_at(ctx, foc, 12))))

    t.step("avery", f"marks the numbers ported: `/port complete {sid[:12]}`")
    t.saw(_said(driver.command("/port", f"complete {sid[:12]}", user_id=AGENT, channel_id=AGENTS)))
    t.step("⏩ the clock", "jumps to 18:00 the same day")
    t.saw(_landed(ff.until(_at(ctx, foc, 18))))
    digests = sum(1 for r in ff.landed if r.kind == "daily-digest")
    t.note(f"and #porting-team got the daily digest at 09:00 on each of those {digests} days")

    t.step("#acme-telecom", "sees the card, updated in place, and its thread")
    posted = sim.message(CHANNEL, card["ts"])
    assert posted is not None
    t.saw(render.blocks(posted["blocks"], _name, limit=12))
    reminders = {r.text for r in ff.landed if r.thread}
    for reply in sim.thread(CHANNEL, card["ts"]):
        if reply.get("ts") != card["ts"] and reply.get("text") not in reminders:
            t.saw("↳ " + render.mrkdwn(reply.get("text", ""), _name))
    t.note(f"and the {sum(r.thread for r in ff.landed)} reminder messages shown above")
    updates = len(sim.calls_to("chat.update"))
    t.note(
        f"Slack received {len(sim.calls)} calls; the card was edited {updates} times, "
        "never posted twice"
    )
    t.step("📊 the count", f"of what {_name(CUSTOMER)} received for this port")
    t.saw(demo_tally.tally(sim, CHANNEL, CUSTOMER).lines(_name(CUSTOMER), f"#{_name(CHANNEL)}"))
    final = zendesk.ticket(ticket["id"])
    assert final is not None
    t.step("Zendesk", f"ticket #{ticket['id']} now")
    t.saw(_ticket_lines(zendesk, final))
    writes = [c for c in zendesk.calls() if c.method in ("POST", "PUT")]
    t.note(
        f"Zendesk received {len(zendesk.calls())} calls ({len(writes)} writes); "
        f"one ticket, {len(zendesk.comments(ticket['id']))} comments"
    )
    cast = demo_port_outs.Cast(CUSTOMER, AGENT, CHANNEL, AGENTS, NAMES)
    demo_port_outs.play(t, sim, driver, ff, ctx, cast)


class LateApp:
    """An ASGI app set after the server started: the app needs the server's address (the LOA
    links point at it) before it can be built."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def _signing_link(letter: Any) -> str:
    text = letter.get_body(("plain",)).get_content()
    return next(word for word in text.split() if "/loa/" in word).strip("<>.,")


def _mail_lines(letter: Any, link: str) -> list[str]:
    files = [part.get_filename() for part in letter.iter_attachments()]
    shown = link.rsplit("/", 1)[0] + "/…"  # the token is personal; the transcript need not show it
    return [
        f"From: {letter['From']}",
        f"Subject: {letter['Subject']}",
        f"a link to sign: {shown}",
        f"attached: {', '.join(f for f in files if f)}",
    ]


def _page_lines(page: str) -> list[str]:
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.replace("\n", " "), flags=re.S)
    text = re.sub(r"</?(p|h\d|li|tr|div|br|title|form|label)\b[^>]*>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return [line for line in lines if line][1:]


def _until(done: Callable[[], bool], timeout: float = 10) -> None:
    """Wait for work that portbot does after its ack (delivering what is due meanwhile)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("the demo waited too long for portbot")
        time.sleep(0.02)


def _ticket_lines(zendesk: ZendeskSimulator, ticket: dict[str, Any]) -> list[str]:
    status = [t for t in ticket["tags"] if t.startswith("port_status_")]
    lines = [
        f"subject: {ticket['subject']}",
        f"tags: {', '.join(sorted(ticket['tags']))}",
        f"status tag: {status[0] if status else 'none'}",
    ]
    for comment in zendesk.comments(ticket["id"])[-2:]:
        lines += _comment_lines(comment)
    return lines


def _comment_lines(comment: dict[str, Any]) -> list[str]:
    kind = "public reply" if comment["public"] else "internal note"
    files = ", ".join(a["file_name"] for a in comment.get("attachments") or ())
    body = comment["body"].strip().splitlines()
    head = f"[{kind}] " + (body[0] if body else "")
    rest = [f"    {line}" for line in body[1:6] if line.strip()]
    return [head, *rest] + ([f"    attached: {files}"] if files else [])


def _at(ctx: svc.Context, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ctx.calendar.tz)


def _landed(items: list[Landed], *, quiet: bool = False) -> list[str]:
    """One line per reminder (the daily digest is counted at the end, not shown each day)."""
    lines = []
    for r in items:
        if r.kind == "daily-digest":
            continue
        where = "thread" if r.thread else _name(r.channel) if r.channel == AGENTS else "DM"
        said = [line for line in render.mrkdwn(r.text, _name).splitlines() if line.strip()]
        together = f" ({len(r.kinds)} reminders, one message)" if len(r.kinds) > 1 else ""
        lines.append(f"⏰ {r.at:%a %b %-d %H:%M} in the {where}{together}: {said[0]}")
        lines += [f"   {line}" for line in said[1:]] if together else []
    return lines or ([] if quiet else ["(nothing was due)"])


def _said(answer: Any) -> list[str]:
    data = answer.json
    if data and data.get("blocks"):
        return render.blocks(data["blocks"], _name)
    return [render.mrkdwn(data.get("text", "") if data else answer.text, _name)]


def main(*, international: bool = False) -> int:
    import sys

    return run(sys.stdout, international=international)


if __name__ == "__main__":
    raise SystemExit(main())
