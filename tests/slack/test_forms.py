"""The fast form reader gives what the standard library gives, for any text."""

from __future__ import annotations

import json
import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.forms import parse_form, unquote_plus

# Characters that matter to form decoding, plus some that are merely awkward.
FORMISH = st.text(
    alphabet=st.sampled_from(list('%+&=\\abcdefABCDEF0123456789xyz \n"{}é✓🙂\x00\x7f')),
    max_size=60,
)


@settings(max_examples=600)
@given(FORMISH)
def test_unquote_matches_the_standard_library_on_any_text(text: str) -> None:
    assert unquote_plus(text) == urllib.parse.unquote_plus(text)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=6))
def test_an_encoded_form_reads_back_as_parse_qs_reads_it(fields: dict[str, str]) -> None:
    body = urllib.parse.urlencode(fields)
    assert parse_form(body) == urllib.parse.parse_qs(body)


@settings(max_examples=400)
@given(FORMISH)
def test_a_malformed_form_reads_as_parse_qs_reads_it(body: str) -> None:
    assert parse_form(body) == urllib.parse.parse_qs(body)


def test_an_interaction_payload_with_escaped_lines_and_unicode_round_trips() -> None:
    payload = {"type": "view_submission", "text": "617 253 1000\n617 253 1001\n", "who": "Zoë ✓"}
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
    assert json.loads(parse_form(body)["payload"][0]) == payload
    assert "\\" not in body and body.isascii()  # the case that takes the fast path
