"""Step 2 and 3 of ``/port new`` as the numbers' country has them: the step shown again for
a country whose account fields differ from the ones on screen, and each error put on a block
the view shows (Slack refuses an error for a block that is not there)."""

from __future__ import annotations

from typing import Any

from bot.porting import intake
from bot.porting.fields import F, Result
from bot.services import intake_flow
from bot.slack.blocks import intake_form
from bot.slack.deps import SlackDeps
from bot.slack.ids import Block

MAX_ERROR = 1000


def on_shown_blocks(view: dict[str, Any], errors: dict[str, str], step: int) -> dict[str, str]:
    """Errors on the blocks the view shows (Slack refuses others): a message for a block the
    country's form leaves out (a region after the country was changed to one that has them)
    goes under the step's anchor, the country box on step 3, the numbers on step 2."""
    shown = {b.get("block_id") for b in view.get("blocks") or []}
    anchor = (Block.COUNTRY if step == 3 else Block.LANDLINES).value
    out: dict[str, str] = {}
    for block, message in errors.items():
        where = block if block in shown else anchor
        out[where] = f"{out[where]} {message}"[:MAX_ERROR] if where in out else message
    return out


def for_country(
    deps: SlackDeps,
    session_id: str,
    user_id: str,
    typed: dict[F, str],
    result: Result,
) -> dict[str, Any] | None:
    """Step 2 shown again for the numbers' country, when its account fields differ from the
    ones on screen (what was typed is kept); None when the step can go on as it is."""
    country = intake_flow.numbers_country_of(result)
    if country is None:
        return None
    session = intake_flow.load(deps.ctx, session_id, user_id)
    shown = intake_flow.form_row(intake_flow.form_of(session))
    wanted = intake.country_row(country)
    if wanted is not None and intake.standard_fields(wanted):
        wanted = None
    if shown == wanted:
        return None
    form = intake_flow.show_country(
        deps.ctx,
        session_id,
        user_id,
        country=country,
        typed={f.value: v for f, v in typed.items()},
    )
    return intake_form.step_view(form, today=deps.ctx.today())
