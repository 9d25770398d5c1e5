"""The published tables, built from a small store: IKM, latest versions, overdue, history, submissions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pipeline.core import periods
from pipeline.publish.tables import build_tables
from pipeline.validate import load_reference
from tests.publish_support import agenda, decision, make_fixture, perf_row, update_store
from tests.shared_fixture import read_only

AS_OF = date(2026, 11, 28)


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Real agency files over three months, validated and stored in two runs, then the tables built."""
    root = tmp_path_factory.mktemp("tables")
    fx = make_fixture(root)
    r = fx.put("2026-08", "dpmptsp", "performance", [perf_row("2026-08", "dpmptsp", "izin")])
    fx.receipt(r.file, r.sha256, "2026-09-05T10:00:00+07:00")
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-10-02")])
    fx.put("2026-09", "disdukcapil", "decisions", [decision("D-1", "open", "2026-10-31", step="Rencana")])
    fx.put("2026-09", "disdukcapil", "performance",
           [perf_row("2026-09", "disdukcapil", "ktp", ["3.5"] * 8 + ["3.8"])])
    fx.put("2026-10", "disdukcapil", "agendas",
           [agenda("A-1", "held", "2026-10-02"), agenda("A-2", "planned", "2026-11-04")])
    d = fx.put("2026-10", "disdukcapil", "decisions", [
        decision("D-1", "in-progress", "2026-10-31", step="Sedang dikerjakan"),
        decision("D-2", "done", "2026-10-01", "2026-10-15"),
        decision("D-3", "open", "2026-11-28"),
    ])
    fx.receipt(d.file, d.sha256, "2026-11-10T17:30:00+00:00")  # 00:30 on the 11th in Jambi: late
    first = fx.put("2026-10", "disdukcapil", "performance", [perf_row("2026-10", "disdukcapil", "ktp")])
    fx.receipt(first.file, first.sha256, "2026-11-10T23:59:00+07:00")
    store, _ = update_store(fx, "2026-11-01T08:00:00+07:00")
    assert {v.status for v in store.current()} == {"accepted"}, "every file of the first run must be accepted"
    # A second version of October's performance with one bad cell: rejected, revision 1 stays published.
    bad = fx.put("2026-10", "disdukcapil", "performance",
                 [perf_row("2026-10", "disdukcapil", "ktp", ["3"] * 9, applications_received="200", u3="4,7")])
    fx.receipt(bad.file, bad.sha256, "2026-11-20T09:00:00+07:00")
    fx.put("2026-10", "bank-x", "agendas", [])
    fx.put("2026-11", "dpmptsp", "agendas", [agenda("M-1", "planned", "2026-11-30", participants="dpmptsp")])
    store, _ = update_store(fx, "2026-11-21T08:00:00+07:00")
    reference = load_reference(fx.portal)
    with read_only(root):
        yield build_tables(store, reference.agencies.values(), reference.services.values(), AS_OF, 10, fx.portal.tz)


def test_reference_tables_are_published_sorted(tables: dict[str, list[dict[str, Any]]]) -> None:
    assert [a["agency_code"] for a in tables["agencies"]] == ["bank-x", "disdukcapil", "dpmptsp"]
    assert [s["service_code"] for s in tables["services"]] == ["izin", "ktp"]


def test_performance_has_ikm_and_grade_and_keeps_the_accepted_version(tables: dict[str, list[dict[str, Any]]]) -> None:
    rows = {(r["period"], r["agency_code"]): r for r in tables["performance"]}
    assert list(rows) == [("2026-08", "dpmptsp"), ("2026-09", "disdukcapil"), ("2026-10", "disdukcapil")]
    assert (rows["2026-09", "disdukcapil"]["ikm"], rows["2026-09", "disdukcapil"]["ikm_grade"]) == (Decimal("88.33"), "A")
    assert rows["2026-08", "dpmptsp"]["ikm"] is None and rows["2026-08", "dpmptsp"]["ikm_grade"] is None
    # 2026-10: revision 2 was rejected, so revision 1's row stays published.
    assert rows["2026-10", "disdukcapil"]["applications_received"] == 100


def test_agendas_show_the_latest_version_with_its_period(tables: dict[str, list[dict[str, Any]]]) -> None:
    got = [(a["agency_code"], a["agenda_id"], a["period"], a["status"]) for a in tables["agendas"]]
    assert got == [("disdukcapil", "A-1", "2026-10", "held"), ("disdukcapil", "A-2", "2026-10", "planned"),
                   ("dpmptsp", "M-1", "2026-11", "planned")]


def test_decisions_show_the_latest_state_and_overdue_as_of(tables: dict[str, list[dict[str, Any]]]) -> None:
    got = {d["decision_id"]: (d["period"], d["status"], d["overdue"]) for d in tables["decisions"]}
    # D-1 in progress after its due date: overdue; D-2 done: never; D-3 due today: not yet.
    assert got == {"D-1": ("2026-10", "in-progress", True), "D-2": ("2026-10", "done", False),
                   "D-3": ("2026-10", "open", False)}


