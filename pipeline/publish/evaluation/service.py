"""Service quality: applications, completion within the service standard, times, complaints, IKM."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.publish.evaluation.evidence import Evidence, Selection
from pipeline.publish.evaluation.measure import Measure, count, share
from pipeline.publish.evaluation.performance_cells import MINUTES, PerformanceCells, Tally


def _cells(ev: Evidence) -> PerformanceCells:
    """The published performance rows summed per month, agency and service (performance_cells.py), once per run."""
    return PerformanceCells(ev.performance)


def _tally(ev: Evidence, sel: Selection) -> Tally:
    """The sums of every published performance row (one per service and month) of the selection."""
    return ev.derived(_cells).tally(sel)


def applications(ev: Evidence, sel: Selection) -> Measure:
    """Applications received."""
    return count(_tally(ev, sel).received)


def within_standard(ev: Evidence, sel: Selection) -> Measure:
    """Applications completed within the service standard, among those completed."""
    tally = _tally(ev, sel)
    return share(tally.within, tally.completed)


def minutes(field: str) -> Callable[[Evidence, Selection], Measure]:
    """Average minutes (waiting or service), weighted by applications completed (rows without the figure left out)."""
    if field not in MINUTES:
        raise ValueError(f"no weighted sums are kept for {field}")

    def measure(ev: Evidence, sel: Selection) -> Measure:
        return _tally(ev, sel).minutes[field].mean()
    return measure


def complaints_resolved(ev: Evidence, sel: Selection) -> Measure:
    """Complaints resolved, among those received."""
    tally = _tally(ev, sel)
    return share(tally.resolved, tally.complaints)


def ikm(ev: Evidence, sel: Selection) -> Measure:
    """The respondent-weighted IKM of every surveyed service (numerator: respondents)."""
    tally = _tally(ev, sel)
    return Measure(tally.ikm(), None, tally.survey.people)
