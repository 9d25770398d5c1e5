"""Accountability: decisions made, done by their due date, overdue, time to completion, steps reported."""

from __future__ import annotations

from pipeline.publish.evaluation.decision_cells import DecisionCells
from pipeline.publish.evaluation.evidence import Evidence, Selection
from pipeline.publish.evaluation.measure import Measure, count, median_of, ratio, share


def _cells(ev: Evidence) -> DecisionCells:
    """The decisions of the evidence sorted by agency and month (decision_cells.py), once per run."""
    return DecisionCells(ev)


def made(ev: Evidence, sel: Selection) -> Measure:
    """Decisions dated in the period."""
    return count(ev.derived(_cells).made(sel))


def done_by_due(ev: Evidence, sel: Selection) -> Measure:
    """Of the decisions due in the period (not cancelled), those done on or before the due date.

    The state is the one reported at the end of the period: a decision done and reopened
    later still counts as done for the months it was done.
    """
    return share(*ev.derived(_cells).done_by_due(sel))


def overdue_share(ev: Evidence, sel: Selection) -> Measure:
    """Of the decisions due by the end of the period, those still open after their due date then."""
    due, late = ev.derived(_cells).overdue(sel)
    return share(len(late), due)


def overdue_beyond(ev: Evidence, sel: Selection) -> Measure:
    """Decisions overdue by more than the portal's ``target_overdue_days`` at the end of the period."""
    limit = ev.targets.target_overdue_days
    return count(sum(1 for d in ev.derived(_cells).overdue(sel)[1] if d > limit))


def days_to_done(ev: Evidence, sel: Selection) -> Measure:
    """Median days from decision to completion, over the decisions completed in the period."""
    return median_of(ev.derived(_cells).spans(sel))


def steps_per_open(ev: Evidence, sel: Selection) -> Measure:
    """New follow-up steps reported in the period per decision open during it.

    A report is a new step when its follow-up text differs from the decision's previous report
    (the first report of a decision is its first step). A decision is open during the period
    when a report in the period gives it status open or in progress.
    """
    return ratio(*ev.derived(_cells).steps(sel))
