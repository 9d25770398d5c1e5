"""Accountability: decisions made, done by their due date, overdue, time to completion, steps reported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pipeline.core import periods
from pipeline.core.followup import OPEN_STATUSES
from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import Evidence, Selection
from pipeline.publish.evaluation.measure import Measure, count, median_of, ratio, share


def _decisions(ev: Evidence, sel: Selection) -> Iterator[tuple[tuple[str, str], Record]]:
    """Every decision of an agency in scope, by key (the latest version: date and due date)."""
    for agency in sorted(sel.agencies):
        yield from ev.decisions.get(agency, ())


def _in(sel: Selection, day: date | None) -> bool:
    return day is not None and periods.of_date(day) in sel.months


def made(ev: Evidence, sel: Selection) -> Measure:
    """Decisions dated in the period."""
    return count(sum(1 for _, row in _decisions(ev, sel) if _in(sel, row.get("date"))))


def done_by_due(ev: Evidence, sel: Selection) -> Measure:
    """Of the decisions due in the period (not cancelled), those done on or before the due date.

    The state is the one reported at the end of the period: a decision done and reopened
    later still counts as done for the months it was done.
    """
    done = due = 0
    for _, row, state in ev.decision_states(sel):
        if not _in(sel, row.get("due_date")) or state is None or state["status"] == "cancelled":
            continue
        due += 1
        done += state["status"] == "done" and state["completed_on"] is not None \
            and state["completed_on"] <= row["due_date"]
    return share(done, due)


def _overdue_days(ev: Evidence, sel: Selection) -> Iterator[int | None]:
    """For each decision due by the period's end (not cancelled): days overdue at the end, None when not overdue."""
    for _, row, state in ev.decision_states(sel):
        due = row.get("due_date")
        if state is None or due is None or due > sel.end or state["status"] == "cancelled":
            continue
        late = state["status"] in OPEN_STATUSES and sel.end > due
        yield (sel.end - due).days if late else None


def overdue_share(ev: Evidence, sel: Selection) -> Measure:
    """Of the decisions due by the end of the period, those still open after their due date then."""
    days = list(_overdue_days(ev, sel))
    return share(sum(1 for d in days if d is not None), len(days))


def overdue_beyond(ev: Evidence, sel: Selection) -> Measure:
    """Decisions overdue by more than the portal's ``target_overdue_days`` at the end of the period."""
    limit = ev.targets.target_overdue_days
    return count(sum(1 for d in _overdue_days(ev, sel) if d is not None and d > limit))


def days_to_done(ev: Evidence, sel: Selection) -> Measure:
    """Median days from decision to completion, over the decisions completed in the period."""
    spans = []
    for _, row, state in ev.decision_states(sel):
        if state is not None and state["status"] == "done" and _in(sel, state["completed_on"]):
            spans.append((state["completed_on"] - row["date"]).days)
    return median_of(spans)


def steps_per_open(ev: Evidence, sel: Selection) -> Measure:
    """New follow-up steps reported in the period per decision open during it.

    A report is a new step when its follow-up text differs from the decision's previous report
    (the first report of a decision is its first step). A decision is open during the period
    when a report in the period gives it status open or in progress.
    """
    steps = open_count = 0
    for key, _ in _decisions(ev, sel):
        previous, was_open, new = None, False, 0
        for report in ev.history.get(key, ()):
            if report["period"] in sel.months:
                was_open = was_open or report["status"] in OPEN_STATUSES
                new += previous is None or report["follow_up"] != previous["follow_up"]
            previous = report
        if was_open:
            open_count += 1
            steps += new
    return ratio(steps, open_count)
