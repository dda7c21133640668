"""Use cases that create requests and change their details."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.documents.checks import sniff
from bot.porting import intake, lifecycle
from bot.porting.errors import InvalidInput
from bot.porting.fields import LOA_FIELDS, Bill, Draft, F, Result
from bot.porting.lifecycle import Move, NumberMove
from bot.porting.sids import new_sid
from bot.services.base import (
    Actor,
    Context,
    Snapshot,
    load,
    move,
    record,
    refresh_claims,
    run,
    select_numbers,
    snapshot,
)
from storage import repositories as repo
from storage.documents import DocumentStore, Staged
from storage.models import DocumentKind, PortNumber, PortRequest
from storage.values import AccountType, LineType, RequestStatus, account_secret, pin_secret

# Intake field -> request attribute, for the fields a customer may edit after opening.
_ATTRS: dict[F, str] = {
    F.LOSING_CARRIER: "losing_carrier",
    F.ACCOUNT_NUMBER: "account_number",
    F.BTN: "btn",
    F.PIN: "pin",
    F.NAME: "name",
    F.ACCOUNT_TYPE: "account_type",
    F.COMPANY_NAME: "company_name",
    F.REP_NAME: "rep_name",
    F.REP_EMAIL: "rep_email",
    F.STREET: "street",
    F.STREET2: "street2",
    F.CITY: "city",
    F.REGION: "region",
    F.POSTAL_CODE: "postal_code",
    F.COUNTRY: "country",
    F.DESIRED_DATE: "desired_date",
}
_SECRETS = {F.ACCOUNT_NUMBER: account_secret, F.PIN: pin_secret}


def _invalid(result: Result) -> InvalidInput:
    fields = ", ".join(f.value.replace("_", " ") for f in result.errors)
    return InvalidInput(
        f"Some details need fixing ({fields}).", {f.value: m for f, m in result.errors.items()}
    )


def _validated(ctx: Context, session: Session, draft: Draft) -> Result:
    """The whole draft, with numbers already claimed by open requests refused."""
    where: dict[str, Any] = {"today": ctx.today(), "default_region": ctx.default_region}
    where["accepted_countries"] = ctx.countries
    result = intake.validate_draft(draft, **where)
    claimed = repo.open_claims(session, e164s=[n.e164 for n in result.cleaned.numbers])
    if claimed:
        result = intake.validate_draft(draft, in_open_requests=claimed, **where)
    if result.errors:
        raise _invalid(result)
    return result


def _stored(field: F, value: Any) -> Any:
    wrap = _SECRETS.get(field)
    return wrap(value) if wrap and isinstance(value, str) else value


def _create(
    ctx: Context,
    session: Session,
    draft: Draft,
    actor: Actor,
    *,
    team_id: str,
    channel_id: str,
    parent: PortRequest | None = None,
) -> tuple[PortRequest, Result]:
    result = _validated(ctx, session, draft)
    now = ctx.now()
    req = PortRequest(
        sid=new_sid(),
        status=RequestStatus.DRAFT,
        team_id=team_id,
        channel_id=channel_id,
        requester_id=actor.id,
        requester_name=actor.name,
        agreed_at=now,
        parent_id=parent.id if parent else None,
        created_at=now,
        updated_at=now,
    )
    for fld, attr in _ATTRS.items():
        if fld in result.cleaned.values:
            setattr(req, attr, _stored(fld, result.cleaned.values[fld]))
    bill = result.cleaned.values.get(F.BILL)
    _set_bill(req, bill if isinstance(bill, Bill) else None)
    req.numbers_country = intake.numbers_country(result.cleaned)
    session.add(req)
    session.flush()
    numbers = [
        PortNumber(request_id=req.pk, position=i, e164=n.e164, line_type=n.line_type)
        for i, n in enumerate(result.cleaned.numbers)
    ]
    refresh_claims(req, numbers)
    session.add_all(numbers)
    session.flush()
    detail = f"Opened with {len(numbers)} number{'s' if len(numbers) != 1 else ''}"
    if parent:
        detail += f", following up on {parent.sid}"
    record(
        ctx,
        session,
        req,
        "open",
        actor,
        detail=detail + ".",
        data={"warnings": result.warnings} if result.warnings else None,
    )
    return req, result


def _set_bill(req: PortRequest, bill: Bill | None) -> None:
    if bill is None:
        return
    req.bill_filename = bill.filename
    req.bill_size = bill.size
    req.bill_content_type = bill.content_type
    req.bill_issued_on = bill.issued_on
    req.bill_file_id = bill.file_id


@dataclass(frozen=True)
class BillCopy:
    """The bill's bytes, already checked, staged in the store that keeps them with the request
    (:meth:`of`): with a files directory the file is written when the copy is made, before any
    transaction, so the transaction that records the bill inserts only the document's row."""

    staged: Staged
    content_type: str
    store: DocumentStore

    @classmethod
    def of(cls, data: bytes, store: DocumentStore) -> BillCopy:
        """Stage ``data`` in ``store`` now (outside any transaction). A file left behind by a
        transaction that then rolls back is harmless: named by its checksum, it is found (or
        rewritten identically) by the next copy of the same bytes."""
        return cls(store.stage(data), sniff(data) or "application/octet-stream", store)


