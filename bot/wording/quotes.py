"""The fee quote in words, for every channel: what it costs, the rule of silence, where it
stands, and what was charged. Plain text with outside strings kept as data (:class:`Rich`);
Slack, the ticket and the sidebar render it in their own markup."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.porting.countries import calendar_for
from bot.porting.quotes import ANSWER_BUSINESS_DAYS, Quote, money
from bot.wording.formats import day_at, plural, spelled
from bot.wording.rich import Rich, rich, strong


def quote_of(req: Any) -> Quote | None:
    """The request's quote (a request row or a summary row), or None."""
    return Quote.from_json(getattr(req, "quote", None))


def zone_of(quote: Quote, fallback: str) -> str:
    """The time zone the answer period is counted in: the request's country's."""
    try:
        return calendar_for(quote.country).timezone if quote.country else fallback
    except KeyError:
        return fallback


def price(quote: Quote) -> str:
    """``EUR 12.50 per number (up to EUR 37.50 for 3 numbers)`` or ``EUR 150.00 in all``."""
    if not quote.per_number:
        return f"{money(quote.amount, quote.currency)} for the request"
    text = f"{money(quote.amount, quote.currency)} per number"
    if quote.numbers > 1:
        most = money(quote.amount * quote.numbers, quote.currency)
        text += f" (at most {most} for {plural(quote.numbers, 'number')})"
    return text


def deadline(quote: Quote, tz: str) -> str:
    return day_at(quote.answer_by, zone_of(quote, tz))


def rule(quote: Quote, tz: str) -> str:
    """The rule in plain words: silence is acceptance, only ported numbers are charged."""
    days = spelled(ANSWER_BUSINESS_DAYS, "business day")
    return (
        f"If we don't hear from you within {days}, by {deadline(quote, tz)}, the quote counts "
        "as accepted and the port goes ahead. You are only charged for numbers that actually "
        "port; if a number can't be ported, it costs nothing."
    )


def offer(quote: Quote, tz: str) -> Rich:
    """The quote as the customer reads it in the thread."""
    parts: list[Any] = [
        "Porting these numbers carries a fee: ",
        strong(price(quote)),
        ". Please accept or decline it here.",
    ]
    if quote.note:
        parts += ["\nNote from the porting team: ", quote.note]
    parts += ["\n", rule(quote, tz)]
    return rich(*parts)


def charge_text(quote: Quote) -> str | None:
    """``EUR 25.00 (2 ported numbers × EUR 12.50)``, once the port is over."""
    if quote.charge is None:
        return None
    total = money(quote.charge, quote.currency)
    ported = quote.charged_numbers or 0
    if quote.per_number:
        each = money(quote.amount, quote.currency)
        return f"{total} ({plural(ported, 'ported number')} × {each})"
    if quote.charge == Decimal("0"):
        return f"{total} (no number ported)"
    return f"{total} (the quoted total; {plural(ported, 'number')} ported)"


def status_text(quote: Quote, tz: str) -> str:
    """Where the quote stands, in one line."""
    if quote.open:
        return f"waiting for the customer's answer until {deadline(quote, tz)}"
    when = day_at(quote.answered_at, zone_of(quote, tz)) if quote.answered_at else ""
    if quote.by_default:
        return f"accepted by default on {when} (no answer within the answer period)"
    who = f" by {quote.answered_by}" if quote.answered_by else ""
    if quote.accepted:
        return f"accepted{who} on {when}"
    return f"declined{who} on {when}"


def lines(quote: Quote | None, tz: str) -> list[str]:
    """The quote for a card or a ticket: its price and state, then the charge once known."""
    if quote is None:
        return []
    found = [f"Fee quote: {price(quote)}, {status_text(quote, tz)}."]
    if quote.note:
        found.append(f"Quote note: {quote.note}")
    charged = charge_text(quote)
    if charged:
        found.append(f"Porting fee charged: {charged}.")
    return found


def quote_step(req: Any) -> Rich:
    """The next step while a quote waits for the customer's answer (cards, status, sidebar)."""
    quote = quote_of(req)
    if quote is None:
        return rich("A fee quote waits for your answer.")
    return rich(
        "A fee quote waits for your answer: ",
        strong(price(quote)),
        ". Accept or decline it with the buttons under the quote in this request's thread. "
        "If we hear nothing by ",
        strong(deadline(quote, "UTC")),
        ", it counts as accepted; only numbers that port are charged.",
    )
