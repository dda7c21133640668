"""Golden tests for the Slack builders: real snapshots from the services, dicts compared."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk.models.views import View

from bot import services as svc
from bot.porting import rejections
from bot.porting.fields import F
from bot.porting.intake import AGREEMENT_TEXT, Agreement
from bot.slack import ids
from bot.slack.blocks import agent, cards, home, intake, text
from bot.wording.requests import next_step
from storage.values import NumberStatus, RequestStatus
from tests.services.helpers import ACCOUNT, AGENT, CUSTOMER, PIN, draft, mark_loa_signed

S = RequestStatus
TODAY = date(2026, 11, 16)  # the clock fixture's local date (Monday)
TZ = "America/New_York"
NUMS = ["+16172531000", "+16172531001", "+16172531002"]
META = '{"sid": "PR0123", "step": 2}'


def dicts(blocks) -> list[dict]:
    return [b.to_dict() for b in blocks]


def dump(obj) -> str:
    if isinstance(obj, View):
        obj = obj.to_dict()
    elif isinstance(obj, list):
        obj = dicts(obj)
    return json.dumps(obj, ensure_ascii=False)


def action_ids(blocks) -> list[str]:
    out = []
    for b in dicts(blocks):
        if b["type"] == "actions":
            out += [e["action_id"] for e in b["elements"]]
    return out


def texts(blocks) -> str:
    return dump(blocks)


# --- snapshots through the real services ------------------------------------------------


def opened(ctx, nums=None, **kw):
    return svc.open_request(
        ctx, draft(nums or NUMS, **kw), actor=CUSTOMER, team_id="T1", channel_id="C1"
    )


def in_review(ctx, nums=None, **kw):
    snap = opened(ctx, nums, **kw)
    return mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)


def submitted(ctx, nums=None, **kw):
    return svc.submit_to_carrier(ctx, in_review(ctx, nums, **kw).sid, actor=AGENT)


def foc_confirmed(ctx, nums=None, **kw):
    sid = submitted(ctx, nums, **kw).sid
    return svc.set_foc(ctx, sid, date(2026, 12, 2), actor=AGENT)


def action_required(ctx, **kw):
    snap = in_review(ctx, **kw)
    return svc.reject(
        ctx, snap.sid, ["wrong_pin", "name_mismatch"], actor=AGENT, note="PIN was 1234?"
    )


# --- text helpers --------------------------------------------------------------------------


def test_escape_neutralizes_markup_and_broadcasts():
    assert text.escape("<!channel> & <b>") == "&lt;!channel&gt; &amp; &lt;b&gt;"
    assert text.escape("<@U123|bob> <https://evil|click>") == (
        "&lt;@U123|bob&gt; &lt;https://evil|click&gt;"
    )
    for word in ("@here", "@channel", "@everyone", "@HERE"):
        escaped = text.escape(f"hi {word}!")
        assert word not in escaped and escaped.replace("\u2060", "") == f"hi {word}!"
    assert text.escape("a\x00b\x07c") == "abc"
    assert text.escape(None) == ""


def test_display_helpers():
    assert text.day(date(2026, 12, 2)) == "Wed Dec 2, 2026"
    moment = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    assert text.when(moment, TZ) == "Mon Nov 16, 2026, 10:00 AM EST"
    assert text.when(moment, None) == "Mon Nov 16, 2026, 3:00 PM UTC"
    assert text.plural(1, "number") == "1 number"
    assert text.plural(1200, "number") == "1,200 numbers"
    assert text.number("+16172531000") == "+1 617-253-1000"
    assert text.truncate("abcdef", 4) == "abc…"
    assert text.truncate("abc", 3) == "abc"
    assert text.truncate("ab &amp; c", 5) == "ab…"  # never half an entity
    assert text.request_status(S.FOC_CONFIRMED) == ":calendar: Port date confirmed"
    assert text.number_status(NumberStatus.REJECTED) == ":x: Rejected"
    assert text.mention("U0AGENT", "Avery") == "<@U0AGENT>"
    assert text.mention("portbot", "<b>") == "&lt;b&gt;"


@pytest.mark.parametrize("status", list(RequestStatus))
def test_every_status_has_a_next_step(ctx, status):
    req = opened(ctx).request
    req.status = status
    step = text.mrkdwn(next_step(req))
    assert step and len(step) < 400 and "<" not in step.replace("<@", "")


# --- the /port new modal ------------------------------------------------------------------


def test_agreement_step_golden():
    statements = "\n".join(f"• {AGREEMENT_TEXT[a]}" for a in Agreement)
    plain = {"type": "plain_text", "emoji": True}
    assert intake.agreement_step(META).to_dict() == {
        "type": "modal",
        "callback_id": "port-new-agreement",
        "private_metadata": META,
        "title": {**plain, "text": "New port · 1 of 4"},
        "submit": {**plain, "text": "Next"},
        "close": {**plain, "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "Let's move your numbers to us. It takes about five minutes if you "
                    "have these at hand:\n"
                    "• the *account number* with your current carrier\n"
                    "• the *port-out PIN* for any mobile numbers\n"
                    "• a *bill* from the last 30 days\n"
                    "• the name and e-mail of *who can sign* for the account",
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*Before we start, please read and confirm:*\n" + statements,
                },
            },
            {
                "type": "input",
                "block_id": "port-new-agreements",
                "label": {**plain, "text": "Tick each box"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [
                        {
                            "text": {**plain, "text": intake.AGREEMENT_LABELS[a]},
                            "value": a.value,
                        }
                        for a in Agreement
                    ],
                },
            },
        ],
    }
    assert [o.value for o in Agreement] == [
        "keep_active",
        "match_records",
        "date_by_carriers",
        "fees_are_yours",
    ]


def _inputs(view: View) -> list[tuple]:
    return [
        (b["block_id"], b["element"]["type"], b.get("optional", False), b["element"]["action_id"])
        for b in view.to_dict()["blocks"]
        if b["type"] == "input"
    ]


def test_numbers_step_golden():
    view = intake.numbers_step(META)
    assert _inputs(view) == [
        ("port-new-landlines", "plain_text_input", True, "value"),
        ("port-new-wireless", "plain_text_input", True, "value"),
        ("port-new-losing-carrier", "plain_text_input", False, "value"),
        ("port-new-account-number", "plain_text_input", False, "value"),
        ("port-new-btn", "plain_text_input", True, "value"),
        ("port-new-pin", "plain_text_input", True, "value"),
    ]
    d = view.to_dict()
    assert d["callback_id"] == ids.View.NEW_NUMBERS and d["submit"]["text"] == "Next"
    by_id = {b.get("block_id"): b for b in d["blocks"]}
    assert by_id["port-new-landlines"]["element"]["multiline"] is True
    assert by_id["port-new-wireless"]["element"]["multiline"] is True
    assert "commas, spaces or new lines" in by_id["port-new-landlines"]["hint"]["text"]
    assert "bill or Customer Service Record" in by_id["port-new-account-number"]["hint"]["text"]
    assert d["blocks"][-1]["type"] == "context" and "CSR" in d["blocks"][-1]["elements"][0]["text"]


def test_contact_and_bill_steps():
    contact = intake.contact_step(META)
    assert [i[0] for i in _inputs(contact)] == [
        ids.INTAKE_BLOCKS[f]
        for f in (
            F.NAME,
            F.ACCOUNT_TYPE,
            F.COMPANY_NAME,
            F.REP_NAME,
            F.REP_EMAIL,
            F.STREET,
            F.STREET2,
            F.CITY,
            F.REGION,
            F.POSTAL_CODE,
            F.COUNTRY,
        )
    ]
    blocks = {b["block_id"]: b for b in contact.to_dict()["blocks"]}
    radio = blocks["port-new-account-type"]["element"]
    assert radio["type"] == "radio_buttons"
    assert [o["value"] for o in radio["options"]] == ["business", "residential"]
    assert radio["initial_option"]["value"] == "business"
    assert blocks["port-new-rep-email"]["element"]["type"] == "email_text_input"
    assert blocks["port-new-country"]["element"]["initial_value"] == "US"
    assert "No PO boxes" in blocks["port-new-street"]["hint"]["text"]
    assert {k for k, b in blocks.items() if b.get("optional")} == {
        "port-new-name",
        "port-new-company-name",
        "port-new-street2",
    }

    bill = intake.bill_step(META, today=TODAY).to_dict()
    assert bill["callback_id"] == "port-new-bill" and bill["submit"]["text"] == "Create request"
    blocks = {b["block_id"]: b for b in bill["blocks"]}
    assert blocks["port-new-bill"]["element"] == {
        "type": "file_input",
        "action_id": "value",
        "filetypes": ["pdf", "png", "jpg", "jpeg"],
        "max_files": 1,
    }
    assert "on or after Sat Oct 17, 2026." in blocks["port-new-bill-issued-on"]["hint"]["text"]
    later = blocks["port-new-bill-later"]["element"]
    assert later["type"] == "checkboxes" and later["options"][0]["value"] == "later"
    assert blocks["port-new-desired-date"]["element"]["type"] == "datepicker"
    assert all(b.get("optional") for b in blocks.values())


def test_done_view_for_signature_and_draft(ctx):
    snap = opened(ctx, name="Main office")
    d = intake.done_view(snap, channel_note="I posted it in <#C1>.").to_dict()
    assert d["callback_id"] == "port-new-done" and "submit" not in d
    assert d["close"]["text"] == "Done"
    body = dump(d)
    assert f"```{snap.sid}```" in body
    assert "the Letter of Authorization goes to *Jordan Rivera* at jordan@acme.example" in body
    assert "e-mailed" not in body  # how it went is the thread's to say, once it has
    assert "<#C1>" in body

    # A second request: a draft with a toll-free number, which brings a warning.
    tf = svc.open_request(
        ctx, draft(["+18889001234", "+16172532000"], bill=None, bill_later=True), actor=CUSTOMER
    )
    assert tf.status is S.DRAFT and tf.warnings
    body = dump(intake.done_view(tf, channel_note=None))
    assert "Saved as a draft" in body and "*Add the bill*" in body
    assert "RespOrg" in body
    card = dump(cards.request_card(tf))
    assert "+1 888-900-1234 (toll-free)" in card and "1 toll-free number" in card


# --- the card ------------------------------------------------------------------------------


def test_request_card_golden_in_review(ctx):
    snap = in_review(ctx, name="Main office")
    sid = snap.sid
    button = {"type": "button", "value": sid}

    def b(label, action, style=None):
        out = {**button, "text": {"type": "plain_text", "text": label, "emoji": True}}
        out["action_id"] = action
        if style:
            out["style"] = style
        return out

    assert dicts(cards.request_card(snap)) == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Main office*\n:mag: In review"},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Numbers*\n3 numbers: +1 617-253-1000, +1 617-253-1001, "
                "+1 617-253-1002\n\n*Current carrier*\nOld Phone Co\n\n"
                "*Account holder*\nAcme Widgets Inc",
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Next:* Our porting team is checking the details before sending them "
                "to Old Phone Co. That usually takes a business day or two.",
            },
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"`{sid}` · opened by <@U0CUSTOMER>"}],
        },
        {
            "type": "actions",
            "block_id": f"port-card-{sid}",
            "elements": [
                b("Details", "port-status"),
                {
                    **b("Cancel request", "port-cancel", "danger"),
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Cancel this port request?"},
                        "text": {
                            "type": "plain_text",
                            "text": "A short form opens next, where you confirm it and can "
                            "tell us why. Nothing is cancelled until you send that form.",
                        },
                        "confirm": {"type": "plain_text", "text": "Continue"},
                        "deny": {"type": "plain_text", "text": "Keep it"},
                    },
                },
            ],
        },
    ]
    assert cards.card_text(snap) == "Main office: In review · 3 numbers"


def test_request_card_buttons_follow_the_status(ctx):
    """The customer's card: their actions only; the team's copy: the team's actions."""
    A = ids.Action

    def team(snap):
        return action_ids(cards.request_card(snap, for_agents=True))

    foc = foc_confirmed(ctx)
    assert action_ids(cards.request_card(foc)) == [A.STATUS, A.CANCEL]
    assert team(foc) == [A.STATUS, A.FOC, A.COMPLETE, A.REJECT, A.NOTE, A.CANCEL]
    url = "https://acme.zendesk.com/agent/tickets/7"
    body = dump(cards.request_card(foc, ticket_url=url, for_agents=True))
    assert "*Port date*\\nWed Dec 2, 2026" in body
    assert f"<{url}|Open in Zendesk>" in body
    assert url not in dump(cards.request_card(foc, ticket_url=url))  # not on the customer's
    card = dicts(cards.request_card(foc, for_agents=True))[-1]["elements"]
    assert all(b["value"] == foc.sid for b in card)
    assert "port date Wed Dec 2, 2026" in cards.card_text(foc)

    done = svc.mark_ported(ctx, foc.sid, actor=AGENT)
    assert done.status is S.COMPLETED
    assert action_ids(cards.request_card(done)) == [] == team(done)
    assert all(b["type"] != "actions" for b in dicts(cards.request_card(done)))

    sub = submitted(ctx, ["+16172534000"])
    assert action_ids(cards.request_card(sub)) == [A.STATUS, A.CANCEL]
    assert team(sub) == [A.STATUS, A.FOC, A.COMPLETE, A.REJECT, A.NOTE, A.CANCEL]
    review = in_review(ctx, ["+16172536000"])
    assert team(review) == [A.STATUS, A.SUBMIT, A.REJECT, A.NOTE, A.CANCEL]
    draft_snap = svc.open_request(
        ctx, draft(["+16172535000"], bill=None, bill_later=True), actor=CUSTOMER
    )
    assert action_ids(cards.request_card(draft_snap)) == [A.STATUS, A.RESUME, A.CANCEL]
    assert team(draft_snap) == [A.STATUS, A.NOTE, A.CANCEL]
    pending = svc.request_cancel(ctx, sub.sid, actor=CUSTOMER)
    assert pending.status is S.CANCEL_PENDING
    assert action_ids(cards.request_card(pending)) == [A.STATUS]
    assert team(pending) == [A.STATUS, A.CONFIRM_CANCEL, A.NOTE]


