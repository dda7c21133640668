"""Files people share in Slack, fetched for Zendesk: a reply's attachments and the bill.

Slack serves a file's bytes at ``url_private_download`` to requests that carry the bot token
(the ``files:read`` scope). Downloads are bounded: a file larger than ``max_bytes`` is not
fetched, and the caller links to it instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.documents.files import FetchedFile, FileUnavailable

__all__ = ["MAX_BYTES", "FetchedFile", "FileUnavailable", "SlackFiles", "slack_file_ref"]

MAX_BYTES = 20 * 1024 * 1024  # Zendesk takes up to 50 MB an attachment; a bill is 10 MB at most


def slack_file_ref(file: Mapping[str, Any]) -> dict[str, Any]:
    """What a conversation message keeps of a Slack file: enough to fetch or link it later."""
    return {
        "id": str(file.get("id", "")),
        "name": str(file.get("name") or file.get("title") or "file"),
        "mimetype": str(file.get("mimetype") or "application/octet-stream"),
        "size": int(file.get("size") or 0),
        "url": str(file.get("permalink") or ""),
    }


class SlackFiles:
    def __init__(
        self, client: WebClient, *, max_bytes: int = MAX_BYTES, timeout: float = 20.0
    ) -> None:
        self.client = client
        self.max_bytes = max_bytes
        self.timeout = timeout

    def fetch(self, file_id: str) -> FetchedFile:
        """The file's name, type and bytes; :class:`FileUnavailable` when it cannot be had."""
        try:
            info = self.client.files_info(file=file_id)["file"]
        except SlackApiError as exc:
            if exc.response.get("error") in ("file_not_found", "file_deleted", "access_denied"):
                raise FileUnavailable(f"Slack file {file_id}: {exc.response['error']}") from None
            raise
        size = int(info.get("size") or 0)
        if size > self.max_bytes:
            raise FileUnavailable(f"Slack file {file_id} is {size:,} bytes")
        url = info.get("url_private_download") or info.get("url_private")
        if not url:
            raise FileUnavailable(f"Slack file {file_id} has no download address")
        headers = {"Authorization": f"Bearer {self.client.token}"}
        with requests.get(url, headers=headers, timeout=self.timeout, stream=True) as answer:
            if answer.status_code == 404:
                raise FileUnavailable(f"Slack file {file_id} is gone")
            answer.raise_for_status()
            data = bytearray()
            for chunk in answer.iter_content(64 * 1024):
                data += chunk
                if len(data) > self.max_bytes:
                    raise FileUnavailable(f"Slack file {file_id} is larger than announced")
        return FetchedFile(
            name=str(info.get("name") or file_id),
            content_type=str(info.get("mimetype") or "application/octet-stream"),
            data=bytes(data),
        )
