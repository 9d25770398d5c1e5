"""Service quality: applications, completion within the service standard, times, complaints, IKM."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pipeline.core.ikm import ELEMENTS, group_ikm
from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import Evidence, Selection
from pipeline.publish.evaluation.measure import Measure, count, share, weighted_mean


def _rows(ev: Evidence, sel: Selection) -> Iterator[Record]:
    """Every published performance row (one per service and month) of the selection."""
    for month in sel.months:
        for agency in sel.agencies:
            for row in ev.performance.get((month, agency), ()):
                if sel.services is None or row["service_code"] in sel.services:
                    yield row


def applications(ev: Evidence, sel: Selection) -> Measure:
    """Applications received."""
    return count(sum(r["applications_received"] for r in _rows(ev, sel)))


def within_standard(ev: Evidence, sel: Selection) -> Measure:
    """Applications completed within the service standard, among those completed."""
    rows = list(_rows(ev, sel))
    return share(sum(r["completed_within_standard"] for r in rows), sum(r["applications_completed"] for r in rows))


def minutes(field: str) -> Callable[[Evidence, Selection], Measure]:
    """Average minutes (waiting or service), weighted by applications completed."""
    def measure(ev: Evidence, sel: Selection) -> Measure:
        return weighted_mean([(r[field], r["applications_completed"]) for r in _rows(ev, sel)
                              if r.get(field) is not None])
    return measure


def complaints_resolved(ev: Evidence, sel: Selection) -> Measure:
    """Complaints resolved, among those received."""
    rows = list(_rows(ev, sel))
    return share(sum(r["complaints_resolved"] for r in rows), sum(r["complaints_received"] for r in rows))


def ikm(ev: Evidence, sel: Selection) -> Measure:
    """The respondent-weighted IKM of every surveyed service (numerator: respondents)."""
    surveyed = [(r["survey_respondents"], [r[e] for e in ELEMENTS]) for r in _rows(ev, sel)
                if r.get("survey_respondents") and all(r.get(e) is not None for e in ELEMENTS)]
    return Measure(group_ikm(surveyed), None, sum(n for n, _ in surveyed))