def test_card_window_in_the_account_time_zone(ctx):
    sid = submitted(ctx).sid
    start = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    snap = svc.set_foc(
        ctx,
        sid,
        date(2026, 12, 2),
        actor=AGENT,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    body = dump(cards.request_card(snap, tz=TZ))
    # The port date is the carriers' day; its window shows in each reader's own time zone.
    start_ts, end_ts = int(start.timestamp()), int(start.timestamp()) + 7200
    assert (
        f"Wed Dec 2, 2026, <!date^{start_ts}^{{time}}|2:00 PM UTC> – "
        f"<!date^{end_ts}^{{time}}|4:00 PM UTC>"
    ) in body
    foc = agent.foc_modal(snap, META, tz_name=TZ).to_dict()
    by_id = {b.get("block_id"): b for b in foc["blocks"]}
    assert by_id["port-foc-date"]["element"]["initial_date"] == "2026-12-02"
    assert by_id["port-foc-window-start"]["element"]["initial_time"] == "09:00"
    assert by_id["port-foc-window-end"]["element"]["initial_time"] == "11:00"
    assert by_id["port-foc-window-end"]["element"]["timezone"] == TZ


# --- /port status ------------------------------------------------------------------------


def test_status_blocks_for_action_required(ctx):
    snap = action_required(ctx)
    assert snap.status is S.ACTION_REQUIRED
    blocks = cards.status_blocks(snap, is_agent=False, today=TODAY, tz=TZ)
    body = texts(blocks)
    for code in ("wrong_pin", "name_mismatch"):
        entry = rejections.get(code)
        assert f"*{entry.title}*" in body
        assert entry.meaning in body
        for i, step in enumerate(entry.fix, 1):
            assert f"{i}. {step}" in body
    assert rejections.RESUBMIT_NOTE in body
    assert "+1 617-253-1000" in body and "Rejected" in body
    assert "Note: PIN was 1234?" in body  # the agent's note is part of the public event
    assert "For the porting team" not in body
    assert len(blocks) <= 50


def test_status_blocks_agent_extras_and_private_notes(ctx):
    snap = in_review(ctx)
    svc.add_note(ctx, snap.sid, "Customer is touchy <3", actor=AGENT, public=False)
    snap = svc.add_note(ctx, snap.sid, "We're on it", actor=AGENT, public=True)
    customer = texts(cards.status_blocks(snap, is_agent=False, today=TODAY, tz=TZ))
    assert "touchy" not in customer and "We're on it" in customer
    agent_view = texts(
        cards.status_blocks(
            snap, is_agent=True, ticket_url="https://z.example/t/1", today=TODAY, tz=TZ
        )
    )
    assert ":lock: Customer is touchy &lt;3" in agent_view
    assert "Account ••••4567" in agent_view and "PIN" in agent_view
    assert "<https://z.example/t/1|Zendesk ticket>" in agent_view
    assert "z.example" not in customer


def test_status_blocks_show_csr_warnings_to_agents(ctx):
    snap = in_review(ctx)
    with ctx.db.write() as s:
        from storage.repositories import get_request

        req = get_request(s, sid=snap.sid)
        req.csr_name = "ACME Widgets Incorporated"
    sub = svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)
    assert sub.warnings
    agent_body = texts(cards.status_blocks(sub, is_agent=True, today=TODAY))
    assert "Differences from the CSR" in agent_body and "Incorporated" in agent_body
    assert "Differences from the CSR" not in texts(
        cards.status_blocks(sub, is_agent=False, today=TODAY)
    )


