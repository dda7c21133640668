"""The country's documents in Slack: the file inputs of the intake's last step (read and
checked before its ack, alongside the bill) and the request's "Add documents" button and
modal, for what is still missing once the request exists.

Each file is read from Slack and checked by the service (type by its first bytes, size) before
the ack, all at once, so a refusal lands on that document's box; keeping them (up to 10 MB
each) happens after the ack, behind a "working on it" view that the result replaces."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View as SlackView

from bot import services as svc
from bot.documents.checks import MAX_BILL_BYTES
from bot.porting.countries import Document
from bot.porting.errors import DomainError
from bot.porting.intake_country import country_phrase
from bot.services import documents_extra
from bot.services.documents_extra import Upload, Uploads
from bot.services.queries import visible_sid
from bot.slack.blocks import intake as intake_views
from bot.slack.blocks.intake_country import added_view, document_label, documents_modal
from bot.slack.deps import SlackDeps, dump_meta, load_meta
from bot.slack.errors import bind, log, new_ref, unexpected_text
from bot.slack.files import FileUnavailable, SlackFiles
from bot.slack.ids import DOCUMENT_BLOCKS, Action, Block, View
from bot.slack.state import State

__all__ = ["open_documents", "read_uploads", "register", "submit_documents"]

FETCH_SECONDS = 1.5  # the files come from Slack's own servers, together; the ack stays in 3 s
NOTHING_ATTACHED = "Attach at least one document."
SENDING = "Sending documents…"


def _read_one(
    client: WebClient, document: Document, block: Block, file: dict[str, Any]
) -> Upload | str:
    """One attached file: an :class:`Upload`, or the message for its box."""
    name = str(file.get("name") or file.get("title") or "document")
    files = SlackFiles(client, max_bytes=MAX_BILL_BYTES, timeout=FETCH_SECONDS)
    try:
        fetched = files.fetch(str(file.get("id") or ""))
    except FileUnavailable:
        return (
            "We could not read that file from Slack. Attach it again "
            "(a PDF, PNG or JPEG of 10 MB at most)."
        )
    except (requests.RequestException, SlackApiError):
        return "Slack did not hand the file over just now. Press the button again."
    problems = documents_extra.check_document(fetched.data, filename=name)
    if problems:
        return " ".join(problems)
    return Upload(document, name, str(file.get("id") or ""), fetched.data)


def read_uploads(state: State, client: WebClient) -> tuple[dict[str, str], list[Upload]]:
    """The documents attached on a view (one file input a document, :data:`DOCUMENT_BLOCKS`),
    read from Slack in parallel and checked: the uploads, or the messages by block."""
    wanted = [
        (document, block, files[0])
        for document, block in DOCUMENT_BLOCKS.items()
        if (files := state.files(block))
    ]
    if not wanted:
        return {}, []
    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        answers = list(pool.map(lambda w: (w[1], _read_one(client, *w)), wanted))
    errors = {str(b): a[:1000] for b, a in answers if isinstance(a, str)}
    return errors, [a for _, a in answers if isinstance(a, Upload)]


def _find(deps: SlackDeps, body: dict[str, Any], client: WebClient) -> svc.Snapshot:
    channel = (body.get("channel") or {}).get("id", "")
    viewer = deps.viewer_of(body, channel, client)
    return svc.find(deps.ctx, body["actions"][0]["value"], viewer)


def open_documents(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """ "Add documents" on a request's card: a file input for each document it still lacks."""
    ack()
    snap = _find(deps, body, client)
    missing = documents_extra.missing(snap)
    if not missing:
        view: SlackView = intake_views.notice_view(
            "Add documents",
            f"Nothing is missing: {snap.sid} has every document its country asks for, "
            "or it has gone to the carrier.",
        )
    else:
        meta = dump_meta(sid=snap.sid, channel=(body.get("channel") or {}).get("id", ""))
        view = documents_modal(country_phrase(snap.request.numbers_country), missing, meta)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_documents(
    deps: SlackDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """The "Add documents" modal: the request resolved as the submitter may see it, the files
    read and checked (a refusal on its box), then kept after the ack."""
    meta = load_meta(view)
    viewer = deps.viewer_of(body, meta.get("channel") or None, client)
    sid = visible_sid(deps.ctx, meta.get("sid", ""), viewer)
    errors, uploads = read_uploads(State(view), client)
    if not errors and not uploads:
        first = next(
            (b["block_id"] for b in view.get("blocks") or [] if b.get("type") == "input"), None
        )
        errors = {first: NOTHING_ATTACHED} if first else {}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack(response_action="update", view=intake_views.loading_view(SENDING))
    actor = deps.actor(body["user"], client)
    keep = Uploads(deps.ctx, deps.documents)

    def work() -> SlackView:
        snap = keep.receive(sid, uploads, actor=actor, key=f"docs:{view.get('id', '')}")
        names = [document_label(u.document) for u in uploads]
        return added_view(
            names, [document_label(r.document) for r in documents_extra.missing(snap)]
        )

    _after_ack(deps, client, view, work)


def _after_ack(
    deps: SlackDeps, client: WebClient, view: dict[str, Any], work: Callable[[], SlackView]
) -> None:
    """Show what ``work`` gives in place of the loading view; a refusal or an apology when it
    fails. A modal closed meanwhile (``not_found``) is no error."""
    try:
        shown = work()
        deps.wake()
    except DomainError as exc:
        shown = intake_views.error_view(exc.message, None)
    except Exception:
        ref = new_ref()
        log.exception("unexpected error after the ack of %s (ref %s)", view.get("callback_id"), ref)
        shown = intake_views.error_view(unexpected_text(ref), ref)
    try:
        client.views_update(view_id=view["id"], view=shown)
    except SlackApiError as exc:
        if exc.response.get("error") != "not_found":
            raise


ACTIONS: dict[Action, Callable[..., None]] = {Action.ADD_DOCUMENTS: open_documents}
VIEWS: dict[View, Callable[..., None]] = {View.ADD_DOCUMENTS: submit_documents}


def register(app: App, deps: SlackDeps) -> None:
    for action, handler in ACTIONS.items():
        app.action(action)(bind(handler, deps))
    for view_id, handler in VIEWS.items():
        app.view(view_id)(bind(handler, deps))
