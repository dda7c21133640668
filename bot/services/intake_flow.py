"""The multi-step intake: validate each step as it is submitted, keep what was typed between
steps (secrets encrypted), and open the request at the end — once, however often the last
step is submitted."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, delete

from bot.documents.checks import check_content
from bot.porting import intake
from bot.porting.countries import Country, Document, DocumentRule, Milestone, expected_span
from bot.porting.errors import DomainError, NotFound
from bot.porting.fields import Bill, Draft, Errors, F, Result
from bot.services.base import Actor, Context, Snapshot
from bot.services.documents_extra import Upload, Uploads
from bot.services.port_requests import BillCopy, complete_draft, open_request
from bot.wording.countries import mixed_countries_text
from storage import repositories as repo
from storage.documents import DocumentStore
from storage.models import IntakeSession
from storage.values import AccountType, LineType, account_secret, pin_secret

SESSION_TTL = timedelta(hours=24)
_SECRET_FIELDS = frozenset({F.ACCOUNT_NUMBER, F.PIN})  # kept encrypted, not in `data`
FIRST_STEP, LAST_STEP = 1, 4
BILL_LATER_KEY = "bill_later"  # the last step's "upload the bill later" box, as typed
DOCUMENTS_LATER = "The documents attached were not kept; add them with the Add documents button. "
NUMBERS_COUNTRY_KEY = "numbers_country"  # the country step 2's numbers belong to, once known


@dataclass(frozen=True)
class Form:
    """The intake form as its next view shows it: the step on screen and what was typed so
    far, keyed by field name (``F`` values, plus :data:`BILL_LATER_KEY`). The account number
    and PIN are not in ``typed``: only whether one is kept (the account number masked)."""

    session_id: str
    step: int
    typed: Mapping[str, Any]
    account_number: str = ""  # masked; empty when none is kept
    has_pin: bool = False


def form_of(session: IntakeSession) -> Form:
    return Form(
        session_id=session.id,
        step=session.step,
        typed=dict(session.data),
        account_number=session.account_number.masked if session.account_number else "",
        has_pin=session.pin is not None,
    )


def start(
    ctx: Context,
    *,
    user_id: str,
    user_name: str = "",
    team_id: str = "",
    channel_id: str = "",
    agreements: frozenset[str],
) -> str:
    """Record the accepted checklist and return the session id for the next steps. The
    person's sessions that have expired go now, with what they held."""
    now = ctx.now()
    session_id = secrets.token_urlsafe(18)
    with ctx.db.write() as s:
        s.exec(
            delete(IntakeSession).where(
                col(IntakeSession.user_id) == user_id, col(IntakeSession.expires_at) <= now
            )
        )
        s.add(
            IntakeSession(
                id=session_id,
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                user_name=user_name,
                step=FIRST_STEP + 1,
                data={F.AGREEMENTS.value: sorted(agreements)},
                created_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
    return session_id


def agree(ctx: Context, session_id: str, user_id: str, *, agreements: frozenset[str]) -> Form:
    """The checklist accepted again, on a form that went back to it: the same session goes on
    to its next step with everything typed in it."""
    with ctx.db.write() as s:
        found = open_session(s.get(IntakeSession, session_id), user_id, ctx.now())
        found.data = {**found.data, F.AGREEMENTS.value: sorted(agreements)}
        found.step = FIRST_STEP + 1
        s.add(found)
        return form_of(found)


GONE = "This form has expired or belongs to someone else. Start again with /port new."
SENT = "This form was already sent. Look for the request with /port list."


def load(ctx: Context, session_id: str, user_id: str) -> IntakeSession:
    with ctx.db.read() as s:
        found = s.get(IntakeSession, session_id)
    if found is None or found.user_id != user_id or found.expires_at <= ctx.now():
        raise NotFound(GONE)
    return found


def open_session(found: IntakeSession | None, user_id: str, now: datetime) -> IntakeSession:
    """``found`` if it is this person's, unexpired and not sent yet: a form that can still
    change."""
    if found is None or found.user_id != user_id or found.expires_at <= now:
        raise NotFound(GONE)
    if found.request_sid is not None:
        raise NotFound(SENT)
    return found


def draft_of(session: IntakeSession, **overrides: Any) -> Draft:
    """The draft as typed so far (secrets revealed in memory only)."""
    data = dict(session.data)
    values: dict[str, Any] = {
        f.value: data[f.value] for f in F if f.value in data and f not in _SECRET_FIELDS
    }
    values[F.AGREEMENTS.value] = frozenset(data.get(F.AGREEMENTS.value, ()))
    values.pop(F.BILL.value, None)
    values.pop(F.BILL_ISSUED_ON.value, None)
    values.pop(F.DESIRED_DATE.value, None)
    if session.account_number is not None:
        values[F.ACCOUNT_NUMBER.value] = session.account_number.reveal()
    if session.pin is not None:
        values[F.PIN.value] = session.pin.reveal()
    return dataclasses.replace(Draft(**values), **overrides)


def check_agreements(checked: list[str]) -> Errors:
    """Step 1: every statement of the checklist accepted."""
    return intake.validate_agreements(checked)


def check_numbers_step(ctx: Context, draft: Draft) -> Result:
    """Step 2: numbers (refusing ones already in open requests, numbers of several countries
    and countries outside ``PORTBOT_COUNTRIES``) and the carrier account as the numbers'
    country asks for it."""
    checks: dict[str, Any] = {
        "default_region": ctx.default_region,
        "accepted_countries": ctx.countries,
        "mixed_text": mixed_countries_text,
    }
    result = intake.validate_numbers(draft.landlines, draft.wireless, **checks)
    if not result.errors:
        with ctx.db.read() as s:
            claimed = repo.open_claims(s, e164s=[n.e164 for n in result.cleaned.numbers])
        if claimed:
            result = intake.validate_numbers(
                draft.landlines, draft.wireless, in_open_requests=claimed, **checks
            )
    country = numbers_country_of(result)
    row = intake.country_row(country) if country else None
    intake.validate_account(draft, default_region=ctx.default_region, country=row, result=result)
    return result


def numbers_country_of(result: Result) -> str | None:
    """The country of a checked numbers step (None while its numbers are refused)."""
    if result.errors.keys() & {F.LANDLINES, F.WIRELESS} or not result.cleaned.numbers:
        return None
    return intake.numbers_country(result.cleaned)


def form_country(form: Form | IntakeSession) -> str | None:
    """The numbers' country the form was last shown for (None: not known yet)."""
    data = form.typed if isinstance(form, Form) else form.data
    value = data.get(NUMBERS_COUNTRY_KEY)
    return value if isinstance(value, str) and value else None


def show_country(
    ctx: Context, session_id: str, user_id: str, *, country: str, typed: Mapping[str, Any]
) -> Form:
    """Step 2 again, for the numbers' country: what was typed kept, the service address's
    country set to it, the step unchanged (the account fields it shows change with it)."""
    with ctx.db.write() as s:
        found = open_session(s.get(IntakeSession, session_id), user_id, ctx.now())
        write_typed(found, typed)
        found.data = {**found.data, NUMBERS_COUNTRY_KEY: country, F.COUNTRY.value: country}
        s.add(found)
        return form_of(found)


def form_row(form: Form) -> Country | None:
    """The numbers' row of the country table when it asks for fields of its own (the form
    then shows them); None: the standard form."""
    code = form_country(form)
    row = intake.country_row(code) if code else None
    return None if row is None or intake.standard_fields(row) else row


_SHOWN_ELSEWHERE = frozenset({Document.LOA, Document.BILL})  # signed, and the bill's own field


def _typed_kinds(form: Form, region: str) -> frozenset[LineType]:
    """The kinds of the numbers typed on the form (none while they do not check out)."""
    landlines, wireless = (form.typed.get(f.value) for f in (F.LANDLINES, F.WIRELESS))
    numbers = intake.validate_numbers(
        landlines if isinstance(landlines, str) else "",
        wireless if isinstance(wireless, str) else "",
        default_region=region,
    )
    return frozenset(n.line_type for n in numbers.cleaned.numbers)


def form_documents(form: Form) -> tuple[DocumentRule, ...]:
    """The documents the numbers' country asks for besides the LOA and the bill, for the
    kinds of numbers typed and the account type chosen (none on the standard form)."""
    row = form_row(form)
    if row is None:
        return ()
    kinds = _typed_kinds(form, row.code)
    business = form.typed.get(F.ACCOUNT_TYPE.value) != AccountType.RESIDENTIAL.value
    return tuple(
        r for r in row.documents_for(kinds, business) if r.document not in _SHOWN_ELSEWHERE
    )


def form_lead_time(form: Form) -> str | None:
    """How long ports from the numbers' country usually take, for the kinds typed ("8 to 15
    business days", "4 to 8 weeks"); None on the standard form."""
    row = form_row(form)
    if row is None:
        return None
    kinds = _typed_kinds(form, row.code) or frozenset(row.accepted_kinds)
    spans = [expected_span(k, row.code, Milestone.PORTED) for k in kinds]
    if not spans:
        return None
    low, high = max(s.low for s in spans), max(s.high for s in spans)
    if low % 5 == 0 and high % 5 == 0:
        low, high, unit = low // 5, high // 5, "weeks"
    else:
        unit = "business days"
    return f"{low} {unit}" if low == high else f"{low} to {high} {unit}"


def check_contact_step(draft: Draft) -> Result:
    """Step 3: representative, account holder and service address (checked as the address's
    country of the table writes it)."""
    result = intake.validate_contact(draft)
    intake.validate_service_address(draft, result)
    return result


def check_bill_step(
    ctx: Context, bill: Bill | None, *, later: bool, desired: date | None
) -> Result:
    result = intake.validate_bill(bill, today=ctx.today(), later=later)
    intake.validate_desired_date(desired, today=ctx.today(), result=result)
    return result


def check_bill_content(data: bytes, *, filename: str) -> Errors:
    """Step 4, the bill's bytes: what is wrong with them (a ZIP named .pdf, an empty file…),
    keyed by field; empty when they are a real PDF, PNG or JPEG of an acceptable size. The name
    and the uploader's idea of the type do not count: carriers open the file, so we look
    inside it."""
    problems = check_content(data, filename=filename)
    return {F.BILL: " ".join(problems)} if problems else {}


def save(ctx: Context, session_id: str, user_id: str, *, step: int, values: dict[F, str]) -> Form:
    """Keep a validated step's values as typed (the account number and PIN encrypted; left
    empty, the ones kept before stay) and move the form on to the next step."""
    with ctx.db.write() as s:
        found = s.get(IntakeSession, session_id)
        if found is None or found.user_id != user_id:
            raise NotFound("This form has expired. Start again with /port new.")
        write_typed(found, {fld.value: value for fld, value in values.items()})
        found.step = min(step + 1, LAST_STEP)
        s.add(found)
        return form_of(found)


_TEXT_KEYS = frozenset(f.value for f in F) - {
    F.AGREEMENTS.value,
    F.BILL.value,
    F.BILL_ISSUED_ON.value,
    F.DESIRED_DATE.value,
}
_DATE_KEYS = frozenset({F.BILL_ISSUED_ON.value, F.DESIRED_DATE.value})
MAX_TYPED = 3000  # Slack's longest text input; anything longer did not come from the form


def write_typed(found: IntakeSession, typed: Mapping[str, Any]) -> None:
    """Put what was typed into the session, as typed: the account number and PIN encrypted
    and kept when left empty; other keys, or values of the wrong shape, ignored."""
    data = dict(found.data)
    for key, value in typed.items():
        if key == F.ACCOUNT_NUMBER.value:
            if isinstance(value, str) and value.strip():
                found.account_number = account_secret(value[:MAX_TYPED])
        elif key == F.PIN.value:
            if isinstance(value, str) and value.strip():
                found.pin = pin_secret(value[:MAX_TYPED])
        elif key in _TEXT_KEYS and isinstance(value, str):
            data[key] = value[:MAX_TYPED]
        elif key in _DATE_KEYS and (value is None or isinstance(value, str)):
            data[key] = _iso_day(value)
        elif key == F.AGREEMENTS.value and isinstance(value, list):
            data[key] = sorted(str(v) for v in value)
        elif key == BILL_LATER_KEY and isinstance(value, bool):
            data[key] = value
    found.data = data


def _iso_day(value: str | None) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def finish(
    ctx: Context,
    session_id: str,
    *,
    actor: Actor,
    bill: Bill | None,
    later: bool,
    desired: date | None,
    bill_copy: BillCopy | None = None,
) -> Snapshot:
    """Open the request from everything typed, the bill's bytes (``bill_copy``) kept in the
    same transaction. Idempotent per session: a double-clicked or retried last step returns
    the request the first submission created."""
    session = load(ctx, session_id, actor.id)
    draft = draft_of(session, bill=bill, bill_later=later or bill is None, desired_date=desired)
    snap = open_request(
        ctx,
        draft,
        actor=actor,
        team_id=session.team_id,
        channel_id=session.channel_id,
        key=f"intake:{session_id}",
        bill_copy=bill_copy,
    )
    with ctx.db.write() as s:
        found = s.get(IntakeSession, session_id)
        if found is not None:
            found.request_sid = snap.sid
            found.account_number = None
            found.pin = None
            s.add(found)
    return snap


@dataclass(frozen=True)
class Bills:
    """The last step's use cases, with the bill's bytes kept in the transaction that opens the
    request or completes the draft. The store that keeps them is the service side's (the
    assembly hands it over); callers pass the bill's details and its checked bytes only.
    Without a store (or without bytes) the request records the bill's details alone."""

    ctx: Context
    store: DocumentStore | None = None

    def _copy(self, content: bytes | None) -> BillCopy | None:
        # Staged now, before the transaction: a files directory's write and fsync stay out of it.
        if content is None or self.store is None:
            return None
        return BillCopy.of(content, self.store)

    def finish(
        self,
        session_id: str,
        *,
        actor: Actor,
        bill: Bill | None,
        later: bool,
        desired: date | None,
        content: bytes | None = None,
        documents: Sequence[Upload] = (),
    ) -> Snapshot:
        """:func:`finish`, with ``content`` (the attached bill's checked bytes) kept, then the
        country's ``documents`` attached on the same form (checked), kept with the request."""
        snap = finish(
            self.ctx,
            session_id,
            actor=actor,
            bill=bill,
            later=later,
            desired=desired,
            bill_copy=self._copy(content),
        )
        if not documents:
            return snap
        uploads = Uploads(self.ctx, self.store)
        try:
            kept = uploads.receive(snap.sid, documents, actor=actor, key=f"docs:{session_id}")
        except DomainError as exc:  # the request stands; the documents can follow
            return dataclasses.replace(
                snap, warnings=(*snap.warnings, DOCUMENTS_LATER + exc.message)
            )
        return dataclasses.replace(snap, documents=kept.documents)

    def complete_draft(
        self, sid: str, *, actor: Actor, bill: Bill, content: bytes | None = None
    ) -> Snapshot:
        """ "Add the bill" on a draft: attach it (``content`` its checked bytes, kept) and send
        the draft on for signature."""
        return complete_draft(self.ctx, sid, actor=actor, bill=bill, bill_copy=self._copy(content))
