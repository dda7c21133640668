"""The words that carry the Letter of Authorization to the person who signs it: the e-mail, the
direct message in a chat, and what the timeline says when a letter could not go out.

Names, companies and carriers go in as data; the e-mail's text part shows them as they are, its
HTML part and the chat escape them (:func:`~bot.wording.rich.html`, Slack's ``mrkdwn``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.wording.formats import day_at, long_when, one_line, plural
from bot.wording.rich import Rich, link, mention, rich

__all__ = [
    "NOT_SENT_NO_CHANNEL",
    "NOT_SENT_NO_PUBLIC_URL",
    "DirectMessage",
    "SigningEmail",
    "not_sent_refused",
    "signing_email",
    "signing_message",
]


@dataclass(frozen=True)
class DirectMessage:
    """A short message for one person in a chat: a title, the body, and the name of an icon
    the chat may show before the title (``writing_hand``)."""

    title: str
    body: Rich
    icon: str = ""


@dataclass(frozen=True)
class SigningEmail:
    """The e-mail asking the representative to sign, paragraph by paragraph (plain words; the
    signing link goes between :attr:`why` and :attr:`expiry`)."""

    subject: str
    letter: str
    greeting: str
    ask: str
    why: str
    expiry: str
    after: str
    ignore: str
    reference: str


def signing_email(
    *,
    rep_name: str,
    holder: str,
    carrier: str,
    number_count: int,
    requester_name: str,
    expires_at: datetime,
    tz: tzinfo | str | None,
    sid: str,
) -> SigningEmail:
    holder, carrier = one_line(holder) or "your company", one_line(carrier) or "your carrier"
    who = one_line(requester_name) or f"Someone at {holder}"
    numbers = plural(number_count, "phone number")
    letter = f"Letter of Authorization for {holder}"
    return SigningEmail(
        subject=f"Please sign the {letter}",
        letter=letter,
        greeting=f"Hello {one_line(rep_name) or 'there'},",
        ask=(
            f"{who} asked to move {numbers} of {holder} away from {carrier} to a new provider, "
            "and named you as the person who can authorize it."
        ),
        why=(
            f"{carrier} releases numbers only with a Letter of Authorization (LOA) signed by the "
            "account holder or its representative. The letter is attached; please check its "
            "details and sign it on this page:"
        ),
        expiry=(
            f"The link works until {long_when(expires_at, tz)}. Signing takes a minute: you "
            "confirm the details, type your full name and tick one box. The link is meant for "
            "you alone, so please don't forward it."
        ),
        after=(
            f"Once you have signed, the porting team checks the request and sends it to "
            f"{carrier}. The carriers then agree on a date for the move, which will be shared "
            f"in advance. Until the numbers have moved, keep the account with {carrier} open "
            "and paid."
        ),
        ignore=(
            "If you were not expecting this e-mail, you can safely ignore it: nothing happens "
            "unless the letter is signed."
        ),
        reference=f"Reference: {sid}",
    )


def signing_message(
    *,
    holder: str,
    carrier: str,
    number_count: int,
    requester_id: str,
    requester_name: str,
    url: str,
    expires_at: datetime,
    tz: tzinfo | str | None,
) -> DirectMessage:
    """The direct message to a representative who is in the workspace."""
    body = rich(
        mention(requester_id, requester_name or "Someone"),
        f" asked to move {plural(number_count, 'number')} away from ",
        carrier,
        " and named you as the person who can authorize it. Carriers release numbers only with "
        "a signed letter.\n",
        link(url, "Review and sign the letter"),
        f": the link works until {day_at(expires_at, tz)} and is meant for you alone, so please "
        "don't share it.\n"
        "Once it's signed, the porting team checks the request and sends it to the carrier.",
    )
    title = f"Please sign the Letter of Authorization for {holder}"
    return DirectMessage(title, body, icon="writing_hand")


NOT_SENT_NO_PUBLIC_URL = (
    "the signing page has no public address yet (PORTBOT_PUBLIC_URL). The porting team can "
    "resend it once that is set."
)
NOT_SENT_NO_CHANNEL = (
    "e-mail is not set up here and no one in this Slack workspace has that address. Ask the "
    "porting team to send the letter another way."
)


def not_sent_refused(refusal: str | None) -> str:
    """Why the letter did not go out when the mail server refused the address."""
    return f"{refusal or 'it was refused'}. Check the representative's e-mail address."