def test_agenda_history_has_one_row_per_reported_version(tables: dict[str, list[dict[str, Any]]]) -> None:
    got = [(h["agency_code"], h["agenda_id"], h["period"], h["date"], h["status"], h["title"])
           for h in tables["agenda_history"]]
    # A-1 was planned in September and reported held in October: both versions stay.
    assert got == [("disdukcapil", "A-1", "2026-09", date(2026, 10, 2), "planned", "Rapat A-1"),
                   ("disdukcapil", "A-1", "2026-10", date(2026, 10, 2), "held", "Rapat A-1"),
                   ("disdukcapil", "A-2", "2026-10", date(2026, 11, 4), "planned", "Rapat A-2"),
                   ("dpmptsp", "M-1", "2026-11", date(2026, 11, 30), "planned", "Rapat M-1")]
    assert set(tables["agenda_history"][0]) == {"agency_code", "agenda_id", "period", "date", "start_time",
                                                "location", "status", "title", "attendees"}


def test_tables_come_in_the_published_order(tables: dict[str, list[dict[str, Any]]]) -> None:
    assert list(tables) == ["agencies", "services", "performance", "agency_ikm", "agendas", "agenda_history",
                            "decisions", "decision_history", "submissions", "indicators"]


def test_decision_history_has_one_row_per_reported_state(tables: dict[str, list[dict[str, Any]]]) -> None:
    got = [(h["decision_id"], h["period"], h["status"], h["follow_up"], h["completed_on"])
           for h in tables["decision_history"]]
    assert got == [("D-1", "2026-09", "open", "Rencana", None),
                   ("D-1", "2026-10", "in-progress", "Sedang dikerjakan", None),
                   ("D-2", "2026-10", "done", "Tindak", date(2026, 10, 15)),
                   ("D-3", "2026-10", "open", "Tindak", None)]


def test_submissions_list_owed_received_missing_and_late(tables: dict[str, list[dict[str, Any]]]) -> None:
    rows = {(r["period"], r["agency_code"], r["table"]): r for r in tables["submissions"]}
    assert list(rows) == sorted(rows)
    status = {k: r["status"] for k, r in rows.items()}
    # dpmptsp (no joining date) owes from the first period of the data; disdukcapil from 2026-09.
    assert status == {
        ("2026-08", "dpmptsp", "agendas"): "missing", ("2026-08", "dpmptsp", "decisions"): "missing",
        ("2026-08", "dpmptsp", "performance"): "accepted",
        ("2026-09", "disdukcapil", "agendas"): "accepted", ("2026-09", "disdukcapil", "decisions"): "accepted",
        ("2026-09", "disdukcapil", "performance"): "accepted",
        ("2026-09", "dpmptsp", "agendas"): "missing", ("2026-09", "dpmptsp", "decisions"): "missing",
        ("2026-09", "dpmptsp", "performance"): "missing",
        ("2026-10", "bank-x", "agendas"): "accepted",  # inactive: not owed, but received
        ("2026-10", "disdukcapil", "agendas"): "accepted", ("2026-10", "disdukcapil", "decisions"): "accepted",
        ("2026-10", "disdukcapil", "performance"): "rejected",
        ("2026-10", "dpmptsp", "agendas"): "missing", ("2026-10", "dpmptsp", "decisions"): "missing",
        ("2026-10", "dpmptsp", "performance"): "missing",
        ("2026-11", "dpmptsp", "agendas"): "accepted",  # open month, sent early
    }
    late = rows["2026-10", "disdukcapil", "decisions"]
    assert (late["received_at"], late["on_time"]) == ("2026-11-11T00:30:00+07:00", False)
    assert rows["2026-08", "dpmptsp", "performance"]["on_time"] is True
    redo = rows["2026-10", "disdukcapil", "performance"]
    assert (redo["revision"], redo["errors"], redo["warnings"], redo["on_time"]) == (2, 1, 0, False)
    missing = rows["2026-09", "dpmptsp", "agendas"]
    assert [missing[k] for k in ("received_at", "on_time", "revision", "sha256")] == [None] * 4


def test_deadline_day_itself_is_on_time_and_closes_the_month_after() -> None:
    assert periods.deadline("2026-12", 10) == date(2027, 1, 10)
    assert periods.last_closed(date(2026, 11, 10), 10) == "2026-09"
    assert periods.last_closed(date(2026, 11, 11), 10) == "2026-10"
    assert periods.last_closed(date(2027, 1, 5), 10) == "2026-11"
    jambi = ZoneInfo("Asia/Jakarta")
    assert periods.on_time("2026-11-10T23:59:59+07:00", "2026-10", 10, jambi)
    assert not periods.on_time("2026-11-11T00:00:00+07:00", "2026-10", 10, jambi)
    assert periods.span("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]


def test_tables_follow_their_published_schemas(tables: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    from pipeline.publish.datapackage import published_schemas

    schemas = published_schemas(make_fixture(tmp_path).portal)
    for name, records in tables.items():
        names = {f["name"] for f in schemas[name]["fields"]}
        extra = {k for r in records for k in r} - names
        assert not extra, (name, extra)
