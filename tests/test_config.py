"""Operator configuration (PRODUCT §7): defaults, one-line errors naming the variable, secrets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import ConfigError, Settings, load
from storage import crypto

KEY = "k3y-0123456789abcdef-for-tests"
OLD_KEY = "old-key-0123456789abcdef"
NEW_KEY = "new-key-fedcba9876543210"
PG = "postgresql://portbot@db.internal:5432/portbot"
ZENDESK = {
    "ZENDESK_SUBDOMAIN": "acme",
    "ZENDESK_EMAIL": "porting@acme.example",
    "ZENDESK_API_TOKEN": "zendesk-token-for-tests",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No operator variable of the developer's shell leaks in; the default database is ours."""
    operator_variables = {field.upper() for field in Settings.model_fields}
    for name in list(os.environ):
        if name.upper() in operator_variables:
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))


# --- defaults -----------------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    settings = load({})
    expected = tmp_path / "portbot" / "portbot.db"
    assert settings.database_url is None
    assert settings.uses_default_database
    assert settings.db_url == f"sqlite:///{expected}"
    assert settings.is_sqlite
    assert settings.portbot_timezone == "America/New_York"
    assert settings.portbot_country == "US"
    assert not settings.agents
    assert settings.agents.users == frozenset() and settings.agents.groups == frozenset()
    assert settings.portbot_agents_channel is None
    assert settings.portbot_secret_key is None
    assert settings.slack_bot_token is None
    assert not settings.zendesk_enabled
    assert settings.zendesk_field_status is None
    assert settings.zendesk_field_foc_date is None
    assert settings.zendesk_field_sid is None
    assert settings.zendesk_public_updates is False
    calendar = settings.calendar
    assert (calendar.country, calendar.timezone) == ("US", "America/New_York")


def test_unrelated_variables_are_ignored() -> None:
    settings = load({"PATH": "/bin", "PORTBOT_NOT_A_SETTING": "x", "HOME": "/root"})
    assert settings.portbot_timezone == "America/New_York"


def test_variable_names_are_case_insensitive() -> None:
    assert load({"portbot_timezone": "Europe/London"}).portbot_timezone == "Europe/London"


def test_settings_are_frozen() -> None:
    settings = load({})
    with pytest.raises(ValidationError):
        settings.portbot_timezone = "Europe/London"  # type: ignore[misc]


# --- valid values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "attribute", "value"),
    [
        ({"DATABASE_URL": PG}, "database_url", PG),
        ({"DATABASE_URL": "postgres://u@h/db"}, "database_url", "postgres://u@h/db"),
        ({"DATABASE_URL": "sqlite:///tmp/x.db"}, "database_url", "sqlite:///tmp/x.db"),
        ({"PORTBOT_TIMEZONE": "America/Los_Angeles"}, "portbot_timezone", "America/Los_Angeles"),
        ({"PORTBOT_COUNTRY": " ca "}, "portbot_country", "CA"),
        ({"PORTBOT_COUNTRY": "gb"}, "portbot_country", "GB"),
        ({"PORTBOT_SLACK_PROCESSES": " 0 "}, "slack_processes", 0),
        ({"PORTBOT_SLACK_PROCESSES": "3"}, "slack_processes", 3),
        ({"PORTBOT_AGENTS_CHANNEL": " C0123ABCD "}, "portbot_agents_channel", "C0123ABCD"),
        (
            {"PORTBOT_PUBLIC_URL": "https://port.example.com/"},
            "portbot_public_url",
            "https://port.example.com",
        ),
        (
            {"SLACK_API_URL": "http://127.0.0.1:9000/api/"},
            "slack_api_url",
            "http://127.0.0.1:9000/api",
        ),
        (
            {**ZENDESK, "ZENDESK_URL": "http://localhost:8080/"},
            "zendesk_url",
            "http://localhost:8080",
        ),
        ({"SMTP_URL": "smtp://mail:587"}, "smtp_url", "smtp://mail:587"),
        ({"SMTP_URL": "smtps://mail:465"}, "smtp_url", "smtps://mail:465"),
        (
            {**ZENDESK, "ZENDESK_SUBDOMAIN": "acme-support"},
            "zendesk_subdomain",
            "acme-support",
        ),
        (
            {**ZENDESK, "ZENDESK_EMAIL": " porting@acme.example "},
            "zendesk_email",
            "porting@acme.example",
        ),
        ({"ZENDESK_FIELD_STATUS": "360001234567"}, "zendesk_field_status", 360001234567),
        ({"ZENDESK_FIELD_FOC_DATE": " 42 "}, "zendesk_field_foc_date", 42),
        ({"ZENDESK_FIELD_SID": "7"}, "zendesk_field_sid", 7),
        ({"ZENDESK_PUBLIC_UPDATES": "true"}, "zendesk_public_updates", True),
        ({"ZENDESK_PUBLIC_UPDATES": "YES"}, "zendesk_public_updates", True),
        ({"ZENDESK_PUBLIC_UPDATES": "1"}, "zendesk_public_updates", True),
        ({"ZENDESK_PUBLIC_UPDATES": "off"}, "zendesk_public_updates", False),
        ({"ZENDESK_PUBLIC_UPDATES": "false"}, "zendesk_public_updates", False),
        ({"ZENDESK_WEBHOOK_SECRET": "whsec"}, "zendesk_webhook_secret", "whsec"),
    ],
)
def test_valid_values(env: dict[str, str], attribute: str, value: str) -> None:
    got = getattr(load(env), attribute)
    if isinstance(got, SecretStr):  # URLs that may carry a password are kept secret
        got = got.get_secret_value()
    assert got == value


