"""The 30 KB page budget on a generated mall with a long history, not only on the sample.

Two agencies (the organiser and one other) over 160 months, made by the benchmark's
generator: small enough to publish and build in about a minute, long enough that the
pages which used to list everything broke the budget (each agency page 31.5-32.5 KB
gzipped before the lists were cut into latest rows, year pages and numbered pages).
Every agenda and decision must still be reachable through the lists that replaced them.
"""

from __future__ import annotations

import csv
import gzip
import re
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline.core.config import load_portal
from pipeline.site import build_site
from tests.town_support import publish
from tools.bench import city
from tools.bench.shape import shape_for

SHAPE = "2x1x160"
BUDGET = 30 * 1024
AS_OF = date(2026, 11, 30)
HREF = re.compile(r'href="([^"#]*)"')


@pytest.fixture(scope="module")
def long_mall(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The mall generated, published without its site, then its site built (no search index); read only."""
    root = tmp_path_factory.mktemp("long-mall")
    datasets, output = root / "datasets", root / "output"
    started = time.perf_counter()
    city.generate(city.build(shape_for(SHAPE)), datasets)
    publish(datasets, output)
    published = time.perf_counter()
    build_site(load_portal(datasets, output), AS_OF, search=False)
    print(f"\n{SHAPE}: generate and publish {published - started:.1f} s, site build {time.perf_counter() - published:.1f} s")
    return output / "data", output / "site"


def _pages(site: Path) -> dict[str, Path]:
    """Every HTML page of the site, the feedback pages copied from publish included (Pagefind did not run)."""
    return {p.relative_to(site).as_posix(): p for p in site.rglob("*.html")}


def _links(site: Path, page: str) -> set[str]:
    """The pages ``page`` links to, as folders relative to the site root."""
    folder = (site / page).parent
    out = set()
    for href in HREF.findall((site / page).read_text(encoding="utf-8")):
        if href.endswith("/") and not href.startswith(("http", "mailto")):
            out.add((folder / href).resolve().relative_to(site.resolve()).as_posix())
    return out


def _rows(data: Path, table: str) -> list[dict[str, str]]:
    with (data / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_page_within_the_budget(long_mall: tuple[Path, Path]) -> None:
    _, site = long_mall
    sizes = {name: len(gzip.compress(path.read_bytes(), 9)) for name, path in _pages(site).items()}
    assert len(sizes) > 3000
    largest = max(sizes, key=lambda k: sizes[k])
    print(f"{len(sizes)} pages; largest gzipped: {sizes[largest]} bytes ({largest})")
    assert {k: v for k, v in sizes.items() if v > BUDGET} == {}


def test_every_agenda_listed_on_a_month_page(long_mall: tuple[Path, Path]) -> None:
    data, site = long_mall
    agendas = {f"agenda/{r['agency_code']}/{r['agenda_id']}" for r in _rows(data, "agendas")}
    assert len(agendas) > 1000  # the old index listed each of them on one page
    listed: set[str] = set()
    for month in site.glob("agenda/[0-9]*/index.html"):
        listed |= _links(site, month.relative_to(site).as_posix())
    assert agendas <= listed
    index = _links(site, "agenda/index.html")
    assert {f"agenda/{m.parent.name}" for m in site.glob("agenda/[0-9]*/index.html")} <= index


def test_every_decision_listed_on_a_register_page(long_mall: tuple[Path, Path]) -> None:
    data, site = long_mall
    decisions = {f"keputusan/{r['agency_code']}/{r['decision_id']}" for r in _rows(data, "decisions")}
    numbered = sorted(site.glob("keputusan/[0-9]*/index.html"))
    assert len(numbered) == -(-len(decisions) // 25) - 1  # 25 a page; the first is /keputusan/ itself
    listed = _links(site, "keputusan/index.html")
    for page in numbered:
        listed |= _links(site, page.relative_to(site).as_posix())
    assert decisions <= listed


def test_every_meeting_of_the_organiser_on_its_year_pages(long_mall: tuple[Path, Path]) -> None:
    data, site = long_mall
    mine = {f"agenda/{r['agency_code']}/{r['agenda_id']}" for r in _rows(data, "agendas")
            if r["agency_code"] == "dpmptsp" or "dpmptsp" in r["participants"].split(";")}
    years = sorted(site.glob("instansi/dpmptsp/[0-9]*/index.html"))
    assert [y.parent.name for y in years] == [str(y) for y in range(2013, 2027)]
    listed: set[str] = set()
    for year in years:
        listed |= _links(site, year.relative_to(site).as_posix())
    assert mine <= listed
    assert {f"instansi/dpmptsp/{y.parent.name}" for y in years} <= _links(site, "instansi/dpmptsp/index.html")
