"""Sending the LOA: the e-mail (to a real SMTP server on loopback) and the Slack DM."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.smtp import AuthResult
from slack_sdk import WebClient

from bot import config
from bot import services as svc
from bot.config import ConfigError
from bot.delivery.outbox import Outbox, RetryLater
from bot.loa.delivery import LoaDelivery, loa_handlers
from bot.loa.mail import Mailer, MailRefused, loa_message
from bot.sandbox.slack_sim import SlackSimulator
from bot.services.loa import LinkState, inspect_link
from bot.slack.delivery import DirectMessages
from bot.slack.ids import Action
from storage.documents import DocumentStore
from storage.models import OutboxMessage
from storage.values import OutboxStatus
from tests.loa.support import (
    PUBLIC_URL,
    TTL,
    awaiting,
    events,
    smtp_server,
    tls_contexts,
    tokens,
)
from tests.services.helpers import ACCOUNT, AGENT, PIN, draft, outbox_for
from tests.slack.conftest import CHANNEL, CUSTOMER, OTHER, served_slack, settings_for

FROM = "Porting team <porting@portbot.example>"
PDF = b"%PDF-1.4 test letter"


@pytest.fixture
def store(db, tmp_path) -> DocumentStore:
    return DocumentStore(db, tmp_path / "files")


@pytest.fixture
def smtp() -> Iterator[tuple]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def sim() -> Iterator[SlackSimulator]:
    simulator = SlackSimulator().start()
    try:
        yield simulator
    finally:
        simulator.stop()


def delivery(ctx, store, *, mailer=None, client=None) -> Outbox:
    messenger = DirectMessages(client) if client is not None else None
    handler = LoaDelivery(
        ctx, store=store, public_url=PUBLIC_URL, ttl=TTL, mailer=mailer, messenger=messenger
    )
    return Outbox(ctx, {"loa.send": handler})


def parts(message) -> dict[str, str]:
    body = {"text": message.get_body(("plain",)), "html": message.get_body(("html",))}
    return {k: v.get_content() for k, v in body.items()}


def test_the_message_has_text_html_the_link_and_the_letter(smtp):
    inbox, url = smtp
    expires = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    link = "https://port.example.com/loa/abc_DEF-123"
    message = loa_message(
        to_name="Jordan Rivera",
        to_email="jordan@acme.example",
        mail_from=FROM,
        holder="Acme <Widgets> & Co",
        carrier="Old Phone Co",
        number_count=3,
        sid="PR" + "0" * 32,
        url=link,
        expires_at=expires,
        pdf=PDF,
        filename="LOA-PR0.pdf",
        requester_name="Casey Customer",
    )
    Mailer(url, FROM, timeout=5).send(message)
    inbox.wait()
    [(sender, recipients, got)] = inbox.received
    assert sender == "porting@portbot.example" and recipients == ["jordan@acme.example"]
    assert got["From"] == FROM and got["To"] == "Jordan Rivera <jordan@acme.example>"
    assert got["Subject"] == "Please sign the Letter of Authorization for Acme <Widgets> & Co"
    text, html = parts(got)["text"], parts(got)["html"]
    assert link in text and f'href="{link}"' in html
    assert "Casey Customer asked to move 3 phone numbers" in text
    assert "Monday, November 30, 2026 at 3:00 PM UTC" in text
    assert "ignore" in text and "ignore" in html
    assert "Acme &lt;Widgets&gt; &amp; Co" in html and "<Widgets>" not in html
    [attachment] = list(got.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "LOA-PR0.pdf" and attachment.get_content() == PDF


def test_the_mailer_never_shows_its_password():
    mailer = Mailer("smtps://user%40x:s3cr%2Ft@mail.example.com", FROM)
    assert "s3cr" not in repr(mailer) and mailer.port == 465 and mailer.implicit_tls
    assert Mailer("smtp://mail.example.com", FROM).port == 587
    with pytest.raises(ValueError):
        Mailer("http://mail.example.com", FROM)


def _message(to: str = "jordan@acme.example"):
    return loa_message(
        to_name="Jordan Rivera",
        to_email=to,
        mail_from=FROM,
        holder="Acme Widgets Inc",
        carrier="Old Phone Co",
        number_count=1,
        sid="PR" + "1" * 32,
        url="https://port.example.com/loa/t",
        expires_at=datetime(2026, 12, 1, tzinfo=UTC),
        pdf=PDF,
        filename="a.pdf",
    )


class Logins:
    """An aiosmtpd authenticator that accepts one user and remembers whether TLS was on."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bool]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((login, password, session.ssl is not None))
        return AuthResult(success=(login, password) == ("mailer", "p@ss:word"))


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_tls_and_login_starttls_when_offered_or_implicit(tmp_path, scheme):
    server_tls, client_tls = tls_contexts(tmp_path)
    logins = Logins()
    tls = {"tls_context": server_tls} if scheme == "smtp" else {"ssl_context": server_tls}
    # aiosmtpd only knows about TLS it negotiated itself (STARTTLS); over smtps it is there from
    # the first byte, so AUTH must not wait for it.
    options = {"authenticator": logins, "auth_require_tls": scheme == "smtp", **tls}
    with smtp_server(scheme, require_starttls=scheme == "smtp", **options) as (inbox, url):
        authed = url.replace("://", "://mailer:p%40ss%3Aword@")
        Mailer(authed, FROM, timeout=5, ssl_context=client_tls).send(_message())
        assert len(inbox.wait()) == 1
    [(login, password, _)] = logins.seen
    assert (login, password) == ("mailer", "p@ss:word")


