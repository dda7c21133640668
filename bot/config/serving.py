"""Reading the settings, and what a running portbot needs of them beyond each value alone.

:func:`load` raises :class:`ConfigError` whose message names the variable, e.g.
``PORTBOT_TIMEZONE: "Mars/Olympus" is not a time zone``. :func:`check_serving` is what
``serve``, ``worker`` and ``check`` all refuse, worded once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import ValidationError

from bot.config.errors import ConfigError
from bot.config.settings import Settings


def _check_zendesk(settings: Settings) -> None:
    """The Zendesk API needs the account, the agent's e-mail and the token together; when only
    some are set, name the first one missing."""
    account = "ZENDESK_URL" if settings.zendesk_url else "ZENDESK_SUBDOMAIN"
    given = {
        account: bool(settings.zendesk_subdomain or settings.zendesk_url),
        "ZENDESK_EMAIL": bool(settings.zendesk_email),
        "ZENDESK_API_TOKEN": bool(settings.zendesk_api_token),
    }
    if not any(given.values()) or all(given.values()):
        return
    missing = next(name for name, ok in given.items() if not ok)
    present = [name for name, ok in given.items() if ok]
    alternative = " (or ZENDESK_URL)" if missing == "ZENDESK_SUBDOMAIN" else ""
    raise ConfigError(
        f"{missing}: required{alternative} when {' and '.join(present)} "
        f"{'are' if len(present) > 1 else 'is'} set; Zendesk needs the account, "
        "the agent's e-mail and an API token together"
    )


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    known = {name.upper() for name in Settings.model_fields}
    values = {k.lower(): v for k, v in env.items() if k.upper() in known and v.strip()}
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error.get("loc") else "configuration"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
    _check_zendesk(settings)
    return settings


def require_slack(settings: Settings) -> None:
    """What a runtime cannot be built without: a bot token, and a signing secret for HTTP."""
    if settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN: required to talk to Slack (the bot token, xoxb-…)")
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise ConfigError(
            "SLACK_SIGNING_SECRET: required to check that requests come from Slack "
            "(Basic Information → App Credentials)"
        )


def check_serving(settings: Settings) -> None:
    """What ``serve``, ``worker`` and ``check`` refuse beyond malformed values (one line)."""
    require_slack(settings)
    bot_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    if not bot_token.startswith("xoxb-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN: needs the bot token (xoxb-…, OAuth & Permissions → Bot User OAuth "
            "Token), not an app-level or user token"
        )
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN: needs the app-level token (xapp-…, Basic Information → App-Level "
            "Tokens, scope connections:write), not a bot or user token"
        )
    if settings.smtp_url is not None and not settings.portbot_mail_from:
        raise ConfigError(
            "PORTBOT_MAIL_FROM: required when SMTP_URL is set (the address LOA e-mails come "
            "from, e.g. porting@example.com)"
        )
