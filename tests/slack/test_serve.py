"""`portbot serve` as a real process: configuration checks, health, a signed command."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from bot.sandbox.slack_driver import SlackDriver
from bot.sandbox.slack_sim import SlackSimulator

SECRET = "serve-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTBOT_", "SLACK_", "ZENDESK_", "SMTP_", "DATABASE_URL"))
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/serve.db", **extra)
    return env


def test_serve_refuses_to_start_without_slack_credentials(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "1"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "portbot: SLACK_BOT_TOKEN: required to talk to Slack (the bot token, xoxb-…)"
    ]


def test_serve_answers_health_and_signed_slack_requests(tmp_path):
    port = _free_port()
    with SlackSimulator() as sim:
        env = _env(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=sim.url,
            PORTBOT_AGENTS="U0AGENT",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                        assert r.status == 200
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        pytest.fail(
                            "portbot serve did not come up:\n"
                            + (proc.stdout.read() if proc.stdout else "")
                        )
                    time.sleep(0.2)
            driver = SlackDriver(f"{base}/slack/events", SECRET, sim, team_id=sim.team_id)
            answer = driver.command("/port", "help", user_id="U0AGENT", channel_id="C0X")
            assert answer.status == 200 and "submit" in answer.text
            assert (
                driver.command(
                    "/port", "help", user_id="U0AGENT", channel_id="C0X", bad_signature=True
                ).status
                == 401
            )
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        assert proc.returncode in (0, -15)


def test_serve_logs_one_json_object_per_line(tmp_path):
    """PORTBOT_LOG_FORMAT=json: portbot's lines and uvicorn's alike; one access line per
    request with its id, the route's pattern and never the token in an LOA link."""
    port = _free_port()
    with SlackSimulator() as sim:
        env = _env(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=sim.url,
            PORTBOT_AGENTS="U0AGENT",
            PORTBOT_LOG_FORMAT="json",
            PORTBOT_SLACK_PROCESSES="0",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base, proc)
            driver = SlackDriver(f"{base}/slack/events", SECRET, sim, team_id=sim.team_id)
            assert (
                driver.command("/port", "help", user_id="U0AGENT", channel_id="C0X").status == 200
            )
            bad = driver.command(
                "/port", "help", user_id="U0X", channel_id="C0X", bad_signature=True
            )
            assert bad.status == 401
            with urllib.request.urlopen(base + "/zendesk/sidebar/static/sidebar.js") as script:
                assert script.status == 200  # the sidebar page's files are served by serve
            with pytest.raises(urllib.error.HTTPError) as unset:  # no Zendesk app configured
                urllib.request.urlopen(base + "/zendesk/sidebar", data=b"token=x", timeout=5)
            assert unset.value.code == 503
            with pytest.raises(urllib.error.HTTPError) as unknown:  # no such link: 404
                urllib.request.urlopen(base + "/loa/tok-not-for-the-log", timeout=5)
            request_id = unknown.value.headers["X-Request-Id"]
        finally:
            proc.terminate()
            out, _ = proc.communicate(timeout=20)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]  # all JSON
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    access = [line for line in lines if line["logger"] == "bot.web" and "route" in line]
    slack = [
        (line["status"], line["method"]) for line in access if line["route"] == "/slack/events"
    ]
    assert slack == [(200, "POST"), (401, "POST")]
    refused = next(line for line in access if line["status"] == 401)
    assert refused["message"].endswith("bad or stale signature")
    loa = next(line for line in access if line["route"] == "/loa/{token}")
    assert loa["request_id"] == request_id and loa["status"] == 404
    assert all(line.get("request_id") for line in access)
    assert "tok-not-for-the-log" not in out


def _wait_for(base: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("portbot serve did not come up")
            time.sleep(0.2)
