"""``portbot demo``: dana opens the ticket's sidebar in Zendesk, and adds a note through it.

The demo's app mounts the sidebar's real routes (:func:`routes`, as ``portbot serve`` does).
:meth:`Desk.visit` goes in as Zendesk and the page's script would: it posts a token the
simulated Zendesk signed for the app's ticket sidebar to ``POST /zendesk/sidebar`` (the signed
URL), reads the sidebar token from the page shell's meta tag, and fetches the ticket's view with
it (``GET /zendesk/sidebar/tickets/{id}``). The transcript shows a few lines of the view; the
whole page is written to a file that opens from disk (:func:`standalone`). Then dana adds an
internal note through the sidebar, and it reaches the ticket through the outbox.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests
from starlette.routing import BaseRoute

from bot.config import Settings
from bot.sandbox import render
from bot.sandbox.demo_port_outs import Printer
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.services.base import Context
from bot.sidebar.assets import static_routes
from bot.sidebar.pages import STYLE
from bot.sidebar.web import Sidebar, sidebar_routes

__all__ = ["HOST", "PAGE", "Desk", "Opened", "routes", "standalone", "summary"]

HOST = "acme.zendesk.com"  # the account's host: the demo's ZENDESK_SUBDOMAIN is acme
QUERY = urlencode({"origin": f"https://{HOST}", "app_guid": "portbot-demo"})
PAGE = "portbot-demo-sidebar.html"  # written to Desk.folder
AGENT_NAME = "Dana Lee"  # the name the page's script reads from Zendesk
NOTE = "Old Phone Co confirmed the port date on the phone too. Nothing else to do until then."
TIMEOUT = 10.0
SIDEBAR_WIDTH = 320  # pixels: the page file is shown as wide as Zendesk's ticket sidebar
_LEFT_OUT = ("Representative: ", "Opened by: ", "Bill: ")  # facts the page file keeps
_LEFT_OUT_PARTS = ("pb-actions", "pb-timeline", "pb-slack")  # shown otherwise, or not needed
_TOKEN_META = re.compile(r'<meta name="portbot-sidebar-token" content="([^"]*)">')


def routes(settings: Settings, ctx: Context, *, wake: Callable[[], None]) -> list[BaseRoute]:
    """The sidebar's routes as ``portbot serve`` mounts them: the signed-URL page, the
    ticket's view and actions (``wake`` wakes the outbox after a change), the static files."""
    return [*sidebar_routes(Sidebar.from_settings(settings), ctx, wake=wake), *static_routes()]


@dataclass(frozen=True)
class Opened:
    """The sidebar, opened: portbot's address, the page shell and the token it carries."""

    url: str
    shell: str
    token: str

    def view(self, ticket_id: int) -> str:
        """The ticket's view, as the page's script fetches it."""
        answer = requests.get(
            f"{self.url}/zendesk/sidebar/tickets/{ticket_id}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT,
        )
        return _ok(answer, "the ticket's view")

    def act(self, ticket_id: int, name: str, key: str, **fields: str) -> str:
        """Post action ``name``'s form as the page's script does; the refreshed view."""
        answer = requests.post(
            f"{self.url}/zendesk/sidebar/tickets/{ticket_id}/actions/{name}",
            data={**fields, "agent_name": AGENT_NAME, "request_key": key},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT,
        )
        return _ok(answer, f"the {name} action")

    def stylesheet(self) -> str:
        return _ok(requests.get(self.url + STYLE, timeout=TIMEOUT), "the stylesheet")


