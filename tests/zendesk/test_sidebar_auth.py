"""The ticket sidebar's door: Zendesk's signed-URL JWT checked over real HTTP against the Zendesk
simulator (its key pair, its public key endpoint), the sidebar token the page carries, the
page's headers, and the settings that configure it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.middleware import Middleware

from bot.config import ConfigError
from bot.config.serving import load
from bot.http_limits import SIDEBAR_FORM_LIMIT
from bot.sandbox.serving import ServedApp
from bot.sandbox.zendesk_sim import AGENT_ID, INSTALLATION_ID, ZendeskSimulator
from bot.sidebar.auth import LEEWAY, Installation, KeyUnavailable, PublicKey, Refusal, Refused
from bot.sidebar.tokens import SIDEBAR_TOKEN_TTL, SidebarTokens
from bot.sidebar.web import Sidebar, sidebar_routes
from bot.web import AccessLog

HOST = "acme.zendesk.com"
SECRET = "sidebar-test-secret-0123456789"
QUERY = "origin=https%3A%2F%2Facme.zendesk.com&app_guid=6f1c-42"


@pytest.fixture(scope="module")
def sim() -> Iterator[ZendeskSimulator]:
    with ZendeskSimulator(email="bot@acme.example", token="t0ken") as zendesk:
        yield zendesk


def settings_for(sim: ZendeskSimulator, **env: str):
    base = {
        "ZENDESK_SUBDOMAIN": "acme",
        "ZENDESK_URL": sim.url,
        "ZENDESK_APP_ID": str(sim.app_id),
        "PORTBOT_SECRET_KEY": SECRET,
        "ZENDESK_EMAIL": "bot@acme.example",
        "ZENDESK_API_TOKEN": "t0ken",
    }
    return load({k: v for k, v in {**base, **env}.items() if v})


class Site:
    """A served sidebar: ``post`` sends Zendesk's form, ``sidebar`` is what serves it."""

    def __init__(self, sidebar: Sidebar, url: str) -> None:
        self.sidebar, self.url = sidebar, url

    def post(self, token: str | None, *, query: str = QUERY, **kw) -> requests.Response:
        data = {} if token is None else {"token": token}
        return requests.post(f"{self.url}/zendesk/sidebar?{query}", data=data, timeout=10, **kw)


@pytest.fixture
def serve(sim) -> Iterator[Callable[..., Site]]:
    """``serve(**env)`` serves a sidebar built from the settings (env overrides the defaults)."""
    served: list[ServedApp] = []

    def start(*, clock: Callable[[], float] = time.time, **env: str) -> Site:
        sidebar = Sidebar.from_settings(settings_for(sim, **env), clock=clock)
        routes = sidebar_routes(sidebar)
        app = Starlette(routes=routes, middleware=[Middleware(AccessLog, routes=routes)])
        served.append(ServedApp(app).start())
        return Site(sidebar, served[-1].url)

    yield start
    for app in served:
        app.stop()


@pytest.fixture
def site(serve) -> Site:
    return serve()


def meta(page: str, name: str) -> str:
    found = re.search(rf'<meta name="{name}" content="([^"]*)">', page)
    assert found, f"no {name} meta tag"
    return unescape(found.group(1))


def forge(alg: str, claims: dict, secret: bytes = b"") -> str:
    """A token made by hand, as an attacker would: ``HS256`` with ``secret``, or unsigned."""

    def part(value: dict) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")

    signing = part({"alg": alg, "typ": "JWT"}) + b"." + part(claims)
    signature = b""
    if alg == "HS256":
        digest = hmac.new(secret, signing, hashlib.sha256).digest()
        signature = base64.urlsafe_b64encode(digest).rstrip(b"=")
    return (signing + b"." + signature).decode()


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


# --- the signed URL --------------------------------------------------------------------------


def test_a_valid_token_opens_the_page_with_a_sidebar_token(site, sim):
    answer = site.post(sim.sidebar_token(host=HOST, installation_id=4242, user_id=77))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    token = meta(answer.text, "portbot-sidebar-token")
    grant = site.sidebar.tokens.read(token, now=time.time())
    assert grant == Installation(4242, 77)
    assert site.sidebar.tokens.check(token, now=time.time()) == 4242
    assert '<main id="portbot-sidebar">' in answer.text
    assert '<script src="/zendesk/sidebar/static/sidebar.js"></script>' in answer.text
    assert "Set-Cookie" not in answer.headers  # the token travels in the page, not a cookie


