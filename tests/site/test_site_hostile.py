"""Hostile agency text (Markdown, URLs, names) goes through the real publish and build: no active content."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.core.config import load_portal
from pipeline.site import build_site
from tests.shared_fixture import read_only
from tests.site.conftest import AS_OF, copy_datasets, publish
from tests.site.html_scan import scan

AGENCY = "dpmptsp"
KEEP_MONTHS = 3  # the last months are enough; fewer files keep the publish fast
MARKDOWN = (
    "Ringkasan <script>alert('s')</script> <img src=x onerror=alert(2)> [klik](javascript:alert(3)) "
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==) <iframe src=\"https://evil.example\"></iframe> "
    "<a href=\"javascript:alert(5)\" onclick=\"alert(6)\">x</a> ![p](javascript:alert(7)) <svg onload=alert(8)> "
    "[j](JaVaScRiPt:alert(9)) <object data=\"https://evil.example/x.swf\"></object>\n\n"
    "<script>\nalert(10)\n</script>\n\n<div onmouseover=\"alert(11)\">teks</div>"
)
TITLE = "<script>alert('judul')</script> Rapat <b onmouseover=alert(1)>x</b>"
EVIL_URL = 'https://evil.example/x"onmouseover="alert(1)"><script>alert(2)</script>'


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """A CSV file as an agency would send it."""
    for sibling in path.parent.glob(path.stem + ".*"):
        sibling.unlink()
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _hostile_datasets(root: Path) -> tuple[Path, str]:
    """A copy of the sample with hostile agenda, decision and agency text in the last closed month."""
    datasets = copy_datasets(root / "datasets")
    months = sorted(p.name for p in (datasets / "submissions").iterdir() if p.is_dir() and p.name < AS_OF.strftime("%Y-%m"))
    for old in months[:-KEEP_MONTHS]:
        shutil.rmtree(datasets / "submissions" / old)
    period = months[-1]
    folder = datasets / "submissions" / period / AGENCY
    folder.mkdir(parents=True, exist_ok=True)
    day = f"{period}-15"
    _write(folder / "agendas.csv",
           ["agenda_id", "date", "start_time", "end_time", "title", "type", "participants", "location", "status",
            "summary", "minutes_url"],
           [{"agenda_id": "HOSTILE-1", "date": day, "start_time": "09:00", "end_time": "10:00", "title": TITLE,
             "type": "coordination", "participants": AGENCY, "location": '"><script>alert(1)</script>',
             "status": "held", "summary": MARKDOWN, "minutes_url": EVIL_URL}])
    _write(folder / "decisions.csv",
           ["decision_id", "date", "agenda_id", "title", "description", "responsible", "follow_up", "due_date",
            "status", "completed_on", "evidence_url"],
           [{"decision_id": "HOSTILE-K1", "date": day, "agenda_id": "HOSTILE-1",
             "title": "<img src=x onerror=alert(1)> Keputusan", "description": MARKDOWN, "responsible": AGENCY,
             "follow_up": "<script>alert('tl')</script>", "due_date": f"{period}-20", "status": "open",
             "completed_on": "", "evidence_url": EVIL_URL}])
    agencies = datasets / "reference" / "agencies.csv"
    with agencies.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["agency_code"] == AGENCY:
            row["name_en"] = "<script>alert('en')</script><img src=x onerror=alert(1)>"
    _write(agencies, list(header or []), rows)
    return datasets, period


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The hostile copy published and built."""
    root = tmp_path_factory.mktemp("hostile")
    datasets, _ = _hostile_datasets(root)
    output = root / "output"
    publish(datasets, output)
    published = (output / "data" / "agendas.csv").read_text(encoding="utf-8")
    assert "HOSTILE-1" in published, "the hostile agenda must be accepted, or this test proves nothing"
    assert "HOSTILE-K1" in (output / "data" / "decisions.csv").read_text(encoding="utf-8")
    build_site(load_portal(datasets, output), AS_OF)
    with read_only(root):
        yield output / "site"


def _pages(site: Path) -> list[Path]:
    """Every HTML page in the site, the copied feedback pages included."""
    return sorted(site.rglob("*.html"))


def test_no_script_handler_or_javascript_link_in_any_page(hostile_site: Path) -> None:
    findings = {}
    for path in _pages(hostile_site):
        rel = path.relative_to(hostile_site).as_posix()
        allowed = ("assets/search.js",) if rel.endswith("cari/index.html") else ()
        found = scan(path.read_text(encoding="utf-8"), allowed_scripts=allowed + ("application/ld+json",))
        if found:
            findings[rel] = found
    assert findings == {}


def test_hostile_text_is_shown_as_text(hostile_site: Path) -> None:
    agenda = (hostile_site / f"agenda/{AGENCY}/HOSTILE-1/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;judul&#39;)&lt;/script&gt; Rapat" in agenda
    assert 'href="https://evil.example' not in agenda and "&lt;iframe" in agenda
    english = (hostile_site / f"en/instansi/{AGENCY}/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;en&#39;)&lt;/script&gt;" in english


def test_unsafe_urls_are_not_links(hostile_site: Path) -> None:
    decision = (hostile_site / f"keputusan/{AGENCY}/HOSTILE-K1/index.html").read_text(encoding="utf-8")
    assert 'href="https://evil.example' not in decision
    assert "bukan alamat web (http atau https) yang sah" in decision