@dataclass(frozen=True)
class Desk:
    """Where dana works: portbot's address, the simulated Zendesk that signs her way into the
    sidebar, and the folder the page file goes to."""

    url: str
    zendesk: ZendeskSimulator
    folder: Path

    def open(self) -> Opened:
        """Open the sidebar as Zendesk does: the signed token posted to the signed URL."""
        answer = requests.post(
            f"{self.url}/zendesk/sidebar?{QUERY}",
            data={"token": self.zendesk.sidebar_token(host=HOST)},
            timeout=TIMEOUT,
        )
        shell = _ok(answer, "the sidebar")
        found = _TOKEN_META.search(shell)
        if found is None:
            raise RuntimeError("the sidebar's page carried no token")
        return Opened(self.url, shell, html.unescape(found.group(1)))

    def visit(self, t: Printer, ticket_id: int, *, deliver: Callable[[], int]) -> Path:
        """dana opens ``ticket_id``'s sidebar, then adds an internal note through it. The
        transcript shows what she saw; the page file's path is returned."""
        t.step("dana (Zendesk agent)", f"opens ticket #{ticket_id} and sees portbot in its sidebar")
        opened = self.open()
        fragment = opened.view(ticket_id)
        t.saw(summary(fragment))
        path = (self.folder / PAGE).resolve()
        path.write_text(standalone(opened.shell, fragment, opened.stylesheet()), encoding="utf-8")
        t.note(f"the sidebar as a page you can open: {path}")
        t.step("dana", "writes an internal note in the sidebar and presses Add note")
        before = len(self.zendesk.comments(ticket_id))
        after = opened.act(ticket_id, "note", f"demo-note-{ticket_id}", text=NOTE)
        t.saw(["The sidebar's newest event:", *latest(after)])
        deliver()
        for comment in self.zendesk.comments(ticket_id)[before:]:
            t.step("Zendesk", "gets it on the ticket, through the outbox")
            kind = "public reply" if comment["public"] else "internal note"
            t.saw(f"[{kind}] " + " ".join(comment["body"].split()))
        return path


def summary(fragment: str) -> list[str]:
    """A few lines of the ticket's view: the request, its SID and status, the facts that
    matter at a glance, its numbers, and what the agent can do next."""
    head = re.search(r"<header\b.*?</header>", fragment, flags=re.S)
    shown = [" · ".join(render.html_lines(head.group(0)))] if head else []
    lines = render.html_lines(fragment, skip=("form", "thead", "pb-head", *_LEFT_OUT_PARTS))
    shown += [line for line in lines if not line.startswith(_LEFT_OUT)]
    titles = re.findall(r'<h\d class="pb-form-title"[^>]*>([^<]*)</h\d>', fragment)
    if titles:
        shown.append("What dana can do here: " + " · ".join(html.unescape(t) for t in titles))
    return shown


def latest(fragment: str) -> list[str]:
    """The newest event of the view's timeline."""
    found = re.search(r'<li class="pb-event">.*?</li>', fragment, flags=re.S)
    if found is None:
        return ["(no events)"]
    tagged = re.sub(r'<span class="pb-tag">([^<]*)</span>\s*', r"[\1] ", found.group(0))
    return render.html_lines(tagged)


def standalone(shell: str, fragment: str, css: str) -> str:
    """The sidebar as a page that opens from disk: the shell with ``fragment`` in place of its
    loading line and ``css`` in place of the stylesheet's link, as wide as Zendesk shows it;
    neither the sidebar token nor the scripts (outside Zendesk they would only say so)."""
    if "</" in css:
        raise RuntimeError("the stylesheet cannot be inlined: it holds '</'")
    style = f"<style>\n{css}\nbody {{ max-width: {SIDEBAR_WIDTH}px; }}\n</style>"
    note = "<!-- written by portbot demo: the ticket sidebar as dana saw it; the forms do "
    note += "nothing here -->"
    page = _swap(shell, r'<meta name="portbot-sidebar-(token|query)" content="[^"]*">\n', "", 2)
    page = _swap(page, re.escape(f'<link rel="stylesheet" href="{html.escape(STYLE)}">'), style)
    page = _swap(page, r'<script src="[^"]*"></script>\n', "", 2)
    page = _swap(page, r'<p class="portbot-loading">[^<]*</p>', fragment)
    return _swap(page, r"<head>", "<head>\n" + note)


def _swap(page: str, pattern: str, new: str, count: int = 1) -> str:
    """``page`` with ``pattern`` replaced by ``new``, found exactly ``count`` times."""
    changed, found = re.subn(pattern, lambda _: new, page)
    if found != count:
        raise RuntimeError(f"the sidebar's page changed shape: {pattern!r} found {found} times")
    return changed


def _ok(answer: requests.Response, what: str) -> str:
    if answer.status_code != 200:
        raise RuntimeError(f"{what} answered HTTP {answer.status_code}: {answer.text[:200]}")
    return answer.text
