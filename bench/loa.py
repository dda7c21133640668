"""Benchmark: drawing the LOA PDF (``bot.loa.pdf.render``) for 1 and 1,000 numbers, and stamping it.

Run from the repository root with either of:

    python -m bench.loa [--repeats N] [--counts 1,1000]
    python bench/loa.py [--repeats N] [--counts 1,1000]

Each size is built once as a :class:`LoaContent` (a business request in the US, numbers in
617-253-xxxx, landline/wireless/toll-free in turn), rendered once to warm up (font metrics,
reportlab's caches), then rendered ``--repeats`` times; the sizes take turns so that machine drift
hits them alike. It prints the median and minimum time, the file size and page count, and the
same for ``stamp`` on the rendered letter.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a script: put the repository root on sys.path instead of this folder.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parent))

import argparse
import io
import platform
import statistics
import time
from datetime import UTC, date, datetime

import pypdf
import reportlab
from pypdf import PdfReader

from bot.loa.content import LoaContent, content_of
from bot.loa.pdf import Signature, document_hash, render, stamp
from storage.models import PortNumber, PortRequest
from storage.values import AccountType, LineType, RequestStatus, Secret

_TYPES = (LineType.LANDLINE, LineType.WIRELESS, LineType.TOLL_FREE)


# A business request per country: the US one, and the French one (the longest letter: French
# with the English under each paragraph, accents in every field).
_REQUESTS = {
    "US": {
        "company_name": "Harbor & Pine Logistics LLC",
        "rep_name": "Dana Okafor-Lindqvist",
        "rep_email": "dana@harborpine.example",
        "losing_carrier": "Northwind Telecom",
        "pin": "917364",
        "btn": "+16172530000",
        "street": "77 Massachusetts Ave",
        "city": "Cambridge",
        "region": "MA",
        "postal_code": "02139",
        "prefix": "+1617253",
    },
    "FR": {
        "company_name": "Société Générale & Fils SARL",
        "rep_name": "Zoë Müller-Núñez",
        "rep_email": "zoe@example.fr",
        "losing_carrier": "Orange",
        "pin": "02P123456ABC",
        "btn": "+33142000000",
        "street": "12 rue de l'Église",
        "city": "Lyon",
        "region": "",
        "postal_code": "69002",
        "prefix": "+33142",
    },
}


def build_content(count: int, country: str = "US") -> LoaContent:
    r = _REQUESTS[country]
    req = PortRequest(
        sid="PR" + "0123456789abcdef" * 2,
        status=RequestStatus.AWAITING_SIGNATURE,
        account_type=AccountType.BUSINESS,
        company_name=r["company_name"],
        rep_name=r["rep_name"],
        rep_email=r["rep_email"],
        losing_carrier=r["losing_carrier"],
        account_number=Secret("8402715539", keep_last=4),
        pin=Secret(r["pin"]),
        btn=r["btn"],
        street=r["street"],
        city=r["city"],
        region=r["region"],
        postal_code=r["postal_code"],
        country=country,
    )
    width = 12 - len(r["prefix"])  # E.164: the national part after the prefix
    numbers = [
        PortNumber(
            request_id=1,
            position=i,
            e164=f"{r['prefix']}{i:0{width}d}",
            line_type=_TYPES[i % 3],
        )
        for i in range(count)
    ]
    return content_of(req, numbers, today=date(2026, 11, 16))


def _ms(seconds: list[float]) -> tuple[float, float]:
    return statistics.median(seconds) * 1000, min(seconds) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per size (default 9)")
    parser.add_argument("--counts", default="1,1000", help="numbers per letter (default 1,1000)")
    parser.add_argument("--country", default="US", choices=sorted(_REQUESTS), help="the letter")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.counts.split(",") if c.strip()]

    contents = {n: build_content(n, args.country) for n in counts}
    pdfs = {n: render(contents[n]) for n in counts}  # warm-up, and the letters to stamp
    signatures = {
        n: Signature("Dana Okafor-Lindqvist", datetime(2026, 11, 17, 15, 4, 5, tzinfo=UTC),
                     "203.0.113.45", "bench", document_hash(pdfs[n]))
        for n in counts
    }  # fmt: skip
    stamped = {n: stamp(pdfs[n], signatures[n]) for n in counts}
    render_times: dict[int, list[float]] = {n: [] for n in counts}
    stamp_times: dict[int, list[float]] = {n: [] for n in counts}
    for _ in range(args.repeats):
        for n in counts:
            start = time.perf_counter()
            pdf = render(contents[n])
            render_times[n].append(time.perf_counter() - start)
            assert pdf == pdfs[n], "render is not deterministic"
            start = time.perf_counter()
            stamp(pdf, signatures[n])
            stamp_times[n].append(time.perf_counter() - start)

    print(
        f"python {platform.python_version()}, reportlab {reportlab.Version}, "
        f"pypdf {pypdf.__version__}; {args.repeats} runs each"
    )
    print(f"{'numbers':>8} {'step':>7} {'median ms':>10} {'min ms':>9} {'bytes':>8} {'pages':>6}")
    for n in counts:
        for step, times, pdf in (
            ("render", render_times[n], pdfs[n]),
            ("stamp", stamp_times[n], stamped[n]),
        ):
            median, low = _ms(times)
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            print(f"{n:>8,} {step:>7} {median:>10.1f} {low:>9.1f} {len(pdf):>8,} {pages:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
