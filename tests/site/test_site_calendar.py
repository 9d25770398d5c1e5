"""Calendars and feeds that follow changes: two real publishes where an agenda moved and a decision
was completed; the .ics files read with icalendar, the Atom feed with feedparser-free XML."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from pipeline.core.config import load_portal
from pipeline.site import build_site
from tests.site.conftest import REPO, copy_datasets

ATOM = "{http://www.w3.org/2005/Atom}"
EVENT = "agenda/dpmptsp/AG-2026-11-01/acara.ics"
DECISION = "/keputusan/dpmptsp/KP-2026-10-01/"


def _publish(datasets: Path, output: Path, as_of: str, now: str) -> None:
    """The real publish command (no site, no push), as cron runs it."""
    cmd = [sys.executable, "-m", "pipeline", "publish", "--datasets", str(datasets), "--output", str(output),
           "--as-of", as_of, "--now", now, "--no-site", "--no-push"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def _snapshot(datasets: Path, output: Path, as_of: str) -> dict[str, bytes]:
    """Build the site (no search index) and keep the files these tests read."""
    build_site(load_portal(datasets, output), datetime.fromisoformat(as_of).date(), search=False)
    site = output / "site"
    return {name: (site / name).read_bytes() for name in (EVENT, "kalender/mpp.ics", "feed/keputusan.xml")}


def _rewrite(path: Path, change) -> None:
    """Rewrite a CSV file row by row."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        change(row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def two_publishes(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """November as published, then December's files: the monthly meeting moved a day, a decision done."""
    root = tmp_path_factory.mktemp("calendar")
    datasets, output = copy_datasets(root / "datasets"), root / "output"
    # Only the organiser's files: the meeting and the decision are DPMPTSP's, and two publishes and
    # two site builds of the whole sample would cost a minute for the same assertions.
    for folder in (datasets / "submissions").glob("*/*"):
        if folder.name != "dpmptsp":
            shutil.rmtree(folder)
    _publish(datasets, output, "2026-11-28", "2026-11-28T12:00:00")
    before = _snapshot(datasets, output, "2026-11-28")
    december = datasets / "submissions" / "2026-12" / "dpmptsp"
    december.mkdir(parents=True)
    for table in ("agendas", "decisions"):
        (december / f"{table}.csv").write_bytes((datasets / "submissions/2026-11/dpmptsp" / f"{table}.csv").read_bytes())

    def moved(row: dict[str, str]) -> None:
        if row["agenda_id"] == "AG-2026-11-01":
            row["date"] = "2026-11-11"

    def done(row: dict[str, str]) -> None:
        if row["decision_id"] == "KP-2026-10-01":
            row["status"], row["completed_on"] = "done", "2026-12-03"

    _rewrite(december / "agendas.csv", moved)
    _rewrite(december / "decisions.csv", done)
    _publish(datasets, output, "2026-12-28", "2026-12-05T10:00:00")
    return before, _snapshot(datasets, output, "2026-12-28")


def _event(body: bytes):
    """The one VEVENT of a per-event calendar file."""
    events = [c for c in Calendar.from_ical(body).walk("VEVENT")]
    assert len(events) == 1
    return events[0]


def test_moved_agenda_gets_a_higher_sequence_and_a_new_stamp(two_publishes) -> None:
    before, after = (_event(s[EVENT]) for s in two_publishes)
    assert str(before["UID"]) == str(after["UID"]) == "dpmptsp.AG-2026-11-01@data.mpp.jambikota.go.id"
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after["DTSTART"].dt.date().isoformat() == "2026-11-11"
    # DTSTAMP is when that version was published (received 10:00 WIB), not the meeting's own date.
    assert after["DTSTAMP"].dt == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert before["DTSTAMP"].dt < after["DTSTAMP"].dt
    mall = [e for e in Calendar.from_ical(two_publishes[1]["kalender/mpp.ics"]).walk("VEVENT")
            if str(e["UID"]) == str(after["UID"])]
    assert len(mall) == 1 and mall[0]["SEQUENCE"] == after["SEQUENCE"]


def test_feed_entry_updates_when_the_status_changes(two_publishes) -> None:
    def entry(feed: bytes) -> ET.Element:
        root = ET.fromstring(feed)
        return next(e for e in root.iter(ATOM + "entry") if e.findtext(ATOM + "id", "").endswith(DECISION))

    old, new = (entry(s["feed/keputusan.xml"]) for s in two_publishes)
    assert new.findtext(ATOM + "updated") == "2026-12-05T10:00:00+07:00"
    assert old.findtext(ATOM + "updated") != new.findtext(ATOM + "updated")
    assert "Perubahan dalam laporan Desember 2026: status Dalam proses → Selesai" in new.findtext(ATOM + "summary", "")


def test_calendar_page_offers_subscriptions_and_event_files(site: Path, sample_portal) -> None:
    html = (site / "kalender" / "index.html").read_text(encoding="utf-8")
    for path in ("/kalender/mpp.ics", "/kalender/rapat-koordinasi.ics", "/kalender/disdukcapil.ics"):
        assert f'href="webcal://data.mpp.jambikota.go.id{path}"' in html, path
        assert (site / path.lstrip("/")).is_file()
    assert "iPhone" in html and "Android" in html
    events = re.findall(r'href="([^"]*/acara\.ics)"', html)  # links are relative to /kalender/
    assert len(events) >= 5 and all((site / "kalender" / e).resolve().is_file() for e in events)
    coordination = Calendar.from_ical((site / "kalender/rapat-koordinasi.ics").read_bytes()).walk("VEVENT")
    with (sample_portal.output / "data" / "agendas.csv").open(encoding="utf-8", newline="") as fh:
        meetings = {f"{r['agency_code']}.{r['agenda_id']}" for r in csv.DictReader(fh) if r["type"] == "coordination"}
    assert meetings and {str(e["UID"]).split("@")[0] for e in coordination} == meetings
    english = (site / "en" / "kalender" / "index.html").read_text(encoding="utf-8")
    assert "How to subscribe on a phone" in english
