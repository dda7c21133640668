"""``bench.slack``'s output: the report's figures gathered in one dict, printed as tables,
and written as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
from datetime import date
from pathlib import Path
from typing import Any

from bench.slack_common import ACK_TARGET_MS, OPEN_TARGET_MS
from bench.slack_seed import Seeded


# ---------------------------------------------------------------------- output
def build_report(
    args: argparse.Namespace,
    argv: list[str],
    *,
    database: str,
    slack_cpus: frozenset[int] | None,
    seconds: float,
    calibration_ms: list[float],
    seeded: Seeded,
    status: dict[str, Any],
    submit: dict[str, Any],
    sweep: dict[str, Any],
    opens: dict[str, Any],
    loaded: dict[str, Any],
    breakdown: dict[str, Any],
) -> dict[str, Any]:
    """All the run's figures (what ``--json`` writes), and whether the targets were met."""
    return {
        "config": {
            "date": date.today().isoformat(),
            "python": platform.python_version(),
            "cores": os.cpu_count(),
            "database": database,
            "clients": args.clients,
            "client_mode": "same process" if args.same_process else "separate process",
            "slack_cpus": sorted(slack_cpus) if slack_cpus else "all",
            "process_before_response": args.process_before_response,
            "front": args.front,
            "outbox": not args.no_outbox,
            "argv": argv,
            "seconds": seconds,
            "calibration_ms": calibration_ms,
        },
        "seed": {"seconds": seeded.seconds, "rows": seeded.rows},
        "status": status,
        "submit": submit,
        "sweep": sweep,
        "open": opens,
        "open_under_load": loaded,
        "breakdown": breakdown,
        "targets": {
            "status": status.get("p99", math.inf) <= ACK_TARGET_MS and not status["errors"],
            "submit": submit.get("p99", math.inf) <= ACK_TARGET_MS and not submit["errors"],
            "open": opens["views_open"].get("p99", math.inf) <= OPEN_TARGET_MS,
            "open_under_load": loaded["views_open"].get("p99", math.inf) <= OPEN_TARGET_MS,
        },
    }


def _cpus(cpus: list[int] | str) -> str:
    return cpus if isinstance(cpus, str) else ",".join(map(str, cpus))


HEAD = f"{'':46} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"


def _row(name: str, s: dict[str, Any], extra: str = "") -> str:
    if not s:
        return f"{name:46} (none)"
    return f"{name:46} {s['p50']:8.1f} {s['p90']:8.1f} {s['p99']:8.1f} {s['max']:8.1f}{extra}"


def _load_row(name: str, p: dict[str, Any]) -> str:
    extra = (
        f" {p['per_s']:7.1f} {p['errors']:6d} {p['over_3s']:6d}"
        f" {p['server_cpu_ms_per_request']:9.2f}"
    )
    return _row(name, p, extra)


def print_report(report: dict[str, Any]) -> None:
    cfg, seeded = report["config"], report["seed"]
    print(
        f"python {cfg['python']}, {cfg['cores']} cores, {cfg['database']}; "
        f"clients in a {cfg['client_mode']}, "
        f"clients and Slack simulator on CPUs: {_cpus(cfg['slack_cpus'])}, "
        f"process_before_response={cfg['process_before_response']}, outbox={cfg['outbox']}, "
        f"deferred work: {cfg['front']}"
    )
    before, after = cfg["calibration_ms"]
    print(
        f"machine speed: bench.numbers raw pass {before:.0f} ms before, {after:.0f} ms after "
        "(452 ms in that bench's results)"
    )
    rows = ", ".join(f"{v:,} {k}" for k, v in seeded["rows"].items())
    print(f"seeded {rows} in {seeded['seconds']:.1f} s")
    load_head = HEAD + f" {'req/s':>7} {'errors':>6} {'>3 s':>6} {'CPU ms/req':>9}"
    print(f"\n{cfg['clients']} concurrent clients (CPU: the server process's, per request)")
    print(load_head)
    for key, label in (("status", "/port status ack"), ("submit", "step-2 submission ack")):
        p = report[key]
        print(_load_row(f"{label}, {p['n']:,} requests", p))
        print(_row("  … until the answer reached Slack", p["answer"]))
        for i, r in enumerate(p["rounds"], 1):
            print(_row(f"  round {i}", r, f" {r['per_s']:7.1f}"))
        for sample in p["error_samples"]:
            print(f"  e.g. {sample}")
    if report["sweep"]:
        print("\nfewer clients")
        print(load_head)
        for clients, both in report["sweep"].items():
            for key, label in (("status", "/port status"), ("submit", "step-2 submission")):
                print(_load_row(f"{label}, {clients} clients", both[key]))
                print(_row("  … until the answer reached Slack", both[key]["answer"]))
    opens = report["open"]
    print("\n/port new, one at a time")
    print(HEAD)
    print(_row(f"ack ({opens['ack'].get('n', 0)} commands)", opens["ack"]))
    print(_row("command sent → views.open recorded", opens["views_open"]))
    if opens["errors"]:
        print(f"  {opens['errors']} commands failed")
    loaded = report["open_under_load"]
    print(f"/port new while {cfg['clients']} clients send /port status")
    print(_row(f"ack ({loaded['ack'].get('n', 0)} commands)", loaded["ack"]))
    print(_row("command sent → views.open recorded", loaded["views_open"]))
    if loaded["errors"]:
        print(f"  {loaded['errors']} commands failed")
    for kind, items in report["breakdown"].items():
        print(f"\nbreakdown, {kind}, one at a time in the server process")
        print(HEAD)
        for name, s in items.items():
            print(_row(f"  {name}", s))
    verdict = {k: "met" if v else "NOT met" for k, v in report["targets"].items()}
    print(
        f"\ntargets at {cfg['clients']} clients: /port status p99 ≤ 30 ms {verdict['status']}; "
        f"submission p99 ≤ 30 ms {verdict['submit']}; views.open p99 ≤ 100 ms "
        f"{verdict['open']} one at a time, {verdict['open_under_load']} under load"
    )


def write_json(report: dict[str, Any], target: str | None) -> None:
    """``--json``: the report to ``target`` ('-': stdout); nothing without it."""
    if target == "-":
        print(json.dumps(report, indent=2))
    elif target:
        Path(target).write_text(json.dumps(report, indent=2) + "\n")
