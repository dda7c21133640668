"""The ticket sidebar in a real browser: Debian's Chromium, headless, driven by Playwright.

portbot's app is served with the sidebar's routes and files, a Slack simulator and a Zendesk
simulator. A test page plays Zendesk's agent page: it is answered at the Zendesk simulator's
origin (the only one the sidebar's ``frame-ancestors`` allows when only ``ZENDESK_URL`` is set),
opens the sidebar in an iframe with a form POST of a token the simulator signed, and answers the
ZAF SDK's ``postMessage`` protocol as Zendesk does (the handshake, ``get`` of ``ticket.id`` and
``currentUser``, ``invoke`` of ``resize``). The page is checked as the agent meets it (the
request shown, 320 px with no sideways scrolling, labels, contrast, the keyboard), and notes are
added through it and followed to the timeline, the outbox, Slack and the ticket. A screenshot of
the sidebar is kept in ``artifacts/sidebar.png``. The files the page loads are checked over
HTTP first (those tests need no browser).
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from slack_sdk import WebClient
from sqlmodel import select
from starlette.applications import Starlette
from starlette.middleware import Middleware

from bot import services as svc
from bot.sandbox.serving import ServedApp
from bot.sandbox.slack_sim import SlackSimulator
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.server import Runtime, build_runtime
from bot.services.effects import Topic
from bot.sidebar import pages
from bot.sidebar.assets import FILES, MAX_AGE, static_routes
from bot.sidebar.web import Sidebar, sidebar_routes
from bot.web import AccessLog, create_app
from storage.models import OutboxMessage, PortRequest, TimelineEvent
from storage.values import OutboxStatus
from tests.loa.test_browser import CHROMIUM, FLAGS
from tests.services.helpers import draft, mark_loa_signed, numbers
from tests.slack.conftest import AGENT, CHANNEL, CUSTOMER, new_sim, settings_for

ARTIFACTS = Path("artifacts")
EMAIL, TOKEN, SECRET = "porting@acme.example", "zd-token", "sidebar-browser-secret-0123456789"
APP_GUID = "5f0e7c1a-portbot-test"
AGENT_NAME = "Dana Agent"
WIDTH = 320  # the ticket sidebar's width
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

STATIC = Path(__file__).resolve().parents[2] / "bot" / "sidebar" / "static"


@dataclass
class World:
    """The served app and both simulators, with one port request linked to one ticket."""

    slack: SlackSimulator
    zendesk: ZendeskSimulator
    runtime: Runtime
    url: str
    sid: str
    ticket_id: int

    def parent_url(self) -> str:
        return f"{self.zendesk.url}/agent/tickets/{self.ticket_id}"

    def sidebar_url(self, query: str | None = None) -> str:
        query = (
            urlencode({"origin": self.zendesk.url, "app_guid": APP_GUID})
            if query is None
            else query
        )
        return f"{self.url}/zendesk/sidebar" + (f"?{query}" if query else "")

    def request_id(self) -> int:
        with self.runtime.ctx.db.read() as s:
            return s.exec(select(PortRequest).where(PortRequest.sid == self.sid)).one().pk

    def outbox(self, after: int = 0) -> list[OutboxMessage]:
        with self.runtime.ctx.db.read() as s:
            rows = s.exec(
                select(OutboxMessage).where(OutboxMessage.request_id == self.request_id())
            )
            return [row for row in rows if (row.id or 0) > after]

    def notes(self) -> list[TimelineEvent]:
        with self.runtime.ctx.db.read() as s:
            return list(
                s.exec(
                    select(TimelineEvent).where(
                        TimelineEvent.request_id == self.request_id(),
                        TimelineEvent.action == "note",
                    )
                )
            )


@pytest.fixture
def world(request, ctx, clock) -> Iterator[World]:
    """A request waiting for its LOA; ``submitted`` (indirect parameter): with the carrier."""
    slack = new_sim()
    with ZendeskSimulator(email=EMAIL, token=TOKEN) as zendesk:
        settings = settings_for(
            slack,
            ZENDESK_URL=zendesk.url,  # no ZENDESK_SUBDOMAIN: the simulator is the account
            ZENDESK_EMAIL=EMAIL,
            ZENDESK_API_TOKEN=TOKEN,
            ZENDESK_APP_ID=str(zendesk.app_id),
            PORTBOT_SECRET_KEY=SECRET,
        )
        client = WebClient(token="xoxb-test", base_url=slack.url)
        runtime = build_runtime(settings, client=client, process_before_response=True, ctx=ctx)
        sidebar = Sidebar.from_settings(settings)
        routes = [*sidebar_routes(sidebar, ctx, wake=runtime.outbox.wake.set), *static_routes()]
        app = create_app(ctx, runtime.bolt, sidebar=routes)
        with ServedApp(app) as served:
            customer = svc.Actor.customer(CUSTOMER, "casey")
            sid = svc.open_request(
                ctx, draft(numbers(2)), actor=customer, team_id=slack.team_id, channel_id=CHANNEL
            ).sid
            if getattr(request, "param", None) == "submitted":
                mark_loa_signed(ctx, sid, actor=customer)
                svc.submit_to_carrier(ctx, sid, actor=svc.Actor.agent(AGENT, "avery"))
            runtime.outbox.drain()  # the card in Slack, the ticket in Zendesk
            (ticket,) = [t for t in zendesk.tickets() if t["external_id"] == sid]
            try:
                yield World(slack, zendesk, runtime, served.url, sid, ticket["id"])
            finally:
                runtime.stop.set()
    slack.stop()


@pytest.fixture
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        try:
            launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        except sync_api.Error as exc:  # a Chromium that cannot start here: say why
            pytest.skip(f"Chromium at {CHROMIUM} would not start: {str(exc)[:200]}")
        try:
            yield launched
        finally:
            launched.close()


# --- the files the page loads ---------------------------------------------------------------


@pytest.fixture(scope="module")
def files_url() -> Iterator[str]:
    routes = static_routes()
    app = Starlette(routes=routes, middleware=[Middleware(AccessLog, routes=routes)])
    with ServedApp(app) as served:
        yield served.url


def fetch(base: str, path: str, method: str = "GET", **headers: str):
    """``path`` sent as it is written (no client tidies ``..`` or ``%2F`` away)."""
    host = base.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("sidebar.js", "text/javascript"),
        ("sidebar.css", "text/css"),
        ("zaf_sdk.min.js", "text/javascript"),
    ],
)
def test_the_pages_files_are_served_with_their_type_and_may_be_kept(files_url, name, kind):
    status, headers, body = fetch(files_url, f"/zendesk/sidebar/static/{name}")
    assert status == 200 and body == (STATIC / name).read_bytes()
    assert headers["content-type"] == f"{kind}; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == f"public, max-age={MAX_AGE}"
    etag = headers["etag"]
    again, kept, empty = fetch(
        files_url, f"/zendesk/sidebar/static/{name}", **{"If-None-Match": etag}
    )
    assert (again, empty, kept["etag"]) == (304, b"", etag)
    status, _, body = fetch(files_url, f"/zendesk/sidebar/static/{name}", "HEAD")
    assert status == 200 and body == b""


@pytest.mark.parametrize(
    "path",
    [
        "/zendesk/sidebar/static/README.md",  # in the folder, not one of the files
        "/zendesk/sidebar/static/zaf_sdk.LICENSE",
        "/zendesk/sidebar/static/../web.py",
        "/zendesk/sidebar/static/..%2Fweb.py",
        "/zendesk/sidebar/static/%2e%2e/%2e%2e/sidebar/web.py",
        "/zendesk/sidebar/static/..%2F..%2F..%2Fpyproject.toml",
        "/zendesk/sidebar/static/sidebar.js%00.png",
        "/zendesk/sidebar/static/SIDEBAR.JS",
        "/zendesk/sidebar/static/zaf_sdk.min.js.map",  # not shipped
        "/zendesk/sidebar/static/..",
        "/zendesk/sidebar/static/",
    ],
)
def test_nothing_else_is_served(files_url, path):
    status, _, body = fetch(files_url, path)
    assert status == 404, (path, status)
    assert b"import" not in body and b"[project]" not in body


def test_the_shell_loads_the_sdk_then_the_script_and_every_page_the_style():
    shell = pages.shell("v1.1.0.0.sig", "origin=https%3A%2F%2Facme.zendesk.com&app_guid=1")
    sdk, script = (
        f'<script src="/zendesk/sidebar/static/{n}"></script>'
        for n in ("zaf_sdk.min.js", "sidebar.js")
    )
    assert shell.index(sdk) < shell.index(script) < shell.index("</body>")
    style = '<link rel="stylesheet" href="/zendesk/sidebar/static/sidebar.css">'
    assert style in shell and style in pages.notice("Sign-in expired", "Reload the ticket.")
    assert set(FILES) == {"sidebar.js", "sidebar.css", "zaf_sdk.min.js"}


def test_the_vendored_sdk_keeps_its_licence_and_says_where_it_came_from():
    sdk = (STATIC / "zaf_sdk.min.js").read_text()
    assert sdk.startswith("/*! zendesk_app_framework_sdk 2.0.11 (npm)")
    assert "ZAFClient" in sdk and "sourceMappingURL" not in sdk
    licence = (STATIC / "zaf_sdk.LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence
    assert "native-promise-only" in licence and "Kyle Simpson" in licence
    readme = (STATIC / "README.md").read_text()
    assert "zendesk_app_framework_sdk" in readme and "2.0.11" in readme


# --- Zendesk's side of the page --------------------------------------------------------------

# The agent's page as Zendesk plays it for an app: the sidebar opened by a form POST of the
# signed token into a named iframe, and the ZAF SDK's messages answered. What the app's frame
# sent is kept in window.zaf for the test to read.
PARENT = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Ticket %(ticket)s (Zendesk, as the test plays it)</title>
<style>
body { margin: 0; }
iframe { display: block; border: 0; width: %(width)spx; height: 50px; }
</style>
</head>
<body>
<form id="open" method="post" target="sidebar" action="%(action)s">
<input type="hidden" name="token" value="%(token)s">
</form>
<iframe name="sidebar" id="sidebar" title="portbot"></iframe>
<script>
const APP = %(app_origin)s;
const VALUES = %(values)s;
const CONTEXT = %(context)s;
const frame = document.getElementById("sidebar");
window.zaf = { messages: [], resizes: [] };
const reply = (message) => frame.contentWindow.postMessage(JSON.stringify(message), APP);
const unavailable = { name: "APIUnavailable", message: "not available" };
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow || event.origin !== APP) return;
  const data = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
  window.zaf.messages.push(data);
  if (data.key === "iframe.handshake") {
    reply({ key: "zaf.app.registered", message: { context: CONTEXT, metadata: { appId: 9001 } } });
  } else if (data.request === "get") {
    const result = { errors: {} };
    for (const path of data.params) {
      if (path in VALUES) result[path] = VALUES[path];
      else result.errors[path] = unavailable;
    }
    reply({ id: data.id, result });
  } else if (data.request === "invoke") {
    const result = { errors: {} };
    for (const [name, args] of Object.entries(data.params)) {
      if (name !== "resize") { result.errors[name] = unavailable; continue; }
      window.zaf.resizes.push(args[0]);
      frame.style.height = args[0].height;
      result[name] = null;
    }
    reply({ id: data.id, result });
  }
});
document.getElementById("open").submit();
</script>
</body>
</html>
"""