def test_missing_items(ctx):
    snap = opened(ctx)
    assert cards.missing_items(snap, TODAY) == [
        "The LOA's signature: it is waiting for Jordan Rivera."
    ]
    # The bill was issued Nov 10: 26 days old on Dec 6, too old on Dec 11.
    aging = cards.missing_items(snap, date(2026, 12, 6))
    assert any("turns 30 days old on Thu Dec 10, 2026" in m for m in aging)
    too_old = cards.missing_items(snap, date(2026, 12, 11))
    assert any("A newer bill: this one is 31 days old" in m for m in too_old)

    drafted = svc.open_request(
        ctx, draft(["+16172536000"], bill=None, bill_later=True), actor=CUSTOMER
    )
    assert cards.missing_items(drafted, TODAY) == [
        "A bill from the current carrier, issued in the last 30 days."
    ]
    assert cards.missing_items(foc_confirmed(ctx, ["+16172536001"]), TODAY) == []


def test_sixty_numbers_are_capped_everywhere(ctx):
    nums = [f"+1617253{7000 + i:04d}" for i in range(60)]
    snap = submitted(ctx, nums)
    card = texts(cards.request_card(snap))
    assert "60 numbers: +1 617-253-7000, +1 617-253-7001, +1 617-253-7002 and 57 more" in card
    status = cards.status_blocks(snap, is_agent=True, today=TODAY)
    body = texts(status)
    assert "+1 617-253-7024" in body and "+1 617-253-7025" not in body
    assert "…and 35 more." in body
    numbers_only = texts(cards.status_blocks(snap, is_agent=False, max_numbers=0))
    assert "*Numbers* (60)\\n…and 60 more." in numbers_only
    foc = agent.foc_modal(snap, META).to_dict()
    picker = next(b for b in foc["blocks"] if b.get("block_id") == "port-foc-numbers")
    assert picker["element"]["type"] == "multi_static_select"
    assert len(picker["element"]["options"]) == 60
    assert picker["element"]["options"][0] == {
        "text": {"type": "plain_text", "text": "+1 617-253-7000", "emoji": True},
        "value": "+16172537000",
    }


