"""The Zendesk app package: its files, the manifest against the rules Zendesk's validator
applies (``zendesk_apps_support``'s manifest, translations and source checks, as summarised in
the shared reference), the logos read back from their bytes, and ``portbot zendesk-app build``
run for real."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import bot
from bot.config import ConfigError, load
from bot.zendesk_app import (
    logo_png,
    manifest,
    package_files,
    package_name,
    package_zip,
    readme,
    sidebar_url,
    translations,
)
from tests.test_cli import Portbot, assert_one_line_error

PUBLIC = "https://portbot.example.com"
FILES = {
    "manifest.json",
    "translations/en.json",
    "README.md",
    "assets/logo.png",
    "assets/logo-small.png",
}
SIZES = {"assets/logo.png": 320, "assets/logo-small.png": 128}


def settings(**env: str) -> Any:
    return load({"PORTBOT_PUBLIC_URL": PUBLIC, **env})


# --- the validator's rules, as a check that can fail ----------------------------------------

LOCALE = re.compile(r"^[a-z]{2}(-\w{2,3})?$")
BOOLEANS = ("requirementsOnly", "marketingOnly", "singleInstall", "signedUrls", "private")
STRINGS = ("defaultLocale", "version", "frameworkVersion", "termsConditionsURL", "gaID")
PARAMETER_TYPES = {"text", "password", "checkbox", "url", "number", "multiline", "hidden", "oauth"}
SUPPORT_LOCATIONS = {
    "ticket_sidebar",
    "new_ticket_sidebar",
    "user_sidebar",
    "organization_sidebar",
    "top_bar",
    "nav_bar",
    "ticket_editor",
    "modal",
    "background",
}


def png_info(data: bytes) -> tuple[int, int, int, int, bytes]:
    """(width, height, bit depth, colour type, decoded scanlines), every chunk's CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (compression, filtering, interlace) == (0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    return width, height, depth, colour, raw


def package_problems(files: dict[str, bytes]) -> list[str]:
    """What Zendesk's validator (and our own contract) would refuse in a package; [] if none."""
    problems: list[str] = []
    if "manifest.json" not in files:
        return ["no manifest.json"]
    m = json.loads(files["manifest.json"])
    for key in ("author", "defaultLocale", "frameworkVersion", "location"):
        if key not in m:
            problems.append(f"missing {key}")
    author = m.get("author") or {}
    for key in ("name", "email", "url"):
        if not isinstance(author.get(key), str) or not author[key]:
            problems.append(f"author {key} missing or not a string")
    if isinstance(author.get("url"), str) and not re.match(r"^https?://", author["url"]):
        problems.append("author url is not http(s)")
    problems += [
        f"{key} is not a boolean" for key in BOOLEANS if key in m and m[key] not in (True, False)
    ]
    problems += [
        f"{key} is not a string" for key in STRINGS if key in m and not isinstance(m[key], str)
    ]
    if m.get("frameworkVersion") != "2.0":
        problems.append("frameworkVersion is not 2.0")
    if m.get("signedUrls") is not True:
        problems.append("signedUrls is not true")
    if m.get("private") is not True:
        problems.append("private is not true")
    for option in ("marketingOnly", "requirementsOnly", "noTemplate"):
        if m.get(option):
            problems.append(f"{option} is set")

    locations = m.get("location")
    if not isinstance(locations, dict) or set(locations) != {"support"}:
        problems.append("location is not {support: {...}}")
        locations = {}
    for name, options in (locations.get("support") or {}).items():
        if name not in SUPPORT_LOCATIONS:
            problems.append(f"unknown location {name}")
        if not isinstance(options, dict):
            problems.append(f"{name}: not an object with a url")
            continue
        url = options.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or not (parts.scheme == "https" or parts.hostname == "localhost"):
            problems.append(f"{name}: url is not https (or localhost)")
        if "flexible" in options and options["flexible"] not in (True, False):
            problems.append(f"{name}: flexible is not a boolean")
    sidebar = (locations.get("support") or {}).get("ticket_sidebar") or {}
    if not str(sidebar.get("url", "")).endswith("/zendesk/sidebar"):
        problems.append("ticket_sidebar url does not end with /zendesk/sidebar")
    if sidebar.get("flexible") is not True:
        problems.append("ticket_sidebar is not flexible")

    parameters = m.get("parameters", [])
    if not isinstance(parameters, list):
        problems.append("parameters is not a list")
        parameters = []
    names = [p.get("name") for p in parameters]
    if "name" in names:
        problems.append("a parameter is named name")
    if len(set(names)) != len(names):
        problems.append("parameters repeat a name")
    for p in parameters:
        if p.get("type", "text") not in PARAMETER_TYPES:
            problems.append(f"parameter {p.get('name')}: unknown type")
        if p.get("type") == "hidden" and p.get("required"):
            problems.append(f"parameter {p.get('name')}: hidden and required")
    whitelist = m.get("domainWhitelist", [])
    if not isinstance(whitelist, list) or not all(isinstance(d, str) for d in whitelist):
        problems.append("domainWhitelist is not a list of strings")

    locale = m.get("defaultLocale", "")
    translated = f"translations/{locale}.json"
    if not LOCALE.match(str(locale)):
        problems.append("defaultLocale is not a locale")
    elif translated not in files:
        problems.append(f"no {translated}")
    else:
        app = json.loads(files[translated]).get("app")
        if not isinstance(app, dict) or not app.get("name"):  # all a private app must have
            problems.append(f"{translated} has no app.name")

    # An iframe-only app (framework 2) must carry no code of the old framework.
    code = [
        path
        for path in files
        if path in ("app.js", "app.css") or re.match(r"^(lib/.*\.js|templates/.*\.hdbs)$", path)
    ]
    problems += [f"{path}: code is not allowed in an iframe-only app" for path in code]
    for path, size in SIZES.items():
        if path not in files:
            problems.append(f"no {path}")
        elif png_info(files[path])[:2] != (size, size):
            problems.append(f"{path} is not {size}×{size}")
    return problems