def _keep_bill(
    ctx: Context, session: Session, req: PortRequest, bill: Bill, copy: BillCopy | None
) -> None:
    """Record the bill's bytes (staged beforehand) with their checksum, in the transaction that
    records the bill on the request (once per request and source file)."""
    if copy is None:
        return
    copy.store.put(
        session,
        request_id=req.pk,
        kind=DocumentKind.BILL,
        filename=bill.filename,
        data=copy.staged,
        content_type=copy.content_type,
        issued_on=bill.issued_on,
        source_ref=bill.file_id,
        now=ctx.now(),
    )


def _complete(ctx: Context, session: Session, req: PortRequest, actor: Actor) -> None:
    bill = _bill_of(req)
    result = intake.validate_bill(bill, today=ctx.today())
    if result.errors:
        raise _invalid(result)
    move(
        ctx,
        session,
        req,
        Move.COMPLETE_DRAFT,
        actor,
        detail="Details complete; the Letter of Authorization goes out for signature.",
    )


def _bill_of(req: PortRequest) -> Bill | None:
    if not req.bill_filename:
        return None
    return Bill(
        req.bill_filename,
        req.bill_size or 0,
        req.bill_content_type or "",
        req.bill_issued_on,
        req.bill_file_id,
    )


def open_request(
    ctx: Context,
    draft: Draft,
    *,
    actor: Actor,
    team_id: str = "",
    channel_id: str = "",
    key: str | None = None,
    bill_copy: BillCopy | None = None,
) -> Snapshot:
    """Validate everything and create the request.

    With the bill attached it goes straight to ``awaiting_signature``; with "upload later" it
    stays a ``draft`` until :func:`complete_draft`. ``bill_copy`` (the attached bill's bytes,
    staged) is recorded in the same transaction as the request.
    """

    def body(session: Session) -> Snapshot:
        req, result = _create(ctx, session, draft, actor, team_id=team_id, channel_id=channel_id)
        if draft.bill is not None:
            _keep_bill(ctx, session, req, draft.bill, bill_copy)
            _complete(ctx, session, req, actor)
        return snapshot(session, req, warnings=result.warnings)

    return run(ctx, "open_request", body, key=key)


def save_draft(
    ctx: Context,
    draft: Draft,
    *,
    actor: Actor,
    team_id: str = "",
    channel_id: str = "",
    key: str | None = None,
) -> Snapshot:
    """Keep a request as a draft: everything validated, the bill optional ("upload later")."""
    draft = dataclasses.replace(draft, bill_later=True)

    def body(session: Session) -> Snapshot:
        req, result = _create(ctx, session, draft, actor, team_id=team_id, channel_id=channel_id)
        return snapshot(session, req, warnings=result.warnings)

    return run(ctx, "save_draft", body, key=key)


