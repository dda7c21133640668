"""The ``portbot`` command, run for real: ``python -m bot`` and the installed console script.

Every run gets a controlled environment (no operator variables from the developer's shell, the
data directory in the test's temporary directory), so the default SQLite file never touches the
real home directory.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import bot
from storage.db import normalize_url

KEY = "cli-test-key-0123456789abcdef"
UNREACHABLE_PG = "postgresql://postgres@127.0.0.1:1/x"
CORE_TABLES = {
    "alembic_version",
    "port_requests",
    "port_numbers",
    "timeline_events",
    "outbox",
    "reminders",
}
_OPERATOR_PREFIXES = ("PORTBOT_", "SLACK_", "ZENDESK_", "SMTP_")
PG_URL = os.environ.get("PORTBOT_TEST_DATABASE_URL", "").strip()


def _script() -> str | None:
    """The installed ``portbot`` script: on PATH, or beside this interpreter (a venv's bin)."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("portbot", path=search)


class Portbot:
    """Runs the command in a clean environment and captures what it printed."""

    def __init__(self, tmp_path: Path, how: str = "module") -> None:
        self.tmp_path = tmp_path
        self.how = how
        env = {
            k: v
            for k, v in os.environ.items()
            if not (k.upper().startswith(_OPERATOR_PREFIXES) or k.upper() == "DATABASE_URL")
        }
        env["XDG_DATA_HOME"] = str(tmp_path)
        env.pop("PYTHONWARNINGS", None)
        self.env = env

    def argv(self) -> list[str]:
        if self.how == "module":
            return [sys.executable, "-m", "bot"]
        script = _script()
        if script is None:
            pytest.skip("the portbot console script is not installed")
        return [script]

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.argv(), *args],
            env={**self.env, **env},
            cwd=self.tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def portbot(tmp_path: Path) -> Portbot:
    return Portbot(tmp_path)


@pytest.fixture(params=["module", "script"])
def either(request: pytest.FixtureRequest, tmp_path: Path) -> Portbot:
    """``python -m bot`` and the ``portbot`` console script must behave the same."""
    return Portbot(tmp_path, request.param)


def assert_one_line_error(result: subprocess.CompletedProcess[str], prefix: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr starting with ``prefix``."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


def has_line(pattern: str, text: str) -> bool:
    """Whether some whole line of ``text`` matches ``pattern``."""
    return any(re.fullmatch(pattern, line) for line in text.splitlines())


def table_names(url: str, schema: str | None = None) -> set[str]:
    engine = sa.create_engine(normalize_url(url))
    try:
        return set(sa.inspect(engine).get_table_names(schema=schema))
    finally:
        engine.dispose()


# --- version and help ---------------------------------------------------------------------


def test_version(either: Portbot) -> None:
    result = either("--version")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"portbot \d+\.\d+\.\d+\n", result.stdout)
    assert result.stdout == f"portbot {bot.__version__}\n"
    assert result.stderr == ""


def test_no_arguments_prints_help(either: Portbot) -> None:
    result = either()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: portbot")
    for command in ("db", "check", "--version"):
        assert command in result.stdout
    assert result.stderr == ""


def test_db_without_an_action_prints_its_help(portbot: Portbot) -> None:
    result = portbot("db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: portbot db")
    assert "upgrade" in result.stdout and "current" in result.stdout


def test_unknown_command_is_a_usage_error(portbot: Portbot) -> None:
    result = portbot("frobnicate")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "invalid choice: 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


SLACK = {"SLACK_BOT_TOKEN": "xoxb-cli-test", "SLACK_SIGNING_SECRET": "cli-signing-secret"}
NO_BOT_TOKEN = "SLACK_BOT_TOKEN: required to talk to Slack (the bot token, xoxb-…)"


# --- check --------------------------------------------------------------------------------