def test_the_package_passes_the_rules():
    assert package_problems(package_files(settings(), "1.2.3")) == []


def test_a_localhost_package_passes_the_rules():
    files = package_files(settings(PORTBOT_PUBLIC_URL="http://localhost:3000"), "1.2.3")
    assert package_problems(files) == []


def _broken_manifest(change: Any) -> dict[str, bytes]:
    files = package_files(settings(), "1.2.3")
    m = json.loads(files["manifest.json"])
    change(m)
    return {**files, "manifest.json": json.dumps(m).encode()}


def _sidebar(m: dict[str, Any]) -> dict[str, Any]:
    return m["location"]["support"]["ticket_sidebar"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m.pop("author"), "missing author"),
        (lambda m: m["author"].pop("email"), "author email missing or not a string"),
        (lambda m: m["author"].update(url="portbot.example.com"), "author url is not http(s)"),
        (lambda m: m.pop("defaultLocale"), "missing defaultLocale"),
        (lambda m: m.update(defaultLocale="fr"), "no translations/fr.json"),
        (lambda m: m.update(frameworkVersion="1.0"), "frameworkVersion is not 2.0"),
        (lambda m: m.update(frameworkVersion=2), "frameworkVersion is not a string"),
        (lambda m: m.pop("location"), "missing location"),
        (lambda m: m.update(signedUrls=False), "signedUrls is not true"),
        (lambda m: m.update(signedUrls="true"), "signedUrls is not a boolean"),
        (lambda m: m.update(private=False), "private is not true"),
        (lambda m: m.update(singleInstall="yes"), "singleInstall is not a boolean"),
        (
            lambda m: _sidebar(m).update(url="http://portbot.example.com/zendesk/sidebar"),
            "ticket_sidebar: url is not https (or localhost)",
        ),
        (
            lambda m: _sidebar(m).update(url="https://portbot.example.com/sidebar"),
            "ticket_sidebar url does not end with /zendesk/sidebar",
        ),
        (
            lambda m: _sidebar(m).update(flexible="true"),
            "ticket_sidebar: flexible is not a boolean",
        ),
        (
            lambda m: m["location"]["support"].update(tiket_sidebar={}),
            "unknown location tiket_sidebar",
        ),
        (
            lambda m: m.update(parameters=[{"name": "name", "type": "text"}]),
            "a parameter is named name",
        ),
        (
            lambda m: m.update(parameters=[{"name": "x", "type": "hidden", "required": True}]),
            "parameter x: hidden and required",
        ),
        (
            lambda m: m.update(parameters=[{"name": "x", "type": "select"}]),
            "parameter x: unknown type",
        ),
        (
            lambda m: m.update(domainWhitelist="example.com"),
            "domainWhitelist is not a list of strings",
        ),
    ],
)
def test_the_rules_flag_a_broken_manifest(change, problem):
    assert problem in package_problems(_broken_manifest(change))


