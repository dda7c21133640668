"""The ``portbot`` command. Imports are deferred so ``--version`` and ``--help`` are instant."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.porting.words import plural

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database


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

    serve = commands.add_parser(
        "serve", help="run the web app (Slack, health, metrics) and deliveries"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (3000)")
    worker = commands.add_parser("worker", help="run deliveries only, without the web app")
    worker.add_argument(
        "--health-port", type=int, help="serve /healthz and /metrics on this port (none)"
    )
    worker.add_argument(
        "--health-host", default="127.0.0.1", help="address for --health-port (127.0.0.1)"
    )
    demo_parser = commands.add_parser(
        "demo", help="play a whole port offline against simulated Slack"
    )
    demo_parser.add_argument(
        "--international",
        action="store_true",
        help="a port from France with its fee quote, then a transfer between sub-accounts",
    )

    zendesk_app = commands.add_parser("zendesk-app", help="the Zendesk ticket sidebar app")
    zendesk_app_commands = zendesk_app.add_subparsers(dest="zendesk_app_command", metavar="ACTION")
    build = zendesk_app_commands.add_parser(
        "build", help="write the app's zip, to upload as a private app"
    )
    build.add_argument(
        "--out", type=Path, default=Path(), help="directory to write the zip to (the current one)"
    )

    export = commands.add_parser("export", help="port requests as CSV, for the porting team")
    export.add_argument("--format", choices=("csv",), default="csv", help="file format (csv)")
    export.add_argument("--out", type=Path, help="file to write (standard output)")
    export.add_argument("--status", default="all", help="open, all (default) or one status")
    export.add_argument("--carrier", help="only losing carriers whose name contains this")

    outbox = commands.add_parser("outbox", help="deliveries waiting, done or set aside")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", metavar="ACTION")
    listing = outbox_commands.add_parser("list", help="list deliveries (dead ones by default)")
    listing.add_argument(
        "--state",
        choices=("dead", "pending", "delivered", "all"),
        default="dead",
        help="which deliveries to show (dead)",
    )
    listing.add_argument("--limit", type=int, default=50, help="at most this many, newest first")
    retry = outbox_commands.add_parser("retry", help="try dead deliveries again, now")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="the deliveries to retry")
    retry.add_argument("--all-dead", action="store_true", help="retry every dead delivery")
    return parser


def _safe_url(db: Database) -> str:
    return db.url.render_as_string(hide_password=True)


def cmd_db_upgrade(settings: Settings) -> int:
    from bot.context import open_database

    db = open_database(settings)
    before = db.current_revision()
    db.upgrade()
    after = db.current_revision()
    if before == after:
        print(f"{_safe_url(db)}: already at {after}.")
    else:
        print(f"{_safe_url(db)}: upgraded from {before or 'an empty database'} to {after}.")
    return 0


def cmd_db_current(settings: Settings) -> int:
    from bot.context import open_database

    db = open_database(settings)
    current, head = db.current_revision(), db.head_revision()
    state = "up to date" if current == head else f"behind (latest is {head})"
    print(f"{_safe_url(db)}: {current or 'empty'} — {state}.")
    return 0


def _sqlite_file(settings: Settings) -> Path | None:
    from sqlalchemy.engine import make_url

    database = make_url(settings.db_url).database
    return (
        Path(database).expanduser()
        if settings.is_sqlite and database not in (None, "", ":memory:")
        else None
    )


def cmd_check(settings: Settings) -> int:
    """Report the configuration. Reads only: a missing SQLite file is not created."""
    from bot.config import check_serving, key_file_path
    from bot.context import open_database
    from storage.db import Database

    sqlite_file = _sqlite_file(settings)
    fresh = sqlite_file is not None and not sqlite_file.exists()
    if settings.portbot_secret_key:
        key = "PORTBOT_SECRET_KEY"
    elif sqlite_file is not None:
        key = f"key file {key_file_path(str(sqlite_file))}" + (
            " (made on first start)" if fresh else ""
        )
    else:
        key = "a random key for this run (in-memory database)"
    db = Database(settings.db_url) if fresh else open_database(settings)
    shown = _safe_url(db) + (" (default)" if settings.uses_default_database else "")
    rows = [
        ("database", shown + (" — not created yet" if fresh else "")),
        ("encryption key", key),
        ("calendar", f"{settings.portbot_country} holidays, {settings.portbot_timezone}"),
        (
            "agents",
            plural(len(settings.agents.users), "user")
            + ", "
            + plural(len(settings.agents.groups), "user group"),
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
        ("logs", f"{settings.portbot_log_format}, to standard error"),
    ]
    if fresh:
        rows.append(("schema", "created by `portbot db upgrade` or on first start"))
    else:
        current, head = db.current_revision(), db.head_revision()
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
    check_serving(settings)  # what serve and worker would refuse, refused here the same way
    print("configuration OK")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot import logs, server
    from bot.config import check_serving

    check_serving(settings)
    logs.configure(settings.portbot_log_format)
    if args.command == "serve":
        server.serve(settings, host=args.host, port=args.port)
    else:
        server.worker(settings, health_port=args.health_port, health_host=args.health_host)
    return 0


def cmd_outbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.context import build_context
    from bot.delivery import admin

    ctx = build_context(settings)
    if args.outbox_command == "retry":
        if not args.ids and not args.all_dead:
            return _fail(
                "outbox retry: name the deliveries (IDs from `portbot outbox list`) "
                "or pass --all-dead"
            )
        done = admin.retry(ctx, args.ids, all_dead=args.all_dead)
        skipped = sorted(set(args.ids) - set(done))
        if done:
            print(f"Queued again, due now: {', '.join(map(str, done))}.")
        if skipped:
            print(f"Not found or not dead, left alone: {', '.join(map(str, skipped))}.")
        if not done and not skipped:
            print("No dead deliveries.")
        print("A running `portbot serve` or `portbot worker` delivers them within seconds.")
        return 0
    state = getattr(args, "state", "dead")
    found = admin.rows(ctx, state=state, limit=getattr(args, "limit", 50))
    totals = admin.counts(ctx)
    print("  ".join(f"{name} {count}" for name, count in totals.items()))
    if not found:
        print(f"No {state} deliveries." if state != "all" else "No deliveries yet.")
        return 0
    for row in found:
        when = row.when.strftime("%Y-%m-%d %H:%M:%S UTC") if row.when else "-"
        print(
            f"{row.id:>7}  {row.status:<9}  {row.topic:<22}  {row.sid or '-':<34}  "
            f"tries {row.attempts:<3} {when}" + (f"\n         {row.error}" if row.error else "")
        )
    if state == "dead":
        print("Retry with `portbot outbox retry ID...` or `portbot outbox retry --all-dead`.")
    return 0


def cmd_zendesk_app_build(settings: Settings, args: argparse.Namespace) -> int:
    """Write the Zendesk app's zip; it needs PORTBOT_PUBLIC_URL and nothing else."""
    from bot.zendesk_app import package_name, package_zip, sidebar_url

    data = package_zip(settings, __version__)  # a missing or http URL: ConfigError, one line
    path = args.out / package_name(__version__)
    if args.out.exists() and not args.out.is_dir():
        return _fail(f"zendesk-app build: --out {args.out} is a file; name a directory")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        return _fail(f"zendesk-app build: cannot write {path} ({exc.strerror or exc})")
    print(f"Wrote {path.resolve()}")
    print(f"The sidebar will load {sidebar_url(settings.portbot_public_url)}.")
    print(
        "Upload it in Zendesk: Admin Center → Apps and integrations → Apps → Zendesk Support "
        "apps → Upload private app. Then set ZENDESK_APP_ID (or ZENDESK_APP_PUBLIC_KEY) for "
        "portbot; the README inside the zip has the details."
    )
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Stream the CSV to --out (through a temporary file renamed at the end) or stdout."""
    from bot.context import build_context
    from bot.porting.errors import InvalidInput
    from bot.services.export import write_csv
    from bot.services.search import filters

    try:
        wanted = filters(args.status, args.carrier)
    except InvalidInput as exc:
        return _fail(f"export: {exc.message}")
    ctx = build_context(settings)
    if args.out is None:
        write_csv(ctx, sys.stdout, flt=wanted)
        return 0
    partial = args.out.with_name(args.out.name + ".partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as out:
            count = write_csv(ctx, out, flt=wanted)
        partial.replace(args.out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        return _fail(f"export: cannot write {args.out} ({exc.strerror or exc})")
    print(f"Wrote {plural(count, 'request')} to {args.out}.", file=sys.stderr)
    return 0


def _fail(message: str) -> int:
    print(f"portbot: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "db" and args.db_command is None:
        parser.parse_args(["db", "--help"])
    if args.command == "zendesk-app" and args.zendesk_app_command is None:
        parser.parse_args(["zendesk-app", "--help"])

    if args.command == "demo":
        from bot.sandbox.demo import main as demo

        return demo(international=args.international)

    from sqlalchemy.exc import OperationalError

    from bot import config
    from storage.db import SchemaOutOfDate

    try:
        settings = config.load()
        if args.command in ("serve", "worker"):
            return cmd_run(settings, args)
        if args.command == "outbox":
            return cmd_outbox(settings, args)
        if args.command == "zendesk-app":
            return cmd_zendesk_app_build(settings, args)
        if args.command == "export":
            return cmd_export(settings, args)
        handler = {
            ("check", None): cmd_check,
            ("db", "upgrade"): cmd_db_upgrade,
            ("db", "current"): cmd_db_current,
        }[(args.command, getattr(args, "db_command", None))]
        return handler(settings)
    except (config.ConfigError, SchemaOutOfDate) as exc:
        return _fail(str(exc))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreachable"
        return _fail(f"DATABASE_URL: cannot connect ({reason})")
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(f"DATABASE_URL: cannot use{where} ({exc.strerror or exc})")


if __name__ == "__main__":
    sys.exit(main())
