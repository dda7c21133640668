"""What the card, the ticket and App Home say about the LOA follows what happened: "sent" only
once a link went out; before that, that it goes and where to look; never "e-mailed" when no
e-mail may have gone."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.wording.requests import next_step
from bot.wording.rich import plain
from storage.models import PortRequest
from storage.values import RequestStatus


def _waiting(**kw) -> PortRequest:
    return PortRequest(
        sid="PR1",
        status=RequestStatus.AWAITING_SIGNATURE,
        rep_name="Jordan Rivera",
        rep_email="jordan@acme.example",
        **kw,
    )


def test_before_the_letter_goes_out_the_words_do_not_claim_it_went():
    words = plain(next_step(_waiting()))
    assert "sent" not in words.split(".")[0] and "e-mailed" not in words
    assert words.startswith("The Letter of Authorization (LOA) goes to Jordan Rivera")
    assert "thread says when it has gone out, or what is stopping it" in words


def test_once_a_link_went_out_it_says_sent_without_naming_how():
    words = plain(next_step(_waiting(loa_sent_at=datetime(2026, 11, 16, 15, tzinfo=UTC))))
    assert words.startswith(
        "We sent the Letter of Authorization (LOA) to Jordan Rivera (jordan@acme.example) "
        "for signature."
    )
    assert "e-mailed" not in words
