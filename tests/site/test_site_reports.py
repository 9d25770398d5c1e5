"""The file-check reports under /laporan/: pages of the site, one language each, times in WIB.

The agencies' own copies in <output>/feedback/ keep both languages on one page (what a clerk
receives); the site's pages show one language, with the site's header, footer and language switch.
Overflow at 360 and 1280 px and axe run on these pages in test_site_phone.py and
test_site_checks.py (the page-type lists); the Nu HTML Checker runs here on one page of each kind.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pipeline.core.config import Portal
from tests.checkers import require_vnu
from tests.site.test_site_csp import FEEDBACK_POLICY, _read, _sha256

# A rejected agendas file of the sample: received 2025-10-31T15:09:00+07:00 (datasets/receipts.csv).
REJECTED = "laporan/2025-09/pdam/agendas.html"
MONTH = "laporan/2025-09/pdam/index.html"
KINDS = ("laporan/index.html", MONTH, REJECTED, "laporan/2026-10/disdukcapil/performance.html")


def test_every_report_page_has_its_english_page(site: Path) -> None:
    ids = {p.relative_to(site / "laporan").as_posix() for p in (site / "laporan").rglob("*.html")}
    ens = {p.relative_to(site / "en/laporan").as_posix() for p in (site / "en/laporan").rglob("*.html")}
    assert len(ids) > 1000 and ids == ens


def test_a_report_page_is_one_language_inside_the_site(site: Path) -> None:
    id_page = (site / REJECTED).read_text(encoding="utf-8")
    en_page = (site / "en" / REJECTED).read_text(encoding="utf-8")
    assert '<html lang="id">' in id_page and '<html lang="en">' in en_page
    for html in (id_page, en_page):
        assert 'class="site-header"' in html and "site-footer" in html
        assert 'hreflang="x-default" href="https://data.mpp.jambikota.go.id/laporan/2025-09/pdam/agendas.html"' in html
    assert "Yang harus diubah" in id_page and "What to change" not in id_page
    assert "What to change" in en_page and "Yang harus diubah" not in en_page
    # The language switch leads to the same report in the other language.
    assert 'href="../../../en/laporan/2025-09/pdam/agendas.html"' in id_page
    assert "Berkas ditolak" in id_page and "The file was rejected" in en_page


def test_report_times_are_in_wib(site: Path) -> None:
    assert "31 Oktober 2025 15.09 WIB" in (site / MONTH).read_text(encoding="utf-8")
    assert "31 October 2025 15:09 WIB" in (site / "en" / MONTH).read_text(encoding="utf-8")
    assert "31 Oktober 2025 15.09 WIB" in (site / REJECTED).read_text(encoding="utf-8")
    for path in [*(site / "laporan/2025-09").rglob("*.html"), *(site / "en/laporan/2025-09").rglob("*.html")]:
        assert "UTC+" not in path.read_text(encoding="utf-8"), path


def test_compliance_pages_link_to_reports_in_their_language(site: Path) -> None:
    link = 'href="../../laporan/2025-09/pdam/agendas.html"'
    assert link in (site / "kepatuhan/2025-09/index.html").read_text(encoding="utf-8")
    # From /en/kepatuhan/2025-09/ the same relative link leads to /en/laporan/ (not ../../../laporan/).
    assert link in (site / "en/kepatuhan/2025-09/index.html").read_text(encoding="utf-8")


def test_agencies_feedback_keeps_both_languages_with_wib(sample_portal: Portal) -> None:
    path = sample_portal.output / "feedback" / "2025-09/pdam/agendas.html"
    html = path.read_text(encoding="utf-8")
    assert "Laporan berkas Agenda" in html and "File report, Agendas" in html
    assert "31 Oktober 2025 15.09 WIB" in html and "31 October 2025 15:09 WIB" in html and "UTC+" not in html
    head = _read(path)
    assert head.policies == [FEEDBACK_POLICY.format(hash=_sha256(head.inline_styles[0]))]


def test_report_pages_pass_the_html_checker(site: Path) -> None:
    vnu = require_vnu()
    pages = [str(site / k) for k in KINDS] + [str(site / "en" / k) for k in KINDS]
    done = subprocess.run(["java", "-jar", str(vnu), "--errors-only", "--format", "json", *pages],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    assert [f"{m.get('url', '').split('/site/')[-1]}:{m.get('lastLine')}: {m.get('message')}" for m in messages] == []
