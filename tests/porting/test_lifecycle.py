from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.porting import lifecycle as lc
from bot.porting.calendar import BusinessCalendar
from bot.porting.lifecycle import Move, NumberMove
from bot.porting.rules import CANCEL_NOTICE_BUSINESS_DAYS
from bot.porting.words import plural, possessive, spelled
from storage.values import NumberStatus as N
from storage.values import RequestStatus as S
from storage.values import Role

C, A, SYS = Role.CUSTOMER, Role.AGENT, Role.SYSTEM

# The diagram of PRODUCT §2.1, written out by hand as (from, move) -> (to, roles allowed).
EXPECTED = {
    (S.DRAFT, Move.COMPLETE_DRAFT): (S.AWAITING_SIGNATURE, {C, A}),
    (S.AWAITING_SIGNATURE, Move.SIGN_LOA): (S.IN_REVIEW, {C, A, SYS}),
    (S.IN_REVIEW, Move.SUBMIT): (S.SUBMITTED, {A, SYS}),
    (S.SUBMITTED, Move.SET_FOC): (S.FOC_CONFIRMED, {A, SYS}),
    (S.FOC_CONFIRMED, Move.SET_FOC): (S.FOC_CONFIRMED, {A, SYS}),
    (S.IN_REVIEW, Move.REJECT): (S.ACTION_REQUIRED, {A, SYS}),
    (S.SUBMITTED, Move.REJECT): (S.ACTION_REQUIRED, {A, SYS}),
    (S.FOC_CONFIRMED, Move.REJECT): (S.ACTION_REQUIRED, {A, SYS}),
    (S.ACTION_REQUIRED, Move.RESUBMIT): (S.IN_REVIEW, {C, A}),
    (S.AWAITING_SIGNATURE, Move.AMEND): (S.AWAITING_SIGNATURE, {C, A}),
    (S.IN_REVIEW, Move.AMEND): (S.AWAITING_SIGNATURE, {C, A}),
    (S.ACTION_REQUIRED, Move.AMEND): (S.AWAITING_SIGNATURE, {C, A}),
    (S.FOC_CONFIRMED, Move.COMPLETE): (S.COMPLETED, {A, SYS}),
    (S.DRAFT, Move.EXPIRE): (S.EXPIRED, {SYS}),
    (S.AWAITING_SIGNATURE, Move.EXPIRE): (S.EXPIRED, {SYS}),
    (S.CANCEL_PENDING, Move.CONFIRM_CANCEL): (S.CANCELLED, {A, SYS}),
    (S.IN_REVIEW, Move.SEND_QUOTE): (S.QUOTE_PENDING, {A}),
    (S.QUOTE_PENDING, Move.ACCEPT_QUOTE): (S.IN_REVIEW, {C, A, SYS}),
    (S.QUOTE_PENDING, Move.DECLINE_QUOTE): (S.CANCELLED, {C, A}),
}
for _s in (
    S.DRAFT,
    S.AWAITING_SIGNATURE,
    S.IN_REVIEW,
    S.QUOTE_PENDING,
    S.SUBMITTED,
    S.FOC_CONFIRMED,
    S.ACTION_REQUIRED,
):
    EXPECTED[(_s, Move.REQUEST_CANCEL)] = (S.CANCEL_PENDING, {C, A})

ALL = [(s, m, r) for s in S for m in Move for r in Role]


@pytest.mark.parametrize(("status", "move", "role"), ALL, ids=[f"{s}-{m}-{r}" for s, m, r in ALL])
def test_every_combination_follows_the_table(status, move, role):
    if move is Move.DECLINE_CANCEL:
        return  # covered below: its target depends on the status before cancelling
    expected = EXPECTED.get((status, move))
    if expected is None:
        with pytest.raises(lc.IllegalMove) as err:
            lc.apply(status, move, role)
        assert err.value.current is status
        assert status.label in err.value.message
        assert set(err.value.allowed) == set(lc.allowed_moves(status, role))
    elif role not in expected[1]:
        with pytest.raises(lc.NotPermitted):
            lc.apply(status, move, role)
    else:
        assert lc.apply(status, move, role) is expected[0]
        assert lc.is_legal(status, move, expected[0])