def parent_page(world: World) -> str:
    values = {
        "ticket.id": world.ticket_id,
        "currentUser": {"id": 1002, "name": AGENT_NAME, "email": "dana@acme.example"},
    }
    context = {"product": "support", "location": "ticket_sidebar", "ticketId": world.ticket_id}
    return PARENT % {
        "ticket": world.ticket_id,
        "width": WIDTH,
        "action": escape(world.sidebar_url()),
        "token": escape(world.zendesk.sidebar_token()),
        "app_origin": json.dumps(world.url),
        "values": json.dumps(values),
        "context": json.dumps(context),
    }


def new_context(browser):
    """A browser context that lets the agent's page frame a loopback server. Playwright answers
    that page itself, so Chromium knows no address for it and counts it as public; a public page
    loading a loopback one needs the Local Network Access permission (not so in Zendesk, where
    both are public)."""
    from playwright.sync_api import Error

    viewport = {"width": 900, "height": 1000}
    try:
        return browser.new_context(viewport=viewport, permissions=["local-network-access"])
    except Error:  # a Chromium from before Local Network Access: nothing to allow
        return browser.new_context(viewport=viewport)


@dataclass
class Opened:
    context: object
    page: object
    frame: object  # the sidebar's frame

    def main(self):
        return self.page.frame_locator("#sidebar").locator("main#portbot-sidebar")

    def form(self, action: str):
        return self.main().locator(f'form.pb-action[data-action="{action}"]')


