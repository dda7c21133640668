"""The README's trigger bodies as Zendesk renders them: the exact text of README.md's JSON code
blocks, rendered by a Liquid engine (python-liquid) over ticket data with quotes, backslashes,
line breaks, tabs and non-ASCII text, must give valid JSON that carries that text exactly.

Zendesk's Liquid has no JSON filter; whether it escapes placeholders in a JSON webhook body
itself is not something its documentation promises. Both are tried: ``plain`` renders the
placeholders as they are, ``escaped`` writes each ``{{ … }}`` output JSON-escaped. A body that
only works in one of them is not good enough.

Sources: Zendesk's placeholders reference (support.zendesk.com, "Zendesk Support placeholders
reference": ``ticket.latest_comment.value``, ``ticket.ticket_field_<id>``, ``current_user``),
"Using Liquid markup" (Zendesk's Liquid is Shopify's open-source Liquid: ``url_encode`` yes,
``json`` no), and https://developer.zendesk.com/documentation/webhooks/verifying/.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from liquid import Environment
from liquid.builtin.output import Output, OutputNode
from liquid.stringify import to_liquid_string
from liquid.token import TOKEN_OUTPUT

from bot.sandbox.serving import ServedApp
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.sandbox.zendesk_state import iso
from bot.web import create_app
from bot.zendesk import webhook
from bot.zendesk.inbound import Inbound
from tests.zendesk.test_inbound import EMAIL, FOC_FIELD, SECRET, TOKEN, Setup, _post

README = Path(__file__).resolve().parents[2] / "README.md"

COMMENT = (
    "He said \"port it Friday\", not 'Monday'.\n"
    "Path: C:\\bills\\nov\\ (a backslash at the end) \\\n"
    "\ttabbed line — ünïcode ✓ 📞 {{ not liquid }} 100% + 50&percnt; <b>"
)
AUTHOR = 'Dana "DJ" O\'Neil \\ Porting'
NUMBERS = "+1 617 555 0101\n+1 617 555 0102,\t+1 (617) 555-0103"
SUBSCRIBER = 'Acme "North" Ltd. \\ Billing'


def _blocks() -> list[str]:
    return re.findall(r"```json\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _body(event: str) -> str:
    """The README's code block for trigger ``event``; skipped only when there is none."""
    found = [b for b in _blocks() if f'"event": "{event}"' in b]
    if not found:
        pytest.skip(f"README.md has no trigger body for {event!r}")
    assert len(found) == 1, f"README.md has {len(found)} bodies for {event!r}"
    return found[0]


# --- two ways Zendesk may fill placeholders --------------------------------------------------


class _EscapedNode(OutputNode):
    __slots__ = ()

    def render_to_output(self, context: Any, buffer: Any) -> int:
        text = to_liquid_string(self.expression.evaluate(context), context.autoescape)
        return buffer.write(json.dumps(text, ensure_ascii=False)[1:-1])


class _EscapedOutput(Output):
    node_class = _EscapedNode


def _environment(mode: str) -> Environment:
    env = Environment()
    if mode == "escaped":
        env.tags[TOKEN_OUTPUT] = _EscapedOutput(env)
    return env


@pytest.fixture(params=["plain", "escaped"])
def render(request) -> Callable[[str, dict], str]:
    env = _environment(request.param)
    return lambda template, data: env.from_string(template).render(**data)


def _ticket(sid: str = "PR0123456789abcdef0123456789abcdef", ticket_id: int = 7) -> dict:
    return {
        "id": ticket_id,
        "external_id": sid,
        "status": "open",
        "tags": "portbot port_in port_status_submitted",
        "latest_comment": {
            "id": 10005,
            "value": COMMENT,
            "is_public": True,
            "author": {"id": 990002, "name": AUTHOR, "email": "dana@agents.example"},
            "attachments": [
                {"url": "https://acme.zendesk.com/attachments/token/Ab1/?name=form+1.pdf"},
                {"url": "https://acme.zendesk.com/attachments/token/Cd2/?name=bill.png"},
            ],
        },
        "ticket_field_360001": "2026-12-01",
    }


_AGENT = {"id": 990002, "name": AUTHOR, "email": "dana@agents.example", "role": "agent"}


# --- the bodies ------------------------------------------------------------------------------


def test_the_comment_trigger_body_carries_any_comment_exactly(render):
    rendered = render(_body("comment_created"), {"ticket": _ticket(), "current_user": _AGENT})
    json.loads(rendered)  # valid JSON, or this raises and says where
    event = webhook.parse(rendered.encode())
    assert event.kind is webhook.EventKind.COMMENT_CREATED and event.ticket_id == 7
    comment = event.comment
    assert comment is not None
    assert comment.body == COMMENT
    assert comment.id == 10005 and comment.public is True
    assert comment.author.name == AUTHOR and comment.author.role == "agent"
    assert comment.author.email == "dana@agents.example"
    assert [a.name for a in comment.attachments] == ["form 1.pdf", "bill.png"]
    assert event.tags == ("portbot", "port_in", "port_status_submitted")


