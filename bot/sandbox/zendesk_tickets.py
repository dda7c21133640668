"""Zendesk's rules for tickets, comments and users, applied to the simulator's account.

``SimTickets`` holds the semantics the Support API handlers (``zendesk_http``) and the agent
actions (``zendesk_webhooks``) share: a create needs a first comment, which becomes the
description; an update changes only the attributes it names (``tags`` replaces,
``additional_tags``/``remove_tags`` adjust, ``custom_fields`` merge by id); statuses are
checked; a closed ticket refuses updates; ``comment.public`` defaults to true; upload tokens turn
into the comment's attachments; ``users/create_or_update`` matches by e-mail, then by external
id. Every method
expects the account lock to be held, except ``add_ticket``.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.sandbox.zendesk_state import (
    _PLAIN_FIELDS,
    STATUSES,
    Json,
    ZendeskState,
    _copy,
    invalid,
    iso,
    not_found,
)


class SimTickets(ZendeskState):
    """Ticket, comment and user semantics (see the module docstring)."""

    def add_ticket(self, ticket: Json, *, created_at: float | None = None) -> Json:
        """Create a ticket directly (not recorded as a call), e.g. an older duplicate.

        ``ticket`` is what a client would send inside ``{"ticket": ...}``.
        """
        with self._lock:
            made = self._create_ticket(ticket, self._users[self.api_user["id"]])
            if created_at is not None:
                made["created_at"] = made["updated_at"] = iso(created_at)
            return self._render_ticket(made)

    # ------------------------------------------------------------------ users (lock held)
    def _upsert_user(self, spec: Json) -> tuple[Json, bool]:
        """``users/create_or_update``: match by e-mail, else by ``external_id``; update the
        name (and an external id the user has not got); else create. A user may have no
        e-mail address when it has an external id, as in Zendesk."""
        email = str(spec.get("email") or "").strip()
        external = str(spec.get("external_id") or "").strip() or None
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise invalid("email", "Email: a valid address is required")
        if not email and external is None:
            raise invalid("email", "Email: an address or an external ID is required")
        found = (self._user_by_email(email) if email else None) or (
            self._user_by_external_id(external) if external else None
        )
        if found:
            if spec.get("name"):
                found.update(name=str(spec["name"]), updated_at=iso(self.clock()))
            if external and not found.get("external_id"):
                found["external_id"] = external
            return found, False
        name = str(spec.get("name") or email.split("@")[0]).strip()
        if not name:
            raise invalid("name", "Name: cannot be blank")
        user = self._new_user(name, email, str(spec.get("role") or "end-user"))
        user.update(email=email.lower() or None, external_id=external)
        return user, True

    # ------------------------------------------------------------------ tickets (lock held)
    def _create_ticket(self, spec: Json, actor: Json) -> Json:
        """Apply a ``POST /api/v2/tickets.json`` body; returns the stored ticket."""
        comment = spec.get("comment")
        if not isinstance(comment, dict) and spec.get("description"):
            comment = {"body": spec["description"]}
        comment = self._check_comment(comment, "description")
        _check_status(spec.get("status"))
        given_fields = _check_fields(spec.get("custom_fields", spec.get("fields")))
        if isinstance(spec.get("requester"), dict):
            requester, _ = self._upsert_user(spec["requester"])
        elif spec.get("requester_id") is not None:
            found = self._users.get(_int(spec["requester_id"], "requester_id"))
            if found is None:
                raise invalid("requester", "Requester: no such user")
            requester = found
        else:
            requester = actor
        tid, now = next(self._ticket_ids), iso(self.clock())
        ticket: Json = {"id": tid, **{f: None for f in _PLAIN_FIELDS}}
        ticket.update({f: spec[f] for f in _PLAIN_FIELDS if f in spec})
        ticket.update(subject=str(spec.get("subject") or ""), status=spec.get("status") or "new")
        ticket.update(raw_subject=ticket["subject"], description="", recipient=None)
        ticket.update(requester_id=requester["id"], submitter_id=actor["id"])
        ticket.update(collaborator_ids=[], follower_ids=[], email_cc_ids=[], is_public=True)
        ticket.update(tags=_tags(spec.get("tags")), via={"channel": "api", "source": {}})
        ticket.update(has_incidents=False, allow_attachments=True, allow_channelback=False)
        ticket.update(custom_fields=[{"id": f, "value": None} for f in self.ticket_fields])
        ticket.update(created_at=now, updated_at=now)
        self._merge_fields(ticket, given_fields)
        self._tickets[tid], self._comments[tid] = ticket, []
        first = self._add_comment(ticket, comment, requester)
        ticket.update(description=first["body"], is_public=first["public"])
        return ticket

    def _update_ticket(self, ticket_id: int, spec: Json, actor: Json) -> tuple[Json, Json | None]:
        """Apply a ``PUT /api/v2/tickets/{id}.json`` body: only the attributes it names.

        Returns the ticket and the comment it added, if any.
        """
        ticket = self._tickets.get(ticket_id)
        if ticket is None:
            raise not_found()
        if ticket["status"] == "closed":
            raise invalid("status", "Status: a closed ticket cannot be updated")
        _check_status(spec.get("status"))
        given_fields = _check_fields(spec.get("custom_fields", spec.get("fields")))
        comment = spec.get("comment")
        if comment is not None:
            self._check_comment(comment, "comment")
        # everything is valid: apply it all (Zendesk applies an update whole or not at all)
        ticket.update({f: spec[f] for f in (*_PLAIN_FIELDS, "status") if f in spec})
        if "subject" in spec:
            ticket["raw_subject"] = ticket["subject"]
        if "tags" in spec:
            ticket["tags"] = _tags(spec["tags"])
        extra = [t for t in _tags(spec.get("additional_tags")) if t not in ticket["tags"]]
        gone = set(_tags(spec.get("remove_tags")))
        ticket["tags"] = [t for t in ticket["tags"] + extra if t not in gone]
        self._merge_fields(ticket, given_fields)
        added = self._add_comment(ticket, comment, actor) if comment else None
        ticket["updated_at"] = iso(self.clock())
        return ticket, added

    def _merge_fields(self, ticket: Json, given: list[tuple[int, Any]]) -> None:
        """Merge checked ``(id, value)`` pairs; unknown ids are dropped when fields are declared."""
        current = {f["id"]: f for f in ticket["custom_fields"]}
        for fid, value in given:
            if fid in current:
                current[fid]["value"] = value
            elif not self.ticket_fields:
                ticket["custom_fields"].append({"id": fid, "value": value})
                current[fid] = ticket["custom_fields"][-1]

    def _check_comment(self, spec: Any, field: str) -> Json:
        """A comment needs a body (or an HTML body) and, if it names one, a known author."""
        if not isinstance(spec, dict) or not (spec.get("body") or spec.get("html_body")):
            raise invalid(field, f"{field.capitalize()}: the comment body must not be blank")
        author = spec.get("author_id")
        if author is not None and _int(author, "author_id") not in self._users:
            raise invalid("author_id", "Comment: no such author")
        return spec

    def _add_comment(self, ticket: Json, spec: Json, default_author: Json) -> Json:
        """Append a comment checked by ``_check_comment``; returns a copy of it."""
        body, markup = spec.get("body"), spec.get("html_body")
        if body is None:
            body = re.sub(r"<[^>]+>", "", str(markup)).strip()
        if markup is None:
            markup = f'<div class="zd-comment"><p>{html.escape(str(body))}</p></div>'
        author_id = int(spec.get("author_id") or default_author["id"])
        attachments = []  # like Zendesk, unknown or used tokens are ignored
        for token in spec.get("uploads") or []:
            found = [u.attachment for u in self._uploads if u.token == token]
            if found and token not in self._claimed:
                attachments += _copy(found)
                self._claimed.add(token)
        cid = next(self._event_ids)
        comment = {"id": cid, "type": "Comment", "author_id": author_id, "body": str(body)}
        comment.update(html_body=markup, plain_body=str(body), public=_flag(spec.get("public")))
        comment.update(attachments=attachments, audit_id=cid, via={"channel": "api"})
        comment.update(metadata={"system": {}, "custom": {}}, created_at=iso(self.clock()))
        self._comments[ticket["id"]].append(comment)
        return _copy(comment)


def _check_status(status: Any) -> None:
    if status is not None and status not in STATUSES:
        raise invalid("status", f"Status: {status!r} is not one of {', '.join(STATUSES)}")


def _check_fields(given: Any) -> list[tuple[int, Any]]:
    """``[{"id", "value"}, ...]`` as ``(id, value)`` pairs, or a 422."""
    if given is None:
        return []
    if not isinstance(given, list) or not all(isinstance(f, dict) for f in given):
        raise invalid("custom_fields", "Custom fields: expected a list of {id, value}")
    return [(_int(f.get("id"), "custom_fields"), f.get("value")) for f in given]


def _tags(value: Any) -> list[str]:
    """Zendesk's tag rules: lower case, whitespace splits a tag in two, no repeats."""
    if value is None:
        return []
    items = value.split() if isinstance(value, str) else [str(v) for v in value]
    return list(dict.fromkeys(t.lower() for item in items for t in item.split()))


def _flag(value: Any) -> bool:
    """``public`` defaults to true; false, "false" and 0 make a private note."""
    return not (value is False or str(value).lower() in ("false", "0"))


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(field, f"{field}: expected an id, got {value!r}") from None
