"""The variables of the operator contract, each read and checked on its own."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationInfo, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config.errors import ConfigError
from bot.config.keys import local_key
from bot.porting.calendar import BusinessCalendar
from bot.porting.countries import parse_countries
from bot.porting.reminders import ReminderPolicy
from bot.porting.rules import LOA_LINK_MAX_DAYS
from storage import crypto
from storage.db import default_url

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
LOA_MAX_TTL_DAYS = LOA_LINK_MAX_DAYS


@dataclass(frozen=True)
class Agents:
    users: frozenset[str]
    groups: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.users or self.groups)


class Settings(BaseModel):
    """Every variable of the operator contract. Names match the environment, lower-cased.

    Build it with :func:`load`, which reads the environment; URLs that may carry a password
    (``DATABASE_URL``, ``SMTP_URL``) are secrets like the tokens.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    database_url: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    portbot_agents: str = ""
    portbot_agents_channel: str | None = None
    portbot_timezone: str = "America/New_York"
    portbot_country: str = "US"
    portbot_countries: str = ""  # the countries ports are accepted from; empty: the whole table
    portbot_public_url: str | None = None
    portbot_secret_key: SecretStr | None = None
    portbot_slack_processes: int | None = None
    zendesk_subdomain: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None
    zendesk_url: str | None = None
    zendesk_webhook_secret: SecretStr | None = None
    zendesk_field_status: int | None = None
    zendesk_field_foc_date: int | None = None
    zendesk_field_sid: int | None = None
    zendesk_public_updates: bool = False
    zendesk_group_id: int | None = None  # the group new tickets go to
    zendesk_assignee_id: int | None = None  # the agent new tickets are assigned to
    zendesk_app_id: int | None = None  # the sidebar app's id: its public key is fetched by it
    zendesk_app_public_key: str | None = None  # PEM text, or a path to a file holding it
    smtp_url: SecretStr | None = None
    portbot_mail_from: str | None = None
    # Seconds between reminder sweeps (bot.delivery.scheduler); the rows decide what is due.
    portbot_reminder_interval: int = 30
    portbot_loa_ttl_days: int = 14
    portbot_delivery_give_up_hours: int = 24  # then the outbox sets a delivery aside
    portbot_files_dir: Path | None = None
    portbot_trust_proxy: bool = False
    # When set, GET /metrics wants "Authorization: Bearer <token>"; unset, /metrics is open.
    portbot_metrics_token: SecretStr | None = None
    portbot_portout_default: str = "authorize"  # or "reject": what a port-out's deadline decides
    portbot_portout_deadline_hours: int | None = None  # None: one business day
    portbot_portout_unlock_hours: int = 24
    portbot_quote_all: bool = False  # every request needs an accepted fee quote, not only some
    portbot_portout_validation_user: str | None = None
    portbot_portout_validation_password: SecretStr | None = None
    portbot_log_format: str = "text"  # or "json": one object per line (bot.logs)

    # --- field checks (each message is the part after "NAME: ") --------------------------

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            backend = make_url(value.get_secret_value()).get_backend_name()
        except ArgumentError:
            raise ValueError("is not a database URL (sqlite:///path or postgresql://…)") from None
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(f'"{backend}" is not supported; use sqlite:/// or postgresql://')
        return value

    @field_validator("portbot_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'"{_clip(value)}" is not a time zone (use an IANA name like America/Chicago)'
            ) from None
        return value

    @field_validator("portbot_log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("text", "json"):
            raise ValueError(f'"{_clip(value)}" is not a log format (use text or json)')
        return value

    @field_validator("portbot_portout_default")
    @classmethod
    def _portout_default(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("authorize", "reject"):
            raise ValueError(f'"{_clip(value)}" is not a decision (use authorize or reject)')
        return value

    @field_validator("portbot_portout_deadline_hours", mode="before")
    @classmethod
    def _portout_deadline(cls, value: object) -> object:
        return value if value is None else _whole(value, 1, 720, "a number of hours from 1 to 720")

    @field_validator("portbot_portout_unlock_hours", mode="before")
    @classmethod
    def _portout_unlock(cls, value: object) -> object:
        return _whole(value, 0, 720, "a number of hours from 0 to 720")

    @field_validator("portbot_country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.strip().upper()
        try:
            BusinessCalendar(country=value)
        except ValueError:
            raise ValueError(
                f'"{_clip(value)}" is not a country with a holiday calendar '
                "(use ISO codes such as US, CA, GB)"
            ) from None
        return value

    @field_validator("portbot_countries")
    @classmethod
    def _countries(cls, value: str) -> str:
        parse_countries(value)  # a code the table does not know stops the start, named
        return value

    @field_validator("portbot_agents")
    @classmethod
    def _agents(cls, value: str) -> str:
        bad = [v for v in _split(value) if not (_USER_ID.match(v) or _GROUP_ID.match(v))]
        if bad:
            raise ValueError(
                f'"{_clip(bad[0])}" is not a Slack user ID (U…/W…) or user-group ID (S…)'
            )
        return value

    @field_validator("portbot_agents_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value and not _CHANNEL_ID.match(value.strip()):
            raise ValueError(
                f'"{_clip(value)}" is not a channel ID; copy it from the channel details (C…)'
            )
        return value.strip() if value else None

    @field_validator("portbot_public_url", "slack_api_url", "zendesk_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f'"{_clip(value)}" is not an http(s) URL')
        return value.rstrip("/") if value else None

    @field_validator("portbot_secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                crypto.Keyring.from_setting(value.get_secret_value())
            except crypto.SecretKeyError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: SecretStr | None) -> SecretStr | None:
        if value and not re.match(r"^smtps?://", value.get_secret_value()):
            raise ValueError("use smtp://user:password@host:587 or smtps://… (port 465)")
        return value

    @field_validator("zendesk_subdomain")
    @classmethod
    def _subdomain(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError(f'"{_clip(value)}" should be just the subdomain, e.g. "acme"')
        return value

    @field_validator("zendesk_email")
    @classmethod
    def _zendesk_email(cls, value: str | None) -> str | None:
        if value and not _EMAIL.match(value.strip()):
            raise ValueError(
                f'"{_clip(value)}" is not an e-mail address '
                "(use the agent's, whose API token portbot uses)"
            )
        return value.strip() if value else None

    @field_validator(
        "zendesk_field_status", "zendesk_field_foc_date", "zendesk_field_sid", mode="before"
    )
    @classmethod
    def _field_id(cls, value: object) -> object:
        if value is None or isinstance(value, int):
            return value
        text = str(value).strip()
        if not text.isdigit() or int(text) == 0:
            raise ValueError(
                f'"{_clip(text)}" is not a ticket field ID (a number from Admin Center, '
                "Objects and rules, Tickets, Fields)"
            )
        return int(text)

    @field_validator("zendesk_app_id", mode="before")
    @classmethod
    def _app_id(cls, value: object) -> object:
        if value is None:
            return None
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or int(text) == 0:
            raise ValueError(
                f'"{_clip(text)}" is not an app ID (a positive number: the ID Zendesk gave the '
                "sidebar app when it was uploaded)"
            )
        return int(text)

    @field_validator("zendesk_group_id", "zendesk_assignee_id", mode="before")
    @classmethod
    def _placement(cls, value: object, info: ValidationInfo) -> object:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or int(text) == 0:
            what = "a group" if info.field_name == "zendesk_group_id" else "an agent's user"
            raise ValueError(f'"{_clip(text)}" is not {what} ID (a positive number)')
        return int(text)

    @field_validator("zendesk_app_public_key")
    @classmethod
    def _app_public_key(cls, value: str | None) -> str | None:
        """PEM text (``\\n`` written for line breaks is understood), or a file holding it;
        the value kept is the PEM text."""
        if value is None:
            return None
        text, source = value.strip(), ""
        if "-----BEGIN" not in text:
            source = f'"{_clip(text)}" '
            try:
                text = Path(text).expanduser().read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError, ValueError):
                raise ValueError(
                    f"{source}is neither PEM text (-----BEGIN PUBLIC KEY-----…) "
                    "nor a file holding it"
                ) from None
        elif "\\n" in text and "\n" not in text:
            text = text.replace("\\n", "\n")
        try:
            key = serialization.load_pem_public_key(text.encode("utf-8"))
        except (ValueError, TypeError, UnsupportedAlgorithm):
            key = None
        if not isinstance(key, rsa.RSAPublicKey):
            what = f"{source}does not hold" if source else "is not"
            raise ValueError(
                f"{what} an RSA public key in PEM form; copy the app's key from Zendesk "
                "(/api/v2/apps/<ZENDESK_APP_ID>/public_key.pem), or unset it to have it fetched"
            )
        return text + "\n"

    @field_validator("portbot_slack_processes", mode="before")
    @classmethod
    def _processes(cls, value: object) -> object:
        what = "a number of processes (0 to 64; 0 runs the work on threads of the web process)"
        return value if value is None else _whole(value, 0, 64, what)

    @property
    def reminder_policy(self) -> ReminderPolicy:
        """The reminder policy with the port-out settings."""
        hours = self.portbot_portout_deadline_hours
        return ReminderPolicy(
            port_out_default=self.portbot_portout_default,
            port_out_deadline=timedelta(hours=hours) if hours else None,
            port_out_unlock_wait=timedelta(hours=self.portbot_portout_unlock_hours),
            quote_all=self.portbot_quote_all,
        )

    @property
    def slack_processes(self) -> int:
        """Processes for Slack work done after the ack: the setting, else one per core (≤ 4)."""
        if self.portbot_slack_processes is not None:
            return self.portbot_slack_processes
        return min(4, os.cpu_count() or 1)

    @field_validator("portbot_loa_ttl_days", mode="before")
    @classmethod
    def _loa_ttl(cls, value: object) -> object:
        return _whole(
            value,
            1,
            LOA_MAX_TTL_DAYS,
            f"a number of days from 1 to {LOA_MAX_TTL_DAYS} "
            f"(carriers accept a signed LOA for {LOA_LINK_MAX_DAYS} days)",
        )

    @field_validator("portbot_delivery_give_up_hours", mode="before")
    @classmethod
    def _give_up(cls, value: object) -> object:
        return _whole(value, 1, 720, "a number of hours from 1 to 720")

    @field_validator("portbot_files_dir", mode="before")
    @classmethod
    def _files_dir(cls, value: object) -> object:
        if value is None or isinstance(value, Path):
            return value
        text = str(value).strip()
        path = Path(text).expanduser()
        if not text or (path.exists() and not path.is_dir()):
            raise ValueError(f'"{_clip(text)}" is not a directory')
        return path

    @field_validator("portbot_mail_from")
    @classmethod
    def _mail_from(cls, value: str | None) -> str | None:
        if value is None:
            return None
        address = parseaddr(value.strip())[1]
        if not _EMAIL.match(address):
            raise ValueError(
                f'"{_clip(value)}" is not an e-mail address '
                '(e.g. portbot@example.com or "Porting team <porting@example.com>")'
            )
        return value.strip()

    @field_validator("zendesk_public_updates", "portbot_trust_proxy", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f'"{_clip(str(value))}" is not on or off (use true or false)')

    # --- derived values ------------------------------------------------------------------

    @property
    def db_url(self) -> str:
        return self.database_url.get_secret_value() if self.database_url else default_url()

    @property
    def uses_default_database(self) -> bool:
        return not self.database_url

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.db_url).get_backend_name() == "sqlite"

    @property
    def agents(self) -> Agents:
        items = _split(self.portbot_agents)
        return Agents(
            users=frozenset(i for i in items if _USER_ID.match(i)),
            groups=frozenset(i for i in items if _GROUP_ID.match(i)),
        )

    @property
    def countries(self) -> frozenset[str]:
        """``PORTBOT_COUNTRIES`` as codes (every country of the table when it is unset)."""
        return parse_countries(self.portbot_countries)

    @property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(country=self.portbot_country, timezone=self.portbot_timezone)

    @property
    def loa_ttl(self) -> timedelta:
        """How long an LOA signing link works (``PORTBOT_LOA_TTL_DAYS``)."""
        return timedelta(days=self.portbot_loa_ttl_days)

    @property
    def files_dir(self) -> Path | None:
        """Where document bytes are kept (``PORTBOT_FILES_DIR``); None: in the database."""
        return self.portbot_files_dir

    @property
    def zendesk_enabled(self) -> bool:
        """An account (subdomain or URL), the agent's e-mail and an API token are all set."""
        return bool(
            (self.zendesk_subdomain or self.zendesk_url)
            and self.zendesk_email
            and self.zendesk_api_token
        )

    def keyring(self) -> crypto.Keyring:
        """The encryption keys; without PORTBOT_SECRET_KEY only a SQLite setup may invent one."""
        if self.portbot_secret_key is not None:
            return crypto.Keyring.from_setting(self.portbot_secret_key.get_secret_value())
        if not self.is_sqlite:
            raise ConfigError(
                "PORTBOT_SECRET_KEY: required with PostgreSQL (every replica needs the same key)"
            )
        return crypto.Keyring([local_key(self.db_url)])


def _split(value: str) -> list[str]:
    return [v for v in re.split(r"[\s,;]+", value or "") if v]


def _whole(value: object, low: int, high: int, what: str) -> int:
    """A setting that is a whole number from ``low`` to ``high`` (``what`` names it)."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f'"{_clip(text)}" is not {what}')
    return int(text)


def _clip(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