def test_postgresql_url_is_not_sqlite() -> None:
    settings = load({"DATABASE_URL": PG})
    assert settings.db_url == PG
    assert not settings.is_sqlite
    assert not settings.uses_default_database


@pytest.mark.parametrize("account", [{"ZENDESK_SUBDOMAIN": "acme"}, {"ZENDESK_URL": "http://zd:1"}])
def test_zendesk_is_enabled_by_an_account_with_email_and_token(account: dict[str, str]) -> None:
    credentials = {k: v for k, v in ZENDESK.items() if k != "ZENDESK_SUBDOMAIN"}
    assert load({**account, **credentials}).zendesk_enabled


def test_zendesk_settings_without_credentials_leave_it_off() -> None:
    settings = load({"ZENDESK_FIELD_SID": "7", "ZENDESK_PUBLIC_UPDATES": "on"})
    assert not settings.zendesk_enabled
    assert settings.zendesk_field_sid == 7 and settings.zendesk_public_updates


@pytest.mark.parametrize(
    ("env", "missing", "named"),
    [
        ({"ZENDESK_SUBDOMAIN": "acme"}, "ZENDESK_EMAIL", "ZENDESK_SUBDOMAIN is set"),
        (
            {"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "a@acme.example"},
            "ZENDESK_API_TOKEN",
            "ZENDESK_SUBDOMAIN and ZENDESK_EMAIL are set",
        ),
        (
            {"ZENDESK_URL": "http://zd:1", "ZENDESK_API_TOKEN": "t0ken-value"},
            "ZENDESK_EMAIL",
            "ZENDESK_URL and ZENDESK_API_TOKEN are set",
        ),
        (
            {"ZENDESK_EMAIL": "a@acme.example", "ZENDESK_API_TOKEN": "t0ken-value"},
            "ZENDESK_SUBDOMAIN",
            "(or ZENDESK_URL)",
        ),
        ({"ZENDESK_API_TOKEN": "t0ken-value"}, "ZENDESK_SUBDOMAIN", "ZENDESK_API_TOKEN is set"),
    ],
)
def test_partial_zendesk_credentials_name_the_missing_one(
    env: dict[str, str], missing: str, named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(env)
    message = str(caught.value)
    assert message.startswith(f"{missing}: required")
    assert named in message
    assert "\n" not in message
    assert "t0ken-value" not in message


def test_agents_split_into_users_and_groups() -> None:
    settings = load({"PORTBOT_AGENTS": "U012ABC, S0GROUP1;W99XYZ\n  U0TWO,,"})
    assert settings.agents.users == {"U012ABC", "W99XYZ", "U0TWO"}
    assert settings.agents.groups == {"S0GROUP1"}
    assert settings.agents


def test_agents_may_be_only_a_group() -> None:
    agents = load({"PORTBOT_AGENTS": "S0PORTING"}).agents
    assert agents and agents.users == frozenset() and agents.groups == {"S0PORTING"}


# --- errors: one line, starting with the variable's name ------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("DATABASE_URL", "mysql://root@db/portbot", '"mysql" is not supported'),
        ("DATABASE_URL", "garbage", "is not a database URL"),
        ("DATABASE_URL", "://", "is not a database URL"),
        ("PORTBOT_TIMEZONE", "Nowhere", '"Nowhere" is not a time zone'),
        ("PORTBOT_TIMEZONE", "Mars/Olympus", '"Mars/Olympus" is not a time zone'),
        ("PORTBOT_COUNTRY", "XX", '"XX" is not a country'),
        ("PORTBOT_SLACK_PROCESSES", "two", '"two" is not a number of processes'),
        ("PORTBOT_SLACK_PROCESSES", "-1", '"-1" is not a number of processes'),
        ("PORTBOT_AGENTS", "U012ABC, bogus", '"bogus" is not a Slack user ID'),
        ("PORTBOT_AGENTS", "@jane", '"@jane" is not a Slack user ID'),
        ("PORTBOT_AGENTS_CHANNEL", "#porting", '"#porting" is not a channel ID'),
        ("PORTBOT_AGENTS_CHANNEL", "U012ABC", '"U012ABC" is not a channel ID'),
        ("PORTBOT_PUBLIC_URL", "port.example.com", '"port.example.com" is not an http(s) URL'),
        ("PORTBOT_PUBLIC_URL", "ftp://port.example.com", "is not an http(s) URL"),
        ("SLACK_API_URL", "slack.com/api", '"slack.com/api" is not an http(s) URL'),
        ("ZENDESK_URL", "acme.zendesk.com", '"acme.zendesk.com" is not an http(s) URL'),
        ("PORTBOT_SECRET_KEY", "short", "at least 16 characters"),
        ("PORTBOT_SECRET_KEY", f"{KEY},short", "at least 16 characters"),
        ("SMTP_URL", "mail.example.com:587", "use smtp://"),
        ("SMTP_URL", "http://mail.example.com", "use smtp://"),
        ("ZENDESK_SUBDOMAIN", "acme.zendesk.com", '"acme.zendesk.com" should be just'),
        ("ZENDESK_SUBDOMAIN", "Acme", "should be just the subdomain"),
        ("ZENDESK_URL", "ftp://acme.zendesk.com", "is not an http(s) URL"),
        ("ZENDESK_EMAIL", "porting-team", '"porting-team" is not an e-mail address'),
        ("ZENDESK_EMAIL", "a@b", "is not an e-mail address"),
        ("ZENDESK_FIELD_STATUS", "status", '"status" is not a ticket field ID'),
        ("ZENDESK_FIELD_FOC_DATE", "12.5", '"12.5" is not a ticket field ID'),
        ("ZENDESK_FIELD_SID", "-7", '"-7" is not a ticket field ID'),
        ("ZENDESK_FIELD_SID", "0", '"0" is not a ticket field ID'),
        ("ZENDESK_PUBLIC_UPDATES", "sometimes", '"sometimes" is not on or off'),
    ],
)
def test_bad_variable_is_named_first(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert fragment in message
    assert "\n" not in message
    assert "Value error" not in message  # pydantic's wrapping is stripped


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_first_bad_variable_is_reported_when_several_are_bad() -> None:
    with pytest.raises(ConfigError, match=r"^[A-Z_]+: "):
        load({"PORTBOT_TIMEZONE": "Nowhere", "SMTP_URL": "nope"})


def test_bad_secret_key_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        load({"PORTBOT_SECRET_KEY": "hunter2"})
    assert "hunter2" not in str(caught.value)


def test_bad_smtp_url_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        load({"SMTP_URL": "mail.example.com:587?password=s3cr3tpass"})
    assert "s3cr3tpass" not in str(caught.value)


def test_long_bad_values_are_clipped() -> None:
    with pytest.raises(ConfigError) as caught:
        load({"PORTBOT_TIMEZONE": "Z" * 500})
    assert len(str(caught.value)) < 200
    assert "…" in str(caught.value)


# --- empty strings ------------------------------------------------------------------------


def test_empty_strings_are_treated_as_unset(tmp_path: Path) -> None:
    empty = {name.upper(): "" for name in Settings.model_fields}
    settings = load(empty)
    assert settings.database_url is None
    assert settings.db_url == f"sqlite:///{tmp_path / 'portbot' / 'portbot.db'}"
    assert settings.portbot_timezone == "America/New_York"
    assert settings.portbot_country == "US"
    assert settings.portbot_secret_key is None
    assert settings.portbot_agents_channel is None
    assert settings.smtp_url is None
    assert settings.zendesk_subdomain is None


@pytest.mark.parametrize("name", ["PORTBOT_TIMEZONE", "PORTBOT_COUNTRY", "PORTBOT_SECRET_KEY"])
def test_empty_strings_in_the_process_environment_are_unset(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "")
    settings = load()
    assert getattr(settings, name.lower()) == Settings.model_fields[name.lower()].default


def test_load_reads_only_the_given_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTBOT_TIMEZONE", "Nowhere")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-shell")
    settings = load({})
    assert settings.portbot_timezone == "America/New_York"
    assert settings.slack_bot_token is None


