"""Benchmark: the intake's last step (``View.NEW_BILL``) with a large bill, ack and answer.

Run from the repository root with either of:

    python -m bench.slack_bill [--db sqlite|URL] [--files] [--size-mb N] [--repeats N]
    python bench/slack_bill.py [same options]

The server is the production path: ``build_runtime(..., process_before_response=False)``,
``create_app`` served by uvicorn on 127.0.0.1, and the Slack simulator answering the app's Web
API calls and serving the bill's bytes (``files.info``, then ``url_private_download``) over
loopback, so the fetch here is as fast as it can ever be: Slack's own servers are slower.

Each repeat walks ``/port new`` through steps 1-3 (fresh numbers each time), uploads a bill of
``--size-mb`` MB (``%PDF-1.7`` and random bytes: a PDF's streams are compressed, so the
database cannot shrink it) and submits the last step. Measured from just before sending:

* **ack**: until the HTTP answer is in (what Slack's 3-second limit is about);
* **shown**: until the simulator shows the confirmation (``View.NEW_DONE``): the ack itself
  when the listener answers with it, or the ``views.update`` that follows the ack.

``--db`` is ``sqlite`` (a file in a temporary folder) or a PostgreSQL URL on 127.0.0.1 (a fresh
schema, dropped afterwards); ``--files`` keeps document bytes in a temporary
``PORTBOT_FILES_DIR`` (a file written and fsync'ed) instead of the database row;
``--fetch-delay S`` makes the simulator hold the download for S seconds, as a slow Slack would
(the listener gives the fetch :data:`bot.slack.listeners.views.BILL_FETCH_SECONDS`).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a script: this folder is on sys.path and this file would shadow the "slack"
    # package that slack_sdk installs. Swap it for the repository root.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parent))

import argparse
import logging
import os
import shutil
import statistics
import tempfile
import time
from typing import Any

from slack_sdk import WebClient

from bench.slack_common import AGENT, AGENTS_CHANNEL, BOT_TOKEN, CHANNEL, CUSTOMER
from bench.slack_common import SIGNING_SECRET as SECRET
from bench.slack_seed import fresh_database
from bot import config
from bot.porting.calendar import BusinessCalendar
from bot.porting.intake import Agreement
from bot.sandbox.serving import ServedApp
from bot.sandbox.slack_driver import SlackDriver, datepicker, file_input
from bot.sandbox.slack_sim import SlackSimulator
from bot.server import build_runtime
from bot.services.base import Context
from bot.services.reminders import reconcile
from bot.slack.ids import Block, View
from bot.web import create_app
from tests.slack.test_intake_flow import GOOD_CONTACT as CONTACT


def _view(sim: SlackSimulator) -> dict[str, Any]:
    return sim.current_view(sim.view_stack(CUSTOMER)[-1])


def _step(driver: SlackDriver, sim: SlackSimulator, values: dict, expect: View) -> None:
    answer = driver.view_submission(_view(sim), values, CUSTOMER)
    got = _view(sim)["callback_id"]
    if answer.status != 200 or got != expect:
        raise SystemExit(f"expected {expect}, got {got}: {answer.text[:300]}")


def one(driver: SlackDriver, sim: SlackSimulator, i: int, bill: bytes, today) -> tuple:
    """One intake to the end: (ack seconds, seconds until the confirmation shows)."""
    opened = len(sim.calls_to("views.open"))
    driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    sim.wait_for("views.open", opened + 1, timeout=10)  # the modal opens after the ack
    _step(driver, sim, {Block.AGREEMENTS: [a.value for a in Agreement]}, View.NEW_NUMBERS)
    numbers = {
        Block.LANDLINES: f"617-253-{2000 + 2 * i}\n617-253-{2001 + 2 * i}",
        Block.LOSING_CARRIER: "Old Phone Co",
        Block.ACCOUNT_NUMBER: "88001234567",
        Block.BTN: f"617-253-{2000 + 2 * i}",
    }
    _step(driver, sim, numbers, View.NEW_CONTACT)
    _step(driver, sim, CONTACT, View.NEW_BILL)
    pdf = sim.add_file("bill.pdf", bill, "application/pdf", "pdf", user=CUSTOMER)
    values = {Block.BILL: file_input(pdf), Block.BILL_ISSUED_ON: datepicker(today)}
    view = _view(sim)
    start = time.perf_counter()
    answer = driver.view_submission(view, values, CUSTOMER)
    ack = time.perf_counter() - start
    if answer.status != 200:
        raise SystemExit(f"the bill step answered HTTP {answer.status}: {answer.text[:300]}")
    deadline = start + 30
    while sim.current_view(view["id"])["callback_id"] != View.NEW_DONE:
        if time.perf_counter() > deadline:
            raise SystemExit(f"no confirmation: {str(sim.current_view(view['id']))[:500]}")
        time.sleep(0.002)
    return ack, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite", help="sqlite, or a postgresql:// URL")
    parser.add_argument("--files", action="store_true", help="keep bytes in PORTBOT_FILES_DIR")
    parser.add_argument("--size-mb", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--fetch-delay", type=float, default=0.0, help="seconds Slack takes to serve the bill"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    bill = b"%PDF-1.7\n" + os.urandom(int(args.size_mb * 1024 * 1024) - 9)
    files_dir = tempfile.mkdtemp(prefix="portbot-bench-files-") if args.files else None
    sim = SlackSimulator().start()
    sim.add_user(CUSTOMER, "casey", "casey@acme.example")
    sim.add_user(AGENT, "avery", "avery@porting.example")
    sim.add_channel(CHANNEL, "acme-telecom", members=[CUSTOMER])
    sim.add_channel(AGENTS_CHANNEL, "porting-team", members=[AGENT])
    try:
        with fresh_database(args.db) as (db, label):
            env = {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": sim.url,
                "PORTBOT_AGENTS": AGENT,
                "PORTBOT_AGENTS_CHANNEL": AGENTS_CHANNEL,
            }
            if files_dir:
                env["PORTBOT_FILES_DIR"] = files_dir
            calendar = BusinessCalendar(country="US", timezone="America/New_York")
            ctx = Context(db=db, calendar=calendar, reconcile=reconcile)
            client = WebClient(token=BOT_TOKEN, base_url=sim.url)
            runtime = build_runtime(config.load(env), client=client, ctx=ctx)
            with ServedApp(create_app(ctx, runtime.bolt)) as served:
                driver = SlackDriver(f"{served.url}/slack/events", SECRET, sim)
                one(driver, sim, 0, bill[: 64 * 1024], ctx.today())  # warm-up, small bill
                if args.fetch_delay:
                    sim.delay("files.download", args.fetch_delay)
                runs = [one(driver, sim, i, bill, ctx.today()) for i in range(1, args.repeats + 1)]
            acks, shown = [r[0] * 1000 for r in runs], [r[1] * 1000 for r in runs]
            where = f"files in {files_dir}" if files_dir else "bytes in the row"
            slow = f"; Slack serves it in {args.fetch_delay:g} s" if args.fetch_delay else ""
            print(f"{label}; {where}; bill {args.size_mb:g} MB{slow}; {args.repeats} runs")
            for name, values in (("ack", acks), ("shown", shown)):
                print(
                    f"  {name:5}  median {statistics.median(values):7.1f} ms   "
                    f"min {min(values):7.1f}   max {max(values):7.1f}   "
                    f"({', '.join(f'{v:.0f}' for v in values)})"
                )
    finally:
        sim.stop()
        if files_dir:
            shutil.rmtree(files_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
