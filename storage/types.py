"""Column types: aware UTC datetimes everywhere, encrypted secrets, enums stored as text."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from storage import crypto
from storage.values import Secret


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EncryptedSecret(TypeDecorator[Secret]):
    """A :class:`Secret` encrypted with the active keyring; the database sees only ciphertext."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, keep_last: int = 0) -> None:
        super().__init__()
        self.keep_last = keep_last

    def process_bind_param(self, value: Secret | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        plain = value.reveal() if isinstance(value, Secret) else str(value)
        return crypto.active().encrypt(plain)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Secret | None:
        if value is None:
            return None
        return Secret(crypto.active().decrypt(value), keep_last=self.keep_last)

    def compare_values(self, x: Any, y: Any) -> bool:
        return bool(x == y)


def enum_column(enum: type[StrEnum]) -> sa.Enum:
    """An enum kept as VARCHAR (no native type, no CHECK), so adding a value needs no migration."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
