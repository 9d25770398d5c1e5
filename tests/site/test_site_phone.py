"""The site on a 360 px phone and a 1280 px desktop: no sideways page, key columns in view, short header."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checkers import require_axe
from tests.site.conftest import REPO
from tests.site.test_site_csp import _paths

VIEWPORTS = {"phone": (360, 740), "desktop": (1280, 800)}
SHOTS = REPO / "output"


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def viewport(request, browser):
    """One browser context per viewport for the whole module; yields (name, page, problems)."""
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=request.param == "phone", has_touch=request.param == "phone")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    problems: list[str] = []
    pg.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    pg.on("response", lambda res: problems.append(f"{res.status}: {res.url}") if res.status >= 400 else None)
    yield request.param, width, pg, problems
    context.close()


def test_no_page_type_is_wider_than_the_screen(viewport, server: str, site: Path) -> None:
    name, width, pg, problems = viewport
    widths = {}
    for path in _paths(site):
        pg.goto(server + path)
        widths[path] = pg.evaluate("document.documentElement.scrollWidth")
        pg.wait_for_load_state("networkidle")  # the icon too: a page left early aborts its request
    assert {p: w for p, w in widths.items() if w > width} == {}
    assert problems == []


def test_header_leaves_the_screen_to_the_page(viewport, server: str) -> None:
    name, width, pg, _ = viewport
    pg.goto(server + "/kinerja/")
    header = pg.locator(".site-header").bounding_box()
    assert header and header["height"] <= 0.25 * VIEWPORTS[name][1]
    items = pg.locator(".site-nav li").evaluate_all("els => new Set(els.map(e => e.getBoundingClientRect().top)).size")
    assert items == 1, "the menu is one row (it scrolls sideways on a phone, it fits on a desktop)"


def _in_view(pg, locator, width: int) -> bool:
    """Whether an element is rendered and lies within the screen's width."""
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] > 0


def test_performance_table_shows_ikm_and_grade(viewport, server: str) -> None:
    name, width, pg, _ = viewport
    pg.goto(server + "/kinerja/")
    row = pg.locator("#cap-latest").locator("xpath=..").locator("tbody tr").filter(has=pg.locator(".tag")).first
    for cell in (row.locator("th a"), row.locator("td").nth(3), row.locator(".tag")):
        assert _in_view(pg, cell, width)
    if name == "phone":  # each value carries its column's name
        assert row.locator("td").nth(3).evaluate("e => getComputedStyle(e, '::before').content") == '"IKM: "'
        pg.screenshot(path=str(SHOTS / "phone-kinerja.png"))
        pg.locator("#h-agencies").scroll_into_view_if_needed()
        pg.screenshot(path=str(SHOTS / "phone-kinerja-agencies.png"))


def test_decision_register_folds_long_responsible_lists(viewport, server: str) -> None:
    name, width, pg, _ = viewport
    pg.goto(server + "/keputusan/")
    folded = pg.locator("details.fold").first
    assert folded.locator("summary").inner_text() == "25 instansi"
    assert not folded.locator("a").first.is_visible()
    folded.locator("summary").click()
    assert folded.locator("a").count() == 25 and folded.locator("a").first.is_visible()
    # The register is on numbered pages of 25: the sample's 47 decisions make two.
    assert pg.locator("#cap-all ~ tbody tr").count() == 25
    assert pg.locator("nav.pager .pager-status").inner_text() == "Halaman 1 dari 2"
    assert pg.locator("nav.pager a[rel=next]").get_attribute("href") == "2/"
    for cell in ("th a", "td:nth-of-type(2)", "td:nth-of-type(3)", "td:nth-of-type(4) .tag"):
        assert _in_view(pg, pg.locator(f"#cap-all ~ tbody tr {cell}").first, width), cell


def test_decision_page_follow_up_is_readable(viewport, server: str, site: Path) -> None:
    name, width, pg, _ = viewport
    pg.goto(server + "/keputusan/disdukcapil/KP-2025-10-01/")
    cell = pg.locator("#cap-history ~ tbody tr").first.locator("td").nth(2)
    box = cell.bounding_box()
    assert box and box["width"] >= 0.6 * min(width, 640), "the follow-up text gets most of the line"
    if name == "phone":
        pg.screenshot(path=str(SHOTS / "phone-decision.png"), full_page=True)


def test_compliance_matrix_scrolls_in_its_box_with_agencies_in_view(viewport, server: str) -> None:
    name, width, pg, _ = viewport
    pg.goto(server + "/kepatuhan/")
    assert pg.evaluate("document.documentElement.scrollWidth") <= width
    legend = pg.locator(".legend-marks li").all_inner_texts()
    assert any(text.strip().startswith("Kosong: ") for text in legend)
    box = pg.locator(".table-wrap").filter(has=pg.locator("#cap-matrix"))
    box.evaluate("e => { e.scrollLeft = e.scrollWidth }")
    assert _in_view(pg, pg.locator("#cap-matrix ~ tbody th").first, width), "the agency column sticks"
    if name == "phone":
        box.evaluate("e => { e.scrollLeft = 0 }")
        pg.screenshot(path=str(SHOTS / "phone-kepatuhan.png"))
        box.evaluate("e => e.scrollIntoView()")
        pg.screenshot(path=str(SHOTS / "phone-kepatuhan-matrix.png"))


@pytest.mark.parametrize("path", ["/keputusan/", "/keputusan/2/", "/kinerja/", "/kepatuhan/", "/instansi/disdukcapil/",
                                  "/instansi/dpmptsp/2026/", "/keputusan/disdukcapil/KP-2025-10-01/", "/laporan/",
                                  "/en/laporan/2025-09/pdam/", "/laporan/2025-09/pdam/agendas.html"])
def test_axe_on_a_phone(browser, server: str, path: str) -> None:
    axe = require_axe()
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    pg = context.new_page()
    pg.route("**/__axe.min.js", lambda route: route.fulfill(path=str(axe), content_type="text/javascript"))
    pg.goto(server + path)
    pg.add_script_tag(url=server + "/__axe.min.js")
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    context.close()
    assert [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]] == []
