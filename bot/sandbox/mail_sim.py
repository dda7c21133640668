"""A mail server on loopback for the demo: it keeps what portbot sends and delivers nothing."""

from __future__ import annotations

import asyncio
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Self

from aiosmtpd.controller import Controller


class _Controller(Controller):
    """aiosmtpd's controller, on an ephemeral port (its readiness check reads ``self.port``)."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)  # started: a listening asyncio server
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailCatcher:
    """``with MailCatcher() as mail: mail.url`` is an ``SMTP_URL``; ``mail.wait()`` the mail."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()
        self._controller = _Controller(self, hostname="127.0.0.1", port=0)
        self.url = ""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted"

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                if (left := deadline - time.monotonic()) <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
                self._arrived.wait(left)
            return list(self.messages)

    def start(self) -> Self:
        self._controller.start()
        self.url = f"smtp://127.0.0.1:{self._controller.port}"
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
