from slack_sdk import WebClient

from bot.sandbox.slack_sim import SlackSimulator
from bot.slack.agents import AgentDirectory


def test_users_and_user_groups_with_a_cache():
    now = [0.0]
    with SlackSimulator() as sim:
        sim.add_usergroup("S0PORTING", ["U0GROUPIE"])
        client = WebClient(token="xoxb-test", base_url=sim.url)
        agents = AgentDirectory(["U0LISTED"], ["S0PORTING"], ttl=60, clock=lambda: now[0])
        assert agents.is_agent("U0LISTED", client)
        assert agents.is_agent("U0GROUPIE", client)
        assert not agents.is_agent("U0STRANGER", client)
        calls = len(sim.calls_to("usergroups.users.list"))
        assert calls == 1  # cached
        sim.add_usergroup("S0PORTING", ["U0NEWCOMER"])
        assert not agents.is_agent("U0NEWCOMER", client)  # still within the cache time
        now[0] = 61
        assert agents.is_agent("U0NEWCOMER", client)


def test_a_failed_group_lookup_denies_without_raising():
    with SlackSimulator() as sim:
        sim.fail("usergroups.users.list", times=5, error="missing_scope")
        client = WebClient(token="xoxb-test", base_url=sim.url)
        agents = AgentDirectory([], ["S0PORTING"])
        assert not agents.is_agent("U0ANYONE", client)
