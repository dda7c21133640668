"""The request's conversation: agent notes, comments from Slack or Zendesk, withdrawals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from bot.porting.errors import InvalidInput
from bot.services.base import (
    Actor,
    Context,
    Snapshot,
    load,
    record,
    run,
    snapshot,
)

MAX_NOTE = 3000
MAX_FILES = 10  # files carried with one conversation message


def add_note(
    ctx: Context,
    sid: str,
    text: str,
    *,
    actor: Actor,
    public: bool = False,
    key: str | None = None,
) -> Snapshot:
    text = text.strip()
    if not text:
        raise InvalidInput("The note is empty.")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"Keep the note under {MAX_NOTE} characters.")

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        record(ctx, session, req, "note", actor, detail=text, public=public)
        return snapshot(session, req)

    return run(ctx, "add_note", body, key=key)


def add_comment(
    ctx: Context,
    sid: str,
    text: str,
    *,
    actor: Actor,
    source: str,
    source_id: str,
    files: Sequence[Mapping[str, Any]] = (),
    edit_of: str | None = None,
) -> Snapshot:
    """A message someone wrote in the request's conversation (a Slack thread reply or a ticket
    comment). Recorded once per source message; ``source`` tells deliveries not to echo it back
    where it came from. ``files`` are references (name, and an id or a link) that deliveries
    carry across; ``edit_of`` names the message this one corrects."""
    text = text.strip()
    if not text and not files:
        raise InvalidInput("The comment is empty.")
    data: dict[str, Any] = {"source": source, "source_id": source_id}
    if files:
        data["files"] = [dict(f) for f in files[:MAX_FILES]]
    if edit_of:
        data["edit_of"] = edit_of

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        record(ctx, session, req, "comment", actor, detail=text[:MAX_NOTE], data=data)
        return snapshot(session, req)

    return run(ctx, "add_comment", body, key=f"comment:{source}:{source_id}")


def withdraw_comment(
    ctx: Context, sid: str, *, actor: Actor, source: str, source_id: str
) -> Snapshot:
    """The author deleted a message of the conversation where they wrote it. Copies elsewhere
    (a ticket comment) stay; the porting team is told, privately, so they can remove it."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        record(
            ctx,
            session,
            req,
            "comment_withdrawn",
            actor,
            detail=f"deleted a message they wrote in {source.capitalize()}",
            data={"source": source, "source_id": source_id},
            public=False,
        )
        return snapshot(session, req)

    return run(ctx, "withdraw_comment", body, key=f"withdrawn:{source}:{source_id}")