def test_check_on_defaults(either: Portbot, tmp_path: Path) -> None:
    """Without Slack, check shows what is set and then refuses, as serve would."""
    result = either("check")
    assert result.returncode == 2
    assert result.stderr == f"portbot: {NO_BOT_TOKEN}\n"
    assert "configuration OK" not in result.stdout
    database = tmp_path / "portbot" / "portbot.db"
    key = tmp_path / "portbot" / "portbot.key"
    assert has_line(
        rf"database\s+sqlite:///{re.escape(str(database))} \(default\) — not created yet",
        result.stdout,
    )
    assert has_line(
        rf"encryption key\s+key file {re.escape(str(key))} \(made on first start\)", result.stdout
    )
    assert has_line(r"calendar\s+US holidays, America/New_York", result.stdout)
    assert has_line(r"schema\s+created by `portbot db upgrade` or on first start", result.stdout)
    # check only reads: nothing was created.
    assert not database.exists() and not key.exists()


def test_check_after_upgrade_reports_the_schema(either: Portbot, tmp_path: Path) -> None:
    assert either("db", "upgrade").returncode == 0
    result = either("check", **SLACK)
    assert result.returncode == 0, result.stderr
    key = tmp_path / "portbot" / "portbot.key"
    assert has_line(rf"encryption key\s+key file {re.escape(str(key))}$", result.stdout)
    assert has_line(r"schema\s+\d{4}$", result.stdout)
    # The key file made by the upgrade is private.
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_check_describes_the_configuration_without_its_secrets(portbot: Portbot) -> None:
    secret_values = {
        "SLACK_BOT_TOKEN": "xoxb-cli-bot-token-secret",
        "SLACK_APP_TOKEN": "xapp-cli-app-token-secret",
        "SLACK_SIGNING_SECRET": "cli-signing-secret-value",
        "ZENDESK_API_TOKEN": "cli-zendesk-token-secret",
        "PORTBOT_SECRET_KEY": KEY,
    }
    result = portbot(
        "check",
        PORTBOT_AGENTS="U012ABC,W99XYZ S0GROUP1",
        PORTBOT_AGENTS_CHANNEL="C0PORTING",
        PORTBOT_TIMEZONE="America/Chicago",
        PORTBOT_COUNTRY="ca",
        ZENDESK_SUBDOMAIN="acme",
        ZENDESK_EMAIL="porting@acme.example",
        SMTP_URL="smtp://mailer@mail.example.com:587",
        PORTBOT_MAIL_FROM="porting@acme.example",
        **secret_values,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert has_line(r"encryption key\s+PORTBOT_SECRET_KEY", out)
    assert has_line(r"calendar\s+CA holidays, America/Chicago", out)
    assert has_line(r"agents\s+2 users, 1 user group", out)
    assert has_line(r"agents channel\s+C0PORTING", out)
    assert has_line(r"Slack\s+Socket Mode", out)
    assert has_line(r"Zendesk\s+acme\.zendesk\.com", out)
    assert has_line(r"e-mail\s+SMTP configured", out)
    for value in secret_values.values():
        assert value not in out and value not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORTBOT_TIMEZONE", "Nowhere"),
        ("PORTBOT_COUNTRY", "XX"),
        ("DATABASE_URL", "mysql://root@db/portbot"),
        ("PORTBOT_AGENTS", "U012ABC, not-an-id"),
        ("PORTBOT_SECRET_KEY", "short"),
        ("ZENDESK_SUBDOMAIN", "acme.zendesk.com"),
        ("SMTP_URL", "mail.example.com"),
    ],
)
def test_bad_configuration_is_one_line_naming_the_variable(
    portbot: Portbot, tmp_path: Path, name: str, value: str
) -> None:
    result = portbot("check", **{name: value})
    assert_one_line_error(result, f"portbot: {name}: ")
    assert not (tmp_path / "portbot").exists()  # nothing created on the way out


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "current")])
def test_db_commands_check_the_configuration_first(
    portbot: Portbot, tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = portbot(*command, PORTBOT_COUNTRY="XX")
    assert_one_line_error(result, "portbot: PORTBOT_COUNTRY: ")
    assert not (tmp_path / "portbot").exists()


def test_bad_configuration_through_the_console_script(either: Portbot) -> None:
    result = either("check", PORTBOT_TIMEZONE="Nowhere")
    line = assert_one_line_error(result, "portbot: PORTBOT_TIMEZONE:")
    assert '"Nowhere" is not a time zone' in line


@pytest.mark.parametrize("command", [("check",), ("db", "upgrade"), ("db", "current")])
def test_unreachable_postgresql_is_one_line_naming_database_url(
    portbot: Portbot, command: tuple[str, ...]
) -> None:
    result = portbot(*command, DATABASE_URL=UNREACHABLE_PG, PORTBOT_SECRET_KEY=KEY)
    line = assert_one_line_error(result, "portbot: DATABASE_URL: cannot connect")
    assert "127.0.0.1" in line


def test_database_password_is_not_printed_when_it_cannot_connect(portbot: Portbot) -> None:
    url = "postgresql://portbot:pg-passw0rd-secret@127.0.0.1:1/x"
    result = portbot("check", DATABASE_URL=url, PORTBOT_SECRET_KEY=KEY)
    assert_one_line_error(result, "portbot: DATABASE_URL: ")
    assert "pg-passw0rd-secret" not in result.stderr


@pytest.mark.parametrize("command", [("check",), ("db", "upgrade")])
def test_postgresql_without_secret_key_is_one_line_naming_it(
    portbot: Portbot, command: tuple[str, ...]
) -> None:
    result = portbot(*command, DATABASE_URL=UNREACHABLE_PG)
    line = assert_one_line_error(result, "portbot: PORTBOT_SECRET_KEY: ")
    assert "PostgreSQL" in line


def test_unusable_sqlite_location_is_one_line_naming_database_url(
    portbot: Portbot, tmp_path: Path
) -> None:
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    result = portbot("check", DATABASE_URL=f"sqlite:///{not_a_directory}/portbot.db")
    assert_one_line_error(result, "portbot: DATABASE_URL: ")


def test_empty_variables_in_the_environment_are_unset(portbot: Portbot) -> None:
    result = portbot(
        "check", PORTBOT_TIMEZONE="", PORTBOT_COUNTRY="", PORTBOT_SECRET_KEY="", **SLACK
    )
    assert result.returncode == 0, result.stderr
    assert "US holidays, America/New_York" in result.stdout


def test_empty_database_url_means_the_default(portbot: Portbot, tmp_path: Path) -> None:
    result = portbot("check", DATABASE_URL="", SMTP_URL="", **SLACK)
    assert result.returncode == 0, result.stderr
    assert f"sqlite:///{tmp_path / 'portbot' / 'portbot.db'} (default)" in result.stdout


# --- db upgrade / db current ---------------------------------------------------------------


def test_db_upgrade_on_an_empty_sqlite_file(portbot: Portbot, tmp_path: Path) -> None:
    path = tmp_path / "data" / "portbot.db"
    path.parent.mkdir()
    path.touch()  # an empty file is an empty SQLite database
    url = f"sqlite:///{path}"
    assert table_names(url) == set()

    before = portbot("db", "current", DATABASE_URL=url)
    assert before.returncode == 0, before.stderr
    assert "empty — behind" in before.stdout

    first = portbot("db", "upgrade", DATABASE_URL=url)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert first.stdout.startswith(f"{url}: upgraded from an empty database to ")
    revision = first.stdout.strip().rsplit(" ", 1)[-1].rstrip(".")
    assert table_names(url) >= CORE_TABLES

    second = portbot("db", "upgrade", DATABASE_URL=url)
    assert second.returncode == 0, second.stderr
    assert second.stdout == f"{url}: already at {revision}.\n"

    current = portbot("db", "current", DATABASE_URL=url)
    assert current.returncode == 0, current.stderr
    assert current.stdout == f"{url}: {revision} — up to date.\n"

    check = portbot("check", DATABASE_URL=url, **SLACK)
    assert check.returncode == 0, check.stderr
    assert has_line(rf"schema\s+{re.escape(revision)}", check.stdout)
    assert check.stdout.splitlines()[-1] == "configuration OK"


def test_db_upgrade_creates_a_missing_sqlite_file(portbot: Portbot, tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "portbot.db"
    result = portbot("db", "upgrade", DATABASE_URL=f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    assert path.is_file()
    assert table_names(f"sqlite:///{path}") >= CORE_TABLES


def test_db_upgrade_on_the_default_database(either: Portbot, tmp_path: Path) -> None:
    result = either("db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "upgraded from an empty database" in result.stdout
    assert table_names(f"sqlite:///{tmp_path / 'portbot' / 'portbot.db'}") >= CORE_TABLES


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh, empty schema in the test PostgreSQL database: (schema, DATABASE_URL)."""
    if not PG_URL:
        pytest.skip("set PORTBOT_TEST_DATABASE_URL to run the PostgreSQL CLI test")
    schema = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(normalize_url(PG_URL))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield schema, url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.mark.postgres
def test_db_upgrade_on_an_empty_postgresql_database(
    portbot: Portbot, pg_schema: tuple[str, str]
) -> None:
    schema, url = pg_schema
    assert "options=-csearch_path%3D" in url
    assert table_names(PG_URL, schema) == set()

    first = portbot("db", "upgrade", DATABASE_URL=url, PORTBOT_SECRET_KEY=KEY)
    assert first.returncode == 0, first.stderr
    assert "upgraded from an empty database to" in first.stdout
    assert table_names(PG_URL, schema) >= CORE_TABLES

    second = portbot("db", "upgrade", DATABASE_URL=url, PORTBOT_SECRET_KEY=KEY)
    assert second.returncode == 0, second.stderr
    assert "already at" in second.stdout

    current = portbot("db", "current", DATABASE_URL=url, PORTBOT_SECRET_KEY=KEY)
    assert current.returncode == 0, current.stderr
    assert current.stdout.rstrip().endswith("— up to date.")

    check = portbot("check", DATABASE_URL=url, PORTBOT_SECRET_KEY=KEY, **SLACK)
    assert check.returncode == 0, check.stderr
    assert has_line(r"encryption key\s+PORTBOT_SECRET_KEY", check.stdout)
    assert check.stdout.splitlines()[-1] == "configuration OK"


@pytest.mark.parametrize(
    ("env", "refusal"),
    [
        ({}, NO_BOT_TOKEN),
        ({**SLACK, "SLACK_BOT_TOKEN": "xapp-1-A0-123-abc"}, "SLACK_BOT_TOKEN: needs the bot token"),
        (
            {**SLACK, "SLACK_APP_TOKEN": "xoxb-not-an-app-token"},
            "SLACK_APP_TOKEN: needs the app-level",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-cli-test"}, "SLACK_SIGNING_SECRET: required"),
        ({**SLACK, "SMTP_URL": "smtp://127.0.0.1:2525"}, "PORTBOT_MAIL_FROM: required"),
    ],
)
def test_check_refuses_exactly_what_serve_refuses(portbot: Portbot, env, refusal) -> None:
    check = portbot("check", **env)
    worker = portbot("worker", **env)
    serve = portbot("serve", "--port", "1", **env)
    for result in (check, worker, serve):
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"portbot: {refusal}"), result.stderr
        assert "Traceback" not in result.stderr
    assert check.stderr == worker.stderr == serve.stderr
    assert "configuration OK" not in check.stdout


def test_slack_out_of_reach_at_start_is_named_as_slack(portbot: Portbot, tmp_path: Path) -> None:
    url = "http://127.0.0.1:9"  # the discard port: nothing listens there
    result = portbot(
        "worker",
        DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
        SLACK_API_URL=url,
        **SLACK,
    )
    assert result.returncode == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"portbot: Slack: cannot reach {url} at start ("), result.stderr
    assert "DATABASE_URL" not in result.stderr and "Traceback" not in result.stderr
