"""Data discipline: the files each agency owes, received on time, late, missing or rejected."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import Evidence, Selection
from pipeline.publish.evaluation.measure import Measure, count, share


def _files(ev: Evidence, sel: Selection) -> Iterator[Record]:
    """Every row of the submissions table (owed or received) of the selection."""
    for month in sel.months:
        for agency in sel.agencies:
            yield from ev.submissions.get((month, agency), ())


def on_time(ev: Evidence, sel: Selection) -> Measure:
    """Files received by the deadline day, among all owed or received (missing ones count against)."""
    rows = list(_files(ev, sel))
    return share(sum(1 for r in rows if r["on_time"] is True), len(rows))


def late(ev: Evidence, sel: Selection) -> Measure:
    """Files received after the deadline day."""
    return count(sum(1 for r in _files(ev, sel) if r["on_time"] is False))


def with_status(status: str) -> Callable[[Evidence, Selection], Measure]:
    """Files whose latest version has this status (missing: never received; rejected)."""
    return lambda ev, sel: count(sum(1 for r in _files(ev, sel) if r["status"] == status))


def rejected_first(ev: Evidence, sel: Selection) -> Measure:
    """Files whose first version was rejected, whatever became of the corrections sent after it."""
    return count(sum(1 for r in _files(ev, sel)
                     if (r["period"], r["agency_code"], r["table"]) in ev.rejected_first))
