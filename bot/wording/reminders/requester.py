"""The requester's reminders in the request's thread (PRODUCT §3), and the authorized
representative's message while the LOA waits for their signature: one builder per kind."""

from __future__ import annotations

from typing import Any

from bot.porting.reminders import ADVICE, Destination
from bot.porting.rules import CANCEL_NOTICE_BUSINESS_DAYS
from bot.wording.formats import a_date, an_instant, day, spelled, when
from bot.wording.reminders.notice import (
    ADD_BILL,
    CANCEL,
    DETAILS,
    RESEND,
    Action,
    Notice,
    Occasion,
    business_days,
    carrier,
    compose,
    days,
    days_since,
    expires_on,
    label,
    rep,
    window_part,
)
from bot.wording.rich import Part, Rich, mention, rich, strong
from storage.values import RequestStatus


def _notice(
    o: Occasion, *parts: Part, actions: tuple[Action, ...] = (), act: bool = False
) -> Notice:
    """A message for the request's thread. It mentions the requester only when it asks them
    to do something (``act``); it says "keep your service active" only when the reminder is
    the one of its stage that carries that advice (:data:`ADVICE`)."""
    req = o.subject
    return compose(
        rich(*parts),
        address=rich(mention(req.requester_id, req.requester_name or "")) if act else None,
        advice=keep_active_advice(req) if o.data.get(ADVICE) else None,
        actions=actions,
        ref=req.sid,
        what=o.kind.value,
    )


def keep_active_advice(req: Any) -> Rich:
    """The advice given once per stage: the old service must live until the port is done."""
    return rich(
        f"Keep your service with {carrier(req)} active and paid until your numbers have moved: "
        "if the account is closed or suspended before then, the carrier turns the port down "
        "and the numbers can be lost."
    )


def loa_unsigned(o: Occasion) -> Notice:
    """The LOA is still not signed: the requester in the thread, the signer in a DM."""
    if o.to is Destination.REP:
        return _to_the_representative(o)
    req = o.subject
    sent = an_instant(o.data.get("loa_sent_at")) or req.created_at
    n = days_since(sent, int(o.data.get("business_days") or 0), o.calendar, o.today)
    return _notice(
        o,
        "The Letter of Authorization for ",
        label(req),
        f" went to {rep(req)} {business_days(n)} ago and is still not signed. Please make sure "
        "it is signed by ",
        strong(day(expires_on(sent, o))),
        ": on that day the request closes on its own. If the e-mail never arrived or its link "
        "has expired, press ",
        strong("Resend LOA"),
        " for a fresh one.",
        actions=(RESEND,),
        act=True,
    )


def _to_the_representative(o: Occasion) -> Notice:
    req = o.subject
    sent = an_instant(o.data.get("loa_sent_at")) or req.created_at
    company = f" for {req.company_name}" if req.company_name else ""
    body = rich(
        f"Hello {rep(req)}: {req.requester_name or 'A colleague'} is moving phone numbers"
        f"{company} away from {carrier(req)} and named you to sign the Letter of Authorization. "
        f"We sent you the signing link on {day(o.calendar.local_date(sent))} (by e-mail to "
        f"{req.rep_email or 'your address'} where e-mail is set up, and here). Please sign it by ",
        strong(day(expires_on(sent, o))),
        ", or the request closes. Can't find the link? Ask ",
        mention(req.requester_id, req.requester_name or ""),
        " to resend it.",
    )
    return Notice(body, ref=req.sid, what="LOA reminder to the representative")


def bill_missing(o: Occasion) -> Notice:
    req = o.subject
    return _notice(
        o,
        "Your ",
        label(req),
        f" is waiting for a bill from {carrier(req)}, issued in the last "
        f"{days(o.policy.document_max_age_days)}. Add it by ",
        strong(day(expires_on(req.created_at, o))),
        f"; drafts close after {days(o.policy.expiry_days)}. Nothing goes to the carrier until "
        "it is here.",
        actions=(ADD_BILL,),
        act=True,
    )


