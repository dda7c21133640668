"""Domain errors. Each carries a message fit to show the person who caused it."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of porting said no. ``message`` is safe and meant for the user."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}
