"""Helpers for the LOA tests: a request waiting for its signature, a mail catcher, PDF text."""

from __future__ import annotations

import io
import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pypdf import PdfReader
from sqlmodel import select

from bot import services as svc
from bot.services import IssuedLink, Snapshot
from bot.services.base import Context
from storage.documents import DocumentStore
from storage.models import Document, DocumentKind, LoaToken, PortRequest, TimelineEvent
from tests.services.helpers import CUSTOMER, draft

PUBLIC_URL = "https://port.example.com"
TTL = timedelta(days=14)


def awaiting(ctx: Context, **overrides: object) -> Snapshot:
    """A request opened by CUSTOMER with its bill: waiting for the LOA signature."""
    snap = svc.open_request(ctx, draft(**overrides), actor=CUSTOMER, team_id="T1", channel_id="C1")
    assert snap.status.value == "awaiting_signature"
    return snap


def issue(ctx: Context, store: DocumentStore, sid: str, url: str = PUBLIC_URL) -> IssuedLink:
    return svc.issue_link(ctx, sid, store=store, ttl=TTL, public_url=url)


def token_of(link: IssuedLink) -> str:
    return link.url.rsplit("/", 1)[-1]


def pdf_text(pdf: bytes) -> str:
    """Every page's text, whitespace runs made single spaces."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def documents(db, sid: str, kind: DocumentKind) -> list[Document]:
    with db.read() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        stmt = select(Document).where(Document.request_id == req.id, Document.kind == kind)
        return list(s.exec(stmt.order_by(Document.id)).all())


def events(db, sid: str) -> list[TimelineEvent]:
    with db.read() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        stmt = select(TimelineEvent).where(TimelineEvent.request_id == req.id)
        return list(s.exec(stmt.order_by(TimelineEvent.id)).all())


def tokens(db, sid: str) -> list[LoaToken]:
    with db.read() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        stmt = select(LoaToken).where(LoaToken.request_id == req.id)
        return list(s.exec(stmt.order_by(LoaToken.id)).all())


def request(db, sid: str) -> PortRequest:
    with db.read() as s:
        return s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()


# --- a mail server on loopback -----------------------------------------------------------------


class _Controller(Controller):
    """aiosmtpd's controller on an ephemeral port (it checks readiness on ``self.port``)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Inbox:
    """What the server received: (envelope sender, recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self._arrived = threading.Condition()
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._arrived:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 Message accepted"

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.received)} of {count} messages")
                self._arrived.wait(left)
            return [m for _, _, m in self.received]


@contextmanager
def smtp_server(scheme: str = "smtp", **options: Any) -> Iterator[tuple[Inbox, str]]:
    """A mail server on 127.0.0.1: ``(inbox, "smtp://127.0.0.1:<port>")``. ``options`` go to
    aiosmtpd (``tls_context`` for STARTTLS, ``ssl_context`` for implicit TLS, ``authenticator``)."""
    inbox = Inbox()
    controller = _Controller(inbox, hostname="127.0.0.1", port=0, **options)
    controller.start()
    try:
        yield inbox, f"{scheme}://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def tls_contexts(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """``(server, client)`` contexts for a self-signed certificate naming 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client
