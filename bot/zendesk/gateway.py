"""The Zendesk gateway: the few Support API calls portbot makes, behind a small interface.

Services and outbox handlers depend on :class:`Gateway`. :class:`ZenpyGateway` implements it
with zenpy 2.0.x (the client, its session and auth, its request path and response checks),
changing what hurts a long-running bot:

* **No cache.** zenpy keeps tickets for 30 s and users for good; the client is built with
  ``disable_cache=True`` so every read sees Zendesk as it is now.
* **Minimal writes.** zenpy serialises whole objects (or every attribute it thinks is dirty) on
  update. Here a write sends exactly ``{"ticket": fields}`` as given, through zenpy's request
  call; nothing fetched is ever sent back.
* **No sleeping.** On a 429 zenpy sleeps ``Retry-After`` seconds on the calling thread and tries
  again. Our transport adapter raises :class:`RateLimited` before zenpy sees the answer, so one
  gateway call is one HTTP request and the outbox reschedules at ``Retry-After``. urllib3
  retries are off too (zenpy's default adapter tries a 503 four times before giving up).
* **Idempotent creates.** zenpy cannot send ``Idempotency-Key``; the create passes the header on
  zenpy's request call. Zendesk then answers a repeated create with the first ticket.
* **ZENDESK_URL.** zenpy always builds ``https://<subdomain>.zendesk.com/api/v2/...``. With
  ``url`` set, the adapter sends each request to that base instead and puts the original URL
  back on the response, where zenpy's response handling looks for it.
* **Encoded queries.** zenpy pastes query values into URLs unencoded (an ``&`` or ``#`` in an
  external id or a file name breaks the request), so lookups and uploads pass ``params`` to
  requests instead of using zenpy's endpoint builders.
* **Errors** are :class:`RateLimited`, :class:`Unavailable` (5xx, 408, 409, timeouts, refused
  connections: try again later; after a timeout on create, look the ticket up by
  ``external_id`` before creating again) or :class:`Rejected` (other 4xx: permanent).
* **No bodies in logs.** zenpy logs each request's arguments, body included, at DEBUG; its
  loggers drop DEBUG records from here on, and urllib3's request lines lose their query
  strings (a user search by e-mail carries the address there). Error messages carry
  Zendesk's error code, description and the names of the fields it complained about, never
  values (:mod:`bot.zendesk.errors`).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies
from urllib3.util.retry import Retry
from zenpy import Zenpy

from bot.zendesk.errors import (
    DEFAULT_RETRY_AFTER,
    RateLimited,
    Rejected,
    Unavailable,
    ZendeskError,
    retry_after,
    translated,
)

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "Gateway",
    "RateLimited",
    "Rejected",
    "Unavailable",
    "ZendeskError",
    "ZendeskUser",
    "ZenpyGateway",
]

_PLACEHOLDER_SUBDOMAIN = "portbot"  # zenpy insists on one; unused when every call is redirected
_PAGE_SIZE = 100


@dataclass(frozen=True)
class ZendeskUser:
    """The little portbot needs of a Zendesk user: its id and role (``end-user``, ``agent``,
    ``admin``)."""

    id: int
    role: str = "end-user"


# ---------------------------------------------------------------------- interface
@runtime_checkable
class Gateway(Protocol):
    """The Zendesk calls the services make. Each call is one HTTP request (``find_ticket``: one
    per page of 100; an empty update: none) and raises a :class:`ZendeskError` subclass when it
    does not succeed."""

    def find_ticket(self, external_id: str) -> int | None:
        """The ticket with this ``external_id``; the oldest if there are several."""
        ...

    def create_ticket(self, fields: Mapping[str, Any], *, idempotency_key: str) -> int:
        """Create a ticket from the ticket JSON (``subject``, ``comment``, ``requester``,
        ``external_id``, ``tags``, ``custom_fields``...); returns its id. A repeat with the same
        key and fields within two hours returns the same ticket."""
        ...

    def update_ticket(self, ticket_id: int, fields: Mapping[str, Any]) -> None:
        """Send exactly ``fields`` (e.g. ``comment``, ``status``, ``additional_tags``,
        ``custom_fields``) as the update; nothing else about the ticket is touched."""
        ...

    def upload(self, filename: str, content: bytes, content_type: str) -> str:
        """Upload a file; returns the token to put in a comment's ``uploads``."""
        ...

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """The ticket's JSON as Zendesk has it now."""
        ...

    def find_user(
        self, *, email: str | None = None, external_id: str | None = None
    ) -> ZendeskUser | None:
        """The user with exactly this e-mail address (or this ``external_id``), if any."""
        ...

    def create_user(
        self, name: str, *, email: str | None = None, external_id: str | None = None
    ) -> ZendeskUser:
        """An end user with this name and e-mail address and/or ``external_id``; Zendesk's
        create-or-update, so a user made in the meantime is found, not doubled."""
        ...