def test_over_a_hundred_numbers_switch_to_a_paste_box(ctx):
    nums = [f"+1617253{8000 + i:04d}" for i in range(120)]
    snap = submitted(ctx, nums)
    for view, block_id in (
        (agent.foc_modal(snap, META), "port-foc-numbers"),
        (agent.reject_modal(snap, META), "port-reject-numbers"),
    ):
        block = next(b for b in view.to_dict()["blocks"] if b.get("block_id") == block_id)
        assert block["element"]["type"] == "plain_text_input"
        assert block["element"]["multiline"] is True and block["optional"] is True
        assert "120" in block["hint"]["text"]


# --- escaping and secrets -------------------------------------------------------------------


def test_outside_text_is_escaped(ctx):
    snap = in_review(ctx, company_name="<!channel> & <b>", name="@here launch <!everyone>")
    outputs = [
        cards.request_card(snap),
        cards.status_blocks(snap, is_agent=True, today=TODAY),
        cards.list_blocks([snap.request], title="Open requests"),
        agent.reject_modal(snap, META),
        agent.cancel_modal(snap, META, deadline=None),
        home.home_view(
            mine=[snap.request], is_agent=False, queues=None, upcoming=None, today=TODAY
        ),
    ]
    for out in outputs:
        body = dump(out)
        assert "<!channel>" not in body and "<!everyone>" not in body and "<b>" not in body
        assert "@here" not in body
    card = dump(cards.request_card(snap))
    assert "&lt;!channel&gt; &amp; &lt;b&gt;" in card
    assert "@\u2060here launch &lt;!everyone&gt;" in card
    assert "<!" not in cards.card_text(snap) and "@here" not in cards.card_text(snap)


