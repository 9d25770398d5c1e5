"""The indicators computed from cells (meeting_cells.py, decision_cells.py, performance_cells.py) equal a direct
scan of the rows, as the indicators were first written, for every scope and period of random worlds."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import combinations
from statistics import median
from typing import Any

import pytest

from pipeline.core import periods
from pipeline.core.config import Targets
from pipeline.core.followup import OPEN_STATUSES
from pipeline.core.ikm import ELEMENTS, group_ikm, round_cents
from pipeline.publish.evaluation import table
from pipeline.publish.evaluation.collaboration import JOINT_OTHER
from pipeline.publish.evaluation.evidence import Evidence, Selection, attendees, inter_agency, invited
from pipeline.publish.evaluation.measure import Measure
from pipeline.publish.evaluation.registry import INDICATORS

Row = dict[str, Any]
AS_OF = date(2026, 11, 28)
MONTHS = periods.span("2025-10", "2026-10")  # across two years and five quarters
AGENCIES = [("a1", "s1", True), ("a2", "s1", True), ("a3", "s2", True), ("a4", "s2", False), ("a5", "s3", True),
            ("a6", "s3", True)]
CODES = [code for code, _, _ in AGENCIES] + ["gone"]  # an agency no longer in the agencies table takes part


def _day(rnd: random.Random, month: str) -> date:
    return periods.first_day(month) + timedelta(days=rnd.randrange(28))


def _codes(rnd: random.Random) -> str | None:
    return rnd.choice([None, "", ";".join(rnd.sample(CODES, rnd.randrange(1, 5)))])


def _score(rnd: random.Random) -> Any:
    return rnd.choice([rnd.randrange(1, 5), rnd.randrange(100, 401) / 100, Decimal(rnd.randrange(100, 401)) / 100])


def world(seed: int) -> dict[str, list[Row]]:
    """Published tables of a random mall: meetings of every type and outcome, decisions reported month by month,
    performance rows with missing figures and surveys."""
    rnd = random.Random(seed)
    agencies = [{"agency_code": c, "sector": s, "active": a, "joined_on": None} for c, s, a in AGENCIES]
    agendas, decisions, history, performance, subs = [], [], [], [], []
    for month in MONTHS:
        for n in range(rnd.randrange(8)):
            agendas.append({"agency_code": rnd.choice(CODES), "agenda_id": f"{month}-{n}", "date": _day(rnd, month),
                            "type": rnd.choice(["coordination", "dialogue", "outreach", *JOINT_OTHER]),
                            "status": rnd.choice(["held", "held", "postponed", "cancelled", "planned"]),
                            "participants": _codes(rnd), "attendees": _codes(rnd), "period": month})
        for code, _, _ in AGENCIES:
            subs.append({"period": month, "agency_code": code, "table": "performance", "status": "accepted",
                         "on_time": True})
            for service in rnd.sample(["x", "y", "z"], rnd.randrange(3)):
                surveyed = rnd.random() < 0.7
                performance.append({
                    "period": month, "agency_code": code, "service_code": f"{code}-{service}",
                    "applications_received": rnd.randrange(50), "applications_completed": rnd.randrange(40),
                    "completed_within_standard": rnd.randrange(30), "complaints_received": rnd.randrange(5),
                    "complaints_resolved": rnd.randrange(5),
                    # Now and then a float beyond range: the selections holding it have no mean.
                    "avg_wait_minutes": rnd.choice([None, rnd.randrange(1, 900) / 10, Decimal(rnd.randrange(90)) / 4]
                                                   + ([math.inf] if rnd.random() < 0.02 else [])),
                    "avg_service_minutes": rnd.choice([None, 12.5, rnd.randrange(60)]),
                    "survey_respondents": rnd.choice([None, 0, rnd.randrange(1, 80)]) if surveyed else None,
                    **{e: (_score(rnd) if surveyed or rnd.random() < 0.5 else None) for e in ELEMENTS}})
    for code, _, _ in AGENCIES:
        for n in range(rnd.randrange(8)):
            month = rnd.choice(MONTHS)
            day = _day(rnd, month)
            due = rnd.choice([None, day + timedelta(days=rnd.randrange(-5, 120))])
            decisions.append({"agency_code": code, "decision_id": f"D{n}", "date": day, "due_date": due})
            step = "start"
            later = [m for m in MONTHS if m >= month]
            for report in sorted(rnd.sample(later, min(len(later), rnd.randrange(4)))):
                status = rnd.choice(["open", "in-progress", "done", "cancelled"])
                step = rnd.choice([step, step + "+"])
                done = periods.last_day(report) - timedelta(days=rnd.randrange(20)) if status == "done" else None
                history.append({"agency_code": code, "decision_id": f"D{n}", "period": report, "status": status,
                                "follow_up": step, "completed_on": rnd.choice([done, done, None])})
    history.sort(key=lambda r: (r["agency_code"], r["decision_id"], r["period"]))
    return {"agencies": agencies, "agendas": agendas, "agenda_history": [], "decisions": decisions,
            "decision_history": history, "performance": performance, "submissions": subs}


def selections(tables: dict[str, list[Row]]) -> Iterator[Selection]:
    """Every selection ``indicator_records`` computes, in its order of labels and scopes."""
    last = periods.last_closed(AS_OF, 10)
    closed = periods.span(MONTHS[0], last)
    for label, _ in table._labels(closed):
        months = tuple(m for m in periods.months_of(label) if m in set(closed))
        end = min(periods.last_day(months[-1]), AS_OF)
        for scope_type, scope, agencies, services in table._scopes(tables["agencies"], tables["performance"]):
            yield Selection(scope_type, scope, agencies, label, months, end, services)


# --- the indicators as first written: a scan of the rows of each selection -------------------------------

def _meetings(ev: Evidence, sel: Selection, organised_in_scope: bool = True) -> Iterator[Row]:
    for month in sel.months:
        for row in ev.agendas_by_month.get(month, ()):
            if not organised_in_scope or row["agency_code"] in sel.agencies:
                yield row


def _share(part: int, whole: int) -> Measure:
    return Measure(round_cents(Fraction(100 * part, whole)) if whole else None, part, whole)


def _invitations(ev: Evidence, sel: Selection) -> list[tuple[str, Row]]:
    return [(agency, row) for row in _meetings(ev, sel, False) if row["status"] == "held"
            for agency in sorted(invited(row) & sel.agencies)]


def _present(ev: Evidence, sel: Selection) -> list[frozenset[str]]:
    return [came for row in _meetings(ev, sel, False) if row["status"] == "held"
            if (came := attendees(row)) is not None]


def _held_joint(types: tuple[str, ...]) -> Callable[[Evidence, Selection], Measure]:
    return lambda ev, sel: Measure(sum(1 for r in _meetings(ev, sel)
                                       if r["status"] == "held" and r["type"] in types and inter_agency(r)))


def _with_status(status: str) -> Callable[[Evidence, Selection], Measure]:
    return lambda ev, sel: Measure(sum(1 for r in _meetings(ev, sel) if r["status"] == status))


def _attendance_rate(ev: Evidence, sel: Selection) -> Measure:
    known = [(agency, came) for agency, row in _invitations(ev, sel) if (came := attendees(row)) is not None]
    return _share(sum(1 for agency, came in known if agency in came), len(known))


def _sectors_present(ev: Evidence, sel: Selection) -> Measure:
    sectors = {s for a in sel.agencies if (s := ev.sector_of(a))}
    seen = {s for came in _present(ev, sel) for a in came if (s := ev.sector_of(a)) in sectors}
    return _share(len(seen), len(sectors))


def _states(ev: Evidence, sel: Selection) -> Iterator[tuple[Row, Row | None]]:
    for agency in sorted(sel.agencies):
        for key, row in ev.decisions.get(agency, ()):
            yield row, ev.state_at(key, sel.months[-1])


def _in(sel: Selection, day: date | None) -> bool:
    return day is not None and periods.of_date(day) in sel.months


def _done_by_due(ev: Evidence, sel: Selection) -> Measure:
    done = due = 0
    for row, state in _states(ev, sel):
        if not _in(sel, row.get("due_date")) or state is None or state["status"] == "cancelled":
            continue
        due += 1
        done += state["status"] == "done" and state["completed_on"] is not None \
            and state["completed_on"] <= row["due_date"]
    return _share(done, due)


def _overdue_days(ev: Evidence, sel: Selection) -> list[int | None]:
    out = []
    for row, state in _states(ev, sel):
        due = row.get("due_date")
        if state is None or due is None or due > sel.end or state["status"] == "cancelled":
            continue
        out.append((sel.end - due).days if state["status"] in OPEN_STATUSES and sel.end > due else None)
    return out


def _days_to_done(ev: Evidence, sel: Selection) -> Measure:
    spans = [(state["completed_on"] - row["date"]).days for row, state in _states(ev, sel)
             if state is not None and state["status"] == "done" and _in(sel, state["completed_on"])]
    return Measure(round_cents(Fraction(median(spans))), None, len(spans)) if spans else Measure(None, None, 0)


def _steps_per_open(ev: Evidence, sel: Selection) -> Measure:
    steps = open_count = 0
    for agency in sorted(sel.agencies):
        for key, _ in ev.decisions.get(agency, ()):
            previous, was_open, new = None, False, 0
            for report in ev.history.get(key, ()):
                if report["period"] in sel.months:
                    was_open = was_open or report["status"] in OPEN_STATUSES
                    new += previous is None or report["follow_up"] != previous["follow_up"]
                previous = report
            if was_open:
                open_count += 1
                steps += new
    return Measure(round_cents(Fraction(steps, open_count)) if open_count else None, steps, open_count)


def _rows(ev: Evidence, sel: Selection) -> list[Row]:
    return [row for month in sel.months for agency in sel.agencies for row in ev.performance.get((month, agency), ())
            if sel.services is None or row["service_code"] in sel.services]


def _minutes(field: str) -> Callable[[Evidence, Selection], Measure]:
    def measure(ev: Evidence, sel: Selection) -> Measure:
        rows = [r for r in _rows(ev, sel) if r.get(field) is not None]
        weight = sum(r["applications_completed"] for r in rows)
        if not weight:
            return Measure(None, None, 0)
        if any(isinstance(r[field], float) and not math.isfinite(r[field]) for r in rows):
            return Measure(None, None, weight)  # no mean of an infinite value
        pairs = [(Fraction(Decimal(repr(r[field])) if isinstance(r[field], float) else r[field]),
                  r["applications_completed"]) for r in rows]
        total = sum((v * w for v, w in pairs), Fraction(0))
        return Measure(round_cents(total / weight), round_cents(total), weight)
    return measure


def _ikm(ev: Evidence, sel: Selection) -> Measure:
    surveyed = [(r["survey_respondents"], [r[e] for e in ELEMENTS]) for r in _rows(ev, sel)
                if r.get("survey_respondents") and all(r.get(e) is not None for e in ELEMENTS)]
    return Measure(group_ikm(surveyed), None, sum(n for n, _ in surveyed))


def _sums(a: str, b: str) -> Callable[[Evidence, Selection], Measure]:
    return lambda ev, sel: _share(sum(r[a] for r in _rows(ev, sel)), sum(r[b] for r in _rows(ev, sel)))


REFERENCE: dict[str, Callable[[Evidence, Selection], Measure]] = {
    "meetings-coordination": _held_joint(("coordination",)),
    "meetings-dialogue": _held_joint(("dialogue",)),
    "meetings-joint-other": _held_joint(JOINT_OTHER),
    "meetings-outreach": lambda ev, sel: Measure(sum(1 for r in _meetings(ev, sel)
                                                     if r["status"] == "held" and r["type"] == "outreach")),
    "meetings-held-share": lambda ev, sel: _share(sum(1 for r in _meetings(ev, sel) if r["status"] == "held"),
                                                  len(list(_meetings(ev, sel)))),
    "meetings-postponed": _with_status("postponed"),
    "meetings-cancelled": _with_status("cancelled"),
    "invitations": lambda ev, sel: Measure(len(_invitations(ev, sel))),
    "attendance-rate": _attendance_rate,
    "attendance-unknown": lambda ev, sel: Measure(sum(1 for _, row in _invitations(ev, sel)
                                                      if attendees(row) is None)),
    "sectors-present": _sectors_present,
    "agency-pairs": lambda ev, sel: Measure(len({pair for came in _present(ev, sel)
                                                 for pair in combinations(sorted(came & sel.agencies), 2)})),
    "partners-met": lambda ev, sel: Measure(len({other for came in _present(ev, sel) if came & sel.agencies
                                                 for other in came - sel.agencies})),
    "decisions-made": lambda ev, sel: Measure(sum(1 for row, _ in _states(ev, sel) if _in(sel, row.get("date")))),
    "decisions-done-on-time": _done_by_due,
    "decisions-overdue": lambda ev, sel: _share(sum(1 for d in _overdue_days(ev, sel) if d is not None),
                                                len(_overdue_days(ev, sel))),
    "decisions-long-overdue": lambda ev, sel: Measure(sum(1 for d in _overdue_days(ev, sel)
                                                          if d is not None and d > ev.targets.target_overdue_days)),
    "days-to-done": _days_to_done,
    "steps-per-open-decision": _steps_per_open,
    "applications": lambda ev, sel: Measure(sum(r["applications_received"] for r in _rows(ev, sel))),
    "within-standard": _sums("completed_within_standard", "applications_completed"),
    "wait-minutes": _minutes("avg_wait_minutes"),
    "service-minutes": _minutes("avg_service_minutes"),
    "complaints-resolved": _sums("complaints_resolved", "complaints_received"),
    "ikm": _ikm,
}


@pytest.mark.parametrize("seed", range(6))
def test_every_indicator_equals_a_scan_of_its_rows(seed: int) -> None:
    """Each indicator of each selection, read from cells shared by all selections, is the value, numerator
    and denominator (with their types and digits) that scanning the selection's own rows gives."""
    tables = world(seed)
    ev, fresh = Evidence(tables, AS_OF, Targets()), Evidence(tables, AS_OF, Targets())
    compared = 0
    for sel in selections(tables):
        for indicator in INDICATORS:
            if indicator.id not in REFERENCE:
                continue  # discipline: read from the submissions as they are
            if sel.scope_type not in indicator.scopes:
                continue
            got, want = indicator.compute(ev, sel), REFERENCE[indicator.id](fresh, sel)
            assert got == want and repr(got) == repr(want), (indicator.id, sel.scope, sel.period)
            compared += 1
    assert compared > 5000
    assert set(REFERENCE) | {i.id for i in INDICATORS if i.group == "discipline"} == {i.id for i in INDICATORS}


def test_a_selection_asked_again_after_another_gets_its_own_sums() -> None:
    """The sums kept for the selection asked last are never those of another one asked in between."""
    tables = world(1)
    ev = Evidence(tables, AS_OF, Targets())
    chosen = list(selections(tables))[:200]
    first = [[i.compute(ev, sel) for i in INDICATORS if sel.scope_type in i.scopes] for sel in chosen]
    again = [[i.compute(ev, sel) for i in INDICATORS if sel.scope_type in i.scopes] for sel in reversed(chosen)]
    assert again[::-1] == first
