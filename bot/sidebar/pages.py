"""The sidebar's HTML: the shell its script fills, and the page that says why it cannot open.

Plain ``string.Template`` pages; every value put in one goes through :func:`html.escape`. The
pages hold no inline script or style, so the policy (:func:`headers`) can allow only our own
files: every page links the sidebar's stylesheet, and the shell loads the ZAF SDK, then the
page's script (``bot.sidebar.assets`` serves all three). Every page is served with the same
headers: only the account's Zendesk may frame it, nothing is cached (the shell carries a token)
and no referrer leaves it.
"""

from __future__ import annotations

from html import escape
from string import Template

from bot.sidebar.assets import url

SDK = url("zaf_sdk.min.js")  # the ZAF SDK, before the script that uses it
SCRIPT = url("sidebar.js")
STYLE = url("sidebar.css")
ANY_ZENDESK = "https://*.zendesk.com"  # framing allowed before the account is known

_LAYOUT = Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
$meta<title>$title</title>
<link rel="stylesheet" href="$style">
</head>
<body>
<main id="portbot-sidebar">
$body
</main>
$script</body>
</html>
"""
)


def headers(frame_origin: str) -> dict[str, str]:
    """The headers of every sidebar page: framed only from ``frame_origin``."""
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
            f"form-action 'self'; frame-ancestors {frame_origin}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }


def shell(token: str, query: str) -> str:
    """The page Zendesk's first POST gets: the sidebar token in a meta tag, the query string
    (``origin``, ``app_guid``: the ZAF SDK will not start without them) kept for the script, and
    the place the script fills."""
    meta = (
        f'<meta name="portbot-sidebar-token" content="{escape(token)}">\n'
        f'<meta name="portbot-sidebar-query" content="{escape(query)}">\n'
    )
    return _LAYOUT.substitute(
        meta=meta,
        title="portbot",
        body='<p class="portbot-loading">Loading the port request for this ticket…</p>',
        style=escape(STYLE),
        script=(
            f'<script src="{escape(SDK)}"></script>\n<script src="{escape(SCRIPT)}"></script>\n'
        ),
    )


def notice(heading: str, advice: str) -> str:
    """A page that says why the sidebar cannot open, and what to do."""
    body = f"<h1>{escape(heading)}</h1>\n<p>{escape(advice)}</p>"
    return _LAYOUT.substitute(
        meta="", title=escape(f"portbot: {heading}"), style=escape(STYLE), body=body, script=""
    )