def test_pin_and_account_number_never_leave(ctx):
    wireless = svc.open_request(
        ctx,
        draft(["+16172539000"], wireless=["+16172539001"]),
        actor=CUSTOMER,
        team_id="T1",
        channel_id="C1",
    )
    assert wireless.request.pin and wireless.request.pin.reveal() == PIN
    signed = mark_loa_signed(ctx, wireless.sid, actor=CUSTOMER)
    sub = svc.submit_to_carrier(ctx, wireless.sid, actor=AGENT)
    rejected = svc.reject(ctx, wireless.sid, ["wrong_pin"], actor=AGENT)
    everything = []
    for snap in (wireless, signed, sub, rejected):
        everything += [
            cards.request_card(snap, tz=TZ),
            cards.status_blocks(snap, is_agent=True, today=TODAY, max_events=50),
            cards.status_blocks(snap, is_agent=False, today=TODAY),
            agent.foc_modal(snap, META),
            agent.reject_modal(snap, META),
            agent.complete_modal(snap, META),
            agent.note_modal(snap, META),
            agent.cancel_modal(snap, META, deadline=TODAY),
            intake.done_view(snap, channel_note=None),
        ]
        everything.append(cards.card_text(snap))
    requests = [s.request for s in (wireless, sub)]
    everything += [
        cards.list_blocks(requests, title="All"),
        home.home_view(
            mine=requests,
            is_agent=True,
            queues={S.SUBMITTED: 1},
            upcoming=[(TODAY, sub.request)],
            today=TODAY,
        ),
    ]
    for out in everything:
        body = out if isinstance(out, str) else dump(out)
        assert PIN not in body and ACCOUNT not in body


