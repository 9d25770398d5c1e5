"""Any valid submissions publish and build: no empty optional, tie, date or one-row file in the data breaks the site.

Hypothesis writes random files that the contract allows (empty optionals, equal dates and
times, one-row files, several periods and agencies, the same agenda and decision ids again
with another status) into a real datasets folder, runs the real publish (validate, store,
tables) and the real site build (without Pagefind, to stay fast), and checks that every file
was accepted (so the generator really writes valid data) and that the build wrote every page.

``make test`` runs ``SITE_PROPERTY_EXAMPLES`` examples (default 10, always the same ones);
set it higher for a longer hunt, e.g. ``SITE_PROPERTY_EXAMPLES=400 pytest tests/site/test_site_property.py``.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core.config import load_portal
from pipeline.publish import publish_data
from pipeline.site import build_site, urls
from pipeline.validate.schemas import CONTRACT

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("SITE_PROPERTY_EXAMPLES", "10"))

PORTAL_TOML = """\
name = "Mal Pelayanan Publik Kota Uji"
name_en = "Public Service Mall of Test City"
city = "Kota Uji"
organizer = "dpmptsp"
languages = ["id", "en"]
licence_id = "cc-by-4.0"
licence_title = "Creative Commons Atribusi 4.0"
licence_url = "https://creativecommons.org/licenses/by/4.0/"
deadline_day = 10
timezone = "Asia/Jakarta"
site_url = "https://mpp.example.go.id"
publisher = "DPMPTSP Kota Uji"
contact_email = "data@mpp.example.go.id"
receipts = ""

