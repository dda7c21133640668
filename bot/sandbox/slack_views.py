"""Modals and App Home: the ``views.*`` methods and the modal stack Slack keeps per user.

Triggers are single-use and expire (``trigger_ttl``, three seconds in Slack); a user has at most
three modals stacked; ``hash`` guards updates against stale content; every view is checked
against Slack's limits (``blockkit_limits.check_view``) before it is accepted.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from bot.sandbox.blockkit_limits import check_view
from bot.sandbox.slack_state import Args, SimState, _copy, _Refusal


class SimViews(SimState):
    """Modal lifecycle, view helpers and the ``views.*`` Web API methods."""

    # ------------------------------------------------------------------ modal lifecycle
    def close_view(self, view_id: str, clear: bool = False) -> None:
        """The user closed a modal: it and those pushed above it go (``clear``: the whole stack)."""
        with self._lock:
            for user, stack in list(self._stacks.items()):
                if view_id in stack:
                    del stack[0 if clear else stack.index(view_id) :]
                    if not stack:
                        del self._stacks[user]

    def apply_view_response(
        self, view_id: str, body: Args | None, *, submitted_hash: str | None = None
    ) -> str | None:
        """Do what Slack does with an app's answer to a ``view_submission``.

        An empty answer closes the submitted view; ``errors`` keeps it open with messages under
        the named input blocks; ``update``, ``push`` and ``clear`` change the stack. Returns the
        problem Slack would show the user instead (invalid view, unknown ``block_id``) or None.

        ``submitted_hash`` is the view's hash when it was submitted. If a ``views.update`` has
        changed the view since, the app called it after answering, so in Slack the answer was
        applied first: it is not applied again over the newer content.
        """
        body = body or {}
        action = body.get("response_action")
        with self._lock:
            user = next((u for u, s in self._stacks.items() if view_id in s), "")
            if user == "":
                return "the view is not open"
            view = self._views[view_id]
            if submitted_hash is not None and view["hash"] != submitted_hash:
                return None
            try:
                if action in (None, "clear"):
                    self.close_view(view_id, clear=action == "clear")
                elif action == "errors":
                    inputs = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
                    if bad := sorted(set(body.get("errors") or {}) - inputs):
                        return f"errors name blocks that are not inputs of this view: {bad}"
                elif action == "update":
                    self._replace(view, self._checked(body.get("view"), "modal"))
                elif action == "push":
                    self._push(user, self._checked(body.get("view"), "modal"))
                else:
                    return f"unknown response_action {action!r}"
            except _Refusal as refusal:
                return f"{refusal.error}: {refusal.messages}"
        return None

    # ------------------------------------------------------------------ view helpers
    def _checked(self, spec: Any, kind: str, pointer: str = "/view") -> Args:
        if problems := check_view(spec, kind, pointer):
            raise _Refusal("invalid_arguments", problems)
        return spec

    def _exchange(self, args: Args) -> str | None:
        """Spend a trigger: unknown, already used and too old are refused as Slack does."""
        tid = args.get("trigger_id") or args.get("interactivity_pointer")
        if not tid:
            raise _Refusal("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        if (trigger := self._triggers.get(tid)) is None:
            raise _Refusal("invalid_trigger_id")
        if trigger.used:
            raise _Refusal("exchanged_trigger_id")
        if self.clock() - trigger.issued > self.trigger_ttl:
            raise _Refusal("expired_trigger_id")
        trigger.used = True
        return trigger.user_id

    def _new_view(self, spec: Args, previous: str | None = None, root: str | None = None) -> Args:
        ext = spec.get("external_id") or ""
        if ext and any(v["external_id"] == ext for v in self._views.values()):
            raise _Refusal("duplicate_external_id")
        vid = self._next("V")
        view: Args = {
            "id": vid,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        view.update(app_installed_team_id=self.team_id, external_id=ext)
        view.update(previous_view_id=previous, root_view_id=root or vid)
        self._views[vid] = view
        self._replace(view, spec)
        return view

    def _replace(self, view: Args, spec: Args) -> None:
        """New content under the same id; Slack gives every version a new ``hash``."""
        blocks = json.loads(json.dumps(spec.get("blocks") or []))
        for block in blocks:  # Slack invents the ids an app leaves out
            block.setdefault("block_id", secrets.token_urlsafe(4))
            if isinstance(block.get("element"), dict):
                block["element"].setdefault("action_id", secrets.token_urlsafe(4))
        keys = ("type", "title", "submit", "close", "private_metadata", "callback_id")
        view.update({k: spec.get(k) for k in keys}, blocks=blocks, state={"values": {}})
        view["private_metadata"] = view["private_metadata"] or ""
        view["callback_id"] = view["callback_id"] or ""
        view["clear_on_close"] = bool(spec.get("clear_on_close"))
        view["notify_on_close"] = bool(spec.get("notify_on_close"))
        view["external_id"] = spec.get("external_id") or view["external_id"]
        view["hash"] = f"{int(time.time())}.{secrets.token_hex(4)}"

    def _push(self, user: str | None, spec: Args) -> Args:
        if not (stack := self._stacks.get(user)):
            raise _Refusal("invalid_arguments", ["[ERROR] no modal is open to push onto"])
        if len(stack) >= 3:
            raise _Refusal("push_limit_reached")
        view = self._new_view(spec, stack[-1], stack[0])
        stack.append(view["id"])
        return view

    def _find_view(self, args: Args) -> Args:
        vid, ext = args.get("view_id"), args.get("external_id")
        if not (vid or ext):
            raise _Refusal("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        found = [
            v for v in self._views.values() if v["id"] == vid or (ext and v["external_id"] == ext)
        ]
        live = [v for v in found if self.is_open(v["id"]) or v["id"] in self._homes.values()]
        if not live:
            raise _Refusal("not_found")
        return live[0]

    # ------------------------------------------------------------------ Web API methods
    def api_views_open(self, args: Args) -> Args:
        """``views.open``: spend the trigger, check the modal, start the user's stack."""
        user = self._exchange(args)
        view = self._new_view(self._checked(args.get("view"), "modal"))
        self._stacks[user] = [view["id"]]
        return {"view": _copy(view)}

    def api_views_push(self, args: Args) -> Args:
        """``views.push``: a new modal on top of the open ones (at most three deep)."""
        user = self._exchange(args)
        return {"view": _copy(self._push(user, self._checked(args.get("view"), "modal")))}

    def api_views_update(self, args: Args) -> Args:
        """``views.update`` by ``view_id`` or ``external_id``; a stale ``hash`` is refused."""
        view = self._find_view(args)
        if args.get("hash") and args["hash"] != view["hash"]:
            raise _Refusal("hash_conflict")
        self._replace(view, self._checked(args.get("view"), view["type"]))
        self._view_updated[view["id"]] = time.time()
        self._arrived(f"view:{view['id']}")
        return {"view": _copy(view)}

    def api_views_publish(self, args: Args) -> Args:
        """``views.publish``: a user's App Home (same view id across publishes)."""
        user = str(args.get("user_id") or "")
        if not user or (self.strict and user not in self._users):
            raise _Refusal("user_not_found")
        spec = self._checked(args.get("view"), "home")
        if current := self._views.get(self._homes.get(user, "")):
            if args.get("hash") and args["hash"] != current["hash"]:
                raise _Refusal("hash_conflict")
            self._replace(current, spec)
        else:
            current = self._new_view(spec)
            self._homes[user] = current["id"]
        return {"view": _copy(current)}