def test_the_rules_flag_broken_files():
    files = package_files(settings(), "1.2.3")
    assert package_problems({k: v for k, v in files.items() if k != "translations/en.json"}) == [
        "no translations/en.json"
    ]
    assert package_problems({**files, "translations/en.json": b'{"app": {}}'}) == [
        "translations/en.json has no app.name"
    ]
    assert package_problems({**files, "app.js": b"", "templates/layout.hdbs": b""}) == [
        "app.js: code is not allowed in an iframe-only app",
        "templates/layout.hdbs: code is not allowed in an iframe-only app",
    ]
    swapped = {**files, "assets/logo.png": files["assets/logo-small.png"]}
    assert package_problems(swapped) == ["assets/logo.png is not 320×320"]
    assert package_problems({k: v for k, v in files.items() if k != "manifest.json"}) == [
        "no manifest.json"
    ]


# --- the files ------------------------------------------------------------------------------


def test_the_zip_holds_exactly_the_package():
    data = package_zip(settings(), "1.2.3")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(archive.namelist()) == FILES
        assert archive.testzip() is None
        stored = {name: archive.read(name) for name in archive.namelist()}
        infos = archive.infolist()
    assert stored == package_files(settings(), "1.2.3")
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o644}


def test_the_same_inputs_give_the_same_bytes():
    assert package_zip(settings(), "1.2.3") == package_zip(settings(), "1.2.3")
    assert package_zip(settings(), "1.2.3") != package_zip(settings(), "1.2.4")
    other = settings(PORTBOT_PUBLIC_URL="https://other.example.com")
    assert package_zip(settings(), "1.2.3") != package_zip(other, "1.2.3")


def test_the_manifest():
    m = manifest(settings(), "1.2.3")
    assert m == {
        "name": "portbot",
        "author": {
            "name": "portbot",
            "email": "porting@portbot.example.com",
            "url": "https://portbot.example.com",
        },
        "defaultLocale": "en",
        "private": True,
        "version": "1.2.3",
        "frameworkVersion": "2.0",
        "signedUrls": True,
        "location": {
            "support": {
                "ticket_sidebar": {
                    "url": "https://portbot.example.com/zendesk/sidebar",
                    "flexible": True,
                }
            }
        },
    }
    written = json.loads(package_files(settings(), "1.2.3")["manifest.json"])
    assert written == m


def test_the_author_is_reached_at_the_porting_address_when_there_is_one():
    m = manifest(settings(PORTBOT_MAIL_FROM="Porting team <porting@example.com>"), "1.2.3")
    assert m["author"]["email"] == "porting@example.com"


def test_the_translations():
    written = json.loads(package_files(settings(), "1.2.3")["translations/en.json"])
    assert written == translations()
    app = written["app"]
    assert set(app) == {"name", "description", "short_description"}
    assert app["name"] == "portbot"
    assert all(isinstance(v, str) and v.strip() == v and v for v in app.values())
    assert len(app["short_description"]) < len(app["description"])
    assert "ticket" in app["short_description"] and "FOC date" in app["description"]


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        ("https://portbot.example.com", "https://portbot.example.com/zendesk/sidebar"),
        ("https://portbot.example.com/", "https://portbot.example.com/zendesk/sidebar"),
        ("https://example.com/portbot", "https://example.com/portbot/zendesk/sidebar"),
        ("http://localhost:3000", "http://localhost:3000/zendesk/sidebar"),
    ],
)
def test_the_sidebar_url(public_url, expected):
    assert sidebar_url(public_url) == expected


