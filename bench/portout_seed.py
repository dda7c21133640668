"""``bench.portout``'s data: the inventory bulk-inserted (numbers held by accounts, their
protection, windows, past port-outs), and the requests Bandwidth would send against it.

Each request is built from what was seeded, so its kind says what the rules must decide:

- ``authorized``: 1-5 numbers inside one open window (with the window's PIN when it has one);
- ``pending``: 1-5 held numbers in no window, the right PIN when the account has one (one
  request in ten spans two accounts: two port-outs); the holder is asked, reminders written;
- ``rejected``: numbers of an account with a PIN or a lock, and a wrong PIN (7513);
- ``refused``: numbers nobody holds (7516), three in ten with a held number among them;
- ``retry``: the same body as an earlier request, sent again (Bandwidth's retried delivery).
"""

from __future__ import annotations

import random
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.slack_seed import CHUNK, SEED_AREA_CODES, _nanp
from storage import crypto
from storage.models import HeldNumber, PortOut, PortOutAccount, PortOutEvent, PortOutWindow
from storage.values import PortOutStatus, Role, WindowStatus

TEAM = "T0PORTBOT"
UNKNOWN_AREA_CODES = ("617", "508")  # no held number is in these
KINDS = ("authorized", "pending", "rejected", "refused", "retry")
MIX = {"authorized": 25, "pending": 40, "rejected": 15, "refused": 15, "retry": 5}
RETRY_GAP = 200  # a retry is sent at least this many requests after its first delivery


@dataclass
class Account:
    account: str
    code: str
    postal_code: str
    pin: str | None = None
    locked: bool = False  # in effect now
    numbers: list[str] = field(default_factory=list)  # without a PIN or lock of their own
    protected: list[str] = field(default_factory=list)  # with their own PIN or lock
    windowed: set[str] = field(default_factory=set)  # in an open window


@dataclass
class Window:
    account: str
    numbers: list[str]
    pin: str | None


@dataclass
class Inventory:
    accounts: list[Account]
    windows: list[Window]
    rows: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class Planned:
    """One request: its body, its kind, and what the answer must say."""

    body: bytes
    kind: str
    portable: bool
    codes: frozenset[int] = frozenset()
    port_outs: tuple[tuple[str, int], ...] = ()  # (status, count) it records; none for retry


