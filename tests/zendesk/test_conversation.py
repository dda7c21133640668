"""The request's conversation, both ways, through the real app: Slack thread replies (with
files, edits and deletes) reach the ticket; public agent comments (with files) reach the
thread; nothing echoes back; the bill rides along with the note that completed the request."""

from __future__ import annotations

from datetime import date

from bot import services as svc
from bot.porting.fields import Bill
from bot.sandbox.slack_payloads import message_changed_event, message_deleted_event
from tests.services.helpers import draft, numbers
from tests.slack.conftest import CHANNEL, CUSTOMER
from tests.zendesk.conftest import BILL_BYTES, Both


def _open(ctx, both: Both) -> str:
    bill_file = both.slack.add_file("bill.pdf", BILL_BYTES, "application/pdf", "pdf", user=CUSTOMER)
    bill = Bill("bill.pdf", len(BILL_BYTES), "application/pdf", date(2026, 11, 10), bill_file["id"])
    actor = svc.Actor.customer(CUSTOMER, "casey")
    sid = svc.open_request(
        ctx,
        draft(numbers(2), bill=bill),
        actor=actor,
        team_id=both.slack.team_id,
        channel_id=CHANNEL,
    ).sid
    both.drain()
    return sid


def test_the_bill_goes_with_the_note_that_completed_the_request(ctx, both):
    sid = _open(ctx, both)
    description, note = both.comments()
    assert sid in both.zendesk.tickets()[0]["external_id"]
    assert description["public"] is False and description["attachments"] == []
    assert [a["file_name"] for a in note["attachments"]] == ["bill.pdf"]
    (upload,) = both.zendesk.uploads
    assert upload.content == BILL_BYTES and upload.content_type == "application/pdf"
    both.drain()
    assert len(both.zendesk.uploads) == 1  # delivered once, not again


def test_a_reply_with_files_becomes_one_comment_carrying_them(ctx, both):
    _open(ctx, both)
    csr = both.slack.add_file("csr.png", b"\x89PNG\r\n\x1a\n" + b"0" * 500, "image/png", "png")
    before = len(both.zendesk.calls())
    both.reply("Here is the CSR you asked for", files=[csr])
    both.drain()
    comment = both.comments()[-1]
    casey = both.zendesk.user(comment["author_id"])
    assert casey and casey["email"] == "casey@acme.example"  # written by the customer
    assert comment["public"] is True and comment["body"] == "Here is the CSR you asked for"
    assert [a["file_name"] for a in comment["attachments"]] == ["csr.png"]
    made = [
        f"{c.method} {c.path.split('/')[3].split('.')[0]}" for c in both.zendesk.calls()[before:]
    ]
    # one upload, one update: casey's Zendesk user was found when the ticket was made
    assert sorted(made) == ["POST uploads", "PUT tickets"], made


def test_a_file_slack_no_longer_has_is_left_as_a_link(ctx, both):
    _open(ctx, both)
    gone = both.slack.add_file("old-bill.pdf", b"%PDF-1.4 x", "application/pdf", "pdf")
    both.slack.fail("files.info", error="file_not_found")
    both.reply("", files=[gone])
    both.drain()
    comment = both.comments()[-1]
    assert comment["attachments"] == []
    assert "Files left in Slack" in comment["body"] and "old-bill.pdf" in comment["body"]
    assert gone["permalink"] in comment["body"]


def test_edits_add_a_corrected_comment_and_previews_add_nothing(ctx, both):
    _open(ctx, both)
    original = both.reply("The account number ends in 4567")
    both.drain()
    count = len(both.comments())
    preview = message_changed_event(original, original["text"])  # Slack unfurled a link
    assert both.driver.event(preview).status == 200
    edit = message_changed_event(original, "The account number ends in 4568")
    assert both.driver.event(edit).status == 200
    assert both.driver.event(edit, event_id="Ev-again").status == 200  # the same edit again
    both.drain()
    comments = both.comments()
    assert len(comments) == count + 1
    assert comments[-1]["body"] == (
        "(Edited in Slack; the message now reads:)\n\nThe account number ends in 4568"
    )
    assert comments[-1]["author_id"] == comments[-2]["author_id"] != both.zendesk.api_user["id"]


def test_a_deleted_reply_is_reported_to_agents_privately(ctx, both):
    _open(ctx, both)
    original = both.reply("Wrong request, sorry")
    both.drain()
    assert both.driver.event(message_deleted_event(original)).status == 200
    both.drain()
    note = both.comments()[-1]
    assert note["public"] is False
    assert "deleted a message they wrote in Slack" in note["body"] and "redact" in note["body"]
    thread = both.slack.thread(CHANNEL, both.card_ts())
    assert not any("deleted" in m.get("text", "") for m in thread)  # agents only


def test_agent_comments_with_files_reach_the_thread_and_do_not_echo(ctx, both):
    _open(ctx, both)
    ticket = both.ticket()
    count = len(both.comments())
    both.zendesk.agent_comment(
        ticket,
        "Please sign the attached form.",
        author="Dana Porting",
        files=[("form.pdf", b"%PDF-1.4 form", "application/pdf")],
    )
    both.drain()
    thread = both.slack.thread(CHANNEL, both.card_ts())
    posted = thread[-1]["text"]
    assert posted.startswith("Dana Porting: Please sign the attached form.")
    assert ":paperclip: <http://" in posted and "|form.pdf>" in posted
    assert len(both.comments()) == count + 1  # the agent's own comment, nothing sent back
    # A bot's message in the thread (our own post) never comes back as a comment either.
    both.drain()
    assert len(both.comments()) == count + 1
