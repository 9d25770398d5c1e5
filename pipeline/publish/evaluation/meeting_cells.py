"""The meetings counted once per month and agency, summed per selection for the collaboration indicators.

Every collaboration indicator of a scope over a period is a count over the meetings of its
months, seen through its agencies only: meetings its agencies organised (by status, type and
whether another agency took part), invitations of its agencies to held meetings (attendance
known, attended) and who came to held meetings. Scanning every meeting of the period for each of
the city's 5,800 scope-periods and each indicator was a third of the indicators' time; here each
meeting is read once, into the cell of its month and of each agency it concerns, and a
selection adds up the cells of its months and agencies once for all its indicators.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations

from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import Selection, attendees, inter_agency, invited

Cell = tuple[str, str]  # (month, agency)
Kind = tuple[str, str | None, bool]  # (status, type, inter-agency); type and inter-agency for held meetings only


class MeetingCells:
    """The meetings of each (month, agency), counted once; their sums for the selection asked last."""

    def __init__(self, by_month: Mapping[str, list[Record]]) -> None:
        self.by_month = by_month
        self.organised: dict[Cell, dict[Kind, int]] = defaultdict(dict)  # by (month, organiser)
        # (month, agency) -> [invitations to held meetings, of them with attendance known, of them attended]
        self.invited: dict[Cell, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.present: dict[str, list[frozenset[str]]] = defaultdict(list)  # month -> who came, each held meeting
        self.present_with: dict[Cell, list[frozenset[str]]] = defaultdict(list)  # the same, by agency that came
        # The months counted so far: a month is counted when a selection first reads it (after a small change
        # only the few selections computed again read any, those of a year or less).
        self.counted: set[str] = set()
        self._pairs: dict[tuple[str, frozenset[str]], frozenset[tuple[str, str]]] = {}
        self._sel: Selection | None = None  # whose sums these are (kept referenced: compared by identity)
        self._kinds: dict[Kind, int] = {}
        self._invitations: tuple[int, int, int] = (0, 0, 0)

    def _count(self, months: Iterable[str]) -> None:
        """Count the meetings of the months not counted yet into their cells."""
        for month in months:
            if month in self.counted:
                continue
            self.counted.add(month)
            for row in self.by_month.get(month, ()):
                status = row["status"]
                held = status == "held"
                kind = (status, row["type"], inter_agency(row)) if held else (status, None, False)
                counts = self.organised[(month, row["agency_code"])]
                counts[kind] = counts.get(kind, 0) + 1
                if not held:
                    continue
                came = attendees(row)
                for agency in invited(row):
                    tally = self.invited[(month, agency)]
                    tally[0] += 1
                    if came is not None:
                        tally[1] += 1
                        tally[2] += agency in came
                if came is not None:
                    self.present[month].append(came)
                    for agency in came:
                        self.present_with[(month, agency)].append(came)

    def _cells(self, sel: Selection) -> Iterable[Cell]:
        """The (month, agency) cells of a selection (its months counted first)."""
        self._count(sel.months)
        return ((month, agency) for month in sel.months for agency in sel.agencies)

    def _sum(self, sel: Selection) -> None:
        """The sums of ``sel``'s cells, once for all the indicators of one selection (asked one after another)."""
        if self._sel is sel:
            return
        kinds: dict[Kind, int] = {}
        invitations = known = attended = 0
        organised, invited_ = self.organised, self.invited
        for cell in self._cells(sel):
            if cell in organised:
                for kind, n in organised[cell].items():
                    kinds[kind] = kinds.get(kind, 0) + n
            if cell in invited_:
                tally = invited_[cell]
                invitations += tally[0]
                known += tally[1]
                attended += tally[2]
        self._sel, self._kinds, self._invitations = sel, kinds, (invitations, known, attended)

    def organised_count(self, sel: Selection, status: str | None = None, types: Iterable[str] | None = None,
                        joint: bool = False) -> int:
        """Meetings organised in scope in the period: of a status (any: None), of some types
        (any: None; held meetings only) and, with ``joint``, bringing two agencies together."""
        self._sum(sel)
        wanted = None if types is None else frozenset(types)
        return sum(n for (s, t, inter), n in self._kinds.items()
                   if (status is None or s == status) and (wanted is None or t in wanted) and (inter or not joint))

    def invitations(self, sel: Selection) -> tuple[int, int, int]:
        """Invitations of agencies in scope to held meetings: all, with attendance known, attended."""
        self._sum(sel)
        return self._invitations

    def present_sets(self, sel: Selection) -> Iterable[frozenset[str]]:
        """Who came to each held meeting of the period with attendance known (any organiser)."""
        self._count(sel.months)
        return (came for month in sel.months for came in self.present.get(month, ()))

    def pairs(self, sel: Selection) -> set[tuple[str, str]]:
        """Distinct pairs of agencies in scope both present at a held meeting of the period."""
        out: set[tuple[str, str]] = set()
        self._count(sel.months)
        for month in sel.months:  # a month's pairs for a scope are made once, for all its quarters and years
            found = self._pairs.get((month, sel.agencies))
            if found is None:
                found = frozenset(pair for came in self.present.get(month, ())
                                  for pair in combinations(sorted(came & sel.agencies), 2))
                self._pairs[(month, sel.agencies)] = found
            out |= found
        return out

    def partners(self, sel: Selection) -> set[str]:
        """Agencies out of scope present at a held meeting of the period with an agency in scope."""
        return {other for month, agency in self._cells(sel) for came in self.present_with.get((month, agency), ())
                for other in came - sel.agencies}
