"""The sidebar links to the card's thread in Slack: the workspace's address comes from
``auth.test`` (asked once), and the link is Slack's permalink form for the card's message.
Without the address (no Slack, or Slack did not answer), the link opens the channel."""

from __future__ import annotations

import dataclasses

from slack_sdk import WebClient
from sqlmodel import select
from starlette.applications import Starlette

from bot.sandbox.serving import ServedApp
from bot.sidebar import parts
from bot.sidebar.web import sidebar_routes
from bot.slack.workspace import RETRY_AFTER, WorkspaceUrl
from storage.models import PortRequest, SlackLink
from tests.slack.conftest import new_sim
from tests.zendesk.test_sidebar_view import TICKET, Site, _link, _sidebar, _submitted


def test_the_workspace_address_is_asked_of_slack_once():
    sim = new_sim()
    try:
        workspace = WorkspaceUrl(WebClient(token="xoxb-test", base_url=sim.url))
        assert workspace() == workspace() == sim.root
        assert len(sim.calls_to("auth.test")) == 1
    finally:
        sim.stop()


def test_after_a_failure_the_address_is_asked_again_only_a_minute_later():
    now = [0.0]
    client = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", timeout=1)
    calls: list[int] = []
    real = client.auth_test

    def counted(**kw):
        calls.append(1)
        return real(**kw)

    client.auth_test = counted  # type: ignore[method-assign]
    workspace = WorkspaceUrl(client, clock=lambda: now[0])
    assert workspace() is None and workspace() is None and len(calls) == 1
    now[0] += RETRY_AFTER
    assert workspace() is None and len(calls) == 2


def test_the_link_is_the_cards_thread_when_the_workspace_is_known():
    link = SlackLink(channel_id="C0CUSTOMER", team_id="T1", message_ts="1700000000.000100")
    href, words = parts.slack_href(link, "https://acme.slack.com/")
    assert href == "https://acme.slack.com/archives/C0CUSTOMER/p1700000000000100"
    assert words == "Open the thread in Slack"
    href, words = parts.slack_href(link, None)
    assert href == "https://slack.com/app_redirect?channel=C0CUSTOMER&team=T1"
    assert words == "Open its channel in Slack"
    # an address that is not a web address is never linked
    assert parts.slack_href(link, "javascript:alert(1)//")[0].startswith("https://slack.com/")


def test_the_sidebar_view_links_to_the_thread(ctx, db):
    sidebar = dataclasses.replace(_sidebar(), workspace=lambda: "https://acme.slack.com/")
    sid = _submitted(ctx)
    _link(db, TICKET, sid=sid)
    with db.write() as s:
        req_id = s.exec(select(PortRequest.id).where(PortRequest.sid == sid)).one()
        s.add(SlackLink(request_id=req_id, team_id="T1", channel_id="C1", message_ts="17.0001"))
    with ServedApp(Starlette(routes=sidebar_routes(sidebar, ctx))) as served:
        answer = Site(served.url, sidebar).get(TICKET)
    assert answer.status_code == 200
    assert 'href="https://acme.slack.com/archives/C1/p170001"' in answer.text
    assert "Open the thread in Slack" in answer.text
