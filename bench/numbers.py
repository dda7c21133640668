"""Benchmark: ``parse_numbers`` against bare phonenumbers calls on 10,000 pasted numbers.

Run from the repository root with either of:

    python -m bench.numbers [--repeats N] [--count N] [--check]
    python bench/numbers.py [--repeats N] [--count N] [--check]

The baseline ("raw") is the least any validator must do for each line:
``phonenumbers.parse(line, "US")``, ``is_valid_number`` and ``format_number(E164)``,
catching ``NumberParseException``. The lines are split before the raw timing starts.
portbot gets the whole pasted text and does everything: splitting, fictional and
duplicate checks, the number's kind and region, and the messages for bad values.

With ``--check`` the exit status is 1 when the median ratio is above 1.5.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a script: this folder is on sys.path and this file would shadow the
    # standard library's "numbers" module. Swap it for the repository root.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parent))

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable

import phonenumbers

from bot.porting.numbers import parse_numbers

SEED = 20261122
MAX_RATIO = 1.5

# Real, assigned area codes (phonenumbers says numbers in them are valid).
# fmt: off
US_AREA_CODES = (
    "201", "202", "206", "212", "213", "214", "215", "303", "305", "310", "312", "313",
    "404", "408", "415", "469", "503", "512", "602", "617", "646", "702", "713", "718",
    "720", "773", "786", "808", "817", "832", "858", "901", "917", "949", "954", "972",
)
CA_AREA_CODES = ("403", "416", "514", "604", "613", "647", "780", "902")
TOLL_FREE_AREA_CODES = ("800", "833", "844", "855", "866", "877", "888")
# fmt: on


def _us_formats(npa: str, nxx: str, line: str) -> list[str]:
    return [
        f"({npa}) {nxx}-{line}",
        f"{npa}.{nxx}.{line}",
        f"1-{npa}-{nxx}-{line}",
        f"+1 {npa} {nxx} {line}",
        f"{npa}{nxx}{line}",
        f"+1{npa}{nxx}{line}",
        f"{npa}-{nxx}-{line}",
        f"+1 ({npa}) {nxx}-{line}",
    ]


def _nanp(rng: random.Random, area_codes: tuple[str, ...]) -> tuple[str, str, str]:
    npa = rng.choice(area_codes)
    nxx = str(rng.randint(200, 999))
    while nxx[1:] == "11" or nxx == "555":  # N11 and 555 exchanges are special
        nxx = str(rng.randint(200, 999))
    return npa, nxx, f"{rng.randint(0, 9999):04d}"


def build_lines(count: int = 10_000, seed: int = SEED) -> list[str]:
    """A deterministic paste: ~90% valid numbers in assorted formats, the rest bad."""
    rng = random.Random(seed)
    lines: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.75:  # US geographic
            lines.append(rng.choice(_us_formats(*_nanp(rng, US_AREA_CODES))))
        elif roll < 0.80:  # Canada
            lines.append(rng.choice(_us_formats(*_nanp(rng, CA_AREA_CODES))))
        elif roll < 0.85:  # toll-free
            lines.append(rng.choice(_us_formats(*_nanp(rng, TOLL_FREE_AREA_CODES))))
        elif roll < 0.90:  # UK, London and Manchester
            if rng.random() < 0.5:
                lines.append(f"+44 20 7{rng.randint(100, 899)} {rng.randint(1000, 9999)}")
            else:
                lines.append(f"+44 161 {rng.randint(200, 399)} {rng.randint(1000, 9999)}")
        elif roll < 0.93 and lines:  # duplicate of an earlier line, maybe reformatted
            earlier = rng.choice(lines)
            lines.append(earlier if rng.random() < 0.5 else f" {earlier} ")
        elif roll < 0.95:  # fictional
            npa = rng.choice(US_AREA_CODES)
            lines.append(rng.choice(_us_formats(npa, "555", f"01{rng.randint(0, 99):02d}")))
        elif roll < 0.965:  # impossible area or exchange codes
            lines.append(
                f"{rng.randint(100, 199)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
            )
        elif roll < 0.98:  # too short or too long
            digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((6, 8, 13))))
            lines.append(digits)
        elif roll < 0.99:  # extensions
            npa, nxx, line = _nanp(rng, US_AREA_CODES)
            lines.append(f"{npa}-{nxx}-{line} x{rng.randint(10, 9999)}")
        else:  # letters and junk
            lines.append(rng.choice(("1-800-FLOWERS", "call me", "n/a", "617-55S-1212")))
    return lines


def raw_phonenumbers(lines: list[str]) -> int:
    """The baseline: parse, validate and format every line, nothing else."""
    valid = 0
    e164 = phonenumbers.PhoneNumberFormat.E164
    for line in lines:
        try:
            number = phonenumbers.parse(line, "US")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            phonenumbers.format_number(number, e164)
            valid += 1
    return valid


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(count: int, repeats: int) -> tuple[list[float], list[float]]:
    lines = build_lines(count)
    text = "\n".join(lines)
    # Warm up: phonenumbers loads metadata and compiles patterns on first use.
    raw_phonenumbers(lines)
    parse_numbers(text)
    raw_times: list[float] = []
    ours: list[float] = []
    for _ in range(repeats):  # interleaved, so drift hits both sides alike
        raw_times.append(_time(lambda: raw_phonenumbers(lines)))
        ours.append(_time(lambda: parse_numbers(text)))
    return raw_times, ours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="numbers in the paste")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each side")
    parser.add_argument("--check", action="store_true", help=f"fail when ratio > {MAX_RATIO}")
    args = parser.parse_args(argv)

    lines = build_lines(args.count)
    result = parse_numbers("\n".join(lines))
    problems: dict[str, int] = {}
    for issue in result.issues:
        problems[issue.problem.value] = problems.get(issue.problem.value, 0) + 1
    raw_times, ours = run(args.count, args.repeats)
    raw_median, our_median = statistics.median(raw_times), statistics.median(ours)
    ratio = our_median / raw_median

    print(
        f"python {platform.python_version()}, phonenumbers {phonenumbers.__version__}, "
        f"{args.count:,} lines, {args.repeats} repeats"
    )
    print(
        f"raw: {raw_phonenumbers(lines):,} valid; portbot: {len(result.numbers):,} accepted, "
        f"refused {problems}"
    )
    print(f"{'':12} {'median ms':>10} {'min ms':>10} {'µs/number':>10}")
    for name, times in (("raw", raw_times), ("portbot", ours)):
        median = statistics.median(times)
        print(
            f"{name:12} {median * 1e3:10.1f} {min(times) * 1e3:10.1f} "
            f"{median / args.count * 1e6:10.2f}"
        )
    print(f"ratio of medians: {ratio:.3f} (limit {MAX_RATIO})")
    print(f"ratio of minimums: {min(ours) / min(raw_times):.3f}")
    if args.check and ratio > MAX_RATIO:
        print("FAIL: parse_numbers is too slow", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