def test_the_page_headers_allow_only_the_account_to_frame_it(site, sim):
    answer = site.post(sim.sidebar_token(host=HOST))
    policy = answer.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["frame-ancestors"] == "https://acme.zendesk.com"
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in answer.text and "style=" not in answer.text  # nothing inline


def test_the_query_string_is_kept_for_the_zaf_sdk(site, sim):
    answer = site.post(sim.sidebar_token(host=HOST))
    assert meta(answer.text, "portbot-sidebar-query") == QUERY
    assert 'zendesk.com&amp;app_guid=6f1c-42">' in answer.text  # escaped in the attribute
    assert answer.url.endswith("/zendesk/sidebar?" + QUERY)  # no redirect drops it


def test_the_agent_is_bound_when_the_token_names_one(site, sim):
    answer = site.post(sim.sidebar_token(host=HOST, user_id=None))
    token = meta(answer.text, "portbot-sidebar-token")
    assert site.sidebar.tokens.read(token, now=time.time()) == Installation(INSTALLATION_ID)
    named = site.post(sim.sidebar_token(host=HOST))
    grant = site.sidebar.tokens.read(meta(named.text, "portbot-sidebar-token"), now=time.time())
    assert grant.user_id == AGENT_ID


def test_an_expired_token_is_refused_and_the_log_says_why(site, sim, caplog):
    caplog.set_level(logging.INFO, logger="bot.web")
    now = time.time()
    token = sim.sidebar_token(host=HOST, iat=now - 600, exp=now - LEEWAY - 5)
    answer = site.post(token)
    assert answer.status_code == 401
    assert "Sign-in expired" in answer.text and "Reload the ticket" in answer.text
    assert "portbot-sidebar-token" not in answer.text
    assert answer.headers["cache-control"] == "no-store"
    (line,) = [r.getMessage() for r in caplog.records if "/zendesk/sidebar" in r.getMessage()]
    assert line.startswith("POST /zendesk/sidebar 401") and line.endswith("sidebar: token expired")
    assert token not in caplog.text


def test_expiry_has_a_minute_of_leeway(site, sim):
    now = time.time()
    assert site.post(sim.sidebar_token(host=HOST, iat=now - 600, exp=now - 30)).status_code == 200


def test_a_token_issued_in_the_future_is_not_valid_yet(site, sim):
    now = time.time()
    early = site.post(sim.sidebar_token(host=HOST, iat=now + LEEWAY + 60))
    assert early.status_code == 401 and "Sign-in expired" in early.text
    assert site.post(sim.sidebar_token(host=HOST, iat=now + 20)).status_code == 200
    too_soon = sim.sidebar_token(host=HOST, nbf=int(now) + LEEWAY + 60)
    assert site.post(too_soon).status_code == 401


def test_a_token_signed_with_another_key_is_refused(site, sim):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = site.post(sim.sidebar_token(host=HOST, key=other))
    assert answer.status_code == 401 and "Bad signature" in answer.text


@pytest.mark.parametrize(
    "audience",
    [
        "https://other.zendesk.com/api/v2/apps/installations/700001.json",
        "http://acme.zendesk.com/api/v2/apps/installations/700001.json",
        "https://acme.zendesk.com/api/v2/apps/installations/700001.json/x",
        "https://acme.zendesk.com/api/v2/apps/installations/abc.json",
        "https://acme.zendesk.com.evil.example/api/v2/apps/installations/700001.json",
        "https://acme.zendesk.com/api/v2/apps/700001.json",
    ],
)
def test_a_token_for_another_audience_is_refused(site, sim, audience):
    answer = site.post(sim.sidebar_token(host=HOST, audience=audience))
    assert answer.status_code == 401 and "Not for this account" in answer.text


def test_a_token_from_another_account_is_refused(site, sim):
    answer = site.post(sim.sidebar_token(host="other.zendesk.com"))  # iss and aud both theirs
    assert answer.status_code == 401 and "Not for this account" in answer.text
    wrong_iss = sim.sidebar_token(host=HOST, iss="other.zendesk.com")
    assert site.post(wrong_iss).status_code == 401


def test_hs256_signed_with_the_public_key_is_refused(site, sim):
    claims = claims_of(sim.sidebar_token(host=HOST))
    forged = forge("HS256", claims, sim.app_public_key_pem.encode())
    answer = site.post(forged)
    assert answer.status_code == 401 and "Bad signature" in answer.text
    assert "portbot-sidebar-token" not in answer.text


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_token_is_refused(site, sim, alg):
    forged = forge(alg, claims_of(sim.sidebar_token(host=HOST)))
    answer = site.post(forged)
    assert answer.status_code == 401 and "Bad signature" in answer.text