# --- agent modals and limits ------------------------------------------------------------------


def test_agent_modals_shape(ctx):
    snap = submitted(ctx)
    reject = agent.reject_modal(snap, META).to_dict()
    blocks = {b.get("block_id"): b for b in reject["blocks"]}
    codes = blocks["port-reject-codes"]["element"]
    assert codes["type"] == "multi_static_select" and "optional" not in blocks["port-reject-codes"]
    assert [o["value"] for o in codes["options"]] == [c for c, _ in rejections.choices()]
    assert blocks["port-reject-numbers"]["optional"] is True
    assert blocks["port-reject-note"]["element"]["multiline"] is True

    note = agent.note_modal(snap, META).to_dict()
    blocks = {b.get("block_id"): b for b in note["blocks"]}
    public = blocks["port-note-public"]["element"]
    assert public["type"] == "checkboxes" and public["options"][0]["value"] == agent.NOTE_PUBLIC

    complete = agent.complete_modal(snap, META).to_dict()
    assert "port-complete-numbers" not in dump(complete)  # nothing has a port date yet
    dated = svc.set_foc(ctx, snap.sid, date(2026, 12, 2), actor=AGENT)
    complete = agent.complete_modal(dated, META).to_dict()
    assert "port-complete-numbers" in dump(complete)

    cancel = agent.cancel_modal(dated, META, deadline=date(2026, 11, 30)).to_dict()
    assert cancel["submit"]["text"] == "Cancel request" and cancel["close"]["text"] == "Keep it"
    assert "last day to cancel here is *Mon Nov 30, 2026*" in dump(cancel)
    fresh = agent.cancel_modal(opened(ctx, ["+16172533000"]), META, deadline=None)
    assert "Nothing has gone to a carrier yet" in dump(fresh)


