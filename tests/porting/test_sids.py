import re

import pytest

from bot.porting import sids
from bot.porting.errors import InvalidInput


def test_new_sids_are_pr_plus_32_hex_and_distinct():
    made = {sids.new_sid() for _ in range(2000)}
    assert len(made) == 2000
    assert all(re.fullmatch(r"PR[0-9a-f]{32}", s) for s in made)
    assert all(sids.is_sid(s) for s in made)


@pytest.mark.parametrize(
    ("typed", "prefix"),
    [
        ("PR1a2b3c4d", "PR1a2b3c4d"),
        ("pr1A2B3C4D", "PR1a2b3c4d"),
        ("  `PR1a2b3c4d5e`  ", "PR1a2b3c4d5e"),
        ("#PR1a2b3c4d", "PR1a2b3c4d"),
        ("PR" + "ab" * 16, "PR" + "ab" * 16),
    ],
)
def test_queries_normalize(typed, prefix):
    assert sids.parse_query(typed) == prefix


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("PR1a2b3c", "at least 8"),
        ("PR", "at least 8"),
        ("1a2b3c4d5e", "not a request ID"),
        ("PRxyz12345", "not a request ID"),
        ("PO1a2b3c4d", "not a request ID"),
        ("PR" + "a" * 33, "longer"),
        ("PR1a2b 3c4d", "not a request ID"),
        ("' OR 1=1 --", "not a request ID"),
    ],
)
def test_bad_queries_explain_themselves(typed, says):
    with pytest.raises(InvalidInput) as err:
        sids.parse_query(typed)
    assert says in err.value.message
