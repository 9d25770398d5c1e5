"""Whole-site checks on the built sample: links, HTML validity, accessibility, size, hosts, determinism."""

from __future__ import annotations

import csv
import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.core.config import load_portal
from pipeline.site import build_site
from tests.checkers import require_axe, require_vnu
from tests.site.conftest import AS_OF, html_pages
from tests.site.linkcheck import crawl

BUDGET = 30 * 1024
# One page of each main type (both languages for the home page).
AXE_PAGES = ["/", "/en/", "/instansi/", "/instansi/disdukcapil/", "/en/instansi/disdukcapil/", "/agenda/",
             "/keputusan/", "/keputusan/2/", "/instansi/dpmptsp/2025/", "/en/instansi/dpmptsp/2026/", "/kinerja/", "/en/kinerja/", "/kepatuhan/", "/data/performance/", "/data/",
             "/untuk-instansi/", "/cari/", "/layanan/",
             "/evaluasi/", "/evaluasi/2026-Q3/", "/en/evaluasi/2026-Q3/", "/evaluasi/metodologi/",
             "/evaluasi/siapa-bertemu-siapa/", "/rapor/disdukcapil/", "/en/rapor/disdukcapil/",
             "/laporan/", "/laporan/2025-09/pdam/", "/en/laporan/2025-09/pdam/agendas.html"]


def test_every_page_within_the_size_budget(site: Path) -> None:
    sizes = {p.relative_to(site).as_posix(): len(gzip.compress(p.read_bytes(), 9)) for p in html_pages(site)}
    assert len(sizes) > 100
    over = {k: v for k, v in sizes.items() if v > BUDGET}
    assert over == {}, over
    print(f"\n{len(sizes)} pages; largest gzipped: {max(sizes.values())} bytes ({max(sizes, key=sizes.get)})")


def test_every_page_in_both_languages(site: Path) -> None:
    pages = {p.relative_to(site).as_posix() for p in html_pages(site)}
    indonesian = {p for p in pages if not p.startswith("en/")}
    assert {f"en/{p}" for p in indonesian} == pages - indonesian


def test_nothing_loads_from_another_host(site: Path) -> None:
    resource = re.compile(r'<(?:link|script|img|iframe|source|video|audio)\b[^>]*\s(?:href|src)="([^"]*)"')
    for path in html_pages(site):
        html = path.read_text(encoding="utf-8")
        for m in resource.finditer(html):
            tag = m.group(0)
            if 'rel="canonical"' in tag or 'rel="alternate"' in tag:
                continue  # links to this site's own public address, not loaded
            assert not re.match(r"^(https?:)?//", m.group(1)), f"{path}: {tag}"
    css = (site / "assets/site.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_no_broken_internal_links(server: str, site: Path) -> None:
    result = crawl(server, ["/", "/en/", "/sitemap.xml"])
    assert result.broken == []
    assert result.missing_fragments == []
    reached = {u[len(server):] for u in result.pages}
    orphans = [p for p in html_pages(site) if "/" + p.relative_to(site).as_posix().removesuffix("index.html")
               not in reached]
    assert orphans == []
    print(f"\nlink check: {len(result.pages)} pages, {len(result.resources)} other files, 0 broken")


def test_nu_html_checker_finds_no_errors(site: Path) -> None:
    vnu = require_vnu()
    pages = [str(p) for p in html_pages(site)]
    done = subprocess.run(["java", "-jar", str(vnu), "--errors-only", "--format", "json", *pages],
                          capture_output=True, text=True, timeout=600)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '').split('/site/')[-1]}:{m.get('lastLine')}: {m.get('message')}" for m in messages]
    assert errors == [], "\n".join(errors[:40])
    print(f"\nvnu: {len(pages)} pages, 0 errors")


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_violations(page, server: str, path: str) -> None:
    axe = require_axe()
    # axe is served as if from the site itself: the pages' Content-Security-Policy refuses the
    # inline script add_script_tag(path=...) would insert, and stays on while axe runs.
    page.route("**/__axe.min.js", lambda route: route.fulfill(path=str(axe), content_type="text/javascript"))
    page.goto(server + path)
    page.add_script_tag(url=server + "/__axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in result["violations"]]
    assert violations == []


def test_same_input_same_bytes(sample_portal, tmp_path: Path, site: Path) -> None:
    output = tmp_path / "output"
    for name in ("data", "feedback", "templates", "reports"):  # every published folder the build hashes
        shutil.copytree(sample_portal.output / name, output / name)
    # and the store's index and reports, which the report pages under /laporan/ are built from
    shutil.copytree(sample_portal.output / "store" / "reports", output / "store" / "reports")
    shutil.copy2(sample_portal.output / "store" / "index.json", output / "store" / "index.json")
    assert not build_site(load_portal(sample_portal.datasets, output), AS_OF).skipped
    first = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    second = {p.relative_to(output / "site").as_posix(): p.read_bytes()
              for p in (output / "site").rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    assert ".build-fingerprint" in first  # same inputs elsewhere: the same fingerprint too
    assert [k for k in first if first[k] != second[k]] == []


def test_feeds_calendars_and_catalogue(site: Path, sample_portal) -> None:
    atom = (site / "feed/keputusan.xml").read_text(encoding="utf-8")
    assert atom.startswith("<?xml") and "<feed" in atom and "<entry>" in atom
    assert (site / "en/feed/rilis-data.xml").read_text(encoding="utf-8").count("<entry>") >= 1
    ics = (site / "kalender/mpp.ics").read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in ics and "BEGIN:VTIMEZONE" in ics
    from icalendar import Calendar

    events = Calendar.from_ical(ics).walk("VEVENT")
    with (site / "data/agendas.csv").open(encoding="utf-8", newline="") as fh:
        agendas = sum(1 for _ in csv.DictReader(fh))
    assert len(events) == agendas > 0
    assert Calendar.from_ical((site / "kalender/disdukcapil.ics").read_bytes()).walk("VEVENT")
    catalog = json.loads((site / "data/catalog.jsonld").read_text(encoding="utf-8"))
    assert sum(n.get("@type") == "dcat:Dataset" for n in catalog["@graph"]) == 10  # the ten published tables
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{sample_portal.site_url}/en/instansi/disdukcapil/</loc>" in sitemap
    page = (site / "data/performance/index.html").read_text(encoding="utf-8")
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert ld["@type"] == "Dataset" and ld["distribution"][0]["contentUrl"].endswith("/data/performance.csv")
