"""The signing page in a real browser: Debian's Chromium, headless, driven by Playwright with
JavaScript switched off (the page must work without it). Screenshots are kept as test artifacts
in ``test-artifacts/`` (or ``PORTBOT_TEST_ARTIFACTS``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.models import DocumentKind
from storage.values import RequestStatus
from tests.loa.support import documents, pdf_text, request
from tests.loa.test_signing_page import link_for, serve

ARTIFACTS = Path(os.environ.get("PORTBOT_TEST_ARTIFACTS", "test-artifacts"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As Chromium must run here: as root, no GPU, and no calls home (the network is closed).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's package)"
)


@pytest.fixture
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        try:
            launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        except sync_api.Error as exc:  # a Chromium that cannot start here: say why
            pytest.skip(f"Chromium at {CHROMIUM} would not start: {str(exc)[:200]}")
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site_url(ctx, db, tmp_path):
    from storage.documents import DocumentStore

    store = DocumentStore(db, tmp_path / "files")
    served = serve(ctx, store)
    try:
        yield served.url, store
    finally:
        served.stop()


def test_a_representative_signs_in_a_real_browser_without_javascript(ctx, db, browser, site_url):
    url, store = site_url
    from tests.loa.test_signing_page import Site

    sid, link = link_for(ctx, Site(url, store))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 900, "height": 1200}
    )
    page = context.new_page()
    try:
        page.goto(link)
        assert "Jordan Rivera" in page.content() and "Old Phone Co" in page.content()
        page.screenshot(path=str(ARTIFACTS / "loa-signing-page.png"), full_page=True)

        page.fill("input[name=name]", "Jordan Riviera")  # a slip of the keyboard
        page.check("input[name=authorized]")
        page.click("button[type=submit]")
        assert "full name of the authorized representative" in page.content()
        assert page.input_value("input[name=name]") == "Jordan Riviera"  # kept as typed
        assert request(db, sid).status is RequestStatus.AWAITING_SIGNATURE

        page.fill("input[name=name]", "jordan rivera")
        page.check("input[name=authorized]")
        page.click("button[type=submit]")
        assert "the letter is signed" in page.content()
        page.screenshot(path=str(ARTIFACTS / "loa-signed.png"), full_page=True)
    finally:
        context.close()

    assert request(db, sid).status is RequestStatus.IN_REVIEW
    [signed] = documents(db, sid, DocumentKind.LOA_SIGNED)
    assert "jordan rivera" in pdf_text(store.get_bytes(signed))
    assert (ARTIFACTS / "loa-signing-page.png").stat().st_size > 10_000
