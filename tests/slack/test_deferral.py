"""Answer first, work after (``bot.slack.deferral``): over HTTP, against the simulator."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime
from functools import partial

import pytest

from bot.server import child_app
from bot.slack.app import web_client
from bot.slack.deferral import DEFER_LINES, Front, ProcessRunner, ThreadRunner
from bot.slack.ids import Block, View
from tests.conftest import TEST_KEY
from tests.slack.conftest import AGENT, CHANNEL, CUSTOMER, OTHER, SIGNING_SECRET, settings_for
from tests.slack.conftest import served_slack as serve
from tests.slack.test_intake_flow import ALL_AGREEMENTS, GOOD_NUMBERS, _latest_view, _open
from tests.slack.test_verbs import _request


def _one_child(settings) -> ProcessRunner:
    """What ``portbot serve`` runs, with one child at normal priority."""
    app = partial(child_app, settings)
    return ProcessRunner(app, apology_client=web_client(settings), processes=1, nice=0)


def _threads(limit: int = 64):
    return lambda runtime: Front(ThreadRunner(runtime.bolt, limit=limit), SIGNING_SECRET)


@pytest.fixture
def deferred(ctx):
    with serve(ctx, front=_threads()) as served:
        yield served


def _last_response(slack, count: int = 1) -> dict:
    slack.sim.wait_for("response_url", count)
    return slack.sim.responses[-1].body


def _paste(count: int, start: int = 1000) -> str:
    return "\n".join(f"617-253-{n:04d}" for n in range(start, start + count))


def _to_numbers_step(slack) -> dict:
    _open(slack)
    slack.driver.view_submission(_latest_view(slack), {Block.AGREEMENTS: ALL_AGREEMENTS}, CUSTOMER)
    view = _latest_view(slack)
    assert view["callback_id"] == View.NEW_NUMBERS
    return view


def _wait_for_view(slack, view_id: str, callback_id: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while (view := slack.sim.current_view(view_id))["callback_id"] != callback_id:
        assert time.monotonic() < deadline, f"still {view['callback_id']}"
        time.sleep(0.01)
    return view


def test_status_is_acked_empty_and_the_card_follows_on_the_response_url(deferred, ctx):
    sid = _request(deferred, ctx)
    answer = deferred.driver.command(
        "/port", f"status {sid[:12]}", user_id=CUSTOMER, channel_id=CHANNEL
    )
    assert answer.status == 200 and answer.text == ""
    card = _last_response(deferred)
    assert card["response_type"] == "ephemeral"
    assert sid in str(card["blocks"])
    assert deferred.sim.ephemerals(CHANNEL, CUSTOMER)[-1]["blocks"] == card["blocks"]


def test_deferred_status_keeps_foreign_and_unknown_alike(deferred, ctx):
    sid = _request(deferred, ctx)
    deferred.driver.command("/port", f"status {sid[:12]}", user_id=OTHER, channel_id="C0ELSE")
    foreign = _last_response(deferred, 1)["text"]
    deferred.driver.command("/port", "status PR00000000", user_id=OTHER, channel_id="C0ELSE")
    unknown = _last_response(deferred, 2)["text"]
    assert foreign.replace(sid[:12], "X") == unknown.replace("PR00000000", "X")


def test_list_and_agent_status_are_deferred_too(deferred, ctx):
    sid = _request(deferred, ctx)
    assert deferred.driver.command("/port", "list", user_id=CUSTOMER, channel_id=CHANNEL).text == ""
    assert sid[:10] in str(_last_response(deferred, 1)["blocks"])
    deferred.driver.command("/port", f"status {sid}", user_id=AGENT, channel_id=CHANNEL)
    assert sid in str(_last_response(deferred, 2)["blocks"])


def test_quick_verbs_still_answer_in_the_ack(deferred):
    answer = deferred.driver.command("/port", "help", user_id=CUSTOMER, channel_id=CHANNEL)
    assert "status" in str(answer.json["blocks"])
    assert deferred.sim.calls_to("response_url") == []


def test_a_long_paste_shows_a_checking_view_then_the_next_step(deferred):
    view = _to_numbers_step(deferred)
    typed = {**GOOD_NUMBERS, Block.LANDLINES: _paste(DEFER_LINES + 50)}
    answer = deferred.driver.view_submission(view, typed, CUSTOMER)
    assert answer.status == 200 and answer.view_error is None
    assert answer.json["response_action"] == "update"
    assert answer.json["view"]["callback_id"] == View.LOADING
    assert "150 lines" in str(answer.json["view"]["blocks"])
    after = _wait_for_view(deferred, view["id"], View.NEW_CONTACT)
    assert after["private_metadata"] == view["private_metadata"]
    assert deferred.sim.calls_to("views.update")[-1].error is None


def test_a_short_paste_is_answered_in_the_ack(deferred):
    view = _to_numbers_step(deferred)
    answer = deferred.driver.view_submission(view, GOOD_NUMBERS, CUSTOMER)
    assert answer.json["view"]["callback_id"] == View.NEW_CONTACT
    assert deferred.sim.calls_to("views.update") == []


def test_problems_in_a_long_paste_come_back_under_their_box_with_the_text_kept(deferred):
    view = _to_numbers_step(deferred)
    paste = _paste(DEFER_LINES + 20) + "\n212-555-0100\n617-253-99"
    deferred.driver.view_submission(
        view, {**GOOD_NUMBERS, Block.LANDLINES: paste, Block.PIN: "4321"}, CUSTOMER
    )
    again = _wait_for_view(deferred, view["id"], View.NEW_NUMBERS)
    blocks = {b.get("block_id"): b for b in again["blocks"]}
    assert blocks[Block.LANDLINES]["element"]["initial_value"] == paste
    assert blocks[Block.LOSING_CARRIER]["element"]["initial_value"] == "Old Phone Co"
    problem = str(blocks[f"{Block.LANDLINES}-error"])
    assert "212" in problem and "555" in problem
    # The account number and PIN are never sent back to Slack.
    assert "88001234567" not in str(again) and "4321" not in str(again)
    assert "initial_value" not in blocks[Block.ACCOUNT_NUMBER]["element"]

    fixed = {**GOOD_NUMBERS, Block.LANDLINES: _paste(DEFER_LINES + 20)}
    deferred.driver.view_submission(again, fixed, CUSTOMER)
    _wait_for_view(deferred, view["id"], View.NEW_CONTACT)


def test_a_full_runner_means_the_request_is_served_directly(ctx):
    with serve(ctx, front=_threads(limit=0)) as slack:
        sid = _request(slack, ctx)
        answer = slack.driver.command(
            "/port", f"status {sid[:12]}", user_id=CUSTOMER, channel_id=CHANNEL
        )
        assert sid in str(answer.json["blocks"])
        assert slack.sim.calls_to("response_url") == []


def test_bad_signatures_are_refused_before_any_work(deferred, ctx):
    sid = _request(deferred, ctx)
    answer = deferred.driver.command(
        "/port", f"status {sid[:12]}", user_id=CUSTOMER, channel_id=CHANNEL, bad_signature=True
    )
    stale = deferred.driver.command(
        "/port", f"status {sid[:12]}", user_id=CUSTOMER, channel_id=CHANNEL, timestamp_offset=-600
    )
    assert answer.status == stale.status == 401
    time.sleep(0.2)
    assert deferred.sim.calls_to("response_url") == []


def test_child_processes_answer_status_and_long_pastes(ctx, clock, db_url):
    """What ``portbot serve`` runs: the work in a spawned child with its own app (and the
    real clock, which this process's services must share for the intake session)."""
    clock.set(datetime.now(UTC))

    def front(runtime):
        settings = settings_for(sim, DATABASE_URL=db_url, PORTBOT_SECRET_KEY=TEST_KEY)
        runner = ProcessRunner(
            partial(child_app, settings), apology_client=web_client(settings), processes=1, nice=0
        )
        runner.warm_up()
        return Front(runner, SIGNING_SECRET)

    from tests.slack.conftest import new_sim

    sim = new_sim()
    with serve(ctx, front=front, sim=sim) as slack:
        sid = _request(slack, ctx)
        answer = slack.driver.command(
            "/port", f"status {sid[:12]}", user_id=CUSTOMER, channel_id=CHANNEL
        )
        assert answer.status == 200 and answer.text == ""
        slack.sim.wait_for("response_url", timeout=30)
        assert sid in str(slack.sim.responses[-1].body["blocks"])

        view = _to_numbers_step(slack)
        typed = {**GOOD_NUMBERS, Block.LANDLINES: _paste(DEFER_LINES + 1, start=3000)}
        slack.driver.view_submission(view, typed, CUSTOMER)
        _wait_for_view(slack, view["id"], View.NEW_CONTACT, timeout=30)


def _kill_child_when_held(runner: ProcessRunner, sim, method: str, nth: int) -> None:
    """When the ``nth`` call of ``method`` is held by the simulator, kill the child making it:
    it dies in the middle of its job, as with the OOM killer or a crash. (The held call then
    fails, ``delay(then=500)``: what the dead child sent does not take effect.)"""
    deadline = time.monotonic() + 60
    while sim.held(method) < nth:
        assert time.monotonic() < deadline, f"call {nth} of {method} was never held"
        time.sleep(0.01)
    for process in list(runner._pool._processes.values()):
        os.kill(process.pid, signal.SIGKILL)


def _settled(runner: ProcessRunner) -> None:
    """Every job is counted done (the count drops just after the child's last Slack call)."""
    deadline = time.monotonic() + 10
    while runner.pending:
        assert time.monotonic() < deadline, f"{runner.pending} jobs still pending"
        time.sleep(0.01)


@pytest.fixture
def in_child(ctx, clock, db_url):
    """The served app with one child process for deferred work, and that runner."""
    from tests.slack.conftest import new_sim

    clock.set(datetime.now(UTC))
    sim, runners = new_sim(), []

    def front(runtime):
        settings = settings_for(sim, DATABASE_URL=db_url, PORTBOT_SECRET_KEY=TEST_KEY)
        runners.append(
            ProcessRunner(
                partial(child_app, settings),
                apology_client=web_client(settings),
                processes=1,
                nice=0,
            )
        )
        runners[0].warm_up()
        return Front(runners[0], SIGNING_SECRET)

    with serve(ctx, front=front, sim=sim) as slack:
        yield slack, runners[0]


def test_a_child_that_dies_mid_job_is_replaced_and_the_job_runs_again(in_child):
    slack, runner = in_child
    view = _to_numbers_step(slack)
    slack.sim.delay("views.update", 3, times=1, then=500)
    typed = {**GOOD_NUMBERS, Block.LANDLINES: _paste(DEFER_LINES + 1, start=3000)}
    slack.driver.view_submission(view, typed, CUSTOMER)
    _kill_child_when_held(runner, slack.sim, "views.update", 1)
    # the job ran again in a new child: the person gets the next step, not "checking…" for good
    _wait_for_view(slack, view["id"], View.NEW_CONTACT, timeout=60)
    _settled(runner)


def test_a_job_whose_child_dies_twice_gets_an_apology_with_the_text_kept(in_child):
    slack, runner = in_child
    view = _to_numbers_step(slack)
    slack.sim.delay("views.update", 3, times=2, then=500)
    paste = _paste(DEFER_LINES + 1, start=3000)
    slack.driver.view_submission(view, {**GOOD_NUMBERS, Block.LANDLINES: paste}, CUSTOMER)
    _kill_child_when_held(runner, slack.sim, "views.update", 1)
    _kill_child_when_held(runner, slack.sim, "views.update", 2)
    deadline = time.monotonic() + 30
    while "reference" not in str(current := slack.sim.current_view(view["id"])):
        assert time.monotonic() < deadline, "no apology on the modal"
        time.sleep(0.01)
    assert current["callback_id"] == View.NEW_NUMBERS
    assert "Something went wrong on our side" in str(current["blocks"])
    assert paste.splitlines()[-1] in str(current["blocks"])  # what they typed is still there
    _settled(runner)
