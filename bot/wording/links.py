"""The one link sanitizer: what may stand as a link's address in any channel."""

from __future__ import annotations

from urllib.parse import urlsplit

_SAFE_SCHEMES = frozenset({"https", "http", "mailto"})
# Characters that end or split a link in Slack mrkdwn (<url|label>) and break HTML attributes.
_PERCENT = {"|": "%7C", "<": "%3C", ">": "%3E", " ": "%20", '"': "%22", "'": "%27", "`": "%60"}


def safe_url(url: str) -> str:
    """``url`` with the characters that could end or split a link percent-encoded, or ``""``
    when it is not an http(s) or mailto address (``javascript:``, ``data:``, relative paths)."""
    text = "".join(ch for ch in str(url or "").strip() if ch >= " " and ch != "\x7f")
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    if scheme not in _SAFE_SCHEMES:
        return ""
    return "".join(_PERCENT.get(ch, ch) for ch in text)
