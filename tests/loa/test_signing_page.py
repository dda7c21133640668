"""The signing page over real HTTP: what it shows, what it refuses, what signing leaves behind."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests
from pypdf import PdfReader

from bot import config
from bot import services as svc
from bot.loa.web import loa_routes
from bot.sandbox.serving import ServedApp
from bot.web import create_app
from storage.documents import DocumentStore
from storage.models import DocumentKind
from storage.values import RequestStatus
from tests.loa.support import (
    TTL,
    awaiting,
    documents,
    events,
    issue,
    pdf_text,
    request,
    tokens,
)
from tests.services.helpers import ACCOUNT, AGENT, CUSTOMER, PIN, outbox_for

S = RequestStatus
SIGN = {"name": "Jordan Rivera", "authorized": "yes"}


@dataclass
class Site:
    url: str
    store: DocumentStore


def serve(ctx, store, **env: str) -> ServedApp:
    settings = config.load(env)
    served = ServedApp(create_app(ctx, None, loa=loa_routes(ctx, store, settings)))
    # uvicorn itself believes X-Forwarded-For from loopback peers unless told not to; the app's
    # own setting (PORTBOT_TRUST_PROXY) is what these tests check, so uvicorn's is turned off.
    served._server.config.proxy_headers = False
    return served.start()


@pytest.fixture
def store(db, tmp_path) -> DocumentStore:
    return DocumentStore(db, tmp_path / "files")


@pytest.fixture
def site(ctx, store) -> Iterator[Site]:
    served = serve(ctx, store)
    try:
        yield Site(served.url, store)
    finally:
        served.stop()


def link_for(ctx, site: Site, **overrides: object) -> tuple[str, str]:
    """(sid, signing URL) for a new request waiting for its signature."""
    snap = awaiting(ctx, **overrides)
    return snap.sid, issue(ctx, site.store, snap.sid, url=site.url).url


def post(url: str, data: dict[str, str], **headers: str) -> requests.Response:
    return requests.post(url, data=data, headers=headers, timeout=30)


def test_the_page_shows_the_summary_but_no_secret(ctx, site):
    _sid, url = link_for(ctx, site, wireless=["+16172537001"], landlines=["+16172537002"])
    page = requests.get(url, timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    body = page.text
    for shown in ("Acme Widgets Inc", "Jordan Rivera", "77 Massachusetts Ave", "Cambridge, MA",
                  "Old Phone Co", "••••4567", "2 numbers", "+1 617-253-7001"):  # fmt: skip
        assert shown in body, shown
    assert PIN not in body and ACCOUNT not in body
    assert '<form method="post"' in body and 'name="authorized"' in body
    assert "<script" not in body
    token = token_of_url(url)
    assert f'<iframe src="{token}/pdf"' in body

    pdf = requests.get(f"{url}/pdf", timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.headers["cache-control"] == "no-store"
    assert pdf.headers["content-security-policy"] == "sandbox"
    assert pdf.headers["content-disposition"].startswith("inline;")
    download = requests.get(f"{url}/pdf?download=1", timeout=30)
    assert download.headers["content-disposition"].startswith("attachment;")
    assert PIN not in pdf_text(pdf.content) and ACCOUNT not in pdf_text(pdf.content)


def token_of_url(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def test_a_wrong_name_gets_the_form_back_and_changes_nothing(ctx, db, site):
    sid, url = link_for(ctx, site)
    before = events(db, sid)
    answer = post(url, {"name": "Jordan <Riviera>", "authorized": "yes"})
    assert answer.status_code == 400
    assert "Type the full name of the authorized representative" in answer.text
    assert 'value="Jordan &lt;Riviera&gt;"' in answer.text and " checked" in answer.text
    unticked = post(url, {"name": "Jordan Rivera"})
    assert unticked.status_code == 400 and "Tick the box" in unticked.text
    assert 'value="Jordan Rivera"' in unticked.text
    assert request(db, sid).status is S.AWAITING_SIGNATURE and events(db, sid) == before
    assert tokens(db, sid)[0].used_at is None


def test_signing_moves_the_request_on_and_keeps_the_stamped_letter(ctx, db, site):
    sid, url = link_for(ctx, site)
    [unsigned] = documents(db, sid, DocumentKind.LOA)
    answer = post(url, {"name": " jordan  rivera ", "authorized": "yes"}, **{"User-Agent": "T/1"})
    assert answer.status_code == 200 and "the letter is signed" in answer.text
    assert "What happens next" in answer.text and "Old Phone Co" in answer.text
    assert request(db, sid).status is S.IN_REVIEW

    signed_event = events(db, sid)[-1]
    assert signed_event.action == "sign_loa" and "127.0.0.1" not in signed_event.detail
    assert signed_event.data["ip"] == "127.0.0.1"
    [signed] = documents(db, sid, DocumentKind.LOA_SIGNED)
    pdf = site.store.get_bytes(signed)
    text = pdf_text(pdf)
    assert "jordan rivera" in text and unsigned.sha256 in text and "127.0.0.1" in text
    assert PdfReader(io.BytesIO(pdf)).metadata["/PortbotSignerUserAgent"] == "T/1"

    # The thank-you page's download gives the signed letter.
    download = requests.get(f"{url}/pdf?download=1", timeout=30)
    assert download.status_code == 200 and download.content == pdf

    again = requests.get(url, timeout=30)
    assert again.status_code == 410 and "already signed" in again.text
    assert "jordan rivera" in again.text
    reused = post(url, SIGN)
    assert reused.status_code == 410 and "already signed" in reused.text
    assert len(documents(db, sid, DocumentKind.LOA_SIGNED)) == 1


def test_an_expired_link_has_its_own_page(ctx, clock, site):
    _sid, url = link_for(ctx, site)
    clock.set(clock.now + TTL + timedelta(minutes=1))
    for answer in (requests.get(url, timeout=30), post(url, SIGN)):
        assert answer.status_code == 410 and "expired" in answer.text
    assert requests.get(f"{url}/pdf", timeout=30).status_code == 410


def test_unknown_links_are_404_and_never_a_stack_trace(site):
    for token in ("A" * 43, "short", "%3Cscript%3E"):
        answer = requests.get(f"{site.url}/loa/{token}", timeout=30)
        assert answer.status_code == 404 and "recognise this link" in answer.text
        assert "Traceback" not in answer.text and "<script>" not in answer.text
        assert post(f"{site.url}/loa/{token}", SIGN).status_code == 404


def test_a_resend_revokes_the_old_link(ctx, db, clock, site):
    sid, old = link_for(ctx, site)
    clock.set(clock.now + timedelta(minutes=5))
    svc.resend_loa(ctx, sid, actor=CUSTOMER)
    new = issue(ctx, site.store, sid, url=site.url).url
    for answer in (requests.get(old, timeout=30), post(old, SIGN)):
        assert answer.status_code == 410 and "replaced" in answer.text
    assert requests.get(f"{old}/pdf", timeout=30).status_code == 410
    assert post(new, SIGN).status_code == 200


def test_two_posts_at_once_make_exactly_one_signature(ctx, db, site):
    sid, url = link_for(ctx, site)
    codes: list[int] = []
    start = threading.Barrier(3)

    def click() -> None:
        start.wait()
        codes.append(post(url, SIGN).status_code)

    threads = [threading.Thread(target=click) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [200, 410, 410]
    assert len(documents(db, sid, DocumentKind.LOA_SIGNED)) == 1
    assert [e.action for e in events(db, sid)].count("sign_loa") == 1


def test_a_fix_after_signing_asks_for_a_new_signature(ctx, db, site):
    sid, url = link_for(ctx, site)
    assert post(url, SIGN).status_code == 200
    svc.update_details(ctx, sid, {"postal_code": "02142"}, actor=AGENT)
    assert request(db, sid).status is S.AWAITING_SIGNATURE
    sends = [m for m in outbox_for(db, sid) if m.topic == "loa.send"]
    assert [m.payload["action"] for m in sends] == ["complete_draft", "amend"]
    assert post(url, SIGN).status_code == 410
    fresh = issue(ctx, site.store, sid, url=site.url).url
    assert "02142" in requests.get(fresh, timeout=30).text
    assert post(fresh, SIGN).status_code == 200


def test_a_cancelled_request_needs_no_signature(ctx, site):
    sid, url = link_for(ctx, site)
    svc.request_cancel(ctx, sid, actor=CUSTOMER)
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 410 and "No signature is needed" in answer.text


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(ctx, db, store):
    for env, expected in (({}, "127.0.0.1"), ({"PORTBOT_TRUST_PROXY": "true"}, "198.51.100.7")):
        served = serve(ctx, store, **env)
        try:
            snap = awaiting(ctx)
            url = issue(ctx, store, snap.sid, url=served.url).url
            forwarded = {"X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
            assert post(url, SIGN, **forwarded).status_code == 200
            assert events(db, snap.sid)[-1].data["ip"] == expected
        finally:
            served.stop()
