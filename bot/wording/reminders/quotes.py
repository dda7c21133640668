"""The fee quote's reminders: the requester recalled of an unanswered quote (in the thread,
mentioned, since it asks them to answer), and the porting team alerted when a request whose
quote was accepted still waits for its review."""

from __future__ import annotations

from bot.porting.quotes import REVIEW_BUSINESS_DAYS
from bot.wording import quotes as words
from bot.wording.formats import an_instant, spelled, when
from bot.wording.reminders.notice import DETAILS, Notice, Occasion, label
from bot.wording.reminders.requester import _notice
from bot.wording.rich import rich, strong


def quote_unanswered(o: Occasion) -> Notice:
    """The quote waits for an answer; silence will count as acceptance."""
    req, tz = o.subject, o.calendar.timezone
    quote = words.quote_of(req)
    if quote is None:  # the row outlived its quote: say what it can
        return _notice(o, "The fee quote for ", label(req), " still waits for your answer.")
    return _notice(
        o,
        "The fee quote for ",
        label(req),
        " (",
        strong(words.price(quote)),
        ") still waits for your answer. Use the Accept or Decline button under the quote in "
        "this thread. If we hear nothing by ",
        strong(words.deadline(quote, tz)),
        ", the quote counts as accepted and the port goes ahead; only numbers that port are "
        "charged.",
        act=True,
    )


def quote_review(o: Occasion) -> Notice:
    """An accepted quote's request is still in review after the promised business day."""
    req, tz = o.subject, o.calendar.timezone
    accepted = an_instant(o.data.get("accepted_at")) or req.updated_at
    promise = spelled(int(o.data.get("business_days") or REVIEW_BUSINESS_DAYS), "business day")
    body = rich(
        ":hourglass: ",
        label(req),
        f": the customer's fee quote was accepted on {when(accepted, tz)}, and we review "
        f"within {promise} of acceptance. It is still in review; please check it and submit "
        "it to the carrier, or tell the customer what is missing.",
    )
    return Notice(body, (DETAILS,), ref=req.sid, what=o.kind.value)
