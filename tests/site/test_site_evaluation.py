"""The evaluation pages of the built sample site, in the real browser: quarters, methodology, scorecards,
who meets whom, phone width, and the A4 print of a quarter.

Figures are checked against the published CSVs counted here directly (not by the indicator code).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from tests.site.conftest import REPO

CLOSED = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]  # the sample runs from 2025-09 to 2026-10
NOT_CLOSED = ["2025-Q3", "2026-Q4"]
Q3 = ("2026-07", "2026-08", "2026-09")
A4_CONTENT_PX = 703  # 210 mm less 2 × 12 mm margins, at 96 px per inch


def _csv(portal, table: str) -> list[dict[str, str]]:
    with (portal.output / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_page_per_closed_quarter_in_both_languages(site: Path) -> None:
    for lang in ("", "en/"):
        for label in CLOSED:
            assert (site / f"{lang}evaluasi/{label}/index.html").is_file(), (lang, label)
        for label in NOT_CLOSED:
            assert not (site / f"{lang}evaluasi/{label}").exists(), (lang, label)


def test_quarter_page_states_the_figures_of_the_data(page, server, sample_portal) -> None:
    subs = [r for r in _csv(sample_portal, "submissions") if r["period"] in Q3]
    on_time = sum(1 for r in subs if r["on_time"] == "true")
    coordination = sum(
        1 for r in _csv(sample_portal, "agendas")
        if r["date"][:7] in Q3 and r["type"] == "coordination" and r["status"] == "held"
        and len(set(r["participants"].split(";")) | {r["agency_code"]}) >= 2)
    page.goto(server + "/en/evaluasi/2026-Q3/")
    assert page.inner_text("h1") == "Evaluation, Q3 2026"
    summary = page.inner_text("section[aria-labelledby=h-summary]")
    assert f"Inter-agency coordination meetings held: {coordination};" in summary
    assert f"{on_time} of {len(subs)} files owed arrived on time" in summary
    assert f"The coordination-meeting target ({2 * 3}) was" in summary  # two a month (portal.toml) × 3
    headers = page.locator("table.indicators >> nth=0").locator("thead th").all_inner_texts()
    assert headers == ["Indicator", "Q3 2026", "Q2 2026", "Q3 2025", "Target"]
    # Q3 2025 is only September in the sample: said so beside each figure.
    assert "part of the quarter only" in page.locator("table.indicators >> nth=0").inner_text()
    page.goto(server + "/evaluasi/2026-Q3/")
    assert page.inner_text("h1") == "Evaluasi Triwulan III 2026"
    assert "rapat koordinasi antarinstansi" in page.inner_text("section[aria-labelledby=h-summary]")


def test_methodology_lists_every_indicator_with_its_formula(page, server) -> None:
    schema = (REPO / "datasets/schemas/published/indicators.json").read_text(encoding="utf-8")
    ids = re.search(r'"enum": \[([^\]]*)\]', schema).group(1)  # the first enum: the indicator codes
    codes = re.findall(r'"([a-z-]+)"', ids)
    assert len(codes) == 30
    for path in ("/evaluasi/metodologi/", "/en/evaluasi/metodologi/"):
        page.goto(server + path)
        for code in codes:
            block = page.locator(f"h3[id='{code}'] + dl")
            assert block.locator("dd").first.inner_text().strip(), code  # the formula
    assert "applications_completed" in page.inner_text("h3[id=within-standard] + dl")


def test_scorecard_is_linked_from_the_agency_page(page, server) -> None:
    page.goto(server + "/instansi/disdukcapil/")
    page.click("text=Rapor evaluasi triwulanan")
    assert page.url == server + "/rapor/disdukcapil/"
    assert page.inner_text("h1").startswith("Rapor Dinas Kependudukan")
    head = page.locator("table.indicators >> nth=0").locator("thead th").all_inner_texts()
    assert head[1:5] == ["Triwulan IV 2025", "Triwulan I 2026", "Triwulan II 2026", "Triwulan III 2026"]
    # Its September 2026 performance file was rejected: the scorecard says so.
    assert "September 2026: berkas ditolak" in page.inner_text("ul.gaps")


def test_who_meets_whom_without_javascript(browser, server, sample_portal) -> None:
    active = [r for r in _csv(sample_portal, "agencies") if r["active"] == "true"]
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(server + "/en/evaluasi/siapa-bertemu-siapa/")
    svg = pg.locator("figure.matrix > svg")
    assert svg.is_visible() and svg.get_attribute("role") == "img"
    assert svg.locator("rect").count() == len(active) * (len(active) - 1)
    assert pg.locator("main table tbody tr").count() == len(active)
    known = sum(1 for r in _csv(sample_portal, "agendas") if r["status"] == "held" and r["attendees"])
    assert pg.inner_text("main p >> nth=1").startswith(f"{known} meetings held recorded who came")
    context.close()


def test_evaluation_pages_fit_a_phone(browser, server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    pg = context.new_page()
    for path in ("/evaluasi/2026-Q3/", "/en/evaluasi/2026-Q3/", "/rapor/disdukcapil/", "/en/rapor/disdukcapil/",
                 "/evaluasi/metodologi/", "/evaluasi/siapa-bertemu-siapa/", "/evaluasi/"):
        pg.goto(server + path)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 360, path
    context.close()


def test_quarter_prints_as_a_clean_a4_report(browser, server, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": A4_CONTENT_PX, "height": 1000})
    pg = context.new_page()
    pg.goto(server + "/evaluasi/2026-Q3/")
    pg.emulate_media(media="print")
    # No table is cut off: each fits the printable width, none scrolls inside its box.
    cut = pg.evaluate("""() => [...document.querySelectorAll('table')].filter(t =>
        t.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
        || t.parentElement.scrollWidth > t.parentElement.clientWidth + 0.5).map(t => t.caption?.innerText)""")
    assert cut == []
    # The site's navigation, search and footer are not printed.
    assert pg.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "none"
    pdf = pg.pdf(format="A4", print_background=True)
    (tmp_path / "q3.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == EXPECTED_PAGES, pages
    pg.screenshot(path=str(REPO / "output" / "print-2026-Q3.png"), full_page=True)
    context.close()


EXPECTED_PAGES = 4  # looked at: summary and targets, the four indicator tables, the lists
