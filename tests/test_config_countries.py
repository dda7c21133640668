"""PORTBOT_COUNTRIES: the countries ports are accepted from, checked against the country table
when the settings load; a code it does not know stops the start with one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load
from bot.context import build_context
from bot.porting.countries import countries
from tests.test_cli import Portbot, assert_one_line_error


def test_unset_means_every_country_of_the_table() -> None:
    assert load({}).countries == frozenset(countries())
    assert {"US", "CA", "FR", "GB"} <= load({}).countries


def test_codes_in_any_case_and_separator() -> None:
    assert load({"PORTBOT_COUNTRIES": "us, ca fr;GB"}).countries == {"US", "CA", "FR", "GB"}


@pytest.mark.parametrize("value", ["US, XX", "usa", "FR,JP"])
def test_a_code_the_table_does_not_know_is_named(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load({"PORTBOT_COUNTRIES": value})
    message = str(caught.value)
    assert message.startswith("PORTBOT_COUNTRIES: ")
    bad = [
        c.strip().upper()
        for c in value.replace(",", " ").split()
        if c.strip().upper() not in countries()
    ]
    assert f'"{bad[0]}"' in message and "US" in message  # the known codes are listed


def test_the_services_get_the_accepted_countries(tmp_path: Path) -> None:
    settings = load(
        {"PORTBOT_COUNTRIES": "US,CA", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    )
    assert build_context(settings).countries == {"US", "CA"}


def test_portbot_check_refuses_an_unknown_country(tmp_path: Path) -> None:
    result = Portbot(tmp_path)("check", PORTBOT_COUNTRIES="US,ZZ")
    line = assert_one_line_error(result, "portbot: PORTBOT_COUNTRIES: ")
    assert '"ZZ" is not in the porting country table' in line
