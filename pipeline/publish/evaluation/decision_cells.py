"""The decisions of each agency read once per month a selection ends in, added up per selection for accountability.

A selection's accountability indicators read the decisions of its agencies as they stood at its
last month: made, due, done and completed in its months, overdue on its last day, follow-up steps
reported in its months. Each agency's decisions were read again by every indicator of every scope
and period holding it (the mall's, its sector's, its own; month, quarter and year); here they are
sorted once per agency and month that ends a selection into counts by month, and a selection adds
up those of its agencies and months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.core import periods
from pipeline.core.followup import OPEN_STATUSES
from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import Evidence, Selection

Span = tuple[date, date]  # (completed on, decided on) of a decision completed


@dataclass
class End:
    """An agency's decisions as they stood at a selection's last month, on its last day."""

    by_due: dict[str, list[int]]  # due month -> [done on time, due] (not cancelled)
    by_done: dict[str, list[Span]]  # month completed -> (completed, decided)
    due_by_end: int  # decisions due by the last day (not cancelled)
    late: list[int]  # the days overdue of those still open after their due date on the last day


# The agencies' ends kept at once: the selections of one period and its scopes share a few hundred.
ENDS_KEPT = 4096


class DecisionCells:
    """Each agency's decisions sorted into counts by month, per month a selection ends in."""

    def __init__(self, ev: Evidence) -> None:
        self.ev = ev
        self.dated: dict[tuple[str, str], int] = defaultdict(int)  # (agency, month) -> decisions dated in it
        # (agency, month) -> (decision's place among the agency's, report open, report a new step)
        self.reports: dict[tuple[str, str], list[tuple[int, bool, bool]]] = defaultdict(list)
        for agency, decisions in ev.decisions.items():
            for place, (key, row) in enumerate(decisions):
                day = row.get("date")
                if day is not None:
                    self.dated[(agency, periods.of_date(day))] += 1
                previous = None
                for report in ev.history.get(key, ()):
                    new = previous is None or report["follow_up"] != previous["follow_up"]
                    self.reports[(agency, report["period"])].append((place, report["status"] in OPEN_STATUSES, new))
                    previous = report
        self._ends: dict[tuple[str, str, date], End] = {}  # by (agency, last month, last day)
        self._by_agency: dict[str, list[tuple[list[Record], date | None, str | None, Any]]] = {}

    def _decisions(self, agency: str) -> list[tuple[list[Record], date | None, str | None, Any]]:
        """Each decision of an agency as ``_at_end`` reads it, made once: its reports (by period), due date, due
        month and date."""
        found = self._by_agency.get(agency)
        if found is None:
            history = self.ev.history
            found = self._by_agency[agency] = [
                (history.get(key, []), due, None if due is None else periods.of_date(due), row.get("date"))
                for key, row in self.ev.decisions.get(agency, ()) for due in (row.get("due_date"),)]
        return found

    def made(self, sel: Selection) -> int:
        """Decisions of agencies in scope dated in the period."""
        return sum(self.dated.get((agency, month), 0) for agency in sel.agencies for month in sel.months)

    def done_by_due(self, sel: Selection) -> tuple[int, int]:
        """(done on time, due) among the decisions due in the period, not cancelled, as they stood at its end."""
        done = due = 0
        for agency in sel.agencies:
            by_due = self._at_end(agency, sel).by_due
            for month in sel.months:
                found = by_due.get(month)
                if found is not None:
                    done += found[0]
                    due += found[1]
        return done, due

    def spans(self, sel: Selection) -> list[int]:
        """Days from decision to completion of the decisions completed in the period (as reported by its end)."""
        ends = [self._at_end(agency, sel).by_done for agency in sel.agencies]
        return [(completed - decided).days for by_done in ends
                for month in sel.months for completed, decided in by_done.get(month, ())]

    def overdue(self, sel: Selection) -> tuple[int, list[int]]:
        """How many decisions were due by the period's last day (not cancelled), and the days overdue of those late."""
        count, late = 0, []
        for agency in sel.agencies:
            found = self._at_end(agency, sel)
            count += found.due_by_end
            late.extend(found.late)
        return count, late

    def steps(self, sel: Selection) -> tuple[int, int]:
        """(new follow-up steps reported in the period, decisions open during it) of the agencies in scope."""
        steps = open_count = 0
        for agency in sel.agencies:
            found: dict[int, list[int]] = {}  # decision's place -> [open in the period, new steps]
            for month in sel.months:
                for place, was_open, new in self.reports.get((agency, month), ()):
                    tally = found.setdefault(place, [0, 0])
                    tally[0] |= was_open
                    tally[1] += new
            for opened, added in found.values():
                if opened:
                    open_count += 1
                    steps += added
        return steps, open_count

    def _at_end(self, agency: str, sel: Selection) -> End:
        """An agency's decisions as they stood at the selection's last month and day (``End``)."""
        month, day = sel.months[-1], sel.end
        found = self._ends.get((agency, month, day))
        if found is not None:
            return found
        found = End({}, defaultdict(list), 0, [])
        by_due, by_done, late = found.by_due, found.by_done, found.late
        for reports, due, due_month, decided in self._decisions(agency):
            state = None  # the last report in or before the month (``Evidence.state_at``, inlined: 54,000 calls
            for report in reports:  # after a late decisions file at a city)
                if report["period"] > month:
                    break
                state = report
            if state is None:
                continue
            status, completed = state["status"], state.get("completed_on")
            if due is not None and status != "cancelled":
                tally = by_due.get(due_month)  # type: ignore[arg-type]
                if tally is None:
                    tally = by_due[due_month] = [0, 0]  # type: ignore[index]
                tally[0] += status == "done" and completed is not None and completed <= due
                tally[1] += 1
                if due <= day:
                    found.due_by_end += 1
                    if status in OPEN_STATUSES and day > due:
                        late.append((day - due).days)
            if status == "done" and completed is not None:
                by_done[periods.of_date(completed)].append((completed, decided))
        if len(self._ends) >= ENDS_KEPT:
            self._ends.clear()  # bounded: each holds its agency's completions up to its month
        self._ends[(agency, month, day)] = found
        return found