def test_a_refused_address_is_reported_for_good(smtp, ctx, db, store):
    inbox, url = smtp
    inbox.refuse.add("jordan@acme.example")
    snap = awaiting(ctx)
    with pytest.raises(MailRefused):
        Mailer(url, FROM).send(_message())
    assert delivery(ctx, store, mailer=Mailer(url, FROM)).drain() == 1
    last = events(db, snap.sid)[-1]
    assert last.action == "loa_not_sent" and "refused the address" in last.detail
    assert all(t.revoked_at is not None for t in tokens(db, snap.sid))


def test_the_delivery_e_mails_a_working_link_with_the_letter(smtp, ctx, db, store):
    inbox, url = smtp
    snap = awaiting(ctx, wireless=["+16172538801"], landlines=["+16172538802"])
    assert delivery(ctx, store, mailer=Mailer(url, FROM)).drain() == 1
    [message] = inbox.wait()
    text = parts(message)["text"]
    link = next(w for w in text.split() if w.startswith(f"{PUBLIC_URL}/loa/"))
    assert inspect_link(ctx, link.rsplit("/", 1)[-1]).state is LinkState.VALID
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF")
    raw = message.as_string()
    assert PIN not in raw and ACCOUNT not in raw
    sent = events(db, snap.sid)[-1]
    assert sent.action == "loa_sent" and sent.detail.endswith("for signature by e-mail.")


def test_a_mail_server_that_is_down_is_retried_without_a_second_thread_line(ctx, db, store):
    snap = awaiting(ctx)
    dead = Mailer("smtp://127.0.0.1:9", FROM, timeout=2)  # nothing listens on port 9
    outbox = delivery(ctx, store, mailer=dead)
    assert outbox.drain() == 0
    [row] = [m for m in outbox_for(db, snap.sid) if m.topic == "loa.send"]
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    with db.write() as s:  # due again now
        again = s.get(OutboxMessage, row.id)
        again.next_attempt_at = ctx.now()
    outbox.drain()
    sent = [e for e in events(db, snap.sid) if e.action == "loa_sent"]
    assert [e.public for e in sent] == [True, False]  # the retry does not repeat itself


def test_a_representative_in_slack_gets_a_dm(ctx, db, store, sim):
    sim.add_user("U0REP", "jordan", "Jordan@Acme.example")
    snap = awaiting(ctx)
    client = WebClient(token="xoxb-test", base_url=sim.url)
    assert delivery(ctx, store, client=client).drain() == 1
    [dm] = sim.messages("U0REP")
    assert f"{PUBLIC_URL}/loa/" in dm["text"] and "Acme Widgets Inc" in dm["text"]
    assert "<@U0CUSTOMER> asked to move 2 numbers" in dm["text"]
    assert events(db, snap.sid)[-1].detail.endswith("by Slack DM.")


def test_no_dm_for_an_address_slack_does_not_know(smtp, ctx, db, store, sim):
    inbox, url = smtp
    awaiting(ctx)
    client = WebClient(token="xoxb-test", base_url=sim.url)
    assert delivery(ctx, store, client=client, mailer=Mailer(url, FROM)).drain() == 1
    assert len(inbox.wait()) == 1
    assert sim.calls_to("users.lookupByEmail") and not sim.calls_to("chat.postMessage")