@pytest.mark.parametrize(
    ("public_url", "says"),
    [
        (None, "PORTBOT_PUBLIC_URL: required to build the Zendesk app"),
        ("", "PORTBOT_PUBLIC_URL: required to build the Zendesk app"),
        ("http://portbot.example.com", 'PORTBOT_PUBLIC_URL: "http://portbot.example.com" must'),
        ("http://127.0.0.1:3000", 'PORTBOT_PUBLIC_URL: "http://127.0.0.1:3000" must start'),
        ("https://portbot.example.com/?a=b", "PORTBOT_PUBLIC_URL: "),
    ],
)
def test_a_sidebar_url_zendesk_would_refuse_is_refused(public_url, says):
    with pytest.raises(ConfigError) as raised:
        sidebar_url(public_url)
    assert str(raised.value).startswith(says)
    assert "\n" not in str(raised.value)


def test_the_readme_says_how_to_upload_and_what_portbot_needs():
    text = package_files(settings(), "1.2.3")["README.md"].decode("utf-8")
    assert text == readme(settings(), "1.2.3")
    assert text.startswith("# portbot for Zendesk\n")
    for needed in (
        "https://portbot.example.com/zendesk/sidebar",
        "portbot 1.2.3",
        "Upload private app",
        "`ZENDESK_APP_ID`",
        "`ZENDESK_APP_PUBLIC_KEY`",
        "`PORTBOT_PUBLIC_URL`",
        "`PORTBOT_SECRET_KEY`",
        "`zcli apps:validate",
    ):
        assert needed in text, needed


# Zendesk's validator warns about any text file that reads like it holds a credential.
SECRET_WORDS = re.compile(
    "pass|password|secret|secretToken|secret_token|auth_key|authKey|auth_pass|authPass|auth_user"
    "|AuthUser|username|api_key"
)
SECRET_SHAPES = re.compile(
    r"[tT][oO][kK][eE][nN]( [:\"=-]|[:\"=-])|[pP][aA][sS][sS][wW][oO][rR][dD]|xox[pboa]-"
)


def test_no_text_file_reads_like_a_credential_to_the_validator():
    files = package_files(settings(PORTBOT_MAIL_FROM="porting@example.com"), "1.2.3")
    for path in ("manifest.json", "translations/en.json", "README.md"):
        text = files[path].decode("utf-8")
        assert SECRET_WORDS.search(text) is None, (path, SECRET_WORDS.search(text))
        assert SECRET_SHAPES.search(text) is None, (path, SECRET_SHAPES.search(text))
    assert SECRET_WORDS.search("keep the password safe")  # the check can fail


# --- the logos ------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "size"), sorted(SIZES.items()))
def test_the_logos_are_rgba_pngs_of_the_right_size(path, size):
    data = package_files(settings(), "1.2.3")[path]
    width, height, depth, colour, raw = png_info(data)
    assert (width, height, depth, colour) == (size, size, 8, 6)  # 8-bit RGBA
    row = 1 + 4 * size
    assert len(raw) == size * row
    assert {raw[y * row] for y in range(size)} <= {0, 1, 2, 3, 4}  # a filter type per row


def _pixel(size: int, x: float, y: float) -> tuple[int, ...]:
    raw = png_info(logo_png(size))[4]
    row = 1 + 4 * size
    at = int(y * size) * row + 1 + 4 * int(x * size)
    return tuple(raw[at : at + 4])


