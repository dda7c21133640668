"""The ticket sidebar's view and actions over real HTTP, against a seeded database: the fragment
for a port request, a port-out and a ticket linked to nothing; one ticket never showing
another's request; the bearer token; each action through the services, once per submit, named
"<agent> (Zendesk)" on the timeline, its refusals in the form, and its Slack and Zendesk effects
queued (and, end to end, delivered to both simulators)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
import requests
from slack_sdk import WebClient
from sqlmodel import func, select
from starlette.applications import Starlette
from starlette.middleware import Middleware

from bot import services as svc
from bot.http_limits import SIDEBAR_FORM_LIMIT
from bot.porting import rejections
from bot.sandbox.serving import ServedApp
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.server import build_runtime
from bot.services import port_outs as po
from bot.sidebar.auth import Account, Installation, PublicKey
from bot.sidebar.tokens import SIDEBAR_TOKEN_TTL, SidebarTokens
from bot.sidebar.web import Sidebar, sidebar_routes
from bot.web import AccessLog
from bot.wording.port_outs import decided_by
from bot.wording.rich import plain
from storage.models import (
    OutboxMessage,
    PortOut,
    PortOutEvent,
    PortRequest,
    SlackLink,
    TimelineEvent,
    ZendeskLink,
)
from storage.values import PortOutStatus, RequestStatus, Role
from tests.services.helpers import (
    ACCOUNT,
    AGENT,
    CUSTOMER,
    PIN,
    draft,
    mark_loa_signed,
    numbers,
    outbox_for,
)
from tests.slack.conftest import CHANNEL as SLACK_CHANNEL
from tests.slack.conftest import new_sim
from tests.slack.conftest import settings_for as slack_settings

HOST = "acme.zendesk.com"
SECRET = "sidebar-view-secret-0123456789"
INSTALLATION, USER = 700001, 1002
TICKET, OTHER_TICKET, LONELY_TICKET = 4001, 4002, 4999
HOSTILE_CARRIER = 'Old <img src=x onerror="alert(1)"> & Co'
HOSTILE_COMPANY = "<script>alert('pwned')</script> Widgets"
PORT_PIN = "482913"
S = RequestStatus
OWN = "own token"  # a Site's own good token, unless a test passes another
NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


# --- serving ---------------------------------------------------------------------------------


@dataclass
class Site:
    url: str
    sidebar: Sidebar
    wakes: list[int] = field(default_factory=list)
    keys: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))

    def token(self, *, user: int | None = USER, now: float | None = None) -> str:
        grant = Installation(INSTALLATION, user)
        return self.sidebar.tokens.issue(grant, now=time.time() if now is None else now)

    def get(self, ticket: object, *, token: str | None = OWN) -> requests.Response:
        headers = _bearer(self.token() if token is OWN else token)
        return requests.get(
            f"{self.url}/zendesk/sidebar/tickets/{ticket}", headers=headers, timeout=10
        )

    def act(
        self,
        ticket: object,
        name: str,
        *,
        token: str | None = OWN,
        key: str | None = None,
        agent_name: str = "Dana Agent",
        **fields: str,
    ) -> requests.Response:
        """Post an action as the page's script does: the form's fields, the agent's name and a
        fresh request key (or ``key``)."""
        body = {**fields, "agent_name": agent_name, "request_key": key or f"k-{next(self.keys)}"}
        return requests.post(
            f"{self.url}/zendesk/sidebar/tickets/{ticket}/actions/{name}",
            data=body,
            headers=_bearer(self.token() if token is OWN else token),
            timeout=10,
        )


def _bearer(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def _sidebar() -> Sidebar:
    origin = f"https://{HOST}"
    return Sidebar(Account(HOST, origin, origin), PublicKey(), SidebarTokens([SECRET]))


@pytest.fixture
def site(ctx) -> Iterator[Site]:
    sidebar = _sidebar()
    wakes: list[int] = []
    routes = sidebar_routes(sidebar, ctx, wake=lambda: wakes.append(1))
    app = Starlette(routes=routes, middleware=[Middleware(AccessLog, routes=routes)])
    with ServedApp(app) as served:
        yield Site(served.url, sidebar, wakes)


# --- seeding ---------------------------------------------------------------------------------


def _open(ctx, **overrides) -> str:
    snap = svc.open_request(ctx, draft(**overrides), actor=CUSTOMER, team_id="T1", channel_id="C1")
    return snap.sid


def _submitted(ctx, **overrides) -> str:
    sid = _open(ctx, **overrides)
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, sid, actor=AGENT)
    return sid


def _link(db, ticket: int, *, sid: str | None = None, port_out: int | None = None) -> None:
    with db.write() as s:
        request_id = None
        if sid is not None:
            request_id = s.exec(select(PortRequest.id).where(PortRequest.sid == sid)).one()
        s.add(
            ZendeskLink(
                request_id=request_id, port_out_id=port_out, ticket_id=ticket, created_at=NOW
            )
        )


def _events(db, sid: str, action: str | None = None) -> list[TimelineEvent]:
    with db.read() as s:
        req_id = s.exec(select(PortRequest.id).where(PortRequest.sid == sid)).one()
        stmt = select(TimelineEvent).where(TimelineEvent.request_id == req_id)
        if action:
            stmt = stmt.where(TimelineEvent.action == action)
        return list(s.exec(stmt.order_by(TimelineEvent.id)).all())


def _status(db, sid: str) -> RequestStatus:
    with db.read() as s:
        return s.exec(select(PortRequest.status).where(PortRequest.sid == sid)).one()


def _pending_port_out(ctx) -> str:
    held = numbers(2)
    po.add_numbers(ctx, team_id="T1", account="C0ACME", numbers=held, actor=AGENT)
    incoming = po.Incoming(
        numbers=held, carrier=HOSTILE_CARRIER, pin=PORT_PIN, subscriber_name="<b>Acme</b>"
    )
    got = po.receive(ctx, incoming, actor=AGENT, source="agent")
    (found,) = got.port_outs
    assert found.status is PortOutStatus.PENDING  # no window: the holder is asked
    return found.public_id


def _port_out_id(db, public_id: str) -> int:
    with db.read() as s:
        return s.exec(select(PortOut.id).where(PortOut.public_id == public_id)).one()


# --- reading the fragment --------------------------------------------------------------------


class Fragment(HTMLParser):
    """What a test needs from a fragment: its forms (by ``data-action``), the ids of every
    control and the ``for`` of every label, and the text of ``.pb-error`` by form."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.forms: list[str] = []
        self.controls: list[tuple[str, str]] = []  # (action, id)
        self.labels: set[str] = set()
        self.errors: list[tuple[str | None, str]] = []  # (action or None, message)
        self._form: str | None = None
        self._error = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and "pb-action" in (a.get("class") or ""):
            self._form = a.get("data-action") or ""
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea"):
            self.controls.append((self._form or "", a.get("id") or ""))
        elif tag == "label":
            self.labels.add(a.get("for") or "")
        elif tag == "p" and "pb-error" in (a.get("class") or ""):
            assert a.get("role") == "alert"
            self._error = True
            self.errors.append((self._form, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "p":
            self._error = False

    def handle_data(self, data: str) -> None:
        if self._error:
            form, text = self.errors[-1]
            self.errors[-1] = (form, text + data)


def _fragment(answer: requests.Response) -> Fragment:
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    text = answer.text
    assert "<html" not in text and "<body" not in text  # a fragment, not a page
    assert "<script" not in text and "style=" not in text  # nothing inline (the CSP)
    assert "frame-ancestors https://acme.zendesk.com" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    page = Fragment(text)
    assert all(cid and cid in page.labels for _, cid in page.controls), page.controls
    return page


# --- the view ----------------------------------------------------------------------------------


def test_a_port_in_shows_what_the_agent_needs_escaped(ctx, db, site):
    nums = numbers(2)
    sid = _submitted(
        ctx,
        landlines=nums,
        wireless=numbers(1),
        losing_carrier=HOSTILE_CARRIER,
        company_name=HOSTILE_COMPANY,
        name="Main <office>",
    )
    _link(db, TICKET, sid=sid)
    with db.write() as s:
        req_id = s.exec(select(PortRequest.id).where(PortRequest.sid == sid)).one()
        s.add(SlackLink(request_id=req_id, team_id="T1", channel_id="C1", message_ts="1.2"))
    answer = site.get(TICKET)
    assert answer.status_code == 200
    page = _fragment(answer)
    text = answer.text
    assert sid in text and "Submitted to carrier" in text and "Main &lt;office&gt;" in text
    assert "+1 617-253-" in text and "Landline" in text and "Mobile" in text
    assert "With the carrier" in text  # each number's status
    assert "Old &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in text
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in text
    assert "<img" not in text and "<script>" not in text
    assert ACCOUNT not in text and PIN not in text  # the account number and PIN never show
    assert "Signed " in text  # the LOA's state
    assert "Avery Agent" in text and "Casey Customer" in text  # the timeline, by name
    assert 'href="https://slack.com/app_redirect?channel=C1&amp;team=T1"' in text
    assert page.forms == ["foc", "reject", "note"]  # what "submitted" allows; no port date yet
    codes = {code for code, _ in rejections.choices()}
    assert all(f'<option value="{code}"' in text for code in codes)  # the whole catalog


def test_the_port_date_counts_down_in_business_days(ctx, db, site):
    sid = _submitted(ctx)
    _link(db, TICKET, sid=sid)
    # Monday Nov 16 to Friday Nov 27: nine weekdays, Thanksgiving (Nov 26) is not one.
    answer = site.act(
        TICKET, "foc", date="2026-11-27", start="09:00", end="11:00", tz="America/Chicago"
    )
    assert answer.status_code == 200, answer.text
    page = _fragment(answer)
    assert "Fri Nov 27, 2026, 10:00 AM – 12:00 PM EST" in answer.text  # shown in our zone
    assert "(in 8 business days)" in answer.text
    assert "Port date confirmed" in answer.text and "Port date set" in answer.text
    assert page.forms == ["foc", "complete", "reject", "note"]


def test_what_is_missing_and_the_loa_state_before_submission(ctx, db, site):
    sid = _open(ctx, rep_name='Jordan "J&J" O\'Rivera')
    _link(db, TICKET, sid=sid)
    answer = site.get(TICKET)
    page = _fragment(answer)
    assert "Waiting for LOA signature" in answer.text
    assert (
        "The LOA&#x27;s signature: it is waiting for Jordan &quot;J&amp;J&quot; O&#x27;Rivera."
        in answer.text
    )
    assert "not signed yet" in answer.text
    assert page.forms == ["resend_loa", "note"]


def test_the_latest_rejection_and_its_fix_in_the_catalogs_words(ctx, db, site):
    sid = _submitted(ctx, landlines=numbers(2))
    _link(db, TICKET, sid=sid)
    answer = site.act(TICKET, "reject", code="invalid_btn", note="carrier said <so>")
    assert answer.status_code == 200, answer.text
    entry = rejections.CATALOG[rejections.RejectionCode.INVALID_BTN]
    text = answer.text
    assert "Latest rejection" in text and "Action required" in text
    assert entry.title.replace("'", "&#x27;") in text
    assert entry.fix[0].replace("'", "&#x27;").replace('"', "&quot;") in text
    assert "by Dana Agent (Zendesk)" in text
    assert "carrier said &lt;so&gt;" in text  # the note, on the timeline
    assert _status(db, sid) is S.ACTION_REQUIRED


def test_a_port_out_shows_its_decisions_and_takes_an_answer(ctx, db, site):
    public_id = _pending_port_out(ctx)
    _link(db, OTHER_TICKET, port_out=_port_out_id(db, public_id))
    answer = site.get(OTHER_TICKET)
    page = _fragment(answer)
    text = answer.text
    assert public_id in text and "Waiting for the customer&#x27;s answer" in text
    assert "Port-out to Old &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in text
    assert "&lt;b&gt;Acme&lt;/b&gt;" in text and "<img" not in text
    assert "waiting for an answer" in text and "Answer by" in text
    assert PORT_PIN not in text
    assert page.forms == ["authorize", "reject"]
    assert all(f'value="{key}"' in text for key in po.REJECT_REASONS)

    before = _count(db, OutboxMessage)
    authorized = site.act(OTHER_TICKET, "authorize", key="same-click")
    assert authorized.status_code == 200, authorized.text
    assert "Authorized" in authorized.text and _fragment(authorized).forms == []
    assert "Dana Agent (Zendesk) of the porting team" in authorized.text
    again = site.act(OTHER_TICKET, "authorize", key="same-click")  # the same submit, again
    assert again.status_code == 200
    with db.read() as s:
        decided = s.exec(select(PortOutEvent).where(PortOutEvent.action == "authorized")).all()
    assert [(e.actor_id, e.actor_name) for e in decided] == [
        ("zendesk:1002", "Dana Agent (Zendesk)")
    ]
    with db.read() as s:  # the port-out names the agent, as Slack's words will show them
        (decision,) = s.exec(select(PortOut)).all()
    assert decision.decided_by == "Dana Agent (Zendesk)"
    assert plain(decided_by(decision)) == "Dana Agent (Zendesk) of the porting team"
    topics = _topics_since(db, before)
    assert topics == ["slack.port_out_event", "zendesk.port_out_event"]
    assert site.wakes == [1]

    late = site.act(OTHER_TICKET, "reject", reason="not-requested")
    assert late.status_code == 422
    assert [m for _, m in _fragment(late).errors] == [
        "That port-out was already decided: authorized."
    ]


def test_a_ticket_linked_to_nothing_offers_to_link_a_request(ctx, db, site):
    sid = _submitted(ctx)
    answer = site.get(LONELY_TICKET)
    assert answer.status_code == 200
    page = _fragment(answer)
    assert page.forms == ["link"] and ("link", "pb-link-sid") in page.controls
    assert sid[:10] not in answer.text  # no request is shown

    before = _count(db, OutboxMessage)
    linked = site.act(LONELY_TICKET, "link", sid=sid[:10], key="link-once")
    assert linked.status_code == 200, linked.text
    assert sid in linked.text and "Submitted to carrier" in linked.text
    assert site.act(LONELY_TICKET, "link", sid=sid[:10], key="link-once").status_code == 200
    (event,) = _events(db, sid, "zendesk_link")
    assert event.detail == f"Linked to Zendesk ticket #{LONELY_TICKET}." and not event.public
    assert _topics_since(db, before) == ["slack.request_event", "zendesk.request_event"]

    taken = site.act(OTHER_TICKET, "link", sid=sid)
    assert taken.status_code == 422
    ((form, message),) = _fragment(taken).errors
    assert form == "link" and f"already linked to ticket #{LONELY_TICKET}" in message
    assert f'value="{sid}"' in taken.text  # what was typed stays in the box
    unknown = site.act(OTHER_TICKET, "link", sid="PR00000000")
    assert unknown.status_code == 422 and "No request matches PR00000000" in unknown.text


def test_a_ticket_shows_only_its_own_request(ctx, db, site):
    first, second = _submitted(ctx), _submitted(ctx)
    _link(db, TICKET, sid=first)
    _link(db, OTHER_TICKET, sid=second)
    one, two, none = (
        site.get(TICKET).text,
        site.get(OTHER_TICKET).text,
        site.get(LONELY_TICKET).text,
    )
    assert first in one and second not in one
    assert second in two and first not in two
    assert first not in none and second not in none
    # An action on one ticket changes that ticket's request only.
    assert site.act(TICKET, "note", text="only here").status_code == 200
    assert [e.detail for e in _events(db, first, "note")] == ["only here"]
    assert _events(db, second, "note") == []


# --- the door ----------------------------------------------------------------------------------


def test_a_missing_bad_or_expired_token_gets_401(ctx, db, site):
    sid = _submitted(ctx)
    _link(db, TICKET, sid=sid)
    good = site.token()
    expired = site.token(now=time.time() - SIDEBAR_TOKEN_TTL - 5)
    other_key = SidebarTokens(["another-secret-0123456789"]).issue(
        Installation(INSTALLATION, USER), now=time.time()
    )
    for token, words in [
        (None, "Bad signature"),
        ("", "Bad signature"),
        (good[:-2] + ("AA" if good[-2:] != "AA" else "BB"), "Bad signature"),
        (other_key, "Bad signature"),
        (expired, "Sign-in expired"),
    ]:
        for answer in (
            site.get(TICKET, token=token),
            site.act(TICKET, "note", token=token, text="x"),
        ):
            assert answer.status_code == 401, token
            assert words in answer.text and 'role="alert"' in answer.text
            assert sid not in answer.text
    basic = requests.get(
        f"{site.url}/zendesk/sidebar/tickets/{TICKET}",
        headers={"Authorization": f"Basic {good}"},
        timeout=10,
    )
    assert basic.status_code == 401
    assert _events(db, sid, "note") == []


@pytest.mark.parametrize("ticket", ["abc", "0", "-4", "007", "1.5", "99999999999999999999"])
def test_a_ticket_id_that_is_not_a_positive_number_gets_404(site, ticket):
    assert site.get(ticket).status_code == 404
    assert site.act(ticket, "note", text="x").status_code == 404


def test_an_unknown_action_gets_404_and_a_body_over_the_limit_413(ctx, db, site):
    sid = _submitted(ctx)
    _link(db, TICKET, sid=sid)
    assert site.act(TICKET, "delete_everything").status_code == 404
    too_long = site.act(TICKET, "note", text="x" * (SIDEBAR_FORM_LIMIT + 1))
    assert too_long.status_code == 413
    assert sid in too_long.text and "too long" in too_long.text
    assert _events(db, sid, "note") == []


# --- the actions -------------------------------------------------------------------------------


def _count(db, model) -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def _topics_since(db, before: int) -> list[str]:
    with db.read() as s:
        rows = s.exec(select(OutboxMessage).order_by(OutboxMessage.id).offset(before)).all()
    return sorted(m.topic for m in rows if m.topic != "loa.send")


def _ready(ctx, status: str) -> str:
    if status == "awaiting_signature":
        return _open(ctx)
    sid = _submitted(ctx)
    if status == "foc_confirmed":
        svc.set_foc(ctx, sid, date(2026, 12, 2), actor=AGENT)
    return sid


@pytest.mark.parametrize(
    ("status", "name", "fields", "action"),
    [
        ("submitted", "note", {"text": "Called the carrier"}, "note"),
        ("submitted", "foc", {"date": "2026-12-02"}, "set_foc"),
        ("submitted", "reject", {"code": "wrong_pin", "note": "PIN refused"}, "reject"),
        ("foc_confirmed", "complete", {}, "complete"),
        ("awaiting_signature", "resend_loa", {}, "loa_resend"),
    ],
)
def test_each_action_changes_the_request_once_per_submit(
    ctx, db, site, status, name, fields, action
):
    sid = _ready(ctx, status)
    _link(db, TICKET, sid=sid)
    events, outbox = len(_events(db, sid)), _count(db, OutboxMessage)
    first = site.act(TICKET, name, key="submit-1", **fields)
    assert first.status_code == 200, first.text
    done = _events(db, sid)
    assert [e.action for e in done[events:]][:1] == [action]
    assert all(
        e.actor_name == "Dana Agent (Zendesk)" for e in done[events:] if e.actor_role is Role.AGENT
    )
    queued = _count(db, OutboxMessage)
    assert queued > outbox  # the Slack card and the ticket follow, through the outbox
    again = site.act(TICKET, name, key="submit-1", **fields)  # a retried submit
    assert again.status_code == 200 and again.text == first.text
    assert len(_events(db, sid)) == len(done) and _count(db, OutboxMessage) == queued
    assert site.wakes == [1]


def test_a_refused_action_answers_422_with_the_domains_message(ctx, db, site):
    sid = _open(ctx)
    mark_loa_signed(ctx, sid, actor=CUSTOMER)  # in review: no port date yet
    _link(db, TICKET, sid=sid)
    refused = site.act(TICKET, "foc", date="2026-12-02")
    assert refused.status_code == 422
    page = _fragment(refused)
    assert "foc" not in page.forms  # not offered in review: the message stands at the top
    [(form, message)] = page.errors
    assert form is None
    assert message == (
        "This request is at “In review”, so you can't set the port date (FOC) now. "
        "Possible now: submit to the carrier, record a rejection, change LOA details, cancel, "
        "send a fee quote."
    )
    assert _events(db, sid, "set_foc") == [] and site.wakes == []


def test_a_refusal_stands_in_its_form_with_what_was_typed(ctx, db, site):
    sid = _submitted(ctx)
    _link(db, TICKET, sid=sid)
    past = site.act(TICKET, "foc", date="2026-11-02", start="09:00")
    assert past.status_code == 422
    [(form, message)] = _fragment(past).errors
    assert (
        form == "foc" and message == "Nov 2, 2026 is in the past; enter the date the carrier gave."
    )
    assert 'name="date" value="2026-11-02"' in past.text and 'value="09:00"' in past.text
    empty = site.act(TICKET, "note", text="   ")
    assert empty.status_code == 422
    assert _fragment(empty).errors == [("note", "The note is empty.")]
    window = site.act(TICKET, "foc", date="2026-12-02", start="09:00")
    assert window.status_code == 422
    assert "Give both the start and the end of the port window, or neither." in window.text
    bad_zone = site.act(
        TICKET, "foc", date="2026-12-02", start="09:00", end="10:00", tz="Mars/Base"
    )
    assert bad_zone.status_code == 422 and "is not a time zone" in bad_zone.text
    port_out = site.act(TICKET, "authorize")
    assert port_out.status_code == 422 and "That is for port-outs" in port_out.text
    assert site.wakes == []


def test_a_note_lands_on_the_timeline_in_the_agents_name(ctx, db, site):
    sid = _submitted(ctx)
    _link(db, TICKET, sid=sid)
    before = _count(db, OutboxMessage)
    answer = site.act(
        TICKET, "note", text="Carrier wants the CSR <again>", agent_name="Dana <Agent>"
    )
    assert answer.status_code == 200
    (note,) = _events(db, sid, "note")
    assert (note.actor_role, note.actor_id) == (Role.AGENT, "zendesk:1002")
    assert note.actor_name == "Dana <Agent> (Zendesk)" and note.public is False
    assert note.detail == "Carrier wants the CSR <again>"
    assert "Dana &lt;Agent&gt; (Zendesk)" in answer.text and "CSR &lt;again&gt;" in answer.text
    assert "Internal" in answer.text
    rows = [m for m in outbox_for(db, sid)][-2:]
    assert _count(db, OutboxMessage) - before == 2
    assert sorted(m.topic for m in rows) == ["slack.request_event", "zendesk.request_event"]
    assert {m.payload["event_id"] for m in rows} == {note.id}
    assert site.wakes == [1]
    # A long name is clipped; a second submit with its own key is a second note.
    site.act(TICKET, "note", text="second", agent_name="Z" * 200)
    names = [e.actor_name for e in _events(db, sid, "note")]
    assert len(names) == 2 and len(names[1]) <= 80 + len(" (Zendesk)")
    assert names[1].endswith("… (Zendesk)")
    # A token that names no agent still names the installation.
    site.act(TICKET, "note", text="third", token=site.token(user=None))
    assert _events(db, sid, "note")[-1].actor_id == f"zendesk:installation-{INSTALLATION}"


# --- end to end: Slack and Zendesk hear of it ------------------------------------------------


def test_an_action_reaches_the_slack_card_and_the_ticket(ctx, clock):
    slack = new_sim()
    try:
        with ZendeskSimulator(email="porting@acme.example", token="zd") as zendesk:
            settings = slack_settings(
                slack,
                ZENDESK_SUBDOMAIN="acme",
                ZENDESK_EMAIL="porting@acme.example",
                ZENDESK_API_TOKEN="zd",
                ZENDESK_URL=zendesk.url,
            )
            client = WebClient(token="xoxb-test", base_url=slack.url)
            runtime = build_runtime(settings, client=client, process_before_response=True, ctx=ctx)
            sid = svc.open_request(
                ctx,
                draft(numbers(2)),
                actor=CUSTOMER,
                team_id=slack.team_id,
                channel_id=SLACK_CHANNEL,
            ).sid
            mark_loa_signed(ctx, sid, actor=CUSTOMER)
            runtime.outbox.drain()
            (ticket,) = zendesk.tickets()
            sidebar = _sidebar()
            routes = sidebar_routes(sidebar, ctx, wake=runtime.outbox.wake.set)
            with ServedApp(Starlette(routes=routes)) as served:
                site = Site(served.url, sidebar)
                shown = site.get(ticket["id"])
                assert shown.status_code == 200 and sid in shown.text
                assert f"channel={SLACK_CHANNEL}" in shown.text  # its card's channel

                def card_updates() -> int:  # the customer's card (the team's copy has its own)
                    calls = slack.calls_to("chat.update")
                    return sum(c.args["channel"] == SLACK_CHANNEL for c in calls)

                updates = card_updates()
                answer = site.act(ticket["id"], "note", text="Asked the carrier for the CSR")
                assert answer.status_code == 200
            runtime.outbox.drain()
            last = zendesk.comments(ticket["id"])[-1]
            assert "Dana Agent (Zendesk)" in last["body"] and last["public"] is False
            assert "Asked the carrier for the CSR" in last["body"]
            assert card_updates() == updates + 1  # the card, refreshed
    finally:
        slack.stop()


def test_a_ticket_linked_in_the_sidebar_is_brought_up_to_date_at_once(ctx, clock):
    """An agent links a ticket they made themselves: it gets the request's description as a
    private note, its tags, status and SID (external_id) from the link, not at the next change;
    no second ticket is made for the request."""
    from bot.server import zendesk_gateway
    from bot.sidebar.actions import link_request

    slack = new_sim()
    try:
        with ZendeskSimulator(email="porting@acme.example", token="zd") as zendesk:
            settings = slack_settings(
                slack,
                ZENDESK_SUBDOMAIN="acme",
                ZENDESK_EMAIL="porting@acme.example",
                ZENDESK_API_TOKEN="zd",
                ZENDESK_URL=zendesk.url,
            )
            client = WebClient(token="xoxb-test", base_url=slack.url)
            runtime = build_runtime(settings, client=client, process_before_response=True, ctx=ctx)
            gateway = zendesk_gateway(settings)
            own = {"subject": "Customer called about moving numbers", "comment": {"body": "hi"}}
            ticket_id = gateway.create_ticket(own, idempotency_key="by-hand")
            gateway.close()
            sid = svc.open_request(
                ctx, draft(numbers(2)), actor=CUSTOMER, team_id="T1", channel_id=SLACK_CHANNEL
            ).sid
            link_request(ctx, ticket_id, sid, actor=AGENT)
            runtime.outbox.drain()
            (ticket,) = zendesk.tickets()
            assert ticket["id"] == ticket_id and ticket["external_id"] == sid
            assert {"portbot", "port_in", "port_status_awaiting_signature"} <= set(ticket["tags"])
            assert ticket["status"] == "pending"  # waiting for the representative's signature
            (note,) = [c for c in zendesk.comments(ticket_id) if sid in c["body"]]
            assert note["public"] is False and "NUMBERS (2)" in note["body"]
    finally:
        slack.stop()