def test_a_slack_rate_limit_means_retry_later(ctx, db, store, sim):
    sim.add_user("U0REP", "jordan", "jordan@acme.example")
    snap = awaiting(ctx)
    sim.fail("users.lookupByEmail", retry_after=7)
    handler = LoaDelivery(
        ctx,
        store=store,
        public_url=PUBLIC_URL,
        ttl=TTL,
        mailer=None,
        messenger=DirectMessages(WebClient(token="xoxb-test", base_url=sim.url)),
    )
    [row] = [m for m in outbox_for(db, snap.sid) if m.topic == "loa.send"]
    with pytest.raises(RetryLater) as later:
        handler(row)
    assert later.value.seconds == 7 and tokens(db, snap.sid) == []


def test_a_row_queued_before_a_later_link_sends_nothing(ctx, db, clock, store, sim):
    sim.add_user("U0REP", "jordan", "jordan@acme.example")
    snap = awaiting(ctx)
    svc.resend_loa(ctx, snap.sid, actor=AGENT)  # two rows wait: the first and the resend
    client = WebClient(token="xoxb-test", base_url=sim.url)
    assert delivery(ctx, store, client=client).drain() == 2
    assert len(sim.messages("U0REP")) == 1 and len(tokens(db, snap.sid)) == 1


def test_handlers_from_settings(ctx, sim):
    settings = config.load({"SMTP_URL": "smtp://127.0.0.1:25", "PORTBOT_PUBLIC_URL": PUBLIC_URL})
    with pytest.raises(ConfigError, match="PORTBOT_MAIL_FROM"):
        loa_handlers(settings, ctx, None)
    settings = config.load(
        {
            "SMTP_URL": "smtp://127.0.0.1:25",
            "PORTBOT_MAIL_FROM": FROM,
            "PORTBOT_PUBLIC_URL": PUBLIC_URL,
            "PORTBOT_LOA_TTL_DAYS": "10",
        }
    )
    handler = loa_handlers(settings, ctx, None)["loa.send"]
    assert handler.ttl.days == 10 and handler.mailer.mail_from == FROM
    with pytest.raises(ConfigError, match="PORTBOT_LOA_TTL_DAYS"):
        config.load({"PORTBOT_LOA_TTL_DAYS": "45"})


def test_slack_journey_dm_thread_line_and_the_resend_button(ctx, clock, db, store):
    with served_slack(ctx) as slack:
        slack.sim.add_user("U0REP", "jordan", "jordan@acme.example")
        settings = settings_for(slack.sim, PORTBOT_PUBLIC_URL=PUBLIC_URL)
        handlers = {**slack.runtime.outbox.handlers}
        handlers.update(loa_handlers(settings, ctx, DirectMessages(slack.runtime.client)))
        outbox = Outbox(ctx, handlers)
        snap = svc.open_request(
            ctx,
            draft(),
            actor=svc.Actor.customer(CUSTOMER, "casey"),
            team_id=slack.sim.team_id,
            channel_id=CHANNEL,
        )
        outbox.drain()
        [dm] = slack.sim.messages("U0REP")
        first = dm["text"].split(f"{PUBLIC_URL}/loa/", 1)[1].split("|", 1)[0]
        assert inspect_link(ctx, first).state is LinkState.VALID
        [card] = [m for m in slack.sim.messages(CHANNEL) if m.get("blocks")]
        thread = [m["text"] for m in slack.sim.thread(CHANNEL, card["ts"])]
        assert any("LOA sent to jordan@acme.example" in t for t in thread)
        assert not any("/loa/" in t for t in thread)  # the link is personal
        assert "port-resend-loa" in str(card["blocks"])

        refused = slack.driver.block_action(
            Action.RESEND_LOA, snap.sid, OTHER, channel_id=CHANNEL, message_ts=card["ts"]
        )
        assert refused.status == 200
        assert "Only the person who opened" in slack.sim.responses[-1].body["text"]
        clock.set(clock.now + timedelta(minutes=5))
        slack.driver.block_action(
            Action.RESEND_LOA, snap.sid, CUSTOMER, channel_id=CHANNEL, message_ts=card["ts"]
        )
        assert "on its way to jordan@acme.example" in slack.sim.responses[-1].body["text"]
        outbox.drain()
        assert len(slack.sim.messages("U0REP")) == 2
        assert inspect_link(ctx, first).state is LinkState.REPLACED
