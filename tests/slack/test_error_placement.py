"""Every message a step's validation can produce lands on an input block of that step."""

from datetime import date

import pytest

from bot.porting import intake
from bot.porting.fields import Bill, Draft, F
from bot.slack.blocks import intake as views
from bot.slack.ids import INTAKE_BLOCKS
from bot.slack.listeners.views import STEP_FIELDS, slack_errors

TODAY = date(2026, 11, 16)


def _inputs(view) -> set[str]:
    return {b["block_id"] for b in view.to_dict()["blocks"] if b["type"] == "input"}


def _worst_case_errors(step: int) -> set[F]:
    """Fields that a thoroughly wrong submission of this step gets errors on."""
    empty = Draft(agreements=frozenset(), account_type="corporate", country="XX")
    if step == 1:
        return set(intake.validate_agreements(empty.agreements))
    if step == 2:
        wrong = Draft(
            landlines="+1 212 555 0100",
            wireless="617-253-1000",
            btn="12",
            pin="!",
            account_number="?",
        )
        result = intake.validate_numbers(wrong.landlines, wrong.wireless)
        intake.validate_account(wrong, result=result)
        result.errors.update(intake.validate_account(empty).errors)
        return set(result.errors)
    if step == 3:
        result = intake.validate_contact(empty)
        intake.validate_address(
            Draft(
                street="PO Box 1",
                street2="PO Box 2",
                postal_code="1",
                region="Atlantis",
                country="XX",
            ),
            result,
        )
        return set(result.errors)
    bad = Bill("x.exe", 0, "application/x-msdownload", None)
    result = intake.validate_bill(bad, today=TODAY)
    intake.validate_desired_date(TODAY, today=TODAY, result=result)
    return set(result.errors)


@pytest.mark.parametrize(
    ("step", "view"),
    [
        (1, views.agreement_step("{}")),
        (2, views.numbers_step("s")),
        (3, views.contact_step("s")),
        (4, views.bill_step("s", today=TODAY)),
    ],
)
def test_each_error_has_a_block_in_its_step(step, view):
    fields = _worst_case_errors(step)
    assert fields, "the worst case produced no errors at all"
    blocks = set(slack_errors({f: "x" for f in fields}))
    assert blocks <= _inputs(view), blocks - _inputs(view)
    if step in STEP_FIELDS:
        assert fields <= set(STEP_FIELDS[step])
        assert {INTAKE_BLOCKS[f].value for f in STEP_FIELDS[step]} <= _inputs(view)