# ---------------------------------------------------------------------- zenpy implementation
class ZenpyGateway:
    """:class:`Gateway` over zenpy (see the module docstring for what it changes).

    ``subdomain`` is the account (``acme`` for acme.zendesk.com); it may be ``None`` when
    ``url`` (``ZENDESK_URL``: a simulator or a proxy, e.g. ``http://127.0.0.1:8123``) is given.
    ``timeout`` bounds connecting and each wait for data, in seconds.

    The outbox worker owns one instance; requests' session pools connections across calls.
    """

    def __init__(
        self,
        subdomain: str | None,
        email: str,
        token: str,
        *,
        url: str | None = None,
        timeout: float = 10,
    ) -> None:
        if not subdomain and not url:
            raise ValueError("a Zendesk subdomain or URL is required")
        self.timeout = timeout
        self._transport = _Transport(url)
        self._session = requests.Session()
        self._session.mount("https://", self._transport)
        self._session.mount("http://", self._transport)
        self._client = Zenpy(
            subdomain=subdomain or _PLACEHOLDER_SUBDOMAIN,
            email=email,
            token=token,
            session=self._session,
            timeout=timeout,
            disable_cache=True,
            ratelimit_budget=0,  # should a 429 ever reach zenpy: raise instead of sleeping
        )
        self._api = self._client.tickets  # any zenpy API object: they share session and checks
        built = urlsplit(self._api._build_url(self._api.endpoint()))
        self._transport.public = f"{built.scheme}://{built.netloc}"
        self._base = f"{self._transport.public}/api/v2"

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    # ------------------------------------------------------------------ Gateway
    def find_ticket(self, external_id: str) -> int | None:
        if not external_id:
            raise ValueError("external_id must not be empty")
        found: list[tuple[str, int]] = []
        url: str | None = f"{self._base}/tickets.json"
        params: dict[str, Any] | None = {"external_id": external_id, "page[size]": _PAGE_SIZE}
        with translated("find ticket"):
            while url:
                page = _read(self._call("get", url, params=params))
                for ticket in _read_list(page, "tickets"):
                    found.append((str(ticket.get("created_at") or ""), int(ticket["id"])))
                more = (page.get("meta") or {}).get("has_more")
                url, params = (page.get("links") or {}).get("next") if more else None, None
        return min(found)[1] if found else None

    def create_ticket(self, fields: Mapping[str, Any], *, idempotency_key: str) -> int:
        if not idempotency_key:
            raise ValueError("idempotency_key must not be empty")
        with translated("create ticket"):
            answer = self._call(
                "post",
                f"{self._base}/tickets.json",
                json={"ticket": dict(fields)},
                headers={"Idempotency-Key": idempotency_key},
            )
        return int(_read(answer, "ticket", "id"))

    def update_ticket(self, ticket_id: int, fields: Mapping[str, Any]) -> None:
        if not fields:
            return  # nothing to change: no request
        with translated("update ticket"):
            url = f"{self._base}/tickets/{int(ticket_id)}.json"
            self._call("put", url, json={"ticket": dict(fields)})

    def upload(self, filename: str, content: bytes, content_type: str) -> str:
        if not filename:
            raise ValueError("filename must not be empty")
        with translated("upload"):
            answer = self._call(
                "post",
                f"{self._base}/uploads.json",
                params={"filename": filename},
                data=content,
                headers={"Content-Type": content_type or "application/octet-stream"},
            )
        return str(_read(answer, "upload", "token"))

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        with translated("read ticket"):
            answer = self._call("get", f"{self._base}/tickets/{int(ticket_id)}.json")
        return dict(_read(answer, "ticket"))

    def find_user(
        self, *, email: str | None = None, external_id: str | None = None
    ) -> ZendeskUser | None:
        # The search is fuzzy (a word of a name matches too): only an exact address counts.
        if email:
            params, wanted = {"query": f"email:{email.strip()}"}, ("email", email.strip().lower())
        elif external_id:
            params, wanted = {"external_id": external_id}, ("external_id", external_id)
        else:
            raise ValueError("an e-mail address or an external_id is needed")
        with translated("find user"):
            page = _read(self._call("get", f"{self._base}/users/search.json", params=params))
        key, value = wanted
        for user in _read_list(page, "users"):
            if str(user.get(key) or "").lower() == value.lower():
                return ZendeskUser(int(user["id"]), str(user.get("role") or "end-user"))
        return None

    def create_user(
        self, name: str, *, email: str | None = None, external_id: str | None = None
    ) -> ZendeskUser:
        if not (email or external_id):
            raise ValueError("an e-mail address or an external_id is needed")
        user: dict[str, Any] = {"name": name or email or external_id, "role": "end-user"}
        if email:
            user["email"] = email.strip()
        if external_id:
            user["external_id"] = external_id
        with translated("create user"):
            url = f"{self._base}/users/create_or_update.json"
            answer = _read(self._call("post", url, json={"user": user}), "user")
        return ZendeskUser(int(answer["id"]), str(answer.get("role") or "end-user"))

    def own_user_id(self) -> int:
        """The id of the user the API token acts as (``GET /api/v2/users/me``)."""
        with translated("read own user"):
            return int(_read(self._call("get", f"{self._base}/users/me.json"), "user", "id"))

    # ------------------------------------------------------------------ plumbing
    def _call(self, verb: str, url: str, **kwargs: Any) -> requests.Response:
        """One request down zenpy's path: its session (auth, our transport), its checks."""
        http_method = getattr(self._session, verb)
        return self._api._call_api(http_method, url, timeout=self.timeout, **kwargs)


