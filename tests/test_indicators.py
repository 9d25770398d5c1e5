"""The evaluation indicators on a small world computed by hand (expected values written by hand).

The world: four agencies, July to October 2026 closed (as of 28 November, deadline day 10).
``bank-b`` joined on 15 August (mid-quarter), ``old-d`` is inactive, ``dinas-a``'s September
performance file was rejected (a rejected month), ``ngo-c`` sent no agendas for August.
October has no meeting at all. Decision D1 was done in August and reopened in September;
meeting A2 and A4 say nothing about who came (attendance unknown).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pipeline.core.config import Targets
from pipeline.publish.evaluation.registry import INDICATORS
from pipeline.publish.evaluation.table import indicator_records

AS_OF = date(2026, 11, 28)
MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10")
D = Decimal


def _agency(code: str, sector: str, joined: date | None, active: bool = True) -> dict[str, Any]:
    return {"agency_code": code, "sector": sector, "joined_on": joined, "active": active}


def _file(period: str, agency: str, table: str, status: str = "accepted", on_time: bool | None = True) -> dict[str, Any]:
    return {"period": period, "agency_code": agency, "table": table, "status": status,
            "on_time": None if status == "missing" else on_time}


def _agenda(aid: str, agency: str, day: date, kind: str, invited: str, status: str,
            came: str | None = None) -> dict[str, Any]:
    return {"agency_code": agency, "agenda_id": aid, "period": day.isoformat()[:7], "date": day, "type": kind,
            "participants": invited, "attendees": came, "status": status}


def _perf(period: str, agency: str, received: int, completed: int, within: int, wait: float | None,
          service: float, complaints: tuple[int, int], survey: tuple[int, float] | None) -> dict[str, Any]:
    row = {"period": period, "agency_code": agency, "service_code": f"{agency}-svc",
           "applications_received": received, "applications_completed": completed,
           "completed_within_standard": within, "avg_wait_minutes": wait, "avg_service_minutes": service,
           "complaints_received": complaints[0], "complaints_resolved": complaints[1],
           "survey_respondents": survey[0] if survey else None}
    row.update({f"u{i}": (survey[1] if survey else None) for i in range(1, 10)})
    return row


def _history(agency: str, did: str, period: str, status: str, step: str, done: date | None = None) -> dict[str, Any]:
    return {"agency_code": agency, "decision_id": did, "period": period, "status": status, "follow_up": step,
            "completed_on": done}


def _decision(agency: str, did: str, day: date, due: date, status: str) -> dict[str, Any]:
    return {"agency_code": agency, "decision_id": did, "date": day, "due_date": due, "status": status}


def world() -> dict[str, list[dict[str, Any]]]:
    """The published tables of the small world."""
    subs = []
    for month in MONTHS:
        for table in ("agendas", "decisions", "performance"):
            subs.append(_file(month, "dinas-a", table))
            subs.append(_file(month, "ngo-c", table))
            if month >= "2026-08":
                subs.append(_file(month, "bank-b", table))
    def put(month: str, agency: str, table: str, **kw: Any) -> None:
        subs[:] = [s for s in subs if (s["period"], s["agency_code"], s["table"]) != (month, agency, table)]
        subs.append(_file(month, agency, table, **kw))
    put("2026-09", "dinas-a", "decisions", on_time=False)
    put("2026-09", "dinas-a", "performance", status="rejected")
    put("2026-08", "ngo-c", "agendas", status="missing")
    agendas = [
        _agenda("A1", "dinas-a", date(2026, 7, 10), "coordination", "ngo-c", "held", "dinas-a;ngo-c"),
        _agenda("A2", "dinas-a", date(2026, 8, 20), "coordination", "ngo-c;bank-b", "held"),
        _agenda("A3", "ngo-c", date(2026, 9, 5), "dialogue", "dinas-a;bank-b", "held", "ngo-c;bank-b"),
        _agenda("A4", "dinas-a", date(2026, 9, 12), "outreach", "dinas-a", "held"),
        _agenda("A5", "bank-b", date(2026, 9, 20), "coordination", "dinas-a", "postponed"),
        _agenda("A6", "ngo-c", date(2026, 9, 25), "monitoring-evaluation", "dinas-a", "cancelled"),
    ]
    history = [
        _history("bank-b", "D3", "2026-08", "open", "Rencana"),
        _history("bank-b", "D3", "2026-09", "done", "Selesai", date(2026, 9, 10)),
        _history("dinas-a", "D1", "2026-07", "open", "Rencana"),
        _history("dinas-a", "D1", "2026-08", "done", "Selesai", date(2026, 8, 20)),
        _history("dinas-a", "D1", "2026-09", "open", "Dibuka kembali"),
        _history("dinas-a", "D4", "2026-09", "cancelled", "Batal"),
        _history("ngo-c", "D2", "2026-07", "in-progress", "Mulai"),
        _history("ngo-c", "D2", "2026-08", "in-progress", "Mulai"),
        _history("ngo-c", "D2", "2026-09", "in-progress", "Tahap dua"),
    ]
    decisions = [
        _decision("bank-b", "D3", date(2026, 8, 20), date(2026, 9, 30), "done"),
        _decision("dinas-a", "D1", date(2026, 7, 1), date(2026, 8, 31), "open"),
        _decision("dinas-a", "D4", date(2026, 9, 1), date(2026, 9, 15), "cancelled"),
        _decision("ngo-c", "D2", date(2026, 7, 15), date(2026, 7, 31), "in-progress"),
    ]
    performance = [
        _perf("2026-07", "dinas-a", 100, 90, 81, 10.0, 5.0, (4, 3), (10, 3.0)),
        _perf("2026-07", "ngo-c", 10, 10, 5, None, 6.0, (1, 1), (30, 4.0)),
        _perf("2026-08", "bank-b", 40, 40, 40, 5.0, 4.0, (0, 0), None),
        _perf("2026-08", "dinas-a", 50, 50, 50, 20.0, 8.0, (0, 0), None),
    ]
    return {
        "agencies": [_agency("bank-b", "state-enterprise", date(2026, 8, 15)),
                     _agency("dinas-a", "regional-government", date(2025, 1, 1)),
                     _agency("ngo-c", "non-government", date(2025, 1, 1)),
                     _agency("old-d", "private", date(2024, 1, 1), active=False)],
        "agendas": agendas,
        "agenda_history": [{"period": a["period"], "agency_code": a["agency_code"]} for a in agendas],
        "decisions": decisions, "decision_history": history, "performance": performance, "submissions": subs,
    }


def _change(change: str, month: str, agency: str, table: str, revision: int) -> dict[str, Any]:
    return {"change": change, "period": month, "agency": agency, "table": table, "revision": revision}


# The published change log (oldest event first): the verdict on each file's first version.
CHANGELOG = [
    {"date": "2026-08-05", "changes": [
        {"change": "reference", "table": "agencies"},
        _change("rejected", "2026-07", "ngo-c", "performance", 1),  # rejected first, corrected below
        _change("added", "2026-07", "dinas-a", "performance", 1)]},
    {"date": "2026-08-07", "changes": [_change("corrected", "2026-07", "ngo-c", "performance", 2)]},
    {"date": "2026-09-04", "changes": [
        _change("rejected", "2026-08", "bank-b", "decisions", 1),  # rejected first, a new file accepted
        _change("added", "2026-08", "bank-b", "decisions", 2)]},
    {"date": "2026-10-03", "changes": [
        _change("added", "2026-09", "dinas-a", "performance", 1)]},  # accepted first ...
    {"date": "2026-10-09", "changes": [
        _change("rejected", "2026-09", "dinas-a", "performance", 2),  # ... then a rejected correction
        # A later event naming revision 1 again (re-judged) does not change its first verdict.
        _change("rejected", "2026-07", "dinas-a", "performance", 1)]},
]


@pytest.fixture(scope="module")
def rows() -> dict[tuple[str, str, str], dict[str, Any]]:
    out = indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG)
    return {(r["indicator"], r["scope"], r["period"]): r for r in out}


def value(rows: dict[tuple[str, str, str], dict[str, Any]], indicator: str, scope: str, period: str) -> Any:
    return rows[indicator, scope, period]["value"]


def test_periods_and_scopes_present(rows: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    periods = {p for _, _, p in rows}
    assert periods == {"2026-07", "2026-08", "2026-09", "2026-10", "2026-Q3", "2026-Q4", "2026"}
    assert rows["ikm", "mall", "2026-Q3"]["complete"] is True
    assert rows["ikm", "mall", "2026-Q4"]["complete"] is False  # only October is closed
    assert rows["ikm", "mall", "2026"]["complete"] is False
    scopes = {s for _, s, _ in rows}
    assert scopes == {"mall", "bank-b", "dinas-a", "ngo-c", "old-d", "state-enterprise", "regional-government",
                      "non-government", "private", "bank-b-svc", "dinas-a-svc", "ngo-c-svc"}
    # Only the service-quality indicators are computed per service.
    per_service = {i for i, s, _ in rows if s == "dinas-a-svc"}
    assert per_service == {"applications", "within-standard", "wait-minutes", "service-minutes",
                           "complaints-resolved", "ikm"}


def test_collaboration_quarter_for_the_mall(rows: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    q = "2026-Q3"
    assert value(rows, "meetings-coordination", "mall", q) == 2  # A1, A2 (A5 postponed)
    assert rows["meetings-coordination", "mall", q]["target"] == 6  # 2 a month × 3
    assert rows["meetings-coordination", "mall", q]["target_met"] is False
    assert value(rows, "meetings-dialogue", "mall", q) == 1  # A3
    assert value(rows, "meetings-joint-other", "mall", q) == 0  # A6 was cancelled
    assert value(rows, "meetings-outreach", "mall", q) == 1  # A4 (only its organiser: not inter-agency)
    assert (value(rows, "meetings-held-share", "mall", q), rows["meetings-held-share", "mall", q]["numerator"],
            rows["meetings-held-share", "mall", q]["denominator"]) == (D("66.67"), 4, 6)
    assert value(rows, "meetings-postponed", "mall", q) == 1
    assert value(rows, "meetings-cancelled", "mall", q) == 1
    assert value(rows, "invitations", "mall", q) == 6  # A1: 1, A2: 2, A3: 2, A4: 1
    # Known attendance only: A1 (ngo-c came), A3 (dinas-a did not, bank-b did).
    assert value(rows, "attendance-rate", "mall", q) == D("66.67")
    assert value(rows, "attendance-unknown", "mall", q) == 3  # A2's two invitations and A4's one
    assert value(rows, "sectors-present", "mall", q) == D("75.00")  # 3 of 4 sectors; private never present
    assert value(rows, "agency-pairs", "mall", q) == 2  # dinas-a–ngo-c, bank-b–ngo-c


def test_collaboration_for_one_agency(rows: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    q = "2026-Q3"
    assert value(rows, "meetings-coordination", "dinas-a", q) == 2
    assert rows["meetings-coordination", "dinas-a", q]["target"] is None  # the target is the mall's
    assert value(rows, "invitations", "dinas-a", q) == 2  # A3, A4
    assert value(rows, "attendance-rate", "dinas-a", q) == D("0.00")  # invited to A3, did not come
    assert value(rows, "attendance-unknown", "dinas-a", q) == 1  # A4
    assert value(rows, "partners-met", "dinas-a", q) == 1  # ngo-c at A1
    assert ("agency-pairs", "dinas-a", q) not in rows and ("partners-met", "mall", q) not in rows


def test_a_quarter_without_meetings(rows: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    q = "2026-Q4"
    assert value(rows, "meetings-coordination", "mall", q) == 0
    assert rows["meetings-coordination", "mall", q]["target"] == 2  # one closed month
    assert rows["meetings-coordination", "mall", q]["target_met"] is False
    assert value(rows, "meetings-held-share", "mall", q) is None  # nothing was scheduled: no share
    assert rows["meetings-held-share", "mall", q]["denominator"] == 0
    assert value(rows, "attendance-rate", "mall", q) is None
    assert rows["attendance-rate", "mall", q]["target_met"] is None


def test_accountability_with_a_reopened_decision(rows: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    # August: D1 was done on 20 August, before its due date (31 August), and took 50 days.
    assert value(rows, "decisions-done-on-time", "mall", "2026-08") == D("100.00")
    assert value(rows, "days-to-done", "mall", "2026-08") == D("50.00")
    q = "2026-Q3"  # by the end of September D1 was reopened: no longer done
    assert value(rows, "decisions-made", "mall", q) == 4
    assert (value(rows, "decisions-done-on-time", "mall", q), rows["decisions-done-on-time", "mall", q]["numerator"],
            rows["decisions-done-on-time", "mall", q]["denominator"]) == (D("33.33"), 1, 3)  # D3 of D1, D2, D3
    assert value(rows, "decisions-overdue", "mall", q) == D("66.67")  # D1 (30 days), D2 (61 days)
    assert value(rows, "decisions-long-overdue", "mall", q) == 1  # D2, more than 60 days
    assert rows["decisions-long-overdue", "mall", q]["target"] == 0
    assert rows["decisions-long-overdue", "mall", q]["target_met"] is False
    assert value(rows, "days-to-done", "mall", q) == D("21.00")  # D3: 20 August -> 10 September
    # Steps: D1 three (each report new), D2 two ("Mulai" repeated), D3 two; D4 was never open.
    assert value(rows, "steps-per-open-decision", "mall", q) == D("2.33")
    # October: D1 61 days and D2 92 days overdue on 31 October.
    assert value(rows, "decisions-long-overdue", "mall", "2026-10") == 2


def test_data_discipline(rows: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    q = "2026-Q3"
    # 24 files owed (dinas-a 9, ngo-c 9, bank-b 6 from August); one late, one missing.
    assert (value(rows, "files-on-time", "mall", q), rows["files-on-time", "mall", q]["numerator"],
            rows["files-on-time", "mall", q]["denominator"]) == (D("91.67"), 22, 24)
    assert rows["files-on-time", "mall", q]["target"] == D("90")
    assert rows["files-on-time", "mall", q]["target_met"] is True
    assert value(rows, "files-late", "mall", q) == 1
    assert value(rows, "files-missing", "mall", q) == 1
    assert value(rows, "files-rejected", "mall", q) == 1  # dinas-a's September performance, latest version
    # First versions rejected: ngo-c's July performance and bank-b's August decisions, both accepted
    # later; dinas-a's September performance was accepted first, so it does not count here.
    assert value(rows, "files-rejected-first", "mall", q) == 2
    assert value(rows, "files-rejected-first", "ngo-c", "2026-07") == 1
    assert value(rows, "files-rejected-first", "bank-b", "2026-08") == 1
    assert value(rows, "files-rejected-first", "dinas-a", q) == 0
    assert value(rows, "files-rejected-first", "mall", "2026-10") == 0
    assert value(rows, "files-on-time", "dinas-a", q) == D("88.89")  # 8 of 9
    assert rows["files-on-time", "dinas-a", q]["target_met"] is False
    stricter = indicator_records(world(), AS_OF, 10, Targets(target_files_on_time_percent=95.0))
    mall = next(r for r in stricter if (r["indicator"], r["scope"], r["period"]) == ("files-on-time", "mall", q))
    assert (mall["target"], mall["target_met"]) == (D("95"), False)


def test_service_quality_and_the_rejected_month(rows: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    q = "2026-Q3"
    assert value(rows, "applications", "mall", q) == 200
    assert value(rows, "within-standard", "mall", q) == D("92.63")  # 176 / 190
    assert value(rows, "wait-minutes", "mall", q) == D("11.67")  # (10×90 + 20×50 + 5×40) / 180
    assert value(rows, "service-minutes", "mall", q) == D("5.63")  # 1070 / 190
    assert value(rows, "complaints-resolved", "mall", q) == D("80.00")  # 4 / 5
    assert value(rows, "ikm", "mall", q) == D("93.75")  # 25 × (10×3 + 30×4) / 40
    assert rows["ikm", "mall", q]["denominator"] == 40
    assert value(rows, "ikm", "dinas-a", q) == D("75.00")
    # dinas-a's September performance file was rejected: the quarter covers 2 of 3 agencies and says why.
    ikm = rows["ikm", "mall", q]
    assert (ikm["agencies_covered"], ikm["agencies_expected"]) == (2, 3)
    assert ikm["gaps"] == "dinas-a:rejected:2026-09;old-d:inactive"
    assert value(rows, "ikm", "dinas-a", "2026-09") is None
    assert rows["ikm", "dinas-a", "2026-09"]["gaps"] == "dinas-a:rejected:2026-09"


def test_service_quality_per_service() -> None:
    # dinas-a gets a second service in July: 20 received, 10 completed, 4 within the standard,
    # 30 and 12 minutes, 2 complaints with 1 resolved, 30 respondents scoring 4.0 on every element.
    tables = world()
    second = _perf("2026-07", "dinas-a", 20, 10, 4, 30.0, 12.0, (2, 1), (30, 4.0))
    tables["performance"] = [*tables["performance"], {**second, "service_code": "dinas-a-svc2"}]
    out = {(r["indicator"], r["scope"], r["period"]): r for r in indicator_records(tables, AS_OF, 10, Targets())}
    q = "2026-Q3"
    # The first service: July (100, 90, 81) and August (50, 50, 50); September's file was rejected.
    assert out["applications", "dinas-a-svc", q]["value"] == 150
    assert out["within-standard", "dinas-a-svc", q]["value"] == D("93.57")  # 131 / 140
    assert out["wait-minutes", "dinas-a-svc", q]["value"] == D("13.57")  # (10×90 + 20×50) / 140
    assert out["service-minutes", "dinas-a-svc", q]["value"] == D("6.07")  # (5×90 + 8×50) / 140
    assert out["complaints-resolved", "dinas-a-svc", q]["value"] == D("75.00")  # 3 / 4
    assert out["ikm", "dinas-a-svc", q]["value"] == D("75.00")  # 25 × 3
    # The second service alone.
    assert out["applications", "dinas-a-svc2", q]["value"] == 20
    assert out["within-standard", "dinas-a-svc2", q]["value"] == D("40.00")  # 4 / 10
    assert out["wait-minutes", "dinas-a-svc2", q]["value"] == D("30.00")
    assert out["complaints-resolved", "dinas-a-svc2", q]["value"] == D("50.00")  # 1 / 2
    assert (out["ikm", "dinas-a-svc2", q]["value"], out["ikm", "dinas-a-svc2", q]["denominator"]) == (D("100.00"), 30)
    assert out["applications", "dinas-a-svc2", "2026-08"]["value"] == 0  # no row in August
    assert out["ikm", "dinas-a-svc2", "2026-08"]["value"] is None
    assert out["applications", "dinas-a-svc2", "2026"]["value"] == 20
    # The agency's IKM weights its services by respondents: 25 × (10×3 + 30×4) / 40, not (75 + 100) / 2.
    assert out["ikm", "dinas-a", q]["value"] == D("93.75")
    assert out["applications", "dinas-a", q]["value"] == 170
    row = out["ikm", "dinas-a-svc2", q]
    assert (row["scope_type"], row["agencies_covered"], row["agencies_expected"], row["gaps"]) == (
        "service", 0, 1, "dinas-a:rejected:2026-09")
    assert ("files-on-time", "dinas-a-svc2", q) not in out


def test_coverage_of_an_agency_joining_mid_quarter(rows: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    july = rows["applications", "bank-b", "2026-07"]
    assert (july["agencies_covered"], july["agencies_expected"], july["gaps"]) == (0, 0, "bank-b:not-yet-joined")
    q3 = rows["applications", "bank-b", "2026-Q3"]  # owed August and September only, sent both
    assert (q3["agencies_covered"], q3["agencies_expected"], q3["gaps"]) == (1, 1, None)
    agendas = rows["meetings-coordination", "mall", "2026-Q3"]  # ngo-c sent no agendas for August
    assert (agendas["agencies_covered"], agendas["agencies_expected"]) == (2, 3)
    assert agendas["gaps"] == "ngo-c:missing:2026-08;old-d:inactive"
    assert rows["files-on-time", "mall", "2026-Q3"]["agencies_covered"] == 3  # missing files are counted, not gaps


def test_the_published_schema_lists_every_indicator_of_the_registry() -> None:
    import json
    from pathlib import Path

    from pipeline.publish.evaluation.registry import INDICATORS

    schema = json.loads((Path(__file__).parents[1] / "datasets/schemas/published/indicators.json").read_text())
    enum = next(f for f in schema["fields"] if f["name"] == "indicator")["constraints"]["enum"]
    assert enum == [i.id for i in INDICATORS]
    assert len({i.id for i in INDICATORS}) == len(INDICATORS) == 30


def test_figures_beyond_any_usual_size_are_computed_exactly() -> None:
    # The contract sets no upper bound: a waiting time of 1E+400 minutes is valid and must not
    # break the publish (Decimal's default 28 digits would).
    tables = world()
    tables["performance"] = [dict(r) for r in tables["performance"]]
    tables["performance"][0]["avg_wait_minutes"] = D("1E+400")
    tables["performance"][1]["applications_completed"] = 10**40
    tables["performance"][1]["completed_within_standard"] = 10**40
    out = {(r["indicator"], r["scope"], r["period"]): r for r in indicator_records(tables, AS_OF, 10, Targets())}
    assert out["wait-minutes", "dinas-a", "2026-07"]["value"] == D("1E+400")
    # (1E+400 × 90 + 20 × 50 + 5 × 40) / 180 = 5E+399 + 6.666...: exact to the cent.
    assert out["wait-minutes", "mall", "2026-Q3"]["value"] == D(f"{5 * 10**399 + 6}.67")
    assert out["within-standard", "ngo-c", "2026-07"]["value"] == D("100.00")


def test_rows_come_in_the_published_order_with_one_service_code_at_two_agencies() -> None:
    # The order: indicator (registry order), scope type, scope, period type, period; two agencies'
    # services of one code keep their agencies' order.
    tables = world()
    shared = _perf("2026-07", "ngo-c", 20, 10, 4, 30.0, 12.0, (2, 1), (30, 4.0))
    tables["performance"] = [*tables["performance"], {**shared, "service_code": "dinas-a-svc"}]
    out = indicator_records(tables, AS_OF, 10, Targets())
    order = {i.id: n for n, i in enumerate(INDICATORS)}
    scope_type = {"mall": 0, "sector": 1, "agency": 2, "service": 3}
    period_type = {"month": 0, "quarter": 1, "year": 2}
    assert out == sorted(out, key=lambda r: (order[r["indicator"]], scope_type[r["scope_type"]], r["scope"],
                                             period_type[r["period_type"]], r["period"]))
    both = [r["agencies_covered"] for r in out if (r["indicator"], r["scope"], r["period"]) == (
        "applications", "dinas-a-svc", "2026-07")]
    assert len(both) == 2  # both agencies' services of that code
