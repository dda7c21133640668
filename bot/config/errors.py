"""The one error bad configuration raises."""

from __future__ import annotations


class ConfigError(ValueError):
    """One line naming the variable and what is wrong with it."""