def test_load_without_argument_reads_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTBOT_TIMEZONE", "Europe/Paris")
    assert load().portbot_timezone == "Europe/Paris"
    monkeypatch.setenv("PORTBOT_TIMEZONE", "Nowhere")
    with pytest.raises(ConfigError, match=r"^PORTBOT_TIMEZONE: "):
        load()


# --- secrets never print ------------------------------------------------------------------

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-111-222-bottokensecret",
    "SLACK_SIGNING_SECRET": "signingsecret0123456789",
    "SLACK_APP_TOKEN": "xapp-1-apptokensecret",
    "PORTBOT_SECRET_KEY": "encryption-key-secret-0123456789",
    "ZENDESK_API_TOKEN": "zendeskapitokensecret",
    "ZENDESK_WEBHOOK_SECRET": "zendeskwebhooksecret",
}


def _renderings(settings: Settings) -> list[str]:
    return [repr(settings), str(settings), f"{settings}", settings.model_dump_json()]


def test_tokens_and_keys_never_print() -> None:
    settings = load({**ZENDESK, **SECRETS})
    for text in _renderings(settings):
        for secret in SECRETS.values():
            assert secret not in text
    # ...but they are there for the code that needs them.
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == SECRETS["SLACK_BOT_TOKEN"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgresql://portbot:dbpassw0rdsecret@db/portbot"),
        ("SMTP_URL", "smtp://mailer:smtppassw0rdsecret@mail.example.com:587"),
    ],
)
def test_passwords_in_urls_never_print(name: str, value: str) -> None:
    settings = load({name: value, "PORTBOT_SECRET_KEY": KEY})
    for text in _renderings(settings):
        assert "passw0rdsecret" not in text


