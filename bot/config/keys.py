"""Without ``PORTBOT_SECRET_KEY``, a SQLite setup keeps its encryption key in a file beside the
database, made once and readable by its owner alone."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config.errors import ConfigError
from storage import crypto


def local_key(db_url: str) -> str:
    """A key file beside the SQLite database ``db_url`` (created once, mode 0600)."""
    database = make_url(db_url).database
    if database in (None, "", ":memory:"):
        return crypto.generate_secret()
    path = key_file_path(database)
    try:
        if not path.exists():
            _create_key_file(path)
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"DATABASE_URL: cannot keep a key file at {path} ({exc.strerror})"
        ) from None


def key_file_path(database: str) -> Path:
    """``portbot.db`` → ``portbot.key`` in the same folder."""
    return Path(database).expanduser().with_suffix(".key")


def _create_key_file(path: Path) -> None:
    """Write the key to a private temporary file, then link it into place: a second process
    starting at the same moment either wins the link or reads the complete file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(crypto.generate_secret() + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
