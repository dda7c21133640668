"""Benchmark: Slack ack latency through the real HTTP endpoint, with 100,000 requests stored.

Run from the repository root with either of:

    python -m bench.slack [--requests N] [--clients N] [--rounds N] [--db sqlite|URL] [--json F]
    python bench/slack.py [same options]

The server is the production path: ``build_runtime(..., process_before_response=False)``, its
outbox worker thread started as ``portbot serve`` does, ``create_app`` served by uvicorn on
127.0.0.1, and the Slack simulator answering the app's Web API calls. Requests are signed as
Slack signs them. The clients run in a separate process (``--same-process`` puts their threads
in the server's process instead), so they do not hold the server's GIL; they do share the
machine's cores.

Phases:

1. **seed**: a fresh database (a SQLite file in a temporary folder, or a fresh schema in the
   PostgreSQL database given by ``--db``, dropped afterwards), migrated, then ``--requests``
   port requests bulk-inserted in chunks of 5,000 (1-3 numbers and 1-3 timeline events each,
   statuses spread, every account number encrypted: 1,000 ciphertexts shared round the rows).
2. **status**: ``/port status <12-character prefix>`` of random stored requests, sent by an
   agent, ``--clients`` clients in a closed loop (each sends its next request when the answer
   to the last one is in), on a new connection each time. Latency is from just before
   connecting to the full response.
3. **submit**: the intake's step 2 (``View.NEW_NUMBERS``) submitted with ``--numbers`` distinct,
   valid landlines that are in no request (``617-NXX-XXXX``, one a line: 6.5 kB for 500), by
   as many clients; each submission has its own intake session. A good answer is
   ``response_action: update`` to the contact step.
   Status and submit alternate for ``--rounds`` rounds (the totals are split over them), after
   a warm-up; then both run again at the client counts of ``--sweep``.
4. **open**: ``/port new`` one at a time; the time from sending the command to the moment the
   simulator records the ``views.open`` call (both ``time.time()``), and the ack time. Then
   the same (``--opens-under-load``) while ``--clients`` clients keep sending ``/port status``.
5. **breakdown**: one request at a time in the server's process: the listener's steps (no
   Bolt, no HTTP), then ``App.dispatch`` of the same signed request as served
   (``process_before_response=False``) and with ``process_before_response=True``.

The machine's speed is taken before and after (``bench.numbers``' raw pass over its 10,000
lines), because shared machines drift.

This module is the command line; the parts live beside it: ``bench.slack_common`` (constants,
statistics, the machine's speed), ``bench.slack_seed`` (phase 1), ``bench.slack_clients`` (the
served app, Slack's signed requests, the client threads and their process),
``bench.slack_rounds`` (phases 2-5) and ``bench.slack_report`` (the tables and ``--json``).
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
import random
import time

from bench.slack_clients import Load, start_server
from bench.slack_common import SEED, calibrate, slack_cpus
from bench.slack_report import build_report, print_report, write_json
from bench.slack_rounds import (
    Workload,
    run_breakdown,
    run_load,
    run_opens,
    run_opens_under_load,
    run_sweep,
)
from bench.slack_seed import fresh_database, seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000, help="requests in the database")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=2, help="status/submit rounds, alternated")
    parser.add_argument("--status", type=int, default=3_200, help="measured /port status, total")
    parser.add_argument("--submissions", type=int, default=640, help="measured submissions, total")
    parser.add_argument("--warmup", type=int, default=200, help="/port status before measuring")
    parser.add_argument("--numbers", type=int, default=500, help="numbers per submission")
    parser.add_argument("--sweep", default="1,2,4,8,16", help="client counts; '' skips it")
    parser.add_argument("--sweep-status", type=int, default=300, help="requests per level")
    parser.add_argument("--sweep-submissions", type=int, default=60, help="per level")
    parser.add_argument("--opens", type=int, default=50, help="sequential /port new")
    parser.add_argument(
        "--opens-under-load", type=int, default=30, help="the same while status runs"
    )
    parser.add_argument("--breakdown", type=int, default=100, help="repeats; 0 skips it")
    parser.add_argument("--db", default="sqlite", help="'sqlite' or postgresql://…@127.0.0.1/…")
    parser.add_argument("--same-process", action="store_true", help="clients in the server")
    parser.add_argument(
        "--process-before-response",
        action="store_true",
        help="serve with process_before_response=True (not what portbot serve does)",
    )
    parser.add_argument(
        "--front",
        choices=("processes", "threads", "none"),
        default="processes",
        help="where deferred work runs (portbot serve: processes); none: answer in the ack",
    )
    parser.add_argument(
        "--slack-cpus",
        default="auto",
        help="CPUs for the clients and the Slack simulator: auto (the last CPU of two or more),"
        " all, or a list such as 1,3",
    )
    parser.add_argument("--no-outbox", action="store_true", help="do not run the outbox thread")
    parser.add_argument("--json", metavar="FILE", help="also write the results here ('-': stdout)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    rng = random.Random(SEED)
    stand_ins = slack_cpus(args.slack_cpus)

    started = time.perf_counter()
    speed = [calibrate()]
    with fresh_database(args.db) as (db, label):
        print(f"seeding {args.requests:,} requests into {label} …", flush=True)
        seeded = seed(db, args.requests, rng)
        server = start_server(
            db,
            process_before_response=args.process_before_response,
            outbox=not args.no_outbox,
            front=args.front,
            slack_cpus=stand_ins,
        )
        load = Load(server.events_url, args.clients, same_process=args.same_process, cpus=stand_ins)
        try:
            work = Workload(server, seeded.sids, args.numbers, rng)
            print(f"{args.clients} clients …", flush=True)
            status, submit = run_load(load, work, args)
            print("fewer clients …", flush=True)
            sweep = run_sweep(load, work, args)
            print("/port new …", flush=True)
            opens = run_opens(server, args.opens)
            loaded = run_opens_under_load(load, work, args.opens_under_load)
            breakdown = {}
            if args.breakdown:
                print("breakdown …", flush=True)
                breakdown = run_breakdown(server, work, args.breakdown)
        finally:
            load.close()
            server.stop()
    speed.append(calibrate())
    report = build_report(
        args,
        sys.argv[1:] if argv is None else argv,
        database=label,
        slack_cpus=stand_ins,
        seconds=time.perf_counter() - started,
        calibration_ms=speed,
        seeded=seeded,
        status=status,
        submit=submit,
        sweep=sweep,
        opens=opens,
        loaded=loaded,
        breakdown=breakdown,
    )
    print_report(report)
    print(f"(ran {report['config']['seconds']:.0f} s)")
    write_json(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