def test_every_modal_is_within_slack_limits(ctx):
    snap = foc_confirmed(ctx)
    long_meta = "x" * 2999
    views = [
        intake.agreement_step(long_meta),
        intake.numbers_step(long_meta),
        intake.contact_step(long_meta),
        intake.bill_step(long_meta, today=TODAY),
        intake.done_view(snap, channel_note="ok", metadata=long_meta),
        intake.loading_view("A very long title that will not fit", metadata=long_meta),
        intake.error_view("Boom <!here>", "E-42", metadata=long_meta),
        agent.foc_modal(snap, long_meta, tz_name=TZ),
        agent.reject_modal(snap, long_meta),
        agent.complete_modal(snap, long_meta),
        agent.note_modal(snap, long_meta),
        agent.cancel_modal(snap, long_meta, deadline=date(2026, 11, 30)),
    ]
    for view in views:
        d = view.to_dict()  # the SDK validates lengths too
        assert d["type"] == "modal"
        assert len(d["title"]["text"]) <= 24
        for key in ("submit", "close"):
            assert key not in d or len(d[key]["text"]) <= 24
        assert 1 <= len(d["blocks"]) <= 100
        assert d["private_metadata"] == long_meta
        block_ids = [b["block_id"] for b in d["blocks"] if "block_id" in b]
        assert len(block_ids) == len(set(block_ids))
        for b in d["blocks"]:
            if b["type"] == "input":
                assert b["element"]["action_id"] == ids.VALUE
                assert b["block_id"] in set(ids.Block)
    error = intake.error_view("Boom <!here>", "E-42").to_dict()
    assert "&lt;!here&gt;" in dump(error) and "`E-42`" in dump(error)
    assert intake.loading_view("Saving").to_dict()["callback_id"] == ids.View.LOADING


# --- lists, help, home ---------------------------------------------------------------------


def test_list_blocks_cap_and_help(ctx):
    snap = foc_confirmed(ctx, name="HQ")
    rows = [snap.request] * 45
    blocks = dicts(
        cards.list_blocks(rows, title="Open requests", total=57, number_counts={snap.sid: 3})
    )
    body = json.dumps(blocks, ensure_ascii=False)
    assert body.count(f"`{snap.sid[:10]}`") == 40
    assert "HQ · :calendar: Port date confirmed · 3 numbers · port Wed Dec 2, 2026" in body
    assert "Showing 40 of 57." in body
    assert len(blocks) <= 50
    empty = dump(cards.list_blocks([], title="Open requests"))
    assert "/port new" in empty

    customer = dump(cards.help_blocks(is_agent=False))
    agent_help = dump(cards.help_blocks(is_agent=True))
    for verb in ("/port new", "/port status", "/port list", "/port cancel", "/port help"):
        assert verb in customer
    for verb in ("/port submit", "/port foc", "/port reject", "/port complete", "/port note"):
        assert verb not in customer and verb in agent_help


def test_home_view_for_a_customer(ctx):
    snap = in_review(ctx, name="Main office")
    drafted = svc.open_request(
        ctx, draft(["+16172531500"], bill=None, bill_later=True), actor=CUSTOMER
    )
    d = home.home_view(
        mine=[snap.request, drafted.request],
        is_agent=False,
        queues=None,
        upcoming=None,
        today=TODAY,
    ).to_dict()
    assert d["type"] == "home" and "submit" not in d and "title" not in d
    assert d["blocks"][1]["accessory"]["action_id"] == ids.Action.NEW
    mine = [b for b in d["blocks"] if b.get("accessory", {}).get("value", "").startswith("PR")]
    assert [b["accessory"]["action_id"] for b in mine] == [ids.Action.STATUS, ids.Action.RESUME]
    assert mine[0]["text"]["text"].startswith(f"*Main office* `{snap.sid[:10]}`\n:mag: In review")
    assert "Porting team" not in dump(d)

    many = home.home_view(
        mine=[snap.request] * 25, is_agent=False, queues=None, upcoming=None, today=TODAY
    ).to_dict()
    assert dump(many).count("port-status") == 20 and "and 5 more" in dump(many)
    nothing = home.home_view(mine=[], is_agent=False, queues=None, upcoming=None, today=TODAY)
    assert "no port requests yet" in dump(nothing)


