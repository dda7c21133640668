"""A file fetched from somewhere else (a chat, a mailbox) to be carried on, e.g. to a ticket.

Neutral ground between adapters: the Zendesk delivery asks for files through its own small
interface, and the Slack adapter answers with these.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FetchedFile", "FileUnavailable"]


class FileUnavailable(Exception):
    """The file is gone, was never shared with the app, or is too large to carry."""


@dataclass(frozen=True)
class FetchedFile:
    name: str
    content_type: str
    data: bytes
