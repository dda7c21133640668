"""E-mail for the Letter of Authorization: the message to the representative and the sender.

:class:`Mailer` speaks SMTP with the standard library. ``smtp://`` connects in plain text and
switches to TLS (STARTTLS) whenever the server offers it; ``smtps://`` is TLS from the first
byte. The password in the URL is only ever sent over TLS (or to a server on this machine).
:func:`loa_message` writes the message: a plain-text and an HTML part saying the same thing,
and the unsigned letter attached.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from datetime import datetime, tzinfo
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from bot.wording.formats import one_line
from bot.wording.links import safe_url
from bot.wording.loa import SigningEmail, signing_email
from bot.wording.rich import html

__all__ = ["MailError", "MailRefused", "Mailer", "loa_message"]

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


class MailError(RuntimeError):
    """The message could not be handed to the mail server (worth retrying later)."""


class MailRefused(MailError):
    """The server refused the recipient for good (a 5xx answer): retrying will not help."""


class Mailer:
    """Sends messages through the server named by ``smtp_url``, from ``mail_from``."""

    def __init__(
        self,
        smtp_url: str,
        mail_from: str,
        timeout: float = 30.0,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError("use smtp://user:password@host:587 or smtps://…@host:465")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or DEFAULT_PORTS[parts.scheme]
        self._user = unquote(parts.username or "")
        self._password = unquote(parts.password or "")
        self.mail_from = mail_from
        self.timeout = timeout
        self._ssl = ssl_context

    def __repr__(self) -> str:  # never the password
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"Mailer({scheme}://{self.host}:{self.port}, from={self.mail_from!r})"

    @property
    def sender(self) -> str:
        """The bare address of :attr:`mail_from` (the envelope sender)."""
        return parseaddr(self.mail_from)[1] or self.mail_from

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` to the server; :class:`MailRefused` when the recipient is refused
        for good, :class:`MailError` (or an ``OSError``) for anything worth retrying."""
        if "From" not in message:
            message["From"] = self.mail_from
        context = self._ssl or ssl.create_default_context()
        try:
            if self.implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                client.ehlo()
                encrypted = self.implicit_tls
                if not encrypted and client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                    encrypted = True
                if self._user:
                    if not encrypted and not _is_local(self.host):
                        raise MailError(
                            f"{self.host} does not offer STARTTLS; portbot will not send the SMTP "
                            "password unencrypted (use smtps:// or a server with TLS)"
                        )
                    client.login(self._user, self._password)
                client.send_message(message, from_addr=self.sender)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise MailRefused(f"the mail server refused the address ({codes[0]})") from None
            raise MailError(f"the mail server deferred the address ({codes[:1]})") from None
        except smtplib.SMTPException as exc:
            raise MailError(f"SMTP: {type(exc).__name__}: {str(exc)[:200]}") from None


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- the message -------------------------------------------------------------------------------


def loa_message(
    *,
    to_name: str,
    to_email: str,
    mail_from: str,
    holder: str,
    carrier: str,
    number_count: int,
    sid: str,
    url: str,
    expires_at: datetime,
    pdf: bytes,
    filename: str,
    requester_name: str = "",
    tz: tzinfo | None = None,
) -> EmailMessage:
    """The signing request for the representative: text and HTML, the unsigned PDF attached.
    The words are :func:`bot.wording.loa.signing_email`'s."""
    w = signing_email(
        rep_name=to_name,
        holder=holder,
        carrier=carrier,
        number_count=number_count,
        requester_name=requester_name,
        expires_at=expires_at,
        tz=tz,
        sid=sid,
    )
    msg = EmailMessage()
    msg["Subject"] = w.subject
    msg["From"] = mail_from
    msg["To"] = formataddr((one_line(to_name), to_email.strip()))
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = (parseaddr(mail_from)[1].rpartition("@")[2] or "portbot.invalid").strip()
    msg["Message-ID"] = make_msgid("loa", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    text = "\n\n".join(
        [w.greeting, w.ask, w.why, url, w.expiry, w.after, w.ignore, f"-- \n{w.reference}"]
    )
    msg.set_content(text + "\n")
    msg.add_alternative(_html(w, url), subtype="html")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return msg


_BUTTON = (
    "display:inline-block;padding:12px 22px;background:#1d3557;color:#ffffff;"
    "text-decoration:none;border-radius:4px;font-weight:bold"
)


def _html(w: SigningEmail, url: str) -> str:
    e = html
    href = e(safe_url(url))
    paragraphs = "".join(f"<p>{e(p)}</p>" for p in (w.greeting, w.ask, w.why))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(w.letter)}</title></head>"
        '<body style="font-family:Helvetica,Arial,sans-serif;color:#222;line-height:1.5;'
        'max-width:600px">'
        f"{paragraphs}"
        f'<p><a href="{href}" style="{_BUTTON}">Review and sign the letter</a></p>'
        f'<p style="font-size:13px;color:#555">Or copy this link: {e(url)}</p>'
        f"<p>{e(w.expiry)}</p><p>{e(w.after)}</p>"
        f'<p style="font-size:13px;color:#555">{e(w.ignore)}</p>'
        f'<p style="font-size:12px;color:#777">{e(w.reference)}</p>'
        "</body></html>"
    )