def test_home_view_for_an_agent(ctx):
    soon = foc_confirmed(ctx, name="Soon")
    upcoming = [
        (date(2026, 11, 20), soon.request),
        (date(2026, 11, 23), soon.request),
        (date(2026, 12, 2), soon.request),  # more than 7 days away
    ]
    d = home.home_view(
        mine=[],
        is_agent=True,
        queues={S.IN_REVIEW: 4, S.SUBMITTED: 2, S.COMPLETED: 9},
        upcoming=upcoming,
        today=TODAY,
    ).to_dict()
    body = dump(d)
    assert ":mag: In review\\n*4*" in body and ":outbox_tray: Submitted to carrier\\n*2*" in body
    assert "Completed" not in body  # only open statuses are a queue
    assert "Fri Nov 20 · " in body and "Mon Nov 23 · " in body and "Wed Dec 2" not in body
    assert len(d["blocks"]) <= 100


# --- outside strings that try to be Slack markup -----------------------------------------------

HOSTILE = "<!channel> <https://evil.example|Reset password>"
HOSTILE_ESCAPED = "&lt;!channel&gt; &lt;https://evil.example|Reset password&gt;"


def _hostile(snap):
    """``snap`` as if every outside string on it were typed to look like Slack markup (names a
    form would refuse can still arrive another way, e.g. from Zendesk)."""
    req = snap.request
    for name in ("rep_name", "losing_carrier", "company_name", "requester_name", "name"):
        setattr(req, name, HOSTILE)
    req.requester_id = "web-7"  # not a Slack user, so the name is shown instead of a mention
    return snap


def _harmless(body: str) -> None:
    assert "<!channel>" not in body and "<https://evil" not in body, body
    assert "|Reset password>" not in body, body


def test_hostile_outside_strings_stay_words_on_every_slack_surface(ctx):
    from bot.slack.delivery import direct_message_text, thread_line
    from bot.wording.loa import signing_message
    from storage.models import TimelineEvent
    from storage.values import Role

    snap = opened(ctx)
    author = svc.Actor.agent("zd:772", HOSTILE)
    snap = svc.add_comment(ctx, snap.sid, HOSTILE, actor=author, source="zendesk", source_id="9")
    snap = _hostile(snap)
    req = snap.request
    surfaces = {
        "card": dump(cards.request_card(snap, ticket_url="https://z.example/t/1", for_agents=True)),
        "card text": cards.card_text(snap),
        "status": dump(cards.status_blocks(snap, is_agent=True, today=TODAY, max_events=20)),
        "list": dump(cards.list_blocks([req], title=HOSTILE)),
        "home": dump(
            home.home_view(
                mine=[req], is_agent=True, queues=None, upcoming=[(TODAY, req)], today=TODAY
            )
        ),
        "cancel": dump(agent.cancel_modal(snap, META, deadline=None)),
        "done": dump(intake.done_view(snap, channel_note=None)),
    }
    for where, body in surfaces.items():
        assert HOSTILE_ESCAPED in body or where == "list", where
        _harmless(body)
    assert "opened by " + HOSTILE_ESCAPED in surfaces["card"]  # the requester, by name
    assert HOSTILE_ESCAPED + " · " + HOSTILE_ESCAPED in surfaces["status"]  # author · comment
    assert "<https://z.example/t/1|Open in Zendesk>" in surfaces["card"]

    comment = TimelineEvent(
        request_id=req.id or 0,
        at=datetime(2026, 11, 16, tzinfo=UTC),
        actor_role=Role.AGENT,
        actor_id="zd:772",
        actor_name=HOSTILE,
        action="comment",
        detail=HOSTILE,
        data={"files": [{"name": HOSTILE, "url": "https://z.example/f?a=<b>|c"}]},
    )
    line = thread_line(comment)
    _harmless(line)
    assert line.startswith(f"{HOSTILE_ESCAPED}: {HOSTILE_ESCAPED}\n:paperclip: ")
    assert line.count("<") == 1 and "<https://z.example/f?a=%3Cb%3E%7Cc|" in line

    dm = direct_message_text(
        signing_message(
            holder=HOSTILE,
            carrier=HOSTILE,
            number_count=2,
            requester_id="web-7",
            requester_name=HOSTILE,
            url="https://port.example.com/loa/tok",
            expires_at=datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
            tz=TZ,
        )
    )
    _harmless(dm)
    assert dm.startswith(
        f":writing_hand: *Please sign the Letter of Authorization for {HOSTILE_ESCAPED}*"
    )
    assert dm.count("<") == 1 and "<https://port.example.com/loa/tok|Review and sign" in dm
