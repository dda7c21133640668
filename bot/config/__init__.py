"""Settings from the environment (PRODUCT §7). Bad configuration fails with one clear line;
secrets are ``SecretStr`` so they never print."""

from bot.config.errors import ConfigError
from bot.config.keys import key_file_path
from bot.config.serving import check_serving, load, require_slack
from bot.config.settings import LOA_MAX_TTL_DAYS, Agents, Settings

__all__ = [
    "LOA_MAX_TTL_DAYS",
    "Agents",
    "ConfigError",
    "Settings",
    "check_serving",
    "key_file_path",
    "load",
    "require_slack",
]
