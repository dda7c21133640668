"""manifest.yml declares what the code handles, and the code handles what it declares."""

from pathlib import Path

import yaml

from bot.services.base import Context
from bot.slack.agents import AgentDirectory
from bot.slack.deps import SlackDeps
from bot.slack.ids import COMMAND
from bot.slack.listeners import actions, commands, events, views

MANIFEST = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())

# Events API names per event type the code listens to (message events arrive per channel kind).
EVENT_SUBSCRIPTIONS = {
    "app_home_opened": {"app_home_opened"},
    "message": {"message.channels", "message.groups"},
}


class Recorder:
    """Stands in for a Bolt App and records what each register() wires up."""

    def __init__(self):
        self.seen = {"command": set(), "view": set(), "action": set(), "event": set()}

    def _record(self, kind):
        def method(name):
            self.seen[kind].add(str(name))
            return lambda fn: fn

        return method

    def __getattr__(self, kind):
        if kind in ("command", "view", "action", "event"):
            return self._record(kind)
        raise AttributeError(kind)


def _registered(db):
    app = Recorder()
    deps = SlackDeps(Context(db=db, reminders=None), AgentDirectory([], []))
    for module in (commands, views, actions, events):
        module.register(app, deps)
    return app.seen


def test_commands_agree(db):
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert _registered(db)["command"] == declared == {COMMAND}


def test_events_agree(db):
    declared = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    wanted = set().union(*(EVENT_SUBSCRIPTIONS[e] for e in _registered(db)["event"]))
    assert wanted == declared


def test_interactivity_is_on_because_the_code_has_views_and_actions(db):
    seen = _registered(db)
    assert seen["view"] and seen["action"]
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    # No shortcuts are handled, so none are declared (they would need callback ids).
    assert "shortcuts" not in MANIFEST["features"]


def test_every_url_is_the_one_endpoint():
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls.append(MANIFEST["settings"]["event_subscriptions"]["request_url"])
    urls.append(MANIFEST["settings"]["interactivity"]["request_url"])
    assert {u.rsplit("/", 2)[-2:] == ["slack", "events"] for u in urls} == {True}


def test_scopes_are_the_ones_we_use():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "users:read.email",
        "usergroups:read",
        "files:read",
        "files:write",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
    }


def test_app_home_is_enabled_because_the_code_publishes_it(db):
    assert "app_home_opened" in _registered(db)["event"]
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_the_messages_tab_shows_portbots_dms_but_takes_no_chat():
    """The LOA link and reminders go by DM: with the Messages tab off, people could not see
    them. Read-only, because portbot answers no DM typed to it."""
    home = MANIFEST["features"]["app_home"]
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is True
    assert "message.im" not in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