def document_aging(o: Occasion) -> Notice:
    """A bill or signed LOA on file is about to be too old for the carriers."""
    req = o.subject
    last, dated = a_date(o.data.get("last_valid_day")), a_date(o.data.get("dated"))
    last_text = strong(day(last) if last else "in a few days")
    if o.data.get("document") == "loa":
        return _notice(
            o,
            "The signed LOA for ",
            label(req),
            f" dates from {day(dated) if dated else 'a while ago'}, and carriers accept it until ",
            last_text,
            f". If the request has not gone to {carrier(req)} by then, {rep(req)} will have to "
            "sign a fresh one; we will tell you if so.",
            actions=(DETAILS,),
            act=True,
        )
    draft = RequestStatus(req.status) is RequestStatus.DRAFT
    return _notice(
        o,
        "The bill on ",
        label(req),
        f" was issued {day(dated) if dated else 'almost a month ago'}; carriers refuse bills "
        f"older than {days(o.policy.document_max_age_days)}, so it stops counting after ",
        last_text,
        ". Please post a newer bill in this thread before then.",
        actions=(ADD_BILL,) if draft else (DETAILS,),
        act=True,
    )


def keep_active(o: Occasion) -> Notice:
    """Sent to the carrier: the advice of the ``submitted`` stage (no one needs to act)."""
    req = o.subject
    return compose(
        rich("We have sent ", label(req), f" to {carrier(req)}."),
        advice=keep_active_advice(req),
        ref=req.sid,
        what=o.kind.value,
    )


def foc_confirmed(o: Occasion) -> Notice:
    req, foc = o.subject, a_date(o.data.get("foc_date"))
    cancel_by = a_date(o.data.get("cancel_by"))
    return _notice(
        o,
        f"{carrier(req)} confirmed the port date for ",
        label(req),
        ": ",
        strong(day(foc) if foc else "see the card"),
        window_part(o),
        ". Set your numbers up in your account now (call routing, voicemail, texting) so calls "
        "arrive as soon as they move.",
        rich(" The last day to cancel is ", strong(day(cancel_by)), ".") if cancel_by else None,
        act=True,
    )


def foc_approaching(o: Occasion) -> Notice:
    """The countdown to the port date, and the start of the port window: news, no mention."""
    req, foc = o.subject, a_date(o.data.get("foc_date"))
    if o.data.get("stage") == "window-start":
        end = an_instant(o.data.get("window_end"))
        return _notice(
            o,
            "The port window for ",
            label(req),
            " has started: your numbers are moving",
            rich(" and should be done by ", strong(when(end, o.calendar.timezone)))
            if end
            else " today",
            ". Calls and texts may drop for a few minutes meanwhile. Nothing to do now; tell us "
            "here if anything still fails once the window is over.",
        )
    n = int(o.data.get("business_days") or 0)
    if o.today is not None and foc is not None:
        n = o.calendar.business_days_between(o.today, foc)
    return _notice(
        o,
        f"Your numbers move {f'in {business_days(n)}' if n > 0 else 'today'}, on ",
        strong(day(foc) if foc else "the port date"),
        window_part(o),
        ". Finish setting them up in your account before then.",
    )


def cancellation_cutoff(o: Occasion) -> Notice:
    """The last chance to stop the port: only for someone who wants to, so no mention."""
    req, foc = o.subject, a_date(o.data.get("foc_date"))
    cancel_by = a_date(o.data.get("cancel_by"))
    ahead = spelled(CANCEL_NOTICE_BUSINESS_DAYS, "business day")  # the enforced cut-off
    return _notice(
        o,
        "If you want to stop ",
        label(req),
        ", the carriers must hear it by ",
        strong(day(cancel_by) if cancel_by else "tomorrow"),
        f" ({ahead} before the port date{', ' + day(foc) if foc else ''}). Press ",
        strong("Cancel request"),
        " by then; after that the port goes ahead. If it should go ahead, there is nothing to do.",
        actions=(CANCEL,),
    )


def post_port_check(o: Occasion) -> Notice:
    req = o.subject
    return _notice(
        o,
        "The numbers of ",
        label(req),
        " have moved. Please make a test call to and from each number and send a text today. "
        f"When everything works, close your account with {carrier(req)} (not before); if "
        "something fails, tell us here.",
        act=True,
    )