@pytest.fixture
def opened(browser, world) -> Iterator[Opened]:
    """The agent's page with the sidebar open in it, its view shown."""
    from playwright.sync_api import expect

    context = new_context(browser)
    page = context.new_page()
    page.route(
        world.parent_url(),
        lambda route: route.fulfill(status=200, content_type="text/html", body=parent_page(world)),
    )
    page.goto(world.parent_url())
    main = page.frame_locator("#sidebar").locator("main#portbot-sidebar")
    expect(main).to_contain_text(world.sid, timeout=15_000)
    frame = page.frame(name="sidebar")
    assert frame is not None
    try:
        yield Opened(context, page, frame)
    finally:
        context.close()


# --- what the page is checked for ------------------------------------------------------------

LABELS = """() => {
  const named = (el) =>
    (el.labels && Array.from(el.labels).some((l) => l.textContent.trim())) ||
    (el.getAttribute("aria-label") || "").trim() ||
    (el.getAttribute("aria-labelledby") || "").split(/\\s+/).some(
      (id) => id && document.getElementById(id) && document.getElementById(id).textContent.trim());
  const controls = Array.from(document.querySelectorAll(
    'input:not([type="hidden"]):not([type="submit"]):not([type="button"]), select, textarea'));
  const buttons = Array.from(document.querySelectorAll('button, input[type="submit"]'));
  return {
    controls: controls.length,
    buttons: buttons.length,
    unlabelled: controls.filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120)),
    nameless: buttons.filter((b) => !(b.textContent || b.value || "").trim() && !named(b))
      .map((b) => b.outerHTML.slice(0, 120)),
  };
}"""

