"""Benchmark: what one port costs in Zendesk API calls, and how fast the outbox delivers.

Run from the repository root with either of:

    python -m bench.zendesk [--requests 200]
    python bench/zendesk.py [--requests 200]

Everything goes over real HTTP to the Zendesk simulator on loopback, through the same gateway,
delivery and webhook code that ``portbot serve`` runs, on a temporary SQLite database.

1. **Calls per lifecycle.** One request from open to ported: opened with its bill, five status
   changes (draft → awaiting signature → in review → submitted → FOC confirmed → completed),
   six Slack replies that go to the ticket and six public agent comments that come back through
   the signed webhook. Every Zendesk call is counted by kind; the target is one write per visible
   change plus one upload per file, and no search.
2. **Delivery rate.** ``--requests`` requests are opened and taken to in review (three events
   each), then the outbox is drained in one go: rows and Zendesk calls per second.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parent))

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot import services as svc
from bot.delivery.outbox import Outbox
from bot.porting.calendar import BusinessCalendar
from bot.sandbox.serving import ServedApp
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.services.base import Context
from bot.services.effects import Topic
from bot.services.reminders import reconcile
from bot.slack.files import FetchedFile
from bot.web import create_app
from bot.zendesk.delivery import ZendeskDelivery
from bot.zendesk.gateway import ZenpyGateway
from bot.zendesk.inbound import Inbound
from bot.zendesk.mapping import TicketOptions
from storage import crypto
from storage import repositories as repo
from storage.db import Database
from tests.services.helpers import draft, mark_loa_signed, numbers

EMAIL, TOKEN, SECRET = "portbot@acme.example", "bench-token", "bench-hook"
CUSTOMER, AGENT = svc.Actor.customer("U0CUSTOMER", "casey"), svc.Actor.agent("U0AGENT", "avery")


class Bills:
    """Stands in for Slack's file download: the bill's bytes, at once."""

    def fetch(self, file_id: str) -> FetchedFile:
        return FetchedFile("bill.pdf", "application/pdf", b"%PDF-1.7\n" + b"x" * 120_000)


def _kind(method: str, path: str) -> str:
    parts = path.split("?")[0].rstrip("/").removesuffix(".json").split("/")
    tail = parts[3] if len(parts) > 3 else path
    if tail == "tickets" and len(parts) > 4:
        return f"{method} tickets/{{id}}"
    return f"{method} {tail}"


def _setup(tmp: str) -> tuple[Context, ZendeskSimulator]:
    crypto.configure(crypto.Keyring(["bench-key-0123456789abcdef0123456789"]))
    db = Database(f"sqlite:///{tmp}/bench.db")
    db.upgrade()
    calendar = BusinessCalendar(country="US", timezone="America/New_York")
    ctx = Context(
        reconcile=reconcile,
        db=db,
        calendar=calendar,
        effect_topics=(Topic.ZENDESK_REQUEST_EVENT,),
        loa_topic=None,
    )
    return ctx, ZendeskSimulator(email=EMAIL, token=TOKEN).start()


def _outbox(ctx: Context, sim: ZendeskSimulator) -> Outbox:
    gateway = ZenpyGateway("acme", EMAIL, TOKEN, url=sim.url, timeout=5)
    delivery = ZendeskDelivery(ctx, gateway, TicketOptions(), files=Bills())  # type: ignore[arg-type]
    return Outbox(ctx, {Topic.ZENDESK_REQUEST_EVENT: delivery}, batch_size=100)


def lifecycle(tmp: str) -> Counter[str]:
    ctx, sim = _setup(tmp)
    ctx.clock = lambda: datetime.now(UTC)
    outbox = _outbox(ctx, sim)
    inbound = Inbound(ctx, SECRET, api_email=EMAIL)
    try:
        with ServedApp(create_app(ctx, None, zendesk=inbound)) as served:
            sim.webhook(f"{served.url}/zendesk/webhook", SECRET)
            bill_draft = draft(numbers(3))
            bill = bill_draft.bill.__class__(*[*vars_of(bill_draft.bill)[:4], "F0BILL"])
            sid = svc.open_request(
                ctx, draft(numbers(3), bill=None, bill_later=True), actor=CUSTOMER
            ).sid
            outbox.drain()
            svc.complete_draft(ctx, sid, actor=CUSTOMER, bill=bill)
            mark_loa_signed(ctx, sid, actor=CUSTOMER)
            for i in range(3):
                svc.add_comment(
                    ctx, sid, f"question {i}", actor=CUSTOMER, source="slack", source_id=f"a{i}"
                )
            svc.submit_to_carrier(ctx, sid, actor=AGENT)
            outbox.drain()
            (ticket,) = sim.tickets()
            for i in range(6):
                sim.agent_comment(ticket["id"], f"answer {i}", public=True, author="Dana")
            foc = ctx.calendar.add_business_days(ctx.today(), 10)
            svc.set_foc(ctx, sid, foc, actor=AGENT)
            for i in range(3, 6):
                svc.add_comment(
                    ctx, sid, f"question {i}", actor=CUSTOMER, source="slack", source_id=f"a{i}"
                )
            svc.mark_ported(ctx, sid, actor=AGENT)
            outbox.drain()
            assert len(sim.tickets()) == 1
            with ctx.db.read() as s:
                back = [
                    e
                    for e in repo.events_of(s, request_id=repo.get_request(s, sid=sid).id)
                    if e.action == "comment" and (e.data or {}).get("source") == "zendesk"
                ]
            assert len(back) == 6, "every agent comment came back through the webhook"
            # The simulated agent's comments are made inside the simulator, not over HTTP:
            # every call counted here is one portbot made.
            return Counter(_kind(c.method, c.path) for c in sim.calls())
    finally:
        sim.stop()
        ctx.db.dispose()


def vars_of(bill: object) -> list[object]:
    return [getattr(bill, f) for f in ("filename", "size", "content_type", "issued_on")]


def delivery_rate(tmp: str, count: int) -> tuple[int, int, float]:
    ctx, sim = _setup(tmp)
    start = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    ctx.clock = lambda: start
    try:
        for _ in range(count):
            sid = svc.open_request(ctx, draft(numbers(3)), actor=CUSTOMER).sid
            mark_loa_signed(ctx, sid, actor=CUSTOMER)
        ctx.clock = lambda: start + timedelta(minutes=1)
        outbox = _outbox(ctx, sim)
        began = time.perf_counter()
        rows = outbox.drain(max_rounds=100_000)
        seconds = time.perf_counter() - began
        return rows, len(sim.calls()), seconds
    finally:
        sim.stop()
        ctx.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        calls = lifecycle(tmp)
    total = sum(calls.values())
    print("One port, open → ported (5 status changes, 6 comments each way, 1 bill):")
    for kind, n in sorted(calls.items()):
        print(f"  {kind:<24} {n:>3}")
    print(f"  {'total':<24} {total:>3}")
    with tempfile.TemporaryDirectory() as tmp:
        rows, made, seconds = delivery_rate(tmp, args.requests)
    print(
        f"\nDelivery: {rows:,} outbox rows for {args.requests:,} requests, {made:,} Zendesk calls "
        f"in {seconds:.2f} s — {rows / seconds:,.0f} rows/s, {made / seconds:,.0f} calls/s"
    )


if __name__ == "__main__":
    main()
