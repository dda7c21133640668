"""Benchmark: Bandwidth's ``POST /portout/validation`` with 100,000 numbers in the inventory.

Run from the repository root with either of:

    python -m bench.portout [--clients N] [--requests N] [--db sqlite|URL] [--json F]
    python bench/portout.py [same options]

1. **seed**: a fresh database (a SQLite file in WAL mode in a temporary folder, or a fresh
   schema in the PostgreSQL database given by ``--db``, dropped afterwards), migrated, then
   bulk-inserted: ``--numbers`` held numbers over ``--accounts`` accounts (a fifth with an
   account PIN, some locked, a few numbers with a PIN or lock of their own), ``--windows``
   open windows and as many that are over, and ``--history`` past port-outs.
2. **serve**: the server in its own process, as ``portbot serve`` runs it: settings from the
   environment's names, ``build_context``, ``create_app(ctx, None, portout=validation_routes(
   decider(ctx), user=..., password=...))``, the heap frozen, uvicorn (uvloop, httptools) on
   127.0.0.1, one log line per request to a file.
3. **load**: ``--clients`` clients in another process (kept to the last CPU, see
   ``--client-cpus``) send Basic-authenticated requests in a closed loop, each on a new
   connection; every body is distinct (its own PON) except the retries, which repeat an
   earlier one. The mix (``bench.portout_seed``): authorized in a window, pending (the
   holder asked, reminders written), a wrong PIN, unknown numbers, and retried deliveries.
   ``--warmup`` requests first, then ``--requests`` measured, then each ``--sweep`` level.
   Each answer is checked against what the rules must say (Portable, error codes), and at the
   end the port-outs recorded are counted by status against what the requests must record.
4. **breakdown** (``--breakdown N``): N requests of each kind decided one at a time in this
   process (``decider(ctx)``, no HTTP), and with ``--profile`` the same under cProfile.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parent))

import argparse
import cProfile
import io
import json
import logging
import os
import platform
import pstats
import random
import sqlite3
import statistics
import time
from collections import Counter
from importlib.metadata import version
from typing import Any

import sqlalchemy as sa

from bench.portout_seed import KINDS, Planned, Workload, expected_port_outs, seed_inventory
from bench.portout_serve import Clients, settings_env, start_server
from bench.slack_common import SEED, calibrate, pct, slack_cpus
from bench.slack_seed import fresh_database

TARGET_MS = 50.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=100_000, help="held numbers")
    parser.add_argument("--accounts", type=int, default=2_000, help="accounts holding them")
    parser.add_argument("--windows", type=int, default=150, help="open windows (as many over)")
    parser.add_argument("--history", type=int, default=20_000, help="past port-outs")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=4_000, help="measured requests")
    parser.add_argument("--warmup", type=int, default=400, help="requests before measuring")
    parser.add_argument("--sweep", default="1,4", help="further client counts; '' skips")
    parser.add_argument("--sweep-requests", type=int, default=600, help="requests per level")
    parser.add_argument("--breakdown", type=int, default=50, help="per kind, in-process; 0 skips")
    parser.add_argument("--profile", action="store_true", help="cProfile the breakdown")
    parser.add_argument("--db", default="sqlite", help="'sqlite' or postgresql://…@127.0.0.1/…")
    parser.add_argument(
        "--client-cpus",
        default="auto",
        help="CPUs for the clients: auto (the last of two or more), all, or a list such as 1,3",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if p99 is over 50 ms")
    parser.add_argument("--json", metavar="FILE", help="also write the results here ('-': stdout)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    rng = random.Random(SEED)
    cpus = slack_cpus(args.client_cpus)
    started = time.perf_counter()
    speed = [calibrate()]
    report: dict[str, Any] = {"config": vars(args), "machine": machine()}
    with fresh_database(args.db) as (db, label):
        report["database"] = label
        print(f"seeding {args.numbers:,} held numbers into {label} …", flush=True)
        inventory = seed_inventory(db, args.numbers, args.accounts, args.windows, args.history, rng)
        report["seeded"] = {"rows": inventory.rows, "seconds": inventory.seconds}
        url = db.url.render_as_string(hide_password=False)
        folder = Path(db.url.database).parent if db.is_sqlite and db.url.database else None
        log_path = str((folder or Path("/tmp")) / f"portout-bench-{SEED}-{os.getpid()}.log")
        Path(log_path).unlink(missing_ok=True)  # the lines of this run only
        server = start_server(url, log_path)
        clients = Clients(server.url, cpus)
        work = Workload(inventory, rng, run=f"{int(time.time())}")
        sent: list[Planned] = []
        try:
            warm = work.batch(args.warmup)
            print(f"warm-up: {len(warm)} requests …", flush=True)
            report["warmup"] = measure(clients, server, warm, args.clients)
            sent += warm
            planned = work.batch(args.requests)
            print(f"{args.clients} clients: {len(planned)} requests …", flush=True)
            report["load"] = measure(clients, server, planned, args.clients)
            sent += planned
            report["sweep"] = {}
            for level in [int(c) for c in args.sweep.split(",") if c.strip()]:
                batch = work.batch(args.sweep_requests)
                print(f"{level} clients: {len(batch)} requests …", flush=True)
                report["sweep"][level] = measure(clients, server, batch, level)
                sent += batch
        finally:
            clients.close()
            server.stop()
        report["recorded"] = recorded(db, sent)
        report["log_lines"] = log_lines(log_path)
        if args.breakdown:
            print("breakdown …", flush=True)
            report["breakdown"] = breakdown(url, work, args.breakdown, profile=args.profile)
    speed.append(calibrate())
    report["calibration_ms"] = speed
    report["seconds"] = time.perf_counter() - started
    print_report(report)
    if args.json:
        text = json.dumps(report, indent=2, default=str)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text)
    p99 = report["load"]["kinds"]["all"]["p99"]
    return 1 if args.check and (p99 > TARGET_MS or report["load"]["errors"]) else 0


# ---------------------------------------------------------------------- measuring
def measure(clients: Clients, server: Any, planned: list[Planned], count: int) -> dict[str, Any]:
    """Send ``planned`` with ``count`` clients; latencies by kind, errors, rate and CPU."""
    out = clients.run([p.body for p in planned], count, server)
    by_kind: dict[str, list[float]] = {"all": []}
    errors: Counter[str] = Counter()
    for p, (seconds, status, portable, codes, note) in zip(planned, out["results"], strict=True):
        by_kind["all"].append(seconds)
        by_kind.setdefault(p.kind, []).append(seconds)
        if status != 200:
            errors[f"{p.kind}: HTTP {status} {note[:80]}"] += 1
        elif portable is not p.portable or (p.codes and not p.codes <= codes):
            errors[f"{p.kind}: Portable {portable} codes {sorted(codes)}"] += 1
    n = len(planned)
    cpu = out["server_cpu"]
    return {
        "clients": count,
        "requests": n,
        "seconds": out["seconds"],
        "rate": n / out["seconds"],
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "server_cpu_ms": None if cpu is None else cpu["all"] / n * 1e3,
        "loop_cpu_ms": None if cpu is None else cpu["loop"] / n * 1e3,
        "client_cpu_ms": out["client_cpu"] / n * 1e3,
        "kinds": {k: stats(v) for k, v in by_kind.items()},
    }


def stats(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1e3 for s in seconds]
    return {
        "n": len(ms),
        "p50": pct(ms, 50),
        "p90": pct(ms, 90),
        "p99": pct(ms, 99),
        "max": max(ms),
        "mean": statistics.fmean(ms),
    }


def recorded(db: Any, sent: list[Planned]) -> dict[str, Any]:
    """The port-outs the bench's requests recorded, by status, against what they must; and
    the rows they wrote beside them."""
    with db.engine.connect() as conn:
        by_status = dict(
            conn.execute(
                sa.text(
                    "SELECT status, count(*) FROM port_outs WHERE pon LIKE 'BENCH-%' "
                    "GROUP BY status"
                )
            ).all()
        )
        rows = {
            table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("port_out_events", "outbox", "reminders")
        }
    expected = dict(expected_port_outs(sent))
    return {"port_outs": by_status, "expected": expected, "match": by_status == expected, **rows}


def log_lines(path: str) -> dict[str, int]:
    """The server log's lines by level (the access lines are INFO)."""
    levels: Counter[str] = Counter()
    try:
        with open(path) as f:
            for line in f:
                parts = line.split(" ", 3)
                if len(parts) > 2 and parts[2] in ("DEBUG", "INFO", "WARNING", "ERROR"):
                    levels[parts[2]] += 1
    except OSError:
        pass
    return dict(levels)


