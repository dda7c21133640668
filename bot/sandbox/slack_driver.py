"""Send an app what Slack sends it: signed slash commands, interactivity and Events API calls.

``SlackDriver`` plays the Slack platform's side of a user's actions against an app's
``/slack/events`` endpoint on loopback, shaped like Slack's real payloads and signed with the
app's signing secret (``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``). Trigger ids and
``response_url``s come from the paired ``SlackSimulator``, so the app's follow-up Web API calls
(``views.open`` with the trigger, ``respond()``) land in the same simulated workspace.

It also does what the Slack client does around a modal: it builds ``view.state.values`` from
the view's input blocks (initial values, required fields) and applies the app's answer to a
``view_submission`` (close, ``errors``, ``update``, ``push``, ``clear``) to the simulator.

The ``plain_text_input()``, ``checkboxes()``, ... helpers build state entries exactly as Slack
puts them in ``view_submission`` payloads; they live in ``bot.sandbox.slack_payloads`` with the
event builders ``message_event()`` and ``app_home_opened_event()``, and are re-exported here.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from bot.sandbox.slack_payloads import _LISTS as _LISTS
from bot.sandbox.slack_payloads import _STATE_KEYS as _STATE_KEYS
from bot.sandbox.slack_payloads import (
    Args,
    _action,
    _build_state,
    _find_element,
    app_home_opened_event,
    checkboxes,
    datepicker,
    email_text_input,
    file_input,
    message_event,
    multi_static_select,
    number_input,
    option,
    plain_text_input,
    radio_buttons,
    static_select,
    timepicker,
    users_select,
)
from bot.sandbox.slack_payloads import _elements as _elements
from bot.sandbox.slack_payloads import _entry as _entry
from bot.sandbox.slack_sim import SlackSimulator

__all__ = [
    "SLACK_ACK_SECONDS",
    "Args",
    "DriverResponse",
    "SlackDriver",
    "app_home_opened_event",
    "checkboxes",
    "datepicker",
    "email_text_input",
    "file_input",
    "message_event",
    "multi_static_select",
    "number_input",
    "option",
    "plain_text_input",
    "radio_buttons",
    "static_select",
    "timepicker",
    "users_select",
]


SLACK_ACK_SECONDS = 3.0  # Slack gives up on an answer after three seconds
_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


# ---------------------------------------------------------------------- the driver
@dataclass(frozen=True)
class DriverResponse:
    """The app's answer as Slack received it; ``elapsed`` is the time to the full response."""

    status: int
    text: str
    headers: dict[str, str]
    elapsed: float
    sent: Args = field(repr=False)  # the payload we delivered (event_id, trigger_id, view...)
    view_error: str | None = None  # what Slack would show instead of applying the answer
    deadline: float = SLACK_ACK_SECONDS

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` (empty or plain-text answers)."""
        try:
            return json.loads(self.text) if self.text else None
        except ValueError:
            return None

    @property
    def in_time(self) -> bool:
        """Whether the app answered before Slack gave up (three seconds)."""
        return self.elapsed < self.deadline


class SlackDriver:
    """Delivers signed Slack requests to an app on loopback and measures its answers.

    ``bad_signature=True`` signs with the wrong secret; ``timestamp_offset=-600`` sends a
    timestamp ten minutes old (Slack apps must refuse both with 401).
    """

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        sim: SlackSimulator,
        *,
        team_id: str | None = None,
        team_domain: str | None = None,
        api_app_id: str | None = None,
        verification_token: str = "sim-verification-token",  # noqa: S107 - fake, unchecked
        timeout: float = 10.0,
        ack_seconds: float = SLACK_ACK_SECONDS,
    ) -> None:
        parts = urlsplit(app_url)
        if parts.scheme != "http" or not _is_loopback(parts.hostname or ""):
            raise ValueError(f"SlackDriver only talks to http:// loopback addresses, not {app_url}")
        self.app_url, self.signing_secret, self.sim = app_url, signing_secret, sim
        self.team_id = team_id or sim.team_id
        self.team_domain = team_domain or sim.team_domain
        self.api_app_id = api_app_id or sim.app_id
        self.verification_token, self.timeout = verification_token, timeout
        self.ack_seconds = ack_seconds  # lower it to test "too slow" without waiting 3 s
        self._events = 0

    # ------------------------------------------------------------------ what users do
    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str,
        bad_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> DriverResponse:
        """A slash command: form-encoded, with a fresh trigger and a ``response_url``."""
        payload = {"token": self.verification_token, "team_id": self.team_id}
        payload.update(team_domain=self.team_domain, channel_id=channel_id)
        payload.update(channel_name=self._channel(channel_id)["name"], user_id=user_id)
        payload.update(user_name=self._user(user_id)["username"], command=command, text=text)
        payload.update(api_app_id=self.api_app_id, is_enterprise_install="false")
        payload["response_url"] = self.sim.new_response_url(channel_id, None, user_id)
        payload["trigger_id"] = self.sim.new_trigger(user_id)
        body = urlencode(payload)
        return self.post(
            body,
            "application/x-www-form-urlencoded",
            payload,
            bad_signature=bad_signature,
            timestamp_offset=timestamp_offset,
        )

    def block_action(
        self,
        action_id: str,
        value: str | Args | None,
        user_id: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view: Args | str | None = None,
        *,
        state: Args | None = None,
        bad_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> DriverResponse:
        """A click or selection in a message (``channel_id`` + ``message_ts``) or a view.

        The element is looked up in the stored message or view, so ``block_id``, the element
        type and option texts are what Slack would send; ``value`` may be a state entry
        (``static_select("x")``) for menus. ``state`` fills ``view.state.values`` for views.
        """
        payload = self._interaction("block_actions", user_id)
        if view is not None:
            current = self._view(view)
            blocks = current["blocks"]
            values = _build_state(current, state or {}, required=False)
            payload["view"] = {**current, "state": {"values": values}}
            payload["container"] = {"type": "view", "view_id": current["id"]}
        elif channel_id is not None:
            message = self.sim.message(channel_id, message_ts or "") if message_ts else None
            if message_ts and message is None:
                raise ValueError(f"no message {message_ts} in {channel_id} to click on")
            blocks = (message or {}).get("blocks", [])
            payload["container"] = {"type": "message", "message_ts": message_ts or ""}
            payload["container"].update(channel_id=channel_id, is_ephemeral=message is None)
            payload["channel"] = {"id": channel_id, "name": self._channel(channel_id)["name"]}
            payload.update(message=message, state={"values": {}})
            hook = self.sim.new_response_url(channel_id, message_ts, user_id)
            payload["response_url"] = hook
        else:
            raise ValueError("a block action happens in a message (channel_id) or a view")
        block_id, element = _find_element(blocks, action_id)
        if element is None and blocks:
            raise ValueError(f"no element with action_id {action_id!r} to act on")
        payload["actions"] = [_action(action_id, block_id, element, value)]
        return self._send_payload(payload, bad_signature, timestamp_offset)

    def view_submission(
        self,
        view: Args | str,
        values: Args,
        user_id: str,
        *,
        client_validation: bool = True,
        bad_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> DriverResponse:
        """The user presses the modal's submit button.

        ``values`` maps ``block_id`` to a state entry (``plain_text_input("x")``), to a bare
        value (``"x"``, ``["a", "b"]``: coerced by the element's type), or to
        ``{action_id: entry}``. Input blocks left out keep their initial value. Like the Slack
        client, an empty required input stops the submission (``ValueError``) unless
        ``client_validation=False``. The app's answer is then applied to the simulator; what
        Slack would show the user instead (late answer, bad ``errors``) is ``view_error``.
        """
        current = self._view(view)
        if not self.sim.is_open(current["id"]):
            raise ValueError(f"view {current['id']} is not open: Slack cannot submit it")
        state = {"values": _build_state(current, values, required=client_validation)}
        payload = self._interaction("view_submission", user_id)
        payload.update(view={**current, "state": state}, response_urls=[])
        answer = self._send_payload(payload, bad_signature, timestamp_offset)
        if answer.status != 200:
            problem: str | None = f"the app answered HTTP {answer.status}"
        elif not answer.in_time:
            problem = f"the app took {answer.elapsed:.2f}s; Slack waits {self.ack_seconds}s"
        else:
            problem = self.sim.apply_view_response(
                current["id"], answer.json, submitted_hash=current.get("hash")
            )
        return replace(answer, view_error=problem)

    def view_closed(
        self,
        view: Args | str,
        user_id: str,
        *,
        is_cleared: bool = False,
        force: bool = False,
        bad_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> DriverResponse | None:
        """The user closes a modal. Slack tells the app only if ``notify_on_close`` was set
        (``force=True`` sends anyway); otherwise the view just closes and this returns None."""
        current = self._view(view)
        self.sim.close_view(current["id"], clear=is_cleared)
        if not (current.get("notify_on_close") or force):
            return None
        payload = self._interaction("view_closed", user_id)
        payload.update(view=current, is_cleared=is_cleared)
        return self._send_payload(payload, bad_signature, timestamp_offset)

    def event(
        self,
        event: Args,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        *,
        bad_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> DriverResponse:
        """An Events API ``event_callback``. Slack retries an event it got no 2xx for (up to
        three times), with the same ``event_id`` and ``X-Slack-Retry-Num``/``-Reason`` headers;
        pass those to imitate a retry."""
        self._events += 1
        event = {"event_ts": f"{time.time():.6f}", **event}
        payload: Args = {"token": self.verification_token, "team_id": self.team_id}
        payload.update(api_app_id=self.api_app_id, event=event, type="event_callback")
        payload.update(event_id=event_id or f"Ev{self._events:010d}", event_time=int(time.time()))
        payload["authorizations"] = [{"enterprise_id": None, "team_id": self.team_id}]
        payload["authorizations"][0].update(user_id=self.sim.bot_user_id, is_bot=True)
        payload["authorizations"][0]["is_enterprise_install"] = False
        payload.update(is_ext_shared_channel=False, event_context=f"4-{self._events:08d}")
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = retry_reason
        return self.post(
            json.dumps(payload),
            "application/json",
            payload,
            headers,
            bad_signature=bad_signature,
            timestamp_offset=timestamp_offset,
        )

    def url_verification(self, challenge: str, *, bad_signature: bool = False) -> DriverResponse:
        """The handshake Slack sends when the Events request URL is saved."""
        payload = {"token": self.verification_token, "challenge": challenge}
        payload["type"] = "url_verification"
        return self.post(
            json.dumps(payload), "application/json", payload, bad_signature=bad_signature
        )

    # ------------------------------------------------------------------ transport
    def post(
        self,
        body: str,
        content_type: str,
        sent: Args | None = None,
        headers: dict[str, str] | None = None,
        *,
        bad_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> DriverResponse:
        """POST ``body`` to the app, signed as Slack signs, and time the full answer."""
        stamp = str(int(time.time()) + timestamp_offset)
        secret = self.signing_secret + ("-wrong" if bad_signature else "")
        base = f"v0:{stamp}:{body}".encode()
        signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        all_headers = {"Content-Type": content_type, "User-Agent": _USER_AGENT}
        all_headers.update({"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature})
        all_headers.update(headers or {})
        parts = urlsplit(self.app_url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        started = time.perf_counter()
        conn = http.client.HTTPConnection(
            parts.hostname or "", parts.port or 80, timeout=self.timeout
        )
        try:
            conn.request("POST", target or "/", body.encode(), all_headers)
            answer = conn.getresponse()
            raw = answer.read()
            elapsed = time.perf_counter() - started
            got = {k.lower(): v for k, v in answer.getheaders()}
        finally:
            conn.close()
        text = raw.decode("utf-8", "replace")
        return DriverResponse(answer.status, text, got, elapsed, sent or {}, None, self.ack_seconds)

    # ------------------------------------------------------------------ helpers
    def _send_payload(self, payload: Args, bad: bool, offset: int) -> DriverResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(
            body,
            "application/x-www-form-urlencoded",
            payload,
            bad_signature=bad,
            timestamp_offset=offset,
        )

    def _interaction(self, kind: str, user_id: str) -> Args:
        payload: Args = {"type": kind, "team": {"id": self.team_id, "domain": self.team_domain}}
        payload.update(user=self._user(user_id), api_app_id=self.api_app_id)
        payload.update(token=self.verification_token, trigger_id=self.sim.new_trigger(user_id))
        payload.update(is_enterprise_install=False, enterprise=None)
        return payload

    def _user(self, user_id: str) -> Args:
        name = (self.sim.user(user_id) or {}).get("name", user_id.lower())
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _channel(self, channel_id: str) -> Args:
        found = self.sim.channel(channel_id)
        if found is None:
            name = "directmessage" if channel_id.startswith("D") else channel_id.lower()
            return {"id": channel_id, "name": name}
        return found

    def _view(self, view: Args | str) -> Args:
        view_id = view if isinstance(view, str) else view["id"]
        current = self.sim.current_view(view_id)
        if current is None:
            raise ValueError(f"the simulator has no view {view_id}")
        return current


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
