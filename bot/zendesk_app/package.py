"""The Zendesk app package: a private app whose ticket sidebar is a page portbot serves.

Pure: settings in, files and zip bytes out. The same settings and version always give the same
bytes (fixed timestamps, fixed order), so a rebuilt package can be compared with an uploaded one.
"""

from __future__ import annotations

import io
import json
import zipfile
from email.utils import parseaddr
from typing import Any, Protocol
from urllib.parse import urlsplit

from bot.config import ConfigError
from bot.zendesk_app.logo import logo_png

APP_NAME = "portbot"
SIDEBAR_PATH = "/zendesk/sidebar"
DEFAULT_LOCALE = "en"
FRAMEWORK_VERSION = "2.0"
LOGOS = {"assets/logo.png": 320, "assets/logo-small.png": 128}
# The earliest time a zip can record: no build's clock leaks into the bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class AppSettings(Protocol):
    """What the package needs of :class:`bot.config.Settings`."""

    @property
    def portbot_public_url(self) -> str | None: ...

    @property
    def portbot_mail_from(self) -> str | None: ...


def package_name(version: str) -> str:
    """The zip's file name: ``portbot-zendesk-app-<version>.zip``."""
    return f"portbot-zendesk-app-{version}.zip"


def sidebar_url(public_url: str | None) -> str:
    """``PORTBOT_PUBLIC_URL`` + ``/zendesk/sidebar``; refused unless Zendesk would load it."""
    if not public_url:
        raise ConfigError(
            "PORTBOT_PUBLIC_URL: required to build the Zendesk app (the https address where "
            "Zendesk reaches portbot, e.g. https://portbot.example.com)"
        )
    parts = urlsplit(public_url)
    local = parts.scheme == "http" and parts.hostname == "localhost"
    if parts.scheme != "https" and not local:
        raise ConfigError(
            f'PORTBOT_PUBLIC_URL: "{public_url}" must start with https:// — Zendesk loads the '
            "sidebar only over https (http://localhost is allowed while developing)"
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f'PORTBOT_PUBLIC_URL: "{public_url}" should be just the address, without ? or #'
        )
    return public_url.rstrip("/") + SIDEBAR_PATH


def _author(settings: AppSettings) -> dict[str, str]:
    """The author Zendesk shows: portbot at its public address, reached at the porting
    team's address (``PORTBOT_MAIL_FROM``), else ``porting@`` the public host."""
    url = settings.portbot_public_url or ""
    email = parseaddr(settings.portbot_mail_from or "")[1]
    return {
        "name": APP_NAME,
        "email": email or f"porting@{urlsplit(url).hostname}",
        "url": url,
    }


def manifest(settings: AppSettings, version: str) -> dict[str, Any]:
    """``manifest.json``: one ticket-sidebar location, loaded from portbot with signed URLs."""
    return {
        "name": APP_NAME,
        "author": _author(settings),
        "defaultLocale": DEFAULT_LOCALE,
        "private": True,
        "version": version,
        "frameworkVersion": FRAMEWORK_VERSION,
        "signedUrls": True,
        "location": {
            "support": {
                "ticket_sidebar": {
                    "url": sidebar_url(settings.portbot_public_url),
                    "flexible": True,
                }
            }
        },
    }


def translations() -> dict[str, Any]:
    """``translations/en.json``: the app's name and what it is for, in our words."""
    return {
        "app": {
            "name": APP_NAME,
            "short_description": "The number port behind this ticket, and what to do next.",
            "description": (
                "Shows the phone-number port request linked to this ticket: its status, each "
                "number, the FOC date, what is still missing and how to fix a rejection. Agents "
                "act on it from the sidebar: add a note, set the FOC date, record a rejection or "
                "a completed port, send the LOA again."
            ),
        }
    }


def readme(settings: AppSettings, version: str) -> str:
    """``README.md`` inside the zip: what the app is, how to upload it, what portbot needs."""
    url = sidebar_url(settings.portbot_public_url)
    return f"""# portbot for Zendesk

The ticket sidebar of portbot. For the phone-number port request linked to a ticket it shows
the status, each number, the FOC date, what is missing and how to fix a rejection, and lets
agents act on the request without leaving the ticket. The page is served by your portbot:

    {url}

This package was built by portbot {version} for that address. If the address changes, build
it again with `portbot zendesk-app build` and upload the new zip as a new version of the app.

## Upload

1. In Zendesk, open Admin Center → Apps and integrations → Apps → Zendesk Support apps.
2. Choose "Upload private app", give it a name (portbot), pick this zip and upload it.
3. Install it. Restrict it to the agents' roles or groups if only some agents port numbers.

## What portbot needs

Set these where portbot runs, then restart it:

- `PORTBOT_PUBLIC_URL`: the address above, without `{SIDEBAR_PATH}`. It must be https
  (http://localhost only while developing).
- `ZENDESK_APP_ID`: the id Zendesk gave the app (the `app_id` of its installation in
  `GET /api/v2/apps/installations.json`). portbot fetches the app's public key with it.
- or `ZENDESK_APP_PUBLIC_KEY`: that public key itself, as PEM text or the path of a file
  holding it, if portbot should not fetch it. Set one or both.
- `PORTBOT_SECRET_KEY`: signs the short-lived sidebar token the page carries after the first
  load. It is the same key that encrypts stored PINs and account numbers: if it is already set,
  leave it as it is.
- `ZENDESK_SUBDOMAIN` (or `ZENDESK_URL`): the account the sidebar runs in; only its pages may
  show the sidebar.

Zendesk signs the sidebar's first load (the app uses signed URLs), and portbot checks that
signature with the app's public key before it shows anything.

## Check the package

`zcli apps:validate` is the check to run once you have a Zendesk account: unzip this package
into a folder and run `zcli apps:validate <folder>`. It sends the package to your account's
validator, so it needs the account and your credentials.
"""


def package_files(settings: AppSettings, version: str) -> dict[str, bytes]:
    """Every file of the package by its path in the zip, in the order they are written."""

    def as_json(value: dict[str, Any]) -> bytes:
        return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    files = {
        "manifest.json": as_json(manifest(settings, version)),
        f"translations/{DEFAULT_LOCALE}.json": as_json(translations()),
        "README.md": readme(settings, version).encode("utf-8"),
    }
    files.update({path: logo_png(size) for path, size in LOGOS.items()})
    return files


def package_zip(settings: AppSettings, version: str) -> bytes:
    """The package as zip bytes, ready for "Upload private app"."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in package_files(settings, version).items():
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permissions below are read as such
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()