def breakdown(url: str, work: Workload, repeats: int, *, profile: bool) -> dict[str, Any]:
    """Each kind decided one at a time in this process: the route's ``decide`` without HTTP."""
    from bot import config
    from bot.bandwidth.decide import decider
    from bot.bandwidth.route import dedupe_key
    from bot.bandwidth.validation import parse_request
    from bot.context import build_context

    ctx = build_context(config.load(settings_env(url)))
    decide = decider(ctx)
    out: dict[str, Any] = {}
    profiler = cProfile.Profile() if profile else None
    try:
        for kind in KINDS:
            times = []
            for _ in range(repeats):
                body = work.make(kind).body
                started = time.perf_counter()
                if profiler is not None:  # on this thread, where cProfile sees it
                    profiler.enable()
                    decide.decide_all([(parse_request(body), dedupe_key(body))])
                    profiler.disable()
                else:
                    decide(parse_request(body), dedupe_key(body))
                times.append(time.perf_counter() - started)
            out[kind] = stats(times)
    finally:
        ctx.db.dispose()
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        out["profile"] = text.getvalue()
    return out


# ---------------------------------------------------------------------- the report
def machine() -> dict[str, str]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = "?"
    cores = len(os.sched_getaffinity(0))
    libs = ", ".join(f"{p} {version(p)}" for p in ("uvicorn", "uvloop", "httptools", "sqlalchemy"))
    return {
        "line": f"{cores} × {cpu or 'CPU'} cores, {memory}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {libs}",
    }


