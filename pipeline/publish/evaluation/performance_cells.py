"""The performance rows summed once per month, agency and service, added up per selection for service quality.

Every service-quality indicator is a ratio of sums over the performance rows of a selection:
applications, completions, complaints, minutes weighted by completions (exact decimals) and the
IKM's respondent-weighted element sums (exact fractions, by denominator as ``group_ikm`` adds
them). Each row lies in twelve selections (three periods, four scopes); read again by each of
the six indicators of each, they were a third of the indicators' time. Here each row is read
once into its cell, and a selection adds up its cells once for all its indicators. Exact sums
do not depend on their order, so every value is the one the rows give directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.core.ikm import ELEMENTS, IkmSum
from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import Selection
from pipeline.publish.evaluation.measure import WeightedSum

MINUTES = ("avg_wait_minutes", "avg_service_minutes")  # the averages weighted by applications completed


@dataclass(slots=True)
class Tally:
    """The sums of some performance rows that the service-quality indicators read."""

    received: int = 0
    completed: int = 0
    within: int = 0
    complaints: int = 0
    resolved: int = 0
    minutes: dict[str, WeightedSum] = field(default_factory=lambda: {name: WeightedSum() for name in MINUTES})
    survey: IkmSum = field(default_factory=IkmSum)  # the IKM's sums of the rows surveyed

    def add_row(self, row: Record) -> None:
        """Add one performance row (the rows the indicators' formulas name, with their filters)."""
        self.received += row["applications_received"]
        self.within += row["completed_within_standard"]
        self.completed += row["applications_completed"]
        self.resolved += row["complaints_resolved"]
        self.complaints += row["complaints_received"]
        for name, sums in self.minutes.items():
            value = row.get(name)
            if value is None:
                continue
            sums.add_value(value, row["applications_completed"])
        respondents = row.get("survey_respondents")
        if respondents and all(row.get(e) is not None for e in ELEMENTS):
            self.survey.add(respondents, [row[e] for e in ELEMENTS])

    def add(self, other: Tally) -> None:
        """Add another cell's sums."""
        self.received += other.received
        self.completed += other.completed
        self.within += other.within
        self.complaints += other.complaints
        self.resolved += other.resolved
        for name, sums in self.minutes.items():
            sums.add(other.minutes[name])
        self.survey.merge(other.survey)

    def ikm(self) -> Decimal | None:
        """``group_ikm`` of the rows summed: 25 × the respondent-weighted mean element score, rounded half up."""
        return self.survey.value()


class PerformanceCells:
    """The performance rows summed by (month, agency) and (month, agency, service); the sums of the last selection."""

    def __init__(self, performance: dict[tuple[str, str], list[Record]]) -> None:
        self.performance = performance
        # Made when a selection first reads the cell: rows of months no selection covers are never read.
        self.by_agency: dict[tuple[str, str], Tally] = {}
        self.by_service: dict[tuple[str, str], dict[str, Tally]] = {}
        self._sel: Selection | None = None  # kept referenced: compared by identity
        self._tally = Tally()

    def tally(self, sel: Selection) -> Tally:
        """The sums of the selection's rows (its services' only, for a service), once for all its indicators."""
        if self._sel is not sel:
            cells = list(self._cells(sel))
            if len(cells) == 1:  # a service's month: its row's sums as they are (read only)
                total = cells[0]
            else:
                total = Tally()
                for cell in cells:
                    total.add(cell)
            self._sel, self._tally = sel, total
        return self._tally

    def _cells(self, sel: Selection) -> Iterable[Tally]:
        """The cells whose sums make the selection's."""
        for month in sel.months:
            for agency in sel.agencies:
                if (month, agency) not in self.by_agency:
                    self._make((month, agency))
                if sel.services is None:
                    yield self.by_agency[(month, agency)]
                    continue
                services = self.by_service[(month, agency)]
                yield from (services[code] for code in sel.services if code in services)

    def _make(self, cell: tuple[str, str]) -> None:
        """The sums of one month and agency, and of each of its services."""
        services: dict[str, Tally] = defaultdict(Tally)
        for row in self.performance.get(cell, ()):
            services[row["service_code"]].add_row(row)
        total = Tally()
        for tally in services.values():
            total.add(tally)
        self.by_agency[cell], self.by_service[cell] = total, dict(services)
