"""The server's side of the Slack acks, read from a loopback packet capture.

The bench's clients time each ack from their own process, which adds their own waits (for a
CPU, for their interpreter lock). A capture of the loopback interface shows what the server
did: for every connection that carried ``POST /slack/events``, the time from the request's last
packet to the answer's first one, and when the request came, so the slow acks can be placed in
the run (at a round's start, when 32 requests arrive together; or spread through it).

    tcpdump -i lo -s 200 -w /tmp/acks.pcap tcp &      # then run bench.slack; then stop tcpdump
    python -m bench.ack_capture /tmp/acks.pcap [--slow 15]

Requests of 5,000 bytes and more are counted as submissions, the rest as commands. Reads
classic pcap files (microsecond or nanosecond stamps) of Ethernet, Linux "cooked" or null
link types, IPv4 only: what ``tcpdump -i lo`` writes on Linux.
"""

from __future__ import annotations

import argparse
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a script: this folder is on sys.path, where bench/numbers.py would shadow the
    # standard library's numbers module. Swap it for the repository root.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parent))

from bench.slack_common import pct

LARGE = 5_000  # bytes: a step-2 submission is about 13 kB, a command under 1 kB
_LINK_HEADER = {0: 4, 1: 14, 113: 16, 276: 20}  # null, Ethernet, Linux SLL, Linux SLL2


@dataclass
class Exchange:
    first: float  # the request's first packet
    last: float  # the request's last packet before the answer
    size: int  # request bytes
    answered: float = 0.0  # the answer's first packet (exchanges() returns answered ones)

    @property
    def ms(self) -> float:
        """The server's time to answer."""
        return (self.answered - self.last) * 1e3


def packets(path: Path) -> Iterator[tuple[float, int, int, int, bytes]]:
    """(time, source port, destination port, payload length, payload head) of each TCP packet."""
    with path.open("rb") as f:
        head = f.read(24)
        magic, link = struct.unpack("<I", head[:4])[0], struct.unpack("<I", head[20:24])[0]
        scale = 1e9 if magic == 0xA1B23C4D else 1e6
        skip = _LINK_HEADER.get(link, 14)
        while len(record := f.read(16)) == 16:
            sec, frac, kept, _ = struct.unpack("<IIII", record)
            ip = f.read(kept)[skip:]
            if not ip or ip[0] >> 4 != 4 or ip[9] != 6:  # IPv4 carrying TCP
                continue
            ihl = (ip[0] & 15) * 4
            total = struct.unpack(">H", ip[2:4])[0]
            tcp = ip[ihl:]
            source, dest = struct.unpack(">HH", tcp[:4])
            offset = (tcp[12] >> 4) * 4
            yield sec + frac / scale, source, dest, total - ihl - offset, tcp[offset : offset + 32]


def exchanges(path: Path) -> list[Exchange]:
    """One per ``POST /slack/events`` connection, in the order the requests came."""
    open_: dict[tuple[int, int], Exchange] = {}
    done: list[Exchange] = []
    for at, source, dest, length, head in packets(path):
        if length <= 0:
            continue
        if head.startswith(b"POST /slack/events"):
            open_[(source, dest)] = Exchange(at, at, length)
        elif (ex := open_.get((source, dest))) is not None:
            ex.last, ex.size = at, ex.size + length  # more of the request
        elif (ex := open_.pop((dest, source), None)) is not None:
            ex.answered = at
            done.append(ex)
    return sorted(done, key=lambda ex: ex.first)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture", type=Path)
    parser.add_argument("--slow", type=float, default=15.0, help="list acks slower than this (ms)")
    args = parser.parse_args(argv)
    found = exchanges(args.capture)
    if not found:
        print("no POST /slack/events in the capture")
        return 1
    start = found[0].first
    for name, pick in (("commands", False), ("submissions", True)):
        chosen = [ex for ex in found if (ex.size >= LARGE) is pick]
        if not chosen:
            continue
        ms = [ex.ms for ex in chosen]
        print(
            f"{name:12} {len(ms):6,}  p50 {pct(ms, 50):6.2f}  p90 {pct(ms, 90):6.2f}  "
            f"p99 {pct(ms, 99):6.2f}  max {max(ms):7.2f} ms"
        )
        slow = [ex for ex in chosen if ex.ms > args.slow]
        if slow:
            listed = ", ".join(f"{ex.first - start:.3f} s: {ex.ms:.1f}" for ex in slow[:40])
            print(f"  over {args.slow:g} ms ({len(slow)}), by arrival: {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
