"""The built sample site in a real browser (Debian's Chromium, headless, over loopback HTTP).

Expected values come from the site's inputs read with the csv module (the reference tables, the
published CSV files the site is built from) or are written out here; never from the site's code.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

from tests.site.conftest import REPO

NAME = "Data Terbuka Mal Pelayanan Publik Kota Jambi"  # datasets/portal.toml
NAME_EN = "Open Data of the Jambi City Public Service Mall"
AGENDA_STATUS = {"planned": "Direncanakan", "held": "Terlaksana", "postponed": "Ditunda", "cancelled": "Dibatalkan"}
DECISION_STATUS = {"open": "Belum ditindaklanjuti", "in-progress": "Dalam proses", "done": "Selesai",
                   "cancelled": "Dibatalkan"}


def _read(path: Path) -> list[dict[str, str]]:
    """A CSV file as text rows."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _rows(portal, table: str) -> list[dict[str, str]]:
    """A published CSV (what the site is built from) as text rows."""
    return _read(portal.output / "data" / f"{table}.csv")


def test_home_page_indonesian(page, server) -> None:
    page.goto(server + "/")
    assert page.get_attribute("html", "lang") == "id"
    assert page.inner_text("h1") == NAME
    figures = page.locator("#h-figures")
    assert figures.inner_text().startswith("Angka bulan ")
    assert page.locator(".figures li").count() == 4
    for heading in ("Agenda mendatang", "Keputusan terbaru"):
        assert page.get_by_role("heading", name=heading).count() == 1
    assert "Tindak lanjut melewati tenggat" in page.inner_text("#h-overdue")
    assert "Data terakhir diperbarui" in page.inner_text("main")


def test_home_page_english(page, server) -> None:
    page.goto(server + "/en/")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == NAME_EN
    assert page.inner_text("#h-figures").endswith(" in figures")
    assert page.get_by_role("heading", name="Latest decisions").count() == 1
    assert "Data last updated" in page.inner_text("main")


def test_home_page_compares_like_with_like(page, server) -> None:
    # October 2026 of the sample: 20,465 applications served by the 23 agencies that reported;
    # September lacks two of them (one file rejected for an empty survey cell), so the
    # comparison takes the 21 agencies present in both months: 14,351 then 15,037.
    page.goto(server + "/en/")
    assert page.inner_text(".coverage") == "23 of 25 agencies reported"
    assert page.inner_text(".figures li >> nth=0").startswith("20,465")
    table = page.locator("table.compare")
    assert "the 21 agencies that reported in both months" in table.locator("caption").inner_text()
    assert table.locator("tbody tr >> nth=0").inner_text().split("\t")[1:] == ["14,351", "15,037"]
    gaps = page.locator("ul.gaps li").all_inner_texts()
    assert any(g.endswith("September 2026: file rejected") for g in gaps)


def test_language_switch_keeps_the_page(page, server) -> None:
    page.goto(server + "/instansi/disdukcapil/")
    page.click(".lang-switch")
    assert page.url == server + "/en/instansi/disdukcapil/"
    assert page.get_attribute("html", "lang") == "en"
    page.click(".lang-switch")
    assert page.url == server + "/instansi/disdukcapil/"
    assert page.get_attribute("html", "lang") == "id"


def test_agency_page(page, server) -> None:
    services = [s for s in _read(REPO / "datasets" / "reference" / "services.csv") if s["agency_code"] == "disdukcapil"]
    assert len(services) >= 3
    page.goto(server + "/instansi/disdukcapil/")
    table = page.locator("#layanan table")
    assert table.locator("tbody tr").count() == len(services)
    first = sorted(services, key=lambda s: s["name"])[0]
    row = table.locator("tbody tr").first.inner_text()
    assert first["name"] in row and first["standard_time"] in row
    assert page.locator("#kinerja svg.chart").count() == 2
    assert page.locator("#kepatuhan table tbody tr").count() > 0


def test_decision_page_shows_dated_history(page, server, sample_portal) -> None:
    history = _rows(sample_portal, "decision_history")
    counts = Counter((h["agency_code"], h["decision_id"]) for h in history)
    (agency, decision_id), n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    assert n >= 2, "the sample should have a decision reported more than once"
    statuses = [h["status"] for h in sorted(history, key=lambda h: h["period"])
                if (h["agency_code"], h["decision_id"]) == (agency, decision_id)]
    (latest,) = [d for d in _rows(sample_portal, "decisions")
                 if (d["agency_code"], d["decision_id"]) == (agency, decision_id)]
    page.goto(f"{server}/keputusan/{agency}/{decision_id}/")
    rows = page.locator("#h-history ~ .table-wrap tbody tr")
    # One row per reported state, oldest first, each with the status reported that month.
    assert [rows.nth(i).locator(".tag").inner_text() for i in range(rows.count())] == [
        DECISION_STATUS[s] for s in statuses]
    assert page.locator("main > p .tag").first.inner_text() == DECISION_STATUS[latest["status"]]
    assert page.locator("main dl.facts").inner_text().count("Tenggat") == 1