# Every element with text of its own: its colour against the colour behind it (the first
# ancestor with a background; the page is white). Disabled controls are exempt, as in WCAG.
CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = (el) => {
    for (let at = el; at; at = at.parentElement) {
      const bg = rgb(getComputedStyle(at).backgroundColor);
      if (bg.length === 3 || (bg.length === 4 && bg[3] > 0)) return bg.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  let checked = 0;
  for (const el of document.body.querySelectorAll("*")) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.disabled) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(behind(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    checked += 1;
    if (ratio < 4.5) low.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return { checked, low };
}"""

FOCUS_RING = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return [el.tagName, style.outlineStyle, parseFloat(style.outlineWidth)];
}"""

WATCH_BUTTON = """(form) => {
  window.seen = [];
  const button = form.querySelector("button[type=submit]");
  new MutationObserver(() => window.seen.push([button.disabled, button.textContent]))
    .observe(button, { attributes: true, childList: true, characterData: true, subtree: true });
}"""


def posted(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.post_data or "", keep_blank_values=True).items()}


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("world", ["submitted"], indirect=True)
def test_the_sidebar_shows_the_tickets_request_in_zendesks_frame(world, opened):
    page, frame = opened.page, opened.frame
    # Zendesk was asked which ticket and who, then told how tall the page is.
    asked = [m for m in page.evaluate("window.zaf.messages") if m.get("request") == "get"]
    assert [set(m["params"]) for m in asked] == [{"ticket.id", "currentUser"}]
    page.wait_for_function("window.zaf.resizes.length > 0")
    size = page.evaluate("window.zaf.resizes.at(-1)")
    shown = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    assert size["width"] == "100%" and size["height"] == f"{shown}px" and shown > 400
    assert page.evaluate("document.getElementById('sidebar').style.height") == size["height"]
    main = opened.main()
    assert "Submitted" in main.locator(".pb-status").inner_text()
    assert main.locator("table.pb-numbers tbody tr").count() == 2

    # 320 px wide, nothing sideways.
    width, scroll = frame.evaluate(
        "[document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    assert width == WIDTH and scroll <= width, f"{scroll}px of content in {width}px"

    # Every control has a label, every button a name, every text 4.5:1 against its background.
    forms = main.locator("form.pb-action").count()
    labels = frame.evaluate(LABELS)
    assert forms >= 3 and labels["controls"] >= 6 and labels["buttons"] >= forms, labels
    assert labels["unlabelled"] == [] and labels["nameless"] == []
    contrast = frame.evaluate(CONTRAST)
    assert contrast["checked"] > 30 and contrast["low"] == [], contrast["low"]

    # The keyboard reaches the forms, and where it is shows.
    opened.form("reject").locator("select[name=code]").focus()
    page.keyboard.press("Tab")
    tag, outline, thickness = frame.evaluate(FOCUS_RING)
    assert (tag, outline) == ("TEXTAREA", "solid") and thickness >= 2
    assert frame.evaluate("document.activeElement.id") == "pb-reject-numbers"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#sidebar").screenshot(path=str(ARTIFACTS / "sidebar.png"))
    assert (ARTIFACTS / "sidebar.png").stat().st_size > 10_000


def test_a_note_added_in_the_sidebar_reaches_the_timeline_slack_and_the_ticket(world, opened):
    from playwright.sync_api import expect

    page, frame, note = opened.page, opened.frame, opened.form("note")
    note.locator("textarea[name=text]").fill("Customer asked for a morning window")
    note.evaluate(WATCH_BUTTON)
    before = max((row.id or 0 for row in world.outbox()), default=0)
    with page.expect_response(lambda r: r.url.endswith("/actions/note")) as answer:
        note.locator("button[type=submit]").click()
    expect(opened.main()).to_contain_text(f"{AGENT_NAME} (Zendesk)")
    expect(opened.main()).to_contain_text("Customer asked for a morning window")

    # What the page sent, and how it behaved while it waited and after.
    sent = answer.value.request
    token = frame.evaluate("document.querySelector('meta[name=portbot-sidebar-token]').content")
    assert answer.value.status == 200 and sent.method == "POST"
    assert sent.url.endswith(f"/zendesk/sidebar/tickets/{world.ticket_id}/actions/note")
    assert sent.headers["authorization"] == f"Bearer {token}"
    assert sent.headers["content-type"].startswith("application/x-www-form-urlencoded")
    fields = posted(sent)
    assert set(fields) == {"text", "agent_name", "request_key"}
    assert fields["agent_name"] == AGENT_NAME and UUID.fullmatch(fields["request_key"])
    assert [True, "Working…"] in frame.evaluate("window.seen")  # said so while it waited
    assert frame.evaluate("document.activeElement.id") == "pb-title"  # the new view's heading

    # On the request's timeline, by the agent Zendesk named, its effects queued with it...
    (event,) = world.notes()
    assert event.actor_name == f"{AGENT_NAME} (Zendesk)" and event.public is False
    assert event.detail == "Customer asked for a morning window"
    queued = world.outbox(after=before)
    assert sorted(row.topic for row in queued) == sorted(
        [Topic.SLACK_REQUEST_EVENT, Topic.ZENDESK_REQUEST_EVENT]
    )
    assert all(row.status is OutboxStatus.PENDING for row in queued)

    # ...and delivered: an internal note on the ticket; in Slack the card is brought up to
    # date, and the customer's thread does not hear of an internal note.
    (card,) = world.slack.messages(CHANNEL)
    world.slack.clear_calls()
    world.runtime.outbox.drain()
    notes = [c for c in world.zendesk.comments(world.ticket_id) if "morning window" in c["body"]]
    assert len(notes) == 1 and notes[0]["public"] is False, notes
    assert f"{AGENT_NAME} (Zendesk)" in notes[0]["body"]
    updates = [c for c in world.slack.calls_to("chat.update") if c.args["channel"] == CHANNEL]
    assert [c.args["ts"] for c in updates] == [card["ts"]]  # the card (the team's copy apart)
    thread = world.slack.thread(CHANNEL, card["ts"])
    assert not [m for m in thread if "morning window" in m.get("text", "")]


def test_a_lost_answer_keeps_the_form_and_the_same_submit_is_done_once(world, opened):
    from playwright.sync_api import expect

    page, frame, note = opened.page, opened.frame, opened.form("note")
    sent: list[dict[str, str]] = []
    page.on("request", lambda r: sent.append(posted(r)) if "/actions/" in r.url else None)
    page.route("**/actions/note", lambda route: route.abort("connectionreset"))
    note.locator("textarea[name=text]").fill("Porting desk called the carrier")
    note.locator("button[type=submit]").click()

    error = note.locator(".pb-error")
    expect(error).to_contain_text("portbot did not answer")
    assert frame.evaluate("document.activeElement.classList.contains('pb-error')")
    assert note.locator("textarea[name=text]").input_value() == "Porting desk called the carrier"
    button = note.locator("button[type=submit]")
    assert button.is_enabled() and button.inner_text() == "Add note"
    assert world.notes() == []

    page.unroute("**/actions/note")
    button.click()
    expect(opened.main()).to_contain_text("Porting desk called the carrier")
    assert len(sent) == 2 and sent[0]["request_key"] == sent[1]["request_key"]  # the same submit
    assert [e.detail for e in world.notes()] == ["Porting desk called the carrier"]


def test_a_refused_note_says_why_in_its_form_and_takes_the_focus(world, opened):
    from playwright.sync_api import expect

    page, frame, note = opened.page, opened.frame, opened.form("note")
    note.locator("textarea[name=text]").focus()
    page.keyboard.type("   ")  # passes the browser's "required", not portbot's check
    page.keyboard.press("Tab")
    assert frame.evaluate("document.activeElement.textContent") == "Add note"
    tag, outline, thickness = frame.evaluate(FOCUS_RING)
    assert (tag, outline) == ("BUTTON", "solid") and thickness >= 2
    with page.expect_response(lambda r: r.url.endswith("/actions/note")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 422
    error = opened.form("note").locator('.pb-error[role="alert"]')
    expect(error).to_contain_text("The note is empty.")
    assert frame.evaluate("document.activeElement.classList.contains('pb-error')")
    assert world.notes() == []


def test_outside_zendesk_the_page_says_where_to_open_it(world, browser):
    from playwright.sync_api import expect

    context = new_context(browser)
    try:
        page = context.new_page()
        token = escape(world.zendesk.sidebar_token())
        page.set_content(  # Zendesk's token, but not its frame: no origin, no app_guid
            f'<form method="post" action="{escape(world.sidebar_url(query=""))}">'
            f'<input type="hidden" name="token" value="{token}"><button>Open</button></form>'
        )
        page.click("button")
        main = page.locator("main#portbot-sidebar")
        expect(main).to_contain_text("Open this from a ticket")
        assert "Open a ticket in Zendesk" in main.inner_text()
        assert page.evaluate("document.activeElement.tagName") == "BODY"
    finally:
        context.close()
