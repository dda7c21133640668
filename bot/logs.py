"""One log format for portbot and the web server under it.

``PORTBOT_LOG_FORMAT=text`` (the default) writes lines for people::

    2026-12-04 09:15:02,114 INFO bot.web POST /slack/events 200 4.2 ms [req 3FA9C01B2E]

``json`` writes one JSON object per line for log collectors, with the same facts as keys:
``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id`` when the line was
written while serving a request (or delivering what one queued), the access line's ``method``,
``route``, ``status`` and ``ms``, a delivery's ``outbox_id`` and ``topic``, and ``exception``
with the traceback. uvicorn's own lines take the same path. Nothing here adds a body, a
header or a path with a token to a line: the access line names the route (``/loa/{token}``),
not the path.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from bot import trace

FORMATS = ("text", "json")  # PORTBOT_LOG_FORMAT

# Facts a line may carry as ``extra=``; the JSON format writes them as keys.
FIELDS = ("method", "route", "status", "ms", "outbox_id", "topic", "outcome")


class RequestStamp(logging.Filter):
    """Give each record the request it was written for (``extra`` may have set it already)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = trace.current()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if not request_id:
            return line
        head, newline, rest = line.partition("\n")  # a traceback follows the first line
        return f"{head} [req {request_id}]{newline}{rest}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if request_id := getattr(record, "request_id", None):
            line["request_id"] = request_id
        for name in FIELDS:
            if (value := getattr(record, name, None)) is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure(fmt: str = "text", *, level: int = logging.INFO, stream: Any = None) -> None:
    """Send every log line, portbot's and uvicorn's, through one handler in ``fmt``.
    Safe to call again (a child process, a test): the handler is replaced, not added."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestStamp())
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        server = logging.getLogger(name)
        server.handlers.clear()  # uvicorn's own config, when it ran first, wrote elsewhere
        server.propagate = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
