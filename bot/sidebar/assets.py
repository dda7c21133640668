"""The sidebar page's own files (``bot/sidebar/static/``), served at ``/zendesk/sidebar/static/``.

Only the files named in :data:`FILES` are served, from memory, read once when the routes are
made: a name that is not one of them is a 404, whatever it holds (``..``, ``%2F``, another file
of the folder), so nothing else on disk can be reached. The files carry no token and are the
same for everyone, so browsers and proxies may keep them for :data:`MAX_AGE` seconds, then ask
again with the ``ETag`` (a 304 answers when nothing changed). Each is served with its type and
``nosniff``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

PREFIX = "/zendesk/sidebar/static"
MAX_AGE = 3600  # an hour: a new release's files reach open sidebars within it
JS = "text/javascript; charset=utf-8"
FILES = {
    "sidebar.js": JS,
    "sidebar.css": "text/css; charset=utf-8",
    "zaf_sdk.min.js": JS,  # the ZAF SDK, vendored (static/README.md)
}


@dataclass(frozen=True)
class Asset:
    """One file, read: its bytes, type and entity tag."""

    body: bytes
    media_type: str
    etag: str

    @classmethod
    def read(cls, name: str) -> Asset:
        body = resources.files("bot.sidebar").joinpath("static", name).read_bytes()
        return cls(body, FILES[name], f'"{hashlib.sha256(body).hexdigest()[:32]}"')

    def headers(self) -> dict[str, str]:
        return {
            "ETag": self.etag,
            "Cache-Control": f"public, max-age={MAX_AGE}",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        }


def url(name: str) -> str:
    """Where the page finds the file ``name`` (one of :data:`FILES`)."""
    if name not in FILES:
        raise KeyError(name)
    return f"{PREFIX}/{name}"


def _not_found() -> Response:
    return PlainTextResponse(
        "Not found", status_code=404, headers={"X-Content-Type-Options": "nosniff"}
    )


def static_routes() -> list[BaseRoute]:
    """``GET`` (and ``HEAD``) ``/zendesk/sidebar/static/{name}`` for the files in
    :data:`FILES`, read now: a missing one fails here, at start, not on an agent's screen."""
    assets = {name: Asset.read(name) for name in FILES}

    async def serve(request: Request) -> Response:
        asset = assets.get(request.path_params["name"])
        if asset is None:
            return _not_found()
        headers = asset.headers()
        if _matches(request.headers.get("if-none-match", ""), asset.etag):
            return Response(status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    return [Route(f"{PREFIX}/{{name}}", serve, methods=["GET", "HEAD"])]


def _matches(header: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weakly, as it may) or is ``*``."""
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags or "*" in tags