# ---------------------------------------------------------------------- seeding
def seed_inventory(
    db: Any, count: int, accounts: int, windows: int, history: int, rng: random.Random
) -> Inventory:
    """Bulk-insert ``count`` held numbers over ``accounts`` accounts (some with a PIN, some
    locked), ``windows`` open windows (and as many closed ones), and ``history`` past
    port-outs with two timeline events each."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    keyring = crypto.active()
    rows: Counter[str] = Counter()
    found = _accounts(accounts, rng)
    acct_rows = []
    for i, a in enumerate(found):
        roll = rng.random()
        unlock_at = None
        if roll < 0.05:
            a.locked = True
        elif roll < 0.07:  # an unlock asked for: in effect in some hours, or already
            a.locked = rng.random() < 0.5
            unlock_at = now + (timedelta(hours=6) if a.locked else -timedelta(hours=6))
        if rng.random() < 0.2:
            a.pin = f"{rng.randint(0, 10**6 - 1):06d}"
        acct_rows.append(
            {
                "id": i + 1,
                "team_id": TEAM,
                "account": a.account,
                "code": a.code,
                "pin_ct": keyring.encrypt(a.pin) if a.pin else None,
                "locked": a.locked or unlock_at is not None,
                "unlock_at": unlock_at,
                "updated_by": "U0AGENT",
                "updated_at": now - timedelta(days=rng.uniform(1, 400)),
            }
        )
    _insert(db, PortOutAccount, acct_rows, pin=True)
    rows["port_out_accounts"] = len(acct_rows)

    # Every account holds one number or more; the rest go by a skewed weight (a few big ones).
    weights = [rng.lognormvariate(0, 1.2) for _ in found]
    owners = list(range(len(found))) + rng.choices(range(len(found)), weights, k=count - len(found))
    used: set[str] = set()
    own_pins = [keyring.encrypt(f"{rng.randint(0, 9999):04d}") for _ in range(200)]
    held: list[dict[str, Any]] = []
    for n, owner in enumerate(owners, 1):
        a = found[owner]
        e164 = _nanp(rng, SEED_AREA_CODES)
        while e164 in used:
            e164 = _nanp(rng, SEED_AREA_CODES)
        used.add(e164)
        roll = rng.random()
        own_pin = rng.choice(own_pins) if roll < 0.02 else None
        own_lock = 0.02 <= roll < 0.03
        (a.protected if own_pin or own_lock else a.numbers).append(e164)
        held.append(
            {
                "id": n,
                "e164": e164,
                "team_id": TEAM,
                "account": a.account,
                "source": "port-in" if rng.random() < 0.7 else "agent",
                "request_id": None,
                "postal_code": a.postal_code if rng.random() < 0.6 else None,
                "pin_ct": own_pin,
                "locked": own_lock,
                "unlock_at": None,
                "added_by": "U0AGENT",
                "added_at": now - timedelta(days=rng.uniform(1, 900)),
            }
        )
    for first in range(0, len(held), CHUNK):
        _insert(db, HeldNumber, held[first : first + CHUNK], pin=True)
    rows["held_numbers"] = len(held)

    opened = _windows(db, found, windows, now, rng)
    rows["port_out_windows"] = 2 * len(opened)
    rows.update(_history(db, found, history, now, rng))
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            for table in ("port_out_accounts", "held_numbers", "port_out_windows", "port_outs"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('port_out_events', 'id'), "
                "(SELECT coalesce(max(id), 1) FROM port_out_events))"
            )
            conn.exec_driver_sql("ANALYZE")
    return Inventory(found, opened, dict(rows), time.perf_counter() - started)


def _accounts(count: int, rng: random.Random) -> list[Account]:
    codes = rng.sample(range(10**9, 10**10), count)
    found = []
    for i in range(count):
        # Nine accounts in ten are a customer's shared channel; the rest a person's DMs.
        account = f"C0ACCT{i:05d}" if i % 10 else f"U0ACCT{i:05d}"
        found.append(Account(account, str(codes[i]), f"{rng.randint(1000, 99999):05d}"))
    return found


def _windows(
    db: Any, found: list[Account], count: int, now: datetime, rng: random.Random
) -> list[Window]:
    """``count`` open windows on unprotected accounts, and as many that are over."""
    keyring = crypto.active()
    free = [a for a in found if a.pin is None and not a.locked and len(a.numbers) >= 2]
    opened: list[Window] = []
    out: list[dict[str, Any]] = []
    for i in range(2 * count):
        a = rng.choice(free)
        numbers = rng.sample(a.numbers, min(len(a.numbers), rng.randint(1, 10)))
        pin = f"{rng.randint(0, 9999):04d}" if rng.random() < 0.3 else None
        is_open = i < count
        starts = now - timedelta(days=rng.uniform(0.1, 3))
        ends = now + timedelta(days=rng.uniform(1, 20))
        if not is_open:  # over: closed early, or ended
            ends = now - timedelta(days=rng.uniform(0.1, 30))
            starts = ends - timedelta(days=rng.uniform(1, 10))
        closed = not is_open and rng.random() < 0.5
        if is_open:
            opened.append(Window(a.account, numbers, pin))
            a.windowed.update(numbers)
        out.append(
            {
                "id": i + 1,
                "public_id": f"PW{i:032x}",
                "team_id": TEAM,
                "channel_id": a.account,
                "account": a.account,
                "created_by": "U0CUSTOMER",
                "numbers": numbers,
                "starts_at": starts,
                "ends_at": ends,
                "receiving_carrier": None,
                "pin_ct": keyring.encrypt(pin) if pin else None,
                "status": WindowStatus.CLOSED if closed else WindowStatus.OPEN,
                "requested": False,
                "wished_date": None,
                "closed_at": ends if closed else None,
                "closed_by": "U0CUSTOMER" if closed else None,
                "created_at": starts,
            }
        )
    _insert(db, PortOutWindow, out, pin=True)
    return opened


def _history(
    db: Any, found: list[Account], count: int, now: datetime, rng: random.Random
) -> dict[str, int]:
    """Past port-outs from Bandwidth, decided long ago, each with two timeline events."""
    outs: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    done = (PortOutStatus.PORTED, PortOutStatus.REJECTED, PortOutStatus.CANCELLED)
    for i in range(1, count + 1):
        a = rng.choice(found)
        numbers = rng.sample(a.numbers + a.protected, 1)
        status = rng.choice(done)
        at = now - timedelta(days=rng.uniform(2, 700))
        outs.append(
            {
                "id": i,
                "public_id": f"PO{i:032x}",
                "team_id": TEAM,
                "account": a.account,
                "numbers": numbers,
                "receiving_carrier": "",
                "pon": f"HIST-{i:06d}",
                "source": "bandwidth",
                "source_ref": f"HIST-{i:06d}",
                "dedupe_key": f"bandwidth:{rng.getrandbits(256):064x}#0",
                "status": status,
                "decisions": [{"number": numbers[0], "reason": "ask"}],
                "rule": "customer",
                "logged_by": "bandwidth",
                "decided_by": "U0CUSTOMER",
                "decided_at": at + timedelta(hours=2),
                "created_at": at,
            }
        )
        for j, action in enumerate(("arrived", status.value)):
            events.append(
                {
                    "id": 2 * i - 1 + j,
                    "port_out_id": i,
                    "at": at + timedelta(hours=2 * j),
                    "action": action,
                    "actor_role": Role.SYSTEM,
                    "actor_id": "bandwidth",
                    "actor_name": "Bandwidth port-out validation",
                    "detail": "",
                    "data": {},
                }
            )
    for first in range(0, len(outs), CHUNK):
        with db.engine.begin() as conn:
            conn.execute(sa.insert(PortOut.__table__), outs[first : first + CHUNK])  # type: ignore[attr-defined]
            conn.execute(
                sa.insert(PortOutEvent.__table__),  # type: ignore[attr-defined]
                events[2 * first : 2 * (first + CHUNK)],
            )
    return {"port_outs (past)": len(outs), "port_out_events (past)": len(events)}


def _insert(db: Any, model: Any, rows: list[dict[str, Any]], *, pin: bool) -> None:
    """Core insert; ``pin_ct`` is already encrypted, so it is bound as text."""
    stmt = sa.insert(model.__table__)
    if pin:
        stmt = stmt.values(pin=sa.bindparam("pin_ct", type_=sa.Text()))
    with db.engine.begin() as conn:
        conn.execute(stmt, rows)


# ---------------------------------------------------------------------- the requests
def body(pon: str, numbers: list[str], *, pin: str | None, account: Account | None, rng) -> bytes:
    """A ``PortOutValidationRequest`` as Bandwidth sends it (ten-digit numbers)."""
    root = ET.Element("PortOutValidationRequest")
    ET.SubElement(root, "PON").text = pon
    if pin:
        ET.SubElement(root, "Pin").text = pin
    if account is not None and rng.random() < 0.5:
        ET.SubElement(root, "AccountNumber").text = account.code
    if account is not None and rng.random() < 0.5:
        ET.SubElement(root, "ZipCode").text = account.postal_code
    ET.SubElement(root, "SubscriberName").text = f"Subscriber {rng.randint(1, 50_000)}"
    tns = ET.SubElement(root, "TelephoneNumbers")
    for n in numbers:
        ET.SubElement(tns, "TelephoneNumber").text = n[2:]
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


class Workload:
    """Builds distinct requests of each kind from the seeded inventory."""

    def __init__(self, inventory: Inventory, rng: random.Random, run: str) -> None:
        self.rng, self.run, self.serial = rng, run, 0
        self.windows = inventory.windows
        by_name = {a.account: a for a in inventory.accounts}
        self.window_accounts = [by_name[w.account] for w in self.windows]
        self.askable = [a for a in inventory.accounts if not a.locked and _unwindowed(a)]
        self.guarded = [a for a in inventory.accounts if a.pin or a.locked]
        self.sent: list[Planned] = []

    def _pon(self) -> str:
        self.serial += 1
        return f"BENCH-{self.run}-{self.serial:06d}"

    def _few(self, pool: list[str], most: int = 5) -> list[str]:
        return self.rng.sample(pool, min(len(pool), self.rng.randint(1, most)))

    def make(self, kind: str) -> Planned:
        rng = self.rng
        if kind == "retry":
            earlier = [p for p in self.sent[:-RETRY_GAP] if p.kind != "retry"]
            if earlier:
                first = rng.choice(earlier)
                return Planned(first.body, "retry", first.portable, first.codes)
            kind = "pending"
        if kind == "authorized":
            i = rng.randrange(len(self.windows))
            w, a = self.windows[i], self.window_accounts[i]
            numbers = self._few(w.numbers)
            made = Planned(
                body(self._pon(), numbers, pin=w.pin, account=a, rng=rng),
                kind,
                True,
                port_outs=(("authorized", 1),),
            )
        elif kind == "pending":
            owners = rng.sample(self.askable, 2 if rng.random() < 0.1 else 1)
            pins = {a.pin for a in owners}
            if len(pins) > 1:  # one PIN per request: keep to the first account
                owners = owners[:1]
            numbers = [n for a in owners for n in self._few(_unwindowed(a), 5 // len(owners))]
            one = owners[0] if len(owners) == 1 else None  # its account code and ZIP
            made = Planned(
                body(self._pon(), numbers, pin=owners[0].pin, account=one, rng=rng),
                kind,
                True,
                port_outs=(("pending", len(owners)),),
            )
        elif kind == "rejected":
            a = rng.choice(self.guarded)
            wrong = f"{(int(a.pin) + 1) % 10**6:06d}" if a.pin else "135790"
            numbers = self._few(a.numbers or a.protected)
            made = Planned(
                body(self._pon(), numbers, pin=wrong, account=None, rng=rng),
                kind,
                False,
                frozenset({7513}),
                (("rejected", 1),),
            )
        elif kind == "refused":
            numbers = [_nanp(rng, UNKNOWN_AREA_CODES) for _ in range(rng.randint(1, 4))]
            outs: tuple[tuple[str, int], ...] = (("rejected", 1),)
            pin = None
            if rng.random() < 0.3:  # with one held number, which is then asked about
                a = rng.choice([a for a in self.askable if a.pin is None])
                numbers.append(rng.choice(_unwindowed(a)))
                outs = (("rejected", 1), ("pending", 1))
            made = Planned(
                body(self._pon(), numbers, pin=pin, account=None, rng=rng),
                kind,
                False,
                frozenset({7516}),
                outs,
            )
        else:
            raise ValueError(kind)
        self.sent.append(made)
        return made

    def batch(self, count: int, mix: dict[str, int] | None = None) -> list[Planned]:
        """``count`` requests, their kinds drawn from ``mix``; retries only of earlier ones."""
        weights = mix or MIX
        kinds = self.rng.choices(list(weights), list(weights.values()), k=count)
        return [self.make(k) for k in kinds]


def _unwindowed(a: Account) -> list[str]:
    return [n for n in a.numbers if n not in a.windowed]


def expected_port_outs(planned: list[Planned]) -> Counter[str]:
    """How many port-outs of each status the requests must have recorded."""
    total: Counter[str] = Counter()
    for p in planned:
        for status, count in p.port_outs:
            total[status] += count
    return total
