"""The workspace's address (``https://acme.slack.com/``), from ``auth.test``: links to a
message are ``<address>archives/<channel>/p<ts without its dot>``, Slack's permalink form.

Asked once and kept; after a failure, asked again no sooner than a minute later, and
meanwhile the caller gets None (and links to the channel instead).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

log = logging.getLogger(__name__)

RETRY_AFTER = 60.0  # seconds before asking again after a failure


class WorkspaceUrl:
    """Call it for the address, or None while it is not known."""

    def __init__(self, client: WebClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        self._url: str | None = None
        self._next_try = 0.0

    def __call__(self) -> str | None:
        if self._url is not None:
            return self._url
        with self._lock:
            if self._url is None and self._clock() >= self._next_try:
                try:
                    url = self._client.auth_test().get("url")
                except (SlackClientError, OSError) as exc:
                    log.warning("Slack's auth.test failed (%s); thread links wait", exc)
                    url = None
                if isinstance(url, str) and url.startswith(("https://", "http://")):
                    self._url = url if url.endswith("/") else url + "/"
                else:
                    self._next_try = self._clock() + RETRY_AFTER
            return self._url