# --- the keyring --------------------------------------------------------------------------


def test_keyring_from_secret_key_round_trips() -> None:
    keyring = load({"PORTBOT_SECRET_KEY": KEY}).keyring()
    token = keyring.encrypt("4471-2209-8813")
    assert "4471" not in token
    assert keyring.decrypt(token) == "4471-2209-8813"
    # The same key in another process (a second load) opens it too.
    assert load({"PORTBOT_SECRET_KEY": KEY}).keyring().decrypt(token) == "4471-2209-8813"


@pytest.mark.parametrize("url", [PG, "postgres://u@h/db", "postgresql+psycopg://u@h/db"])
def test_postgresql_requires_a_secret_key(url: str) -> None:
    settings = load({"DATABASE_URL": url})  # loading alone is fine...
    with pytest.raises(ConfigError) as caught:
        settings.keyring()  # ...but the keys cannot be invented per replica
    assert str(caught.value).startswith("PORTBOT_SECRET_KEY: ")
    assert "PostgreSQL" in str(caught.value)


def test_postgresql_with_a_secret_key_has_a_keyring() -> None:
    keyring = load({"DATABASE_URL": PG, "PORTBOT_SECRET_KEY": KEY}).keyring()
    assert keyring.decrypt(keyring.encrypt("1234")) == "1234"


