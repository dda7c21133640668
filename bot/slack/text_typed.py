"""Slash-command text as the person typed it."""

from __future__ import annotations

import re

_ESCAPED = re.compile(r"<([@#!])[^|>]*\|([^>]*)>|<([@#])([A-Z0-9]+)>")


def typed(text: str) -> str:
    """Command text as the person typed it: Slack sends mentions and channels as
    ``<@U…|name>`` and ``<#C…|name>`` (the manifest asks it to, for ``--channel``)."""

    def back(found: re.Match[str]) -> str:
        if found.group(2) is not None:
            mark = "" if found.group(1) == "!" else found.group(1)
            return f"{mark}{found.group(2)}"
        return f"{found.group(3)}{found.group(4)}"

    return _ESCAPED.sub(back, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
