"""The ``portbot`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError

from bot import __version__, config
from bot.runtime import open_database
from storage.db import Database, SchemaOutOfDate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portbot",
        description="Phone-number porting in Slack and Zendesk.",
    )
    parser.add_argument("--version", action="version", version=f"portbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations up to the latest schema")
    db_commands.add_parser("current", help="show the schema revision of the database")

    commands.add_parser("check", help="validate the configuration and reach the database")
    return parser


def _safe_url(db: Database) -> str:
    return db.url.render_as_string(hide_password=True)


def cmd_db_upgrade(settings: config.Settings) -> int:
    db = open_database(settings)
    before = db.current_revision()
    db.upgrade()
    after = db.current_revision()
    if before == after:
        print(f"{_safe_url(db)}: already at {after}.")
    else:
        print(f"{_safe_url(db)}: upgraded from {before or 'an empty database'} to {after}.")
    return 0


def cmd_db_current(settings: config.Settings) -> int:
    db = open_database(settings)
    current, head = db.current_revision(), db.head_revision()
    state = "up to date" if current == head else f"behind (latest is {head})"
    print(f"{_safe_url(db)}: {current or 'empty'} — {state}.")
    return 0


def cmd_check(settings: config.Settings) -> int:
    db = open_database(settings)
    rows = [
        ("database", _safe_url(db) + (" (default)" if settings.uses_default_database else "")),
        (
            "encryption key",
            "PORTBOT_SECRET_KEY"
            if settings.portbot_secret_key
            else "key file beside the SQLite database",
        ),
        ("calendar", f"{settings.portbot_country} holidays, {settings.portbot_timezone}"),
        (
            "agents",
            _count(settings.agents.users, "user")
            + ", "
            + _count(settings.agents.groups, "user group"),
        ),
        ("agents channel", settings.portbot_agents_channel or "not set"),
        (
            "Slack",
            "Socket Mode"
            if settings.slack_app_token
            else "HTTP"
            if settings.slack_signing_secret
            else "not configured",
        ),
        (
            "Zendesk",
            settings.zendesk_url
            or (
                f"{settings.zendesk_subdomain}.zendesk.com"
                if settings.zendesk_subdomain
                else "not configured"
            ),
        ),
        ("e-mail", "SMTP configured" if settings.smtp_url else "not configured"),
    ]
    try:
        current, head = db.current_revision(), db.head_revision()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreachable"
        print(f"portbot: DATABASE_URL: cannot connect ({reason})", file=sys.stderr)
        return 2
    rows.append(
        (
            "schema",
            f"{current or 'empty'}"
            + ("" if current == head else f" (run `portbot db upgrade` for {head})"),
        )
    )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print("configuration OK")
    return 0


def _count(items: frozenset[str], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        settings = config.load()
        if args.command == "check":
            return cmd_check(settings)
        if args.command == "db":
            if args.db_command == "upgrade":
                return cmd_db_upgrade(settings)
            if args.db_command == "current":
                return cmd_db_current(settings)
            parser.parse_args(["db", "--help"])
    except config.ConfigError as exc:
        print(f"portbot: {exc}", file=sys.stderr)
        return 2
    except SchemaOutOfDate as exc:
        print(f"portbot: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreachable"
        print(f"portbot: DATABASE_URL: cannot connect ({reason})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