def test_table_has_exactly_the_expected_edges():
    edges = {(s, r.move) for r in lc.TABLE for s in r.sources if r.target is not None}
    assert edges == set(EXPECTED)


@pytest.mark.parametrize("before", [S.DRAFT, S.SUBMITTED, S.FOC_CONFIRMED, S.ACTION_REQUIRED])
def test_decline_cancel_returns_to_where_it_was(before):
    pending = lc.apply(before, Move.REQUEST_CANCEL, A)
    assert lc.apply(pending, Move.DECLINE_CANCEL, A, before_cancel=before) is before
    with pytest.raises(lc.NotPermitted):
        lc.apply(pending, Move.DECLINE_CANCEL, C, before_cancel=before)


def test_decline_cancel_needs_a_known_previous_status():
    with pytest.raises(lc.IllegalMove):
        lc.apply(S.CANCEL_PENDING, Move.DECLINE_CANCEL, A, before_cancel=None)
    with pytest.raises(lc.IllegalMove):
        lc.apply(S.CANCEL_PENDING, Move.DECLINE_CANCEL, A, before_cancel=S.COMPLETED)


@pytest.mark.parametrize("final", [S.COMPLETED, S.CANCELLED, S.EXPIRED])
def test_final_states_allow_nothing(final):
    assert lc.allowed_moves(final) == ()
    with pytest.raises(lc.IllegalMove) as err:
        lc.apply(final, Move.REQUEST_CANCEL, A)
    assert "closed" in err.value.message


def test_illegal_move_message_names_state_and_options():
    with pytest.raises(lc.IllegalMove) as err:
        lc.apply(S.SUBMITTED, Move.SIGN_LOA, A)
    msg = err.value.message
    assert "Submitted to carrier" in msg
    assert "set the port date" in msg and "record a rejection" in msg


# --- numbers ----------------------------------------------------------------------------

NUMBER_EXPECTED = {
    (N.PENDING, NumberMove.SUBMIT): N.SUBMITTED,
    (N.SUBMITTED, NumberMove.SET_FOC): N.FOC_CONFIRMED,
    (N.FOC_CONFIRMED, NumberMove.SET_FOC): N.FOC_CONFIRMED,
    (N.PENDING, NumberMove.REJECT): N.REJECTED,
    (N.SUBMITTED, NumberMove.REJECT): N.REJECTED,
    (N.FOC_CONFIRMED, NumberMove.REJECT): N.REJECTED,
    (N.REJECTED, NumberMove.RESET): N.PENDING,
    (N.FOC_CONFIRMED, NumberMove.PORT): N.PORTED,
    (N.PENDING, NumberMove.CANCEL): N.CANCELLED,
    (N.SUBMITTED, NumberMove.CANCEL): N.CANCELLED,
    (N.FOC_CONFIRMED, NumberMove.CANCEL): N.CANCELLED,
    (N.REJECTED, NumberMove.CANCEL): N.CANCELLED,
}


@pytest.mark.parametrize(("status", "move"), [(s, m) for s in N for m in NumberMove])
def test_number_table(status, move):
    expected = NUMBER_EXPECTED.get((status, move))
    if expected is None:
        with pytest.raises(lc.IllegalNumberMove) as err:
            lc.apply_number("+16172531000", status, move)
        assert "+16172531000" in err.value.message
        assert not lc.number_can(status, move)
    else:
        assert lc.apply_number("+16172531000", status, move) is expected


@pytest.mark.parametrize(
    ("statuses", "phase"),
    [
        ([N.SUBMITTED, N.SUBMITTED], S.SUBMITTED),
        ([N.SUBMITTED, N.FOC_CONFIRMED], S.SUBMITTED),
        ([N.FOC_CONFIRMED, N.FOC_CONFIRMED], S.FOC_CONFIRMED),
        ([N.FOC_CONFIRMED, N.REJECTED], S.FOC_CONFIRMED),
        ([N.PORTED, N.FOC_CONFIRMED], S.FOC_CONFIRMED),
        ([N.PORTED, N.PORTED], S.COMPLETED),
        ([N.PORTED, N.REJECTED], S.COMPLETED),
        ([N.REJECTED, N.REJECTED], S.ACTION_REQUIRED),
        ([N.REJECTED, N.CANCELLED], S.ACTION_REQUIRED),
        ([N.CANCELLED], None),
        ([], None),
    ],
)
def test_carrier_phase(statuses, phase):
    assert lc.carrier_phase(statuses) is phase


