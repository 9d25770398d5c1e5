"""Small things every page owes: last update, x-default, sitemap lastmod, JSON-LD fields, favicon, print."""

from __future__ import annotations

import json
import re
from pathlib import Path


def test_every_page_says_when_its_data_was_updated(site: Path) -> None:
    for rel in ("kinerja/index.html", "keputusan/index.html", "en/kepatuhan/index.html", "kalender/index.html"):
        html = (site / rel).read_text(encoding="utf-8")
        assert re.search(r"(Data terakhir diperbarui|Data last updated) \d", html), rel


def test_hreflang_has_x_default_and_sitemap_has_lastmod(site: Path) -> None:
    html = (site / "en" / "kinerja" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" hreflang="x-default" href="https://data.mpp.jambikota.go.id/kinerja/">' in html
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    urls = sitemap.count("<url>")
    assert urls > 100 and sitemap.count("<lastmod>") == urls
    assert sitemap.count('hreflang="x-default"') == urls


def test_dataset_json_ld_has_modified_publisher_and_place(site: Path) -> None:
    html = (site / "data" / "performance" / "index.html").read_text(encoding="utf-8")
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", ld["dateModified"])
    assert ld["publisher"]["name"] and ld["spatialCoverage"] == {"@type": "Place", "name": "Kota Jambi"}


def test_favicon_ico_is_served(site: Path) -> None:
    icon = (site / "favicon.ico").read_bytes()
    assert icon[:4] == b"\0\0\1\0" and len(icon) > 1000


def test_print_drops_navigation_and_prints_the_address(browser, server: str) -> None:
    context = browser.new_context()
    pg = context.new_page()
    pg.emulate_media(media="print")
    pg.goto(server + "/kinerja/")
    assert not pg.locator(".site-nav").is_visible() and not pg.locator(".lang-switch").is_visible()
    assert pg.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor") in ("rgba(0, 0, 0, 0)",
                                                                                               "transparent")
    assert pg.locator(".print-only").inner_text() == "https://data.mpp.jambikota.go.id/kinerja/"
    context.close()


def test_agency_without_survey_says_so_instead_of_an_empty_chart(site: Path, sample_portal) -> None:
    import csv

    with (sample_portal.output / "data" / "agency_ikm.csv").open(encoding="utf-8", newline="") as fh:
        surveyed = {r["agency_code"] for r in csv.DictReader(fh) if r["services_surveyed"] != "0"}
    assert "bank-jambi" not in surveyed  # the sample's bank surveys nobody
    html = (site / "instansi" / "bank-jambi" / "index.html").read_text(encoding="utf-8")
    assert 'class="empty-state">Tidak ada survei kepuasan masyarakat (jumlah responden 0)' in html
    assert html.count("<svg") == 1, "only the volume chart; no empty IKM chart"


def test_feedback_index_is_folded_by_month(site: Path, sample_portal) -> None:
    import csv

    with (sample_portal.output / "data" / "submissions.csv").open(encoding="utf-8", newline="") as fh:
        months = sorted({r["period"] for r in csv.DictReader(fh)}, reverse=True)
    html = (site / "laporan" / "index.html").read_text(encoding="utf-8")
    assert html.count('<details class="report-month"') == len(months) == 15
    assert html.count('<details class="report-month" open>') == 1
    assert html.index('href="2026-11/') < html.index('href="2025-09/'), "newest month first"


def test_completed_above_received_is_explained(site: Path) -> None:
    # In the sample's latest month (October 2026) only Pos Indonesia completed more than it
    # received: 623 completed, 599 received (datasets/submissions/2026-10/pos/performance).
    html = (site / "kinerja" / "index.html").read_text(encoding="utf-8")
    assert html.count('<span aria-hidden="true">*</span>') == 1
    assert '623<span aria-hidden="true">*</span>' in html
    assert "permohonan yang diterima pada bulan-bulan sebelumnya ikut diselesaikan bulan ini" in html
    english = (site / "en" / "kinerja" / "index.html").read_text(encoding="utf-8")
    assert "applications received in earlier months were also completed this month" in english


def test_english_pages_name_the_licence_in_english(site: Path) -> None:
    indonesian = (site / "index.html").read_text(encoding="utf-8")
    english = (site / "en" / "index.html").read_text(encoding="utf-8")
    assert "Creative Commons Atribusi 4.0 Internasional (CC BY 4.0)" in indonesian and "deed.id" in indonesian
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in english and "deed.en" in english
    assert "Atribusi" not in english