def complete_draft(
    ctx: Context,
    sid: str,
    *,
    actor: Actor,
    bill: Bill | None = None,
    key: str | None = None,
    bill_copy: BillCopy | None = None,
) -> Snapshot:
    """Attach the bill (when given; ``bill_copy`` its bytes, stored in this transaction) and
    send the draft on for signature."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        if bill is not None:
            result = intake.validate_bill(bill, today=ctx.today())
            if result.errors:
                raise _invalid(result)
            _set_bill(req, bill)
            _keep_bill(ctx, session, req, bill, bill_copy)
        _complete(ctx, session, req, actor)
        return snapshot(session, req)

    return run(ctx, "complete_draft", body, key=key)


def _draft_of(req: PortRequest, numbers: Iterable[PortNumber]) -> Draft:
    live = [n for n in numbers if not n.status.final]
    return Draft(
        landlines="\n".join(n.e164 for n in live if n.line_type is not LineType.WIRELESS),
        wireless="\n".join(n.e164 for n in live if n.line_type is LineType.WIRELESS),
        losing_carrier=req.losing_carrier,
        account_number=req.account_number.reveal() if req.account_number else "",
        btn=req.btn or "",
        pin=req.pin.reveal() if req.pin else "",
        name=req.name or "",
        account_type=req.account_type.value,
        company_name=req.company_name or "",
        rep_name=req.rep_name,
        rep_email=req.rep_email,
        street=req.street,
        street2=req.street2 or "",
        city=req.city,
        region=req.region,
        postal_code=req.postal_code,
        country=req.country,
        desired_date=req.desired_date,
    )


def apply_changes(
    ctx: Context, req: PortRequest, numbers: list[PortNumber], changes: Mapping[str, Any]
) -> set[F]:
    """Validate ``changes`` (field name → value as typed) and write them; the fields changed."""
    try:
        fields = {F(k): v for k, v in changes.items()}
    except ValueError as exc:
        raise InvalidInput(f"Unknown field: {exc}") from None
    not_editable = [f.value for f in fields if f not in _ATTRS]
    if not_editable:
        raise InvalidInput(f"These can't be edited here: {', '.join(not_editable)}.")
    merged = dataclasses.replace(_draft_of(req, numbers), **{f.value: v for f, v in fields.items()})
    result = intake.validate_numbers(
        merged.landlines, merged.wireless, default_region=ctx.default_region
    )
    country = intake.country_row(req.numbers_country)  # the fix follows the request's country
    intake.validate_account(
        merged, default_region=ctx.default_region, country=country, result=result
    )
    intake.validate_contact(merged, result)
    intake.validate_service_address(merged, result)
    intake.validate_desired_date(merged.desired_date, today=ctx.today(), result=result)
    relevant = {f: m for f, m in result.errors.items() if f in fields or f is F.PIN}
    if relevant:
        raise _invalid(Result(errors=relevant))
    changed: set[F] = set()
    for fld in fields:
        new = _stored(fld, result.cleaned.values.get(fld))
        if fld is F.ACCOUNT_TYPE and new is None:
            new = AccountType.BUSINESS
        attr = _ATTRS[fld]
        if getattr(req, attr) != new:
            setattr(req, attr, new)
            changed.add(fld)
    return changed


def update_details(
    ctx: Context,
    sid: str,
    changes: Mapping[str, Any],
    *,
    actor: Actor,
    key: str | None = None,
) -> Snapshot:
    """Edit a request before it reaches the carrier.

    A change to anything the LOA certifies sends the request back for a new signature; other
    edits (request name, PIN, desired date) are recorded and keep the status.
    """

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        editable = (RequestStatus.DRAFT, RequestStatus.AWAITING_SIGNATURE, RequestStatus.IN_REVIEW)
        if req.status not in editable:
            raise lifecycle.IllegalMove(
                req.status, Move.AMEND, lifecycle.allowed_moves(req.status, actor.role)
            )
        numbers = repo.numbers_of(session, request_id=req.pk)
        changed = apply_changes(ctx, req, numbers, changes)
        if not changed:
            return snapshot(session, req)
        names = ", ".join(sorted(f.value.replace("_", " ") for f in changed))
        if changed & LOA_FIELDS and req.status is not RequestStatus.DRAFT:
            req.signed_at = None
            move(
                ctx,
                session,
                req,
                Move.AMEND,
                actor,
                detail=f"Changed {names}; the LOA must be signed again.",
                data={"fields": sorted(changed)},
            )
        else:
            record(
                ctx,
                session,
                req,
                "edit",
                actor,
                detail=f"Changed {names}.",
                data={"fields": sorted(changed)},
            )
        return snapshot(session, req)

    return run(ctx, "update_details", body, key=key)


def open_follow_up(
    ctx: Context,
    sid: str,
    *,
    actor: Actor,
    numbers: Iterable[str] | None = None,
    key: str | None = None,
) -> Snapshot:
    """A new draft, linked to a partially ported request, for the numbers that were rejected."""

    def body(session: Session) -> Snapshot:
        parent = load(session, sid)
        parent_numbers = repo.numbers_of(session, request_id=parent.pk)
        rejected = [n for n in parent_numbers if n.status.value == "rejected"]
        if parent.status is not RequestStatus.COMPLETED or not rejected:
            raise InvalidInput(
                "A follow-up is for a completed request with rejected numbers; this one has none."
            )
        chosen = select_numbers(ctx, rejected, numbers)
        for n in chosen:
            lifecycle.apply_number(n.e164, n.status, NumberMove.CANCEL)
        draft = dataclasses.replace(
            _draft_of(parent, []),
            agreements=frozenset(a.value for a in intake.Agreement),
            landlines="\n".join(n.e164 for n in chosen if n.line_type is not LineType.WIRELESS),
            wireless="\n".join(n.e164 for n in chosen if n.line_type is LineType.WIRELESS),
            bill_later=True,
        )
        child, _ = _create(
            ctx,
            session,
            draft,
            actor,
            team_id=parent.team_id,
            channel_id=parent.channel_id,
            parent=parent,
        )
        record(
            ctx,
            session,
            parent,
            "follow_up",
            actor,
            detail=f"Rejected numbers moved to follow-up request {child.sid}.",
            numbers=[n.e164 for n in chosen],
            data={"follow_up": child.sid},
        )
        return snapshot(session, child)

    return run(ctx, "open_follow_up", body, key=key)