def print_report(r: dict[str, Any]) -> None:
    print()
    print(f"machine: {r['machine']['line']}")
    print(f"database: {r['database']}")
    rows = ", ".join(f"{k} {v:,}" for k, v in r["seeded"]["rows"].items())
    print(f"seeded in {r['seeded']['seconds']:.1f} s: {rows}")
    speed = r["calibration_ms"]
    print(f"machine speed (bench.numbers raw pass): {speed[0]:.0f} → {speed[1]:.0f} ms")
    load = r["load"]
    print()
    print(f"{load['clients']} clients, {load['requests']:,} requests (ms):")
    _table(load)
    for level, result in r.get("sweep", {}).items():
        print(f"\n{level} clients, {result['requests']:,} requests (ms):")
        _table(result)
    rec = r["recorded"]
    print(
        f"\nport-outs recorded by the bench's requests: {rec['port_outs']} "
        f"(expected {rec['expected']}: {'match' if rec['match'] else 'MISMATCH'}); "
        f"rows now: port_out_events {rec['port_out_events']:,}, outbox {rec['outbox']:,}, "
        f"reminders {rec['reminders']:,}; server log lines {r['log_lines']}"
    )
    if r.get("breakdown"):
        print("\none at a time in-process (decide(), no HTTP; ms):")
        print("| kind | p50 | p90 | p99 | max |\n|---|---|---|---|---|")
        for kind in KINDS:
            s = r["breakdown"][kind]
            print(f"| {kind} | {s['p50']:.2f} | {s['p90']:.2f} | {s['p99']:.2f} | {s['max']:.2f} |")
        if "profile" in r["breakdown"]:
            print(r["breakdown"]["profile"])
    p99 = load["kinds"]["all"]["p99"]
    verdict = "met" if p99 <= TARGET_MS and not load["errors"] else "NOT met"
    print(f"\ntarget p99 ≤ {TARGET_MS:.0f} ms at {load['clients']} clients: {verdict} ({p99:.1f})")
    print(f"(ran {r['seconds']:.0f} s)")


def _table(result: dict[str, Any]) -> None:
    print("| kind | n | p50 | p90 | p99 | max | mean |\n|---|---|---|---|---|---|---|")
    for kind in ("all", *KINDS):
        s = result["kinds"].get(kind)
        if s:
            print(
                f"| {kind} | {s['n']:,} | {s['p50']:.1f} | {s['p90']:.1f} | {s['p99']:.1f} "
                f"| {s['max']:.1f} | {s['mean']:.1f} |"
            )
    cpu, loop = result["server_cpu_ms"], result["loop_cpu_ms"]
    split = "" if cpu is None else f" (event loop {loop:.2f}, workers {cpu - loop:.2f})"
    print(
        f"req/s {result['rate']:.1f}; errors {result['errors']}; server CPU per request "
        f"{'?' if cpu is None else f'{cpu:.2f}'} ms{split}; "
        f"client CPU {result['client_cpu_ms']:.2f} ms"
    )
    for what, n in result["error_kinds"].items():
        print(f"  error ×{n}: {what}")


if __name__ == "__main__":
    sys.exit(main())