class _Transport(HTTPAdapter):
    """One try per request, 429 raised at once, zenpy's URLs sent to ``target`` if set."""

    def __init__(self, target: str | None) -> None:
        no_retries = Retry(total=0, read=False, redirect=False, raise_on_status=False)
        super().__init__(max_retries=no_retries)
        self.target = target.rstrip("/") if target else None
        self.public: str | None = None  # the origin zenpy builds, set once the client exists

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        shown = request.url or ""
        if self.target and self.public:
            if _under(shown, self.target):  # a next-page link that already points there
                shown = self.public + shown[len(self.target) :]
            if _under(shown, self.public):
                request.url = self.target + shown[len(self.public) :]
                kwargs["proxies"] = _proxies_for(request.url)
        try:
            response = super().send(request, **kwargs)
        finally:
            request.url = shown  # zenpy picks its response handler by this URL
        response.url = shown
        if response.status_code == 429:
            wait = retry_after(response.headers.get("Retry-After"))
            _ = response.content  # read it, so the connection goes back to the pool
            response.close()
            raise RateLimited(wait)
        return response


def _read(answer: requests.Response, *path: str) -> Any:
    """The JSON object of an answer, or a value inside it; a ZendeskError when it is not there."""
    try:
        value: Any = answer.json()
        if not isinstance(value, dict):
            raise TypeError("not a JSON object")
        for key in path:
            value = value[key]
    except (ValueError, KeyError, TypeError):
        status = answer.status_code
        raise ZendeskError(f"unexpected answer from Zendesk (HTTP {status})") from None
    return value


def _read_list(page: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = page.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i for i in items):
        raise ZendeskError(f"unexpected answer from Zendesk (no {key} list)")
    return items


def _under(url: str, base: str) -> bool:
    return url == base or url.startswith(base + "/")


def _proxies_for(url: str) -> dict[str, str]:
    """Proxies for the redirected URL: none for loopback, else what the environment says."""
    host = urlsplit(url).hostname or ""
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return {}
    except ValueError:
        pass
    return get_environ_proxies(url)


class _DropDebug(logging.Filter):
    """zenpy logs request arguments, bodies included, at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


class _NoQueries(logging.Filter):
    """urllib3 logs each request line at DEBUG; a user search carries an e-mail address in its
    query string, so query strings are left out of those lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 4 and "?" in str(args[4]):
            record.args = (*args[:4], str(args[4]).split("?", 1)[0] + "?…", *args[5:])
        return True


def _quiet_zenpy() -> None:
    for name in ("api", "cache", "endpoint", "generator", "mapping", "util"):
        logger = logging.getLogger(f"zenpy.lib.{name}")
        if not any(isinstance(f, _DropDebug) for f in logger.filters):
            logger.addFilter(_DropDebug())
    pool = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _NoQueries) for f in pool.filters):
        pool.addFilter(_NoQueries())


_quiet_zenpy()
