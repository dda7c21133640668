"""Who is on the porting team: configured user IDs, and members of configured user groups.

Group membership comes from ``usergroups.users.list`` and is cached, so deciding whether a user
is an agent costs nothing on the request path once warm; a failed lookup keeps the last known
members (and denies when there are none), never raising into a listener.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class AgentDirectory:
    def __init__(
        self,
        users: Iterable[str],
        groups: Iterable[str],
        *,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.users = frozenset(users)
        self.groups = frozenset(groups)
        self._ttl = ttl
        self._clock = clock
        self._members: dict[str, frozenset[str]] = {}
        self._fetched: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_agent(self, user_id: str, client: WebClient | None = None) -> bool:
        if user_id in self.users:
            return True
        return any(user_id in self._group(g, client) for g in self.groups)

    def refresh(self, client: WebClient) -> None:
        """Fetch every group now (at start-up, so the first command is not the slow one)."""
        for group in self.groups:
            self._fetch(group, client)

    def _group(self, group: str, client: WebClient | None) -> frozenset[str]:
        with self._lock:
            fresh = self._clock() - self._fetched.get(group, float("-inf")) < self._ttl
            members = self._members.get(group, frozenset())
        if fresh or client is None:
            return members
        return self._fetch(group, client)

    def _fetch(self, group: str, client: WebClient) -> frozenset[str]:
        try:
            response = client.usergroups_users_list(usergroup=group)
            members = frozenset(response.get("users") or ())
        except SlackApiError as exc:
            log.warning(
                "could not list members of user group %s: %s", group, exc.response.get("error")
            )
            with self._lock:
                self._fetched[group] = self._clock()  # retry after the TTL, not every call
                return self._members.get(group, frozenset())
        with self._lock:
            self._members[group] = members
            self._fetched[group] = self._clock()
        return members