@pytest.mark.parametrize("size", [320, 128])
def test_the_logo_is_the_mark(size):
    """Rounded corners, the navy square, a pale dot, the arrow, a teal dot."""
    assert _pixel(size, 0.0, 0.0)[3] == 0  # a rounded corner is transparent
    assert _pixel(size, 0.5, 0.1) == (0x1D, 0x35, 0x57, 255)  # navy
    assert _pixel(size, 0.19, 0.5) == (0xF1, 0xFA, 0xEE, 255)  # the first dot
    assert _pixel(size, 0.5, 0.5) == (0xF1, 0xFA, 0xEE, 255)  # the arrow
    assert _pixel(size, 0.81, 0.5) == (0xA8, 0xDA, 0xDC, 255)  # the second dot
    assert _pixel(size, 0.5, 0.9) == (0x1D, 0x35, 0x57, 255)  # nothing below the mark


def test_a_logo_too_small_to_read_is_refused():
    with pytest.raises(ValueError, match="unreadable"):
        logo_png(8)


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def portbot(tmp_path: Path) -> Portbot:
    return Portbot(tmp_path)


ZIP = package_name(bot.__version__)


def test_build_writes_the_zip(portbot: Portbot, tmp_path: Path):
    out = tmp_path / "out" / "deeper"
    result = portbot("zendesk-app", "build", "--out", str(out), PORTBOT_PUBLIC_URL=PUBLIC)
    assert result.returncode == 0, result.stderr
    written = out / f"portbot-zendesk-app-{bot.__version__}.zip"
    assert result.stdout.splitlines()[0] == f"Wrote {written.resolve()}"
    assert "https://portbot.example.com/zendesk/sidebar" in result.stdout
    assert result.stderr == ""
    assert written.read_bytes() == package_zip(settings(), bot.__version__)
    assert list(out.iterdir()) == [written]


def test_build_writes_to_the_current_directory_by_default(portbot: Portbot, tmp_path: Path):
    result = portbot("zendesk-app", "build", PORTBOT_PUBLIC_URL=PUBLIC)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ZIP).is_file()


def test_build_gives_the_same_bytes_twice(portbot: Portbot, tmp_path: Path):
    for out in ("one", "two"):
        result = portbot("zendesk-app", "build", "--out", out, PORTBOT_PUBLIC_URL=PUBLIC)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "one" / ZIP).read_bytes() == (tmp_path / "two" / ZIP).read_bytes()


def test_build_without_a_public_url_says_so_in_one_line(portbot: Portbot, tmp_path: Path):
    result = portbot("zendesk-app", "build", "--out", "out")
    line = assert_one_line_error(result, "portbot: PORTBOT_PUBLIC_URL: required")
    assert "https" in line
    assert not (tmp_path / "out").exists()


def test_build_refuses_a_plain_http_url(portbot: Portbot, tmp_path: Path):
    result = portbot("zendesk-app", "build", PORTBOT_PUBLIC_URL="http://portbot.example.com")
    assert_one_line_error(result, 'portbot: PORTBOT_PUBLIC_URL: "http://portbot.example.com"')
    assert not (tmp_path / ZIP).exists()


def test_build_into_a_file_says_so_in_one_line(portbot: Portbot, tmp_path: Path):
    (tmp_path / "taken").write_text("not a directory")
    result = portbot("zendesk-app", "build", "--out", "taken", PORTBOT_PUBLIC_URL=PUBLIC)
    line = assert_one_line_error(result, "portbot: zendesk-app build: --out taken is a file")
    assert line.endswith("name a directory")
    assert (tmp_path / "taken").read_text() == "not a directory"


def test_build_where_it_cannot_write_says_so_in_one_line(portbot: Portbot, tmp_path: Path):
    (tmp_path / "locked").mkdir(mode=0o500)
    result = portbot("zendesk-app", "build", "--out", "locked", PORTBOT_PUBLIC_URL=PUBLIC)
    if result.returncode == 0:
        pytest.skip("running as a user who may write anywhere (root)")
    line = assert_one_line_error(result, "portbot: zendesk-app build: cannot write locked/")
    assert "Permission denied" in line


def test_zendesk_app_without_an_action_prints_its_help(portbot: Portbot):
    result = portbot("zendesk-app")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: portbot zendesk-app")
    assert "build" in result.stdout
