"""The Zendesk app package: the private app that puts portbot in the ticket sidebar."""

from bot.zendesk_app.logo import logo_png
from bot.zendesk_app.package import (
    AppSettings,
    manifest,
    package_files,
    package_name,
    package_zip,
    readme,
    sidebar_url,
    translations,
)

__all__ = [
    "AppSettings",
    "logo_png",
    "manifest",
    "package_files",
    "package_name",
    "package_zip",
    "readme",
    "sidebar_url",
    "translations",
]