[ckan]
organization = "mpp-kota-uji"
"""
# Agencies with and without an English name, services, joining date or website; one that
# joined late (a warning, still accepted), one inactive that only ever appears as a participant.
AGENCIES = """\
agency_code,name,name_en,sector,counter,joined_on,website,active
dpmptsp,Dinas Penanaman Modal & PTSP,Investment and One-Stop Service Office,regional-government,1,2024-01-15,https://dpmptsp.example.go.id,true
disdukcapil,"Dinas ""Kependudukan"" <Capil>",,regional-government,,,,true
bank-a,Bank A,,private,B-1,2026-10-05,,true
lsm-b,Lembaga B,Foundation B,non-government,,,,false
"""
SERVICES = """\
service_code,agency_code,name,standard_time,fee_idr,requirements,legal_basis
izin,dpmptsp,Izin usaha,3 hari kerja,0,,
nib,dpmptsp,Nomor Induk Berusaha,1 hari kerja,15000,KTP,Perpres 91/2017
ktp-el,disdukcapil,Perekaman KTP-el,15 menit,0,,
"""
SERVICES_OF = {"dpmptsp": ("izin", "nib"), "disdukcapil": ("ktp-el",), "bank-a": ()}
CODES = ("dpmptsp", "disdukcapil", "bank-a", "lsm-b")
# Sparse months (a month with no file between them), the current month and one in the future.
PERIODS = ("2025-12", "2026-02", "2026-09", "2026-10", "2026-11", "2027-01")
AS_OF_DAYS = (date(2026, 11, 28), date(2027, 2, 15))
AGENDA_IDS = ("A1", "A2", "rk.3", "Z_9-x")
DECISION_IDS = ("K1", "K2", "k.3")
TIMES = ("00:00", "09:00", "13:30", "23:59")
FAR_PAST, FAR_FUTURE = date(1, 1, 1), date(9999, 12, 31)
URLS = ("https://notulen.example.go.id/a?b=1&c=<x>", "http://e.example.go.id/")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")
HUGE = 10**400  # the contract sets no upper bound on counts and minutes
U_VALUES = ("1", "2.5", "3.33", "4")

# Words without digits, '@' or a leading formula sign, so no personal-data rule can reject them.
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDÉé<>&\"'*_#`[]()!?", min_size=1, max_size=8)
TEXT = st.lists(WORD, min_size=1, max_size=5).map(" ".join)
MARKDOWN = st.lists(st.sampled_from(["**tebal**", "_miring_", "<script>alert(1)</script>", "[tautan](javascript:x)",
                                     "# Judul", "- butir", "`kode`", "&amp;", "teks biasa"]),
                    min_size=1, max_size=4).map("\n".join)


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a ``YYYY-MM`` period."""
    year, month = map(int, period.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value or an empty cell."""
    return st.none() | strategy


@dataclass
class Submissions:
    """The files one example writes, by (period, agency, table), as text rows."""

    as_of: date
    files: dict[tuple[str, str, str], list[dict[str, str]]] = field(default_factory=dict)


def _cell(value: Any) -> str:
    """A cell as the clerk types it (empty for None)."""
    return "" if value is None else str(value)


def agenda_rows(draw: Callable[..., Any], period: str) -> list[dict[str, str]]:
    """0–4 agendas (a header-only file is valid), equal dates and times likely."""
    first, last = period_bounds(period)
    rows = []
    for agenda_id in draw(st.lists(st.sampled_from(AGENDA_IDS), unique=True, max_size=4)):
        status = draw(st.sampled_from(("planned", "held", "postponed", "cancelled")))
        days = [first, first, last, first - timedelta(days=40), FAR_PAST]
        if status != "held":  # a held meeting cannot lie after its period
            days += [last + timedelta(days=1), FAR_FUTURE]
        start = draw(optional(st.sampled_from(TIMES)))
        end = draw(optional(st.sampled_from([t for t in TIMES if start is None or t >= start])))
        rows.append({
            "agenda_id": agenda_id, "date": draw(st.sampled_from(days)).isoformat(), "start_time": _cell(start),
            "end_time": _cell(end), "title": draw(TEXT),
            "type": draw(st.sampled_from(("coordination", "dialogue", "monitoring-evaluation", "public-consultation",
                                          "staff-development", "outreach", "other"))),
            "participants": draw(st.sampled_from((";", " ; "))).join(
                draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))),
            "location": _cell(draw(optional(TEXT))), "status": status, "summary": _cell(draw(optional(MARKDOWN))),
            "minutes_url": _cell(draw(optional(st.sampled_from(URLS)))),
        })
    return rows


def decision_rows(draw: Callable[..., Any], period: str, known_agendas: set[str]) -> list[dict[str, str]]:
    """0–3 decisions; an agenda named only when this or an earlier month of the agency reported it."""
    first, last = period_bounds(period)
    rows = []
    for decision_id in draw(st.lists(st.sampled_from(DECISION_IDS), unique=True, max_size=3)):
        day = draw(st.sampled_from((first, first, last, first - timedelta(days=70), FAR_PAST)))
        status = draw(st.sampled_from(("open", "in-progress", "done", "cancelled")))
        due = draw(optional(st.sampled_from((day, last, last + timedelta(days=45), FAR_FUTURE))))
        agenda = draw(optional(st.sampled_from(sorted(known_agendas)))) if known_agendas else None
        rows.append({
            "decision_id": decision_id, "date": day.isoformat(), "agenda_id": _cell(agenda), "title": draw(TEXT),
            "description": _cell(draw(optional(MARKDOWN))),
            "responsible": ";".join(draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=2, unique=True))),
            "follow_up": draw(TEXT), "due_date": _cell(due and due.isoformat()), "status": status,
            "completed_on": draw(st.sampled_from((day, last))).isoformat() if status == "done" else "",
            "evidence_url": _cell(draw(optional(st.sampled_from(URLS)))),
        })
    return rows


def performance_rows(draw: Callable[..., Any], period: str, agency: str) -> list[dict[str, str]]:
    """One row per chosen service (at least one: a header-only performance file is an error)."""
    rows = []
    for service in draw(st.lists(st.sampled_from(SERVICES_OF[agency]), min_size=1, unique=True)):
        completed = draw(st.sampled_from((0, 1, 7, 1200, HUGE)))
        respondents = draw(st.sampled_from((None, 0, 1, 150, HUGE)))
        surveyed = bool(respondents)
        row = {
            "period": period, "agency_code": agency, "service_code": service,
            "applications_received": str(draw(st.sampled_from((0, 1, 7, 1300, HUGE)))),
            "applications_completed": str(completed),
            "completed_within_standard": str(draw(st.integers(0, completed))),
            "avg_wait_minutes": _cell(draw(optional(st.sampled_from(("0", "0.5", "12.25", "481", "1e400"))))),
            "avg_service_minutes": _cell(draw(optional(st.sampled_from(("0", "8.2"))))),
            "complaints_received": str(draw(st.sampled_from((0, 3, HUGE)))),
            "complaints_resolved": str(draw(st.sampled_from((0, 5, HUGE)))),
            "survey_respondents": _cell(respondents),
            "notes": _cell(draw(optional(TEXT))),
        }
        for i in range(1, 10):
            row[f"u{i}"] = draw(st.sampled_from(U_VALUES)) if surveyed else ""
        rows.append(row)
    return rows


@st.composite
def submissions(draw: Callable[..., Any]) -> Submissions:
    """Valid files for 1–3 months, each sent by 1–3 agencies, each 1–3 of the tables."""
    out = Submissions(as_of=draw(st.sampled_from(AS_OF_DAYS)))
    known: dict[str, set[str]] = {code: set() for code in CODES}
    for period in sorted(draw(st.lists(st.sampled_from(PERIODS), min_size=1, max_size=3, unique=True))):
        for agency in draw(st.lists(st.sampled_from(tuple(SERVICES_OF)), min_size=1, unique=True)):
            tables = ["agendas", "decisions"] + (["performance"] if SERVICES_OF[agency] else [])
            chosen = draw(st.lists(st.sampled_from(tables), min_size=1, unique=True))
            if "agendas" in chosen:
                rows = agenda_rows(draw, period)
                known[agency] |= {r["agenda_id"] for r in rows}
                out.files[(period, agency, "agendas")] = rows
            if "decisions" in chosen:
                out.files[(period, agency, "decisions")] = decision_rows(draw, period, known[agency])
            if "performance" in chosen:
                out.files[(period, agency, "performance")] = performance_rows(draw, period, agency)
    return out


def write_datasets(root: Path, subs: Submissions) -> Path:
    """A datasets folder: portal.toml, the project's schemas, the reference above, the files."""
    ds = root / "datasets"
    (ds / "reference").mkdir(parents=True)
    (ds / "portal.toml").write_text(PORTAL_TOML, encoding="utf-8")
    (ds / "reference" / "agencies.csv").write_text(AGENCIES, encoding="utf-8")
    (ds / "reference" / "services.csv").write_text(SERVICES, encoding="utf-8")
    shutil.copytree(REPO / "datasets" / "schemas", ds / "schemas")
    for (period, agency, table), rows in subs.files.items():
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(CONTRACT[table]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        path = ds / "submissions" / period / agency / f"{table}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(buf.getvalue(), encoding="utf-8")
    return ds


def publish_and_build(root: Path, subs: Submissions) -> Path:
    """The real publish and site build of ``subs``; returns the output folder."""
    ds = write_datasets(root, subs)
    portal = load_portal(ds, root / "output")
    publish_data(portal, subs.as_of)
    reports = json.loads((portal.output / "reports" / "validation.json").read_text(encoding="utf-8"))
    rejected = [(r["file"], r["errors"]) for r in reports if r["status"] != "accepted"]
    assert rejected == [], f"the generator wrote a file the contract rejects: {rejected}"
    assert len(reports) == len(subs.files)
    result = build_site(portal, subs.as_of, search=False)
    assert not result.skipped and result.pages > 0
    return portal.output


def expected_pages(subs: Submissions) -> set[str]:
    """Pages that must exist: home, and the latest version of every agenda and decision sent."""
    paths = {urls.HOME, urls.AGENDAS, urls.DECISIONS, urls.PERFORMANCE, urls.SUBMISSIONS}
    for (_period, agency, table), rows in subs.files.items():
        if table == "agendas":
            paths |= {urls.agenda(agency, r["agenda_id"]) for r in rows}
        elif table == "decisions":
            paths |= {urls.decision(agency, r["decision_id"]) for r in rows}
    return paths


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(submissions())
def test_any_valid_submissions_publish_and_build(subs: Submissions) -> None:
    with tempfile.TemporaryDirectory(prefix="site-property-") as tmp:
        site = publish_and_build(Path(tmp), subs) / "site"
        for path in expected_pages(subs):
            for lang in ("id", "en"):
                page = site / urls.output_file(urls.localise(path, lang))
                assert page.is_file(), f"no page for {path} ({lang})"
        assert (site / "kalender" / "mpp.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
        feed = (site / "feed" / "keputusan.xml").read_text(encoding="utf-8")
        stamps = re.findall(r"<(?:updated|published)>([^<]*)<", feed)
        assert stamps and all(RFC3339.fullmatch(s) for s in stamps), stamps


def test_two_held_agendas_on_one_day_one_without_a_start_time(tmp_path: Path) -> None:
    """The review's case: accepted, then every site build crashed comparing a time with ''."""
    day = "2026-10-14"
    common = {"date": day, "end_time": "", "type": "coordination", "participants": "dpmptsp", "location": "",
              "status": "held", "summary": "", "minutes_url": ""}
    subs = Submissions(as_of=date(2026, 11, 28), files={("2026-10", "dpmptsp", "agendas"): [
        {**common, "agenda_id": "A1", "start_time": "09:00", "title": "Rapat pagi"},
        {**common, "agenda_id": "A2", "start_time": "", "title": "Rapat tanpa jam"},
    ]})
    site = publish_and_build(tmp_path, subs) / "site"
    month = (site / "agenda" / "2026-10" / "index.html").read_text(encoding="utf-8")
    # Without a start time the meeting counts from the start of the day: it comes first.
    assert month.index("Rapat tanpa jam") < month.index("Rapat pagi")
    ics = (site / "kalender" / "mpp.ics").read_text(encoding="utf-8")
    assert "DTSTART;VALUE=DATE:20261014" in ics and "DTSTART;TZID=Asia/Jakarta:20261014T090000" in ics


def test_a_meeting_planned_on_the_last_day_of_the_calendar_publishes_and_builds(tmp_path: Path) -> None:
    """A planned agenda may be dated 9999-12-31 (the last period folder allowed is 2099-12)."""
    row = {"agenda_id": "A1", "date": "9999-12-31", "start_time": "23:30", "end_time": "", "title": "Rapat",
           "type": "other", "participants": "dpmptsp", "location": "", "status": "planned", "summary": "",
           "minutes_url": ""}
    subs = Submissions(as_of=date(2026, 11, 28), files={("2099-12", "dpmptsp", "agendas"): [row]})
    site = publish_and_build(tmp_path, subs) / "site"
    ics = (site / "kalender" / "mpp.ics").read_text(encoding="utf-8")
    # No DTEND can be written an hour after 9999-12-31 23:30: the event says how long it lasts instead.
    assert "DTSTART;TZID=Asia/Jakarta:99991231T233000" in ics and "DURATION:PT1H" in ics