def test_a_missing_token_is_refused(site):
    answer = site.post(None)
    assert answer.status_code == 401 and "Open this from a ticket" in answer.text
    assert site.post("").status_code == 401
    assert site.post("not.a.jwt").status_code == 401


def test_a_token_without_exp_is_refused(site, sim):
    no_exp = jwt.encode(
        {k: v for k, v in claims_of(sim.sidebar_token(host=HOST)).items() if k != "exp"},
        sim.app_private_key,
        algorithm="RS256",
    )
    answer = site.post(no_exp)
    assert answer.status_code == 401 and "Bad signature" in answer.text


def test_a_form_over_the_limit_gets_413(site, sim):
    answer = site.post("x" * (SIDEBAR_FORM_LIMIT + 1))
    assert answer.status_code == 413
    assert answer.headers["cache-control"] == "no-store"


# --- the public key --------------------------------------------------------------------------


def test_the_public_key_is_fetched_once_and_kept(serve, sim):
    before = sim.public_key_fetches()
    site = serve()
    for _ in range(3):
        assert site.post(sim.sidebar_token(host=HOST)).status_code == 200
    assert sim.public_key_fetches() - before == 1


def test_a_failed_fetch_is_tried_again_on_the_next_request(serve, sim):
    before = sim.public_key_fetches()
    site = serve()
    sim.fail(f"GET /api/v2/apps/{sim.app_id}/public_key.pem", 500, times=1)
    down = site.post(sim.sidebar_token(host=HOST))
    assert down.status_code == 503 and "could not reach Zendesk" in down.text
    assert site.post(sim.sidebar_token(host=HOST)).status_code == 200
    assert site.post(sim.sidebar_token(host=HOST)).status_code == 200
    assert sim.public_key_fetches() - before == 2


def test_another_apps_key_is_not_there(serve, sim):
    site = serve(ZENDESK_APP_ID="123")
    answer = site.post(sim.sidebar_token(host=HOST))
    assert answer.status_code == 503  # 404 from Zendesk: nothing to check the token with


def test_a_configured_public_key_is_used_without_fetching(serve, sim):
    before = sim.public_key_fetches()
    site = serve(ZENDESK_APP_ID="", ZENDESK_APP_PUBLIC_KEY=sim.app_public_key_pem)
    assert site.post(sim.sidebar_token(host=HOST)).status_code == 200
    assert sim.public_key_fetches() == before


def test_a_fetched_key_is_read_up_to_the_limit(sim):
    url = f"{sim.url}/api/v2/apps/{sim.app_id}/public_key.pem"
    assert PublicKey(url=url).get().key_size == 2048
    with pytest.raises(KeyUnavailable):
        PublicKey(url=url, max_bytes=100).get()
    with pytest.raises(KeyUnavailable):
        PublicKey().get()


def test_without_a_key_or_an_account_the_sidebar_answers_503(serve, sim):
    unset = serve(ZENDESK_APP_ID="")
    answer = unset.post(sim.sidebar_token(host=HOST))
    assert answer.status_code == 503 and "not set up" in answer.text
    assert "frame-ancestors https://acme.zendesk.com" in answer.headers["content-security-policy"]
    nowhere = serve(ZENDESK_SUBDOMAIN="", ZENDESK_URL="", ZENDESK_EMAIL="", ZENDESK_API_TOKEN="")
    answer = nowhere.post(sim.sidebar_token(host=HOST))
    assert answer.status_code == 503
    assert "frame-ancestors https://*.zendesk.com" in answer.headers["content-security-policy"]


def test_without_a_subdomain_the_host_of_zendesk_url_is_the_issuer(serve, sim):
    site = serve(ZENDESK_SUBDOMAIN="")
    host = sim.url.removeprefix("http://")  # 127.0.0.1:PORT
    assert site.post(sim.sidebar_token()).status_code == 200  # the simulator's own host
    assert site.post(sim.sidebar_token(host=HOST)).status_code == 401
    answer = site.post(sim.sidebar_token())
    assert f"frame-ancestors http://{host}" in answer.headers["content-security-policy"]


# --- the sidebar token -----------------------------------------------------------------------

NOW = 1_800_000_000.0