def test_partial_port_detection():
    assert lc.is_partial_port([N.PORTED, N.REJECTED])
    assert not lc.is_partial_port([N.PORTED, N.PORTED])
    assert not lc.is_partial_port([N.REJECTED])


# --- cancellation cut-off ---------------------------------------------------------------

US = BusinessCalendar(country="US", timezone="America/New_York")


def _ny(y, m, d, hh, mm=0):
    return US.at_local(date(y, m, d), time(hh, mm))


def test_cutoff_across_a_weekend():
    foc = date(2026, 11, 17)  # Tuesday; two business days before: Fri Nov 13
    lc.check_cancel(C, _ny(2026, 11, 13, 23, 59), foc, US)
    with pytest.raises(lc.CutoffPassed) as err:
        lc.check_cancel(C, _ny(2026, 11, 14, 0, 1), foc, US)  # Saturday
    assert err.value.deadline == date(2026, 11, 13)
    assert "Fri Nov 13, 2026" in err.value.message
    assert "Tue Nov 17, 2026" in err.value.message
    # the refusal states the rule it enforces, from the same constant
    assert CANCEL_NOTICE_BUSINESS_DAYS == 2
    assert "carriers need two business days' notice" in err.value.message


def test_cutoff_across_thanksgiving():
    foc = date(2026, 11, 30)  # Monday; Fri Nov 27 counts, Thu Nov 26 is Thanksgiving
    lc.check_cancel(C, _ny(2026, 11, 25, 17), foc, US)
    with pytest.raises(lc.CutoffPassed) as err:
        lc.check_cancel(C, _ny(2026, 11, 26, 9), foc, US)
    assert err.value.deadline == date(2026, 11, 25)


def test_cutoff_uses_local_time_not_utc():
    foc = date(2026, 11, 18)  # Wednesday -> deadline Monday Nov 16
    late_monday_ny = datetime(2026, 11, 17, 4, 30, tzinfo=UTC)  # 23:30 Monday in New York
    lc.check_cancel(C, late_monday_ny, foc, US)
    with pytest.raises(lc.CutoffPassed):
        lc.check_cancel(C, datetime(2026, 11, 17, 5, 30, tzinfo=UTC), foc, US)


def test_agents_and_unscheduled_ports_are_not_stopped():
    late = _ny(2026, 11, 17, 12)
    lc.check_cancel(A, late, date(2026, 11, 17), US)
    lc.check_cancel(C, late, None, US)


# --- property: random walks never leave the table ---------------------------------------


@given(st.lists(st.tuples(st.sampled_from(list(Move)), st.sampled_from(list(Role))), max_size=40))
def test_random_walks_stay_in_the_table(steps):
    status, before_cancel = S.DRAFT, None
    for move, role in steps:
        try:
            after = lc.apply(status, move, role, before_cancel=before_cancel)
        except (lc.IllegalMove, lc.NotPermitted):
            assert move not in lc.allowed_moves(status, role)
            continue
        assert move in lc.allowed_moves(status, role)
        assert lc.is_legal(status, move, after)
        if after is S.CANCEL_PENDING:
            before_cancel = status
        status = after
    assert status in set(S)


def test_counted_words():
    assert plural(1, "number") == "1 number"
    assert plural(1200, "number") == "1,200 numbers"
    assert plural(1200, "number", grouped=False) == "1200 numbers"
    assert spelled(2, "business day") == "two business days"
    assert spelled(1, "business day") == "one business day"
    assert spelled(12, "day") == "12 days"
    assert possessive(spelled(2, "business day")) == "two business days'"
    assert possessive(spelled(1, "business day")) == "one business day's"
