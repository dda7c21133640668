"""A table of a data file (TOML) read strictly: a missing key, a value of the wrong type or an
empty text is an error naming the file and the key. The country table and the letters per
country are read with it; each names its own error class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class StrictTable:
    """One table; ``where`` names it in errors (a file, and the path to the table in it)."""

    error: ClassVar[type[ValueError]] = ValueError

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise self.error(f"{where}: expected a table")
        self.data: Mapping[str, Any] = data
        self.where = where
        self.used: set[str] = set()  # the keys asked for, to find the unknown ones

    def fail(self, message: str) -> ValueError:
        return self.error(f"{self.where}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: object = ...) -> Any:
        """The value at ``key``, of type ``kind`` (a bool is not an int); ``default`` when it is
        missing, or an error without one."""
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                raise self.fail(f"missing {key!r}")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{key!r} has the wrong type ({type(value).__name__})")
        return value

    def text(self, key: str, default: object = ...) -> str:
        """A text that must not be empty unless it has a default."""
        value = self.get(key, str, default)
        if isinstance(value, str) and not value.strip() and default is ...:
            raise self.fail(f"{key!r} is empty")
        return str(value)
