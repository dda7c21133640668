"""What every table shares: the metadata with its naming convention, aware UTC datetime
columns, and the integer id given on first flush."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utc(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime(), **kw)


class Stored:
    """A row whose integer id the database gives it when it is first flushed. ``pk`` is that id
    typed as what it is from then on (``id`` is None only before)."""

    if TYPE_CHECKING:  # the tables declare the column; pydantic must not see a field here
        id: int | None

    @property
    def pk(self) -> int:
        if self.id is None:
            raise ValueError(f"this {type(self).__name__} is not stored yet: it has no id")
        return self.id
