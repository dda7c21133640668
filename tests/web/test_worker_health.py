"""``portbot worker --health-port``: /healthz says how far behind delivery is, /metrics carries
the backlog by destination, the oldest waiting row's age and the reminders' lateness."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta

from bot import services as svc
from bot.sandbox.serving import ServedApp
from bot.web import health_app
from tests.services.helpers import CUSTOMER, draft


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_worker_health_reports_the_backlog_and_its_age(ctx, clock):
    svc.open_request(ctx, draft(), actor=CUSTOMER)  # queues the card and the ticket
    clock.set(clock.now + timedelta(minutes=7))  # nobody delivers them meanwhile
    with ServedApp(health_app(ctx)) as served:
        status, body = _get(f"{served.url}/healthz")
        assert status == 200
        health = json.loads(body)
        assert health["status"] == "ok" and health["database"] == "ok"
        assert set(health["outbox"]) >= {"slack", "zendesk"}
        assert health["outbox"]["slack"]["pending"] >= 1
        assert health["outbox"]["slack"]["oldest_seconds"] >= 7 * 60
        assert health["reminders_overdue_seconds"] == 0  # the first bill reminder is days away

        status, text = _get(f"{served.url}/metrics")
        assert status == 200
        assert 'portbot_outbox_pending{destination="slack"}' in text
        oldest = next(
            line
            for line in text.splitlines()
            if line.startswith('portbot_outbox_oldest_pending_seconds{destination="slack"}')
        )
        assert float(oldest.rsplit(" ", 1)[1]) >= 7 * 60
        assert "portbot_reminders_overdue_seconds 0.0" in text
        # only health and metrics: nothing of Slack's or Zendesk's routes
        assert _get(f"{served.url}/slack/events")[0] == 404


def test_worker_metrics_want_the_token_when_one_is_set(ctx):
    with ServedApp(health_app(ctx, metrics_token="s3cret-token")) as served:
        assert _get(f"{served.url}/metrics")[0] == 401
        assert _get(f"{served.url}/metrics", "wrong")[0] == 401
        assert _get(f"{served.url}/metrics", "s3cret-token")[0] == 200
        assert _get(f"{served.url}/healthz")[0] == 200  # probes need no token


def test_the_worker_command_takes_a_health_port():
    from bot.cli import _parser

    args = _parser().parse_args(["worker", "--health-port", "9100"])
    assert args.health_port == 9100 and args.health_host == "127.0.0.1"
    assert _parser().parse_args(["worker"]).health_port is None