def test_the_sidebar_token_round_trips_and_is_compact():
    tokens = SidebarTokens.from_setting(SECRET)
    token = tokens.issue(Installation(700001, 1002), now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", token) and len(token) < 100
    assert tokens.check(token, now=NOW + 60) == 700001
    assert tokens.read(token, now=NOW) == Installation(700001, 1002)


def test_the_sidebar_token_expires_after_eight_hours():
    tokens = SidebarTokens.from_setting(SECRET)
    token = tokens.issue(Installation(1), now=NOW)
    assert tokens.check(token, now=NOW + SIDEBAR_TOKEN_TTL - 1) == 1
    with pytest.raises(Refused) as refused:
        tokens.check(token, now=NOW + SIDEBAR_TOKEN_TTL)
    assert refused.value.refusal is Refusal.EXPIRED


def test_an_altered_sidebar_token_is_refused():
    tokens = SidebarTokens.from_setting(SECRET)
    token = tokens.issue(Installation(700001, 1002), now=NOW)
    version, installation, user, expires, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    altered = [
        f"{version}.700002.{user}.{expires}.{signature}",  # another installation
        f"{version}.{installation}.1003.{expires}.{signature}",  # another agent
        f"{version}.{installation}.{user}.{int(expires) + 3600}.{signature}",  # longer life
        f"{version}.{installation}.{user}.{expires}.{flipped}",
        f"{version}.{installation}.{user}.{expires}",
        f"{version}.{installation}.{user}.{expires}.{signature}é",
        token + "." + signature,
        "",
    ]
    for bad in altered:
        with pytest.raises(Refused) as refused:
            tokens.check(bad, now=NOW)
        assert refused.value.refusal is Refusal.BAD_SIGNATURE, bad


def test_a_sidebar_token_from_another_key_is_refused_and_keys_rotate():
    old = SidebarTokens.from_setting("an-older-secret-0123456789")
    token = old.issue(Installation(5), now=NOW)
    with pytest.raises(Refused):
        SidebarTokens.from_setting(SECRET).check(token, now=NOW)
    rotated = SidebarTokens.from_setting(f"{SECRET}, an-older-secret-0123456789")
    assert rotated.check(token, now=NOW) == 5
    with pytest.raises(Refused):  # the new key signs: the old keyring alone cannot read it
        old.check(rotated.issue(Installation(6), now=NOW), now=NOW)


def test_each_installation_gets_its_own_token():
    tokens = SidebarTokens.from_setting(SECRET)
    first = tokens.issue(Installation(1), now=NOW)
    second = tokens.issue(Installation(2), now=NOW)
    assert first != second
    assert (tokens.check(first, now=NOW), tokens.check(second, now=NOW)) == (1, 2)


# --- the settings ----------------------------------------------------------------------------


def test_the_app_id_must_be_a_positive_number():
    assert load({"ZENDESK_APP_ID": " 9001 "}).zendesk_app_id == 9001
    for bad in ("0", "-3", "x1", "1.5"):
        with pytest.raises(ConfigError, match=r"^ZENDESK_APP_ID: .* is not an app ID"):
            load({"ZENDESK_APP_ID": bad})


def test_the_public_key_is_pem_text_or_a_file(sim, tmp_path: Path):
    pem = sim.app_public_key_pem
    assert load({"ZENDESK_APP_PUBLIC_KEY": pem}).zendesk_app_public_key == pem
    one_line = pem.strip().replace("\n", "\\n")  # as some .env files hold it
    assert load({"ZENDESK_APP_PUBLIC_KEY": one_line}).zendesk_app_public_key == pem
    path = tmp_path / "zendesk.pem"
    path.write_text(pem)
    assert load({"ZENDESK_APP_PUBLIC_KEY": str(path)}).zendesk_app_public_key == pem


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----", "is not an RSA"),
        ("/nowhere/zendesk.pem", '"/nowhere/zendesk.pem" is neither PEM text'),
    ],
)
def test_a_bad_public_key_is_one_line_naming_the_variable(value, fragment):
    with pytest.raises(ConfigError) as error:
        load({"ZENDESK_APP_PUBLIC_KEY": value})
    message = str(error.value)
    assert message.startswith("ZENDESK_APP_PUBLIC_KEY: ") and fragment in message
    assert "\n" not in message


def test_a_file_without_an_rsa_key_is_named(tmp_path: Path):
    path = tmp_path / "not-a-key.pem"
    path.write_text("hello")
    with pytest.raises(ConfigError, match=r"^ZENDESK_APP_PUBLIC_KEY: .* does not hold an RSA"):
        load({"ZENDESK_APP_PUBLIC_KEY": str(path)})