def test_the_field_trigger_body_carries_the_date(render):
    rendered = render(_body("ticket_updated"), {"ticket": _ticket(), "current_user": _AGENT})
    event = webhook.parse(rendered.encode())
    assert event.kind is webhook.EventKind.TICKET_UPDATED
    assert event.field_value(360001) == "2026-12-01"


def test_the_port_out_trigger_body_carries_its_fields_exactly(render):
    template = _body("port_out_request")
    ids: dict[str, int] = {}
    # README: "each <…> is a field's ID": an admin writes their own field IDs there.
    template = re.sub(
        r"<([^<>]+)>", lambda m: str(ids.setdefault(m[1], 900_001 + len(ids))), template
    )
    values = {
        "numbers": NUMBERS,
        "receiving carrier": 'Carrier "X" \\ Wireless',
        "SPID": "1234",
        "PON": "PON-77",
        "PIN": 'p"\\n1',
        "FOC date": "2026-12-04",
        "account number": "ACC\\99\n",
        "ZIP": "02110",
        "subscriber name": SUBSCRIBER,
    }
    ticket = {"id": 8} | {f"ticket_field_{ids[k]}": v for k, v in values.items() if k in ids}
    rendered = render(template, {"ticket": ticket, "current_user": _AGENT})
    fields = webhook.parse(rendered.encode()).port_out
    assert fields is not None
    assert fields.numbers == NUMBERS
    assert fields.carrier == 'Carrier "X" \\ Wireless'
    assert fields.subscriber_name == SUBSCRIBER
    assert fields.pin is not None and fields.pin.reveal() == 'p"\\n1'
    assert fields.account_number is not None and fields.account_number.reveal() == "ACC\\99"
    assert (fields.spid, fields.pon, fields.foc_date, fields.zip) == (
        "1234",
        "PON-77",
        "2026-12-04",
        "02110",
    )
    assert fields.author is not None and fields.author.name == AUTHOR


# --- and through the served app --------------------------------------------------------------


@pytest.fixture
def zd(ctx, clock) -> Iterator[Setup]:
    inbound = Inbound(ctx, SECRET, api_email=EMAIL, foc_field=FOC_FIELD)
    with (
        ZendeskSimulator(email=EMAIL, token=TOKEN, ticket_fields=[FOC_FIELD]) as sim,
        ServedApp(create_app(ctx, None, zendesk=inbound)) as served,
    ):
        yield Setup(ctx, sim, served.url)


def test_a_rendered_comment_arrives_on_the_request_word_for_word(zd, render):
    sid, ticket = zd.open()
    data = {"ticket": _ticket(sid, ticket), "current_user": _AGENT}
    body = render(_body("comment_created"), data).encode()
    assert _post(zd, body, iso(time.time()), "8100000001") == 200
    (comment,) = zd.comments_in_request(sid)
    assert comment.detail == COMMENT and comment.actor_name == AUTHOR


# --- what the parser makes of encodings --------------------------------------------------------


def _comment_body(**extra: object) -> dict:
    comment = {"id": "5", "body": "a%22b%5Cc%0Ad+e", "author": {"name": "O%27Neil+%22DJ%22"}}
    return {"event": "comment_created", "ticket_id": "7", "comment": comment} | extra


def test_url_encoded_text_is_decoded_only_when_the_body_says_so():
    encoded = webhook.parse(json.dumps(_comment_body(encoding="url")).encode()).comment
    assert encoded is not None
    assert encoded.body == 'a"b\\c\nd e' and encoded.author.name == 'O\'Neil "DJ"'
    as_is = webhook.parse(json.dumps(_comment_body()).encode()).comment
    assert as_is is not None and as_is.body == "a%22b%5Cc%0Ad+e"


def test_an_unknown_encoding_or_broken_percent_escapes_are_400s():
    with pytest.raises(webhook.InvalidWebhook, match='"encoding" is'):
        webhook.parse(json.dumps(_comment_body(encoding="base64")).encode())
    broken = _comment_body(encoding="url")
    broken["comment"]["body"] = "%C3%28"  # not UTF-8 once decoded
    with pytest.raises(webhook.InvalidWebhook, match=r"comment\.body"):
        webhook.parse(json.dumps(broken).encode())


def test_raw_line_breaks_and_tabs_inside_a_string_are_accepted():
    body = b'{"event": "comment_created", "ticket_id": 7, "comment": {"id": 5, "body": "'
    body += b'one\nt\two"}}'  # a raw line break and a raw tab
    comment = webhook.parse(body).comment
    assert comment is not None and comment.body == "one\nt\two"
    with pytest.raises(webhook.InvalidWebhook):  # a raw quote still ends the string: 400
        webhook.parse(b'{"event": "comment_created", "ticket_id": 7, "comment": {"body": "a"b"}}')
