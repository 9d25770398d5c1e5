"""The intake service in the real browser (Chromium driven by Playwright): the clerk's whole month, without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.checkers import require_chromium
from tests.intake.support import Service, performance_csv, this_period

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """Debian's Chromium, headless, from the worker's one Playwright (tests/conftest.py)."""
    chromium = playwright.chromium.launch(executable_path=str(require_chromium()), args=ARGS)
    yield chromium
    chromium.close()


def test_a_clerk_uploads_reads_the_report_fixes_and_gets_a_receipt(browser, service: Service, tmp_path: Path) -> None:
    # A phone-sized window with JavaScript off: every step must work without it.
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False,
                                  extra_http_headers={"X-Forwarded-For": "10.9.0.1"})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    period = this_period()
    bad, good = tmp_path / "Kinerja (1).csv", tmp_path / "kinerja final.csv"
    bad.write_bytes(performance_csv(period, agency="dpmptsp", service="izin-usaha", applications_received="banyak"))
    good.write_bytes(performance_csv(period, agency="dpmptsp", service="izin-usaha"))
    page.goto(service.url + "/")
    assert page.locator("h1").inner_text() == "Masuk"
    page.fill("#username", "operator-dpmptsp")
    page.fill("#password", service.passwords["operator-dpmptsp"])
    page.click("button[type=submit] >> text=Masuk")
    assert page.locator("h1").inner_text() == "Unggah berkas bulanan"
    page.select_option("#period", period)
    page.set_input_files("#file", str(bad))
    page.click("text=Unggah dan periksa")
    assert "Berkas ditolak" in page.inner_text(".error-summary")
    report = page.inner_text("table")
    assert "applications_received" in report and "banyak" in report
    page.click("text=Unggah berkas lain atau perbaikan")
    page.select_option("#period", period)
    page.set_input_files("#file", str(good))
    page.select_option("#table", "performance")
    page.click("text=Unggah dan periksa")
    assert "Berkas diterima" in page.inner_text(".ok-summary")
    facts = page.inner_text(".receipt")
    assert "SHA-256" in facts and "Kinerja layanan" in facts and period in facts
    # English switch, back to the same receipt.
    page.click("a.lang-switch")
    assert page.locator("h1").inner_text().startswith("Receipt No.")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert page.locator(".receipt").is_visible()
    context.close()
    assert problems == []