def test_agenda_page_shows_every_reported_version(page, server, sample_portal) -> None:
    key = lambda h: (h["agency_code"], h["agenda_id"])  # noqa: E731 - a local shorthand
    # Published month first (period, agency, id); an agenda's versions in turn, as its page lists them.
    history = sorted(_rows(sample_portal, "agenda_history"), key=lambda h: (*key(h), h["period"]))
    moved = [key(h) for h, nxt in zip(history, history[1:]) if key(h) == key(nxt) and h["date"] != nxt["date"]]
    assert moved, "the sample should have an agenda whose date changed between reports"
    agency, agenda_id = moved[0]
    versions = [h for h in history if key(h) == (agency, agenda_id)]
    page.goto(f"{server}/agenda/{agency}/{agenda_id}/")
    rows = page.locator("#h-history ~ .table-wrap tbody tr")
    assert rows.count() == len(versions) >= 2
    assert rows.first.locator("td").last.inner_text() == "Laporan pertama"
    changed = next(i for i in range(1, len(versions)) if versions[i]["date"] != versions[i - 1]["date"])
    assert "Tanggal" in rows.nth(changed).locator("td").last.inner_text()
    assert [rows.nth(i).locator(".tag").inner_text() for i in range(rows.count())] == [
        AGENDA_STATUS[v["status"]] for v in versions]
    assert page.locator("main > p .tag").first.inner_text() == AGENDA_STATUS[versions[-1]["status"]]


def test_chart_data_table_matches_the_data(page, server, sample_portal) -> None:
    received: dict[str, int] = defaultdict(int)
    completed: dict[str, int] = defaultdict(int)
    for row in _rows(sample_portal, "performance"):
        received[row["period"]] += int(row["applications_received"])
        completed[row["period"]] += int(row["applications_completed"])
    last = max(received)
    page.goto(server + "/en/kinerja/")
    block = page.locator("#c-vol-h").locator("xpath=..")
    assert block.locator("svg.chart[role=img] title").count() == 1
    rows = block.locator("table tbody tr")
    assert rows.count() == len(received)  # one row per month of data
    cells = rows.last.locator("td").all_inner_texts()
    assert cells[:2] == [f"{received[last]:,}", f"{completed[last]:,}"]
    assert "applications were completed" in block.locator("figcaption p").inner_text()


def test_search_finds_a_known_agency(page, server) -> None:
    page.goto(server + "/cari/?q=Kependudukan")
    link = page.locator("#results a[href*='/instansi/disdukcapil/']")
    link.first.wait_for(timeout=15000)
    assert "Kependudukan" in link.first.inner_text()
    link.first.click()
    assert page.url == server + "/instansi/disdukcapil/"


def test_search_from_english_page_finds_english_names(page, server) -> None:
    page.goto(server + "/en/")
    page.fill("#site-q", "Population")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/en/cari/?q=Population")
    link = page.locator("#results a[href*='/en/instansi/disdukcapil/']").first
    link.wait_for(timeout=15000)
    assert "Population" in link.inner_text()
    assert page.get_attribute("html", "lang") == "en"


def test_site_works_without_javascript(browser, server) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(server + "/")
    pg.click("nav.site-nav >> text=Keputusan")
    # The click returns once the navigation is under way: wait for the new page to be loaded
    # before counting its tables (seen once on a loaded machine: 0 tables, page not parsed yet).
    pg.wait_for_url(server + "/keputusan/")
    pg.wait_for_load_state("load")
    assert pg.locator("main table").count() >= 1
    pg.goto(server + "/cari/")
    assert pg.locator("noscript").count() == 1
    context.close()


def test_mobile_screenshot_of_home(browser, server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    pg = context.new_page()
    pg.goto(server + "/")
    target = REPO / "output" / "screenshot-home-mobile.png"
    target.parent.mkdir(exist_ok=True)
    pg.screenshot(path=str(target))
    # Nothing wider than the phone: no sideways scrolling of the page itself.
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
    assert target.stat().st_size > 10_000
