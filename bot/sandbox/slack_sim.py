"""A Slack Web API simulator on loopback, for tests and ``portbot demo``.

``SlackSimulator`` is a real HTTP server (stdlib, daemon thread) bound to ``127.0.0.1`` on an
ephemeral port. It answers the Web API methods portbot uses in Slack's wire format, so the real
``slack_sdk.WebClient(base_url=sim.url)`` and Bolt talk to it unchanged. It keeps the workspace
state (users, channels, messages, views, files), records every call, enforces the Slack rules our
code could otherwise break silently (single-use 3-second triggers, Block Kit limits, view
hashes) and injects faults (429 with ``Retry-After``, 5xx, error codes, delays).

Deliberate differences from Slack are listed in ``SlackSimulator``'s docstring.

The simulator is split by responsibility; this module assembles it and keeps the public names:

* ``slack_state``: workspace state, setup, fault configuration, inspection (``Call``,
  ``ResponsePost``).
* ``slack_http``: the loopback HTTP server, routing, auth, fault gates, call recording.
* ``slack_views``: modal stacks, triggers and the ``views.*`` methods.
* ``slack_methods``: ``auth.test``, ``chat.*``, ``conversations.*``, ``users.*``, files.
* ``blockkit_limits``: Slack's Block Kit and view limits (``check_view``, ``check_blocks``).
"""

from __future__ import annotations

from bot.sandbox.blockkit_limits import check_blocks, check_view
from bot.sandbox.loopback import SimHandler
from bot.sandbox.slack_http import SimHttp
from bot.sandbox.slack_methods import SimMethods
from bot.sandbox.slack_state import RESPONSE_URL_USES, Args, Call, ResponsePost
from bot.sandbox.slack_views import SimViews

__all__ = [
    "RESPONSE_URL_USES",
    "Args",
    "Call",
    "ResponsePost",
    "SlackSimulator",
    "check_blocks",
    "check_view",
]


class SlackSimulator(SimHttp, SimViews, SimMethods):
    """Slack's Web API on ``127.0.0.1:<ephemeral>``; ``sim.url`` is the ``base_url``.

    Deliberate differences from Slack:

    * Posting to a channel or user it has never heard of creates it, unless ``strict=True``
      (then ``channel_not_found`` / ``user_not_found``, as in a real workspace).
    * Ids are sequential (``V000000001``, ``F000000002``) and message timestamps count up from
      ``1700000000.000100``, so runs are reproducible.
    * ``auth.test``'s ``url`` and permalinks point at the simulator. ``url_private`` without a
      valid token gets HTTP 401 (Slack sends an HTML sign-in page with 200 instead).
    * An injected 5xx answers JSON ``{"ok": false, "error": "fatal_error"}``.
    * A ``response_url`` takes five posts, then 404 ``used_url``; it never expires (Slack: 30 min).
    * ``views.push`` needs a modal already open for the trigger's user.
    * A ``thread_ts`` naming no message still files the reply under that ``thread_ts``.
    * ``apps.connections.open`` answers ``access_denied`` until a ``SlackSocket`` is attached.
    """

    def _api(self, req: SimHandler, method: str, args: Args, body: bytes) -> None:
        """Note the caller's bearer token first: ``apps.connections.open`` depends on its type."""
        bearer = req.headers.get("Authorization") or ""
        self._caller.token = bearer.removeprefix("Bearer ").strip()
        super()._api(req, method, args, body)