def test_sqlite_without_key_creates_a_private_key_file_once(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "porting.db"
    settings = load({"DATABASE_URL": f"sqlite:///{db_path}"})
    key_path = db_path.with_suffix(".key")
    assert not key_path.exists()

    first = settings.keyring()
    assert key_path.is_file()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    content = key_path.read_text()
    assert len(content.strip()) >= crypto.MIN_SECRET_LENGTH

    second = load({"DATABASE_URL": f"sqlite:///{db_path}"}).keyring()
    assert key_path.read_text() == content  # reused, not replaced
    assert second.decrypt(first.encrypt("Zq7319")) == "Zq7319"
    assert first.decrypt(second.encrypt("8675309")) == "8675309"
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["porting.key"]


def test_default_database_gets_its_key_file_in_the_data_directory(tmp_path: Path) -> None:
    load({}).keyring()
    key_path = tmp_path / "portbot" / "portbot.key"
    assert key_path.is_file()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def test_a_secret_key_wins_over_the_key_file(tmp_path: Path) -> None:
    db_path = tmp_path / "portbot.db"
    keyring = load({"DATABASE_URL": f"sqlite:///{db_path}", "PORTBOT_SECRET_KEY": KEY}).keyring()
    assert not db_path.with_suffix(".key").exists()
    by_key = load({"PORTBOT_SECRET_KEY": KEY}).keyring()
    assert by_key.decrypt(keyring.encrypt("x")) == "x"


def test_in_memory_sqlite_gets_a_throwaway_key(tmp_path: Path) -> None:
    first = load({"DATABASE_URL": "sqlite://"}).keyring()
    second = load({"DATABASE_URL": "sqlite:///:memory:"}).keyring()
    assert first.decrypt(first.encrypt("pin")) == "pin"
    with pytest.raises(crypto.DecryptionError):
        second.decrypt(first.encrypt("pin"))
    assert list(tmp_path.iterdir()) == []


def test_key_rotation_new_key_first_still_opens_old_data() -> None:
    old = load({"PORTBOT_SECRET_KEY": OLD_KEY}).keyring()
    stored = old.encrypt("Zq7319")

    rotated = load({"PORTBOT_SECRET_KEY": f"{NEW_KEY},{OLD_KEY}"}).keyring()
    assert rotated.decrypt(stored) == "Zq7319"

    # New writes use the new key: the new key alone opens them, the old one does not.
    fresh = rotated.encrypt("8675309")
    assert load({"PORTBOT_SECRET_KEY": NEW_KEY}).keyring().decrypt(fresh) == "8675309"
    with pytest.raises(crypto.DecryptionError):
        old.decrypt(fresh)

    # Rewriting old rows moves them to the new key.
    moved = rotated.rotate(stored)
    assert load({"PORTBOT_SECRET_KEY": NEW_KEY}).keyring().decrypt(moved) == "Zq7319"


def test_key_rotation_tolerates_spaces_around_keys() -> None:
    old = load({"PORTBOT_SECRET_KEY": OLD_KEY}).keyring()
    rotated = load({"PORTBOT_SECRET_KEY": f" {NEW_KEY} , {OLD_KEY} "}).keyring()
    assert rotated.decrypt(old.encrypt("1234")) == "1234"
