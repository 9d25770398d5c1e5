"""The sample's world: its months, its agencies, their counters' open days, its random draws."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from pipeline.core import periods
from pipeline.core.formatting import Formatter
from tools.sample.source import Source


@dataclass(frozen=True)
class World:
    """The data tables with the portal's settings and the reference tables they are drawn against."""

    source: Source
    organizer: str
    deadline_day: int
    tz: ZoneInfo
    joined: dict[str, date]  # agency -> the day it opened its counter, in agencies.csv order
    services: dict[str, tuple[str, ...]]  # agency -> its service codes, in services.csv order

    @cached_property
    def periods(self) -> list[str]:
        """The months every agency reports for (the early month not included)."""
        return periods.span(self.source.calendar.first_period, self.source.calendar.last_period)

    @property
    def early(self) -> str:
        """The current month, of which a few files arrived already."""
        return self.source.calendar.early_period

    @cached_property
    def indonesian(self) -> Formatter:
        """Months and numbers as the pipeline writes them in Indonesian."""
        return Formatter("id")

    def rng(self, *parts: object) -> random.Random:
        """A random generator seeded by the seed and the given parts (stable across runs)."""
        return random.Random(":".join([self.source.calendar.seed, *map(str, parts)]))

    def month_name(self, period: str) -> str:
        """``Oktober 2026``."""
        return self.indonesian.month(period)

    def workdays(self, period: str) -> list[date]:
        """Weekdays of a month that are not holidays."""
        start, end = periods.first_day(period), periods.last_day(period)
        days = [start + timedelta(n) for n in range((end - start).days + 1)]
        return [d for d in days if d.weekday() < 5 and d not in self.source.calendar.holidays]

    def reporting_periods(self, agency: str) -> list[str]:
        """Months an agency owes files for (from joining to leaving), with the early month if it sent any."""
        start = periods.of_date(self.joined[agency])
        end = self.source.calendar.left.get(agency, self.periods[-1])
        owed = [p for p in self.periods if start <= p <= end]
        if any(a == agency for a, _ in self.source.calendar.early_files):
            owed.append(self.early)
        return owed

    def active_on(self, agency: str, day: date) -> bool:
        """True when the agency had a counter in the mall on that day."""
        left = self.source.calendar.left.get(agency)
        return self.joined[agency] <= day and (left is None or day <= periods.last_day(left))

    def everyone(self, day: date) -> list[str]:
        """The organiser first, then every other agency active on that day."""
        others = sorted(a for a in self.joined if a != self.organizer and self.active_on(a, day))
        return [self.organizer, *others]

    def who(self, day: date, codes: list[str] | tuple[str, ...]) -> list[str]:
        """The listed agencies that were active on that day ("ALL" stands for everyone)."""
        if "ALL" in codes:
            return self.everyone(day)
        return [a for a in codes if self.active_on(a, day)]

    def problems(self) -> list[str]:
        """Where the data tables and the reference tables disagree (each would stop the build half-way)."""
        source, found = self.source, []
        for agency, codes in self.services.items():
            found += [f"profiles.csv: no row for service {code} (reference/services.csv)"
                      for code in codes if code not in source.performance.profiles]
            if agency != self.organizer and agency not in source.meetings.pools:
                found.append(f"meetings.toml: no [[pools.{agency}]] for agency {agency} (reference/agencies.csv)")
        found += [f"profiles.csv: season {p.season!r} of {code} is not in performance.toml [seasons]"
                  for code, p in source.performance.profiles.items() if p.season not in source.performance.seasons]
        named = {
            "calendar.toml": [a for a, _ in source.calendar.early_files] + list(source.calendar.left),
            "meetings.toml": [m.agency for m in source.meetings.fixed + source.meetings.planned],
            "decisions.toml": [d.agency for d in source.decisions],
        }
        found += [f"{name}: agency {code} is not in reference/agencies.csv"
                  for name, codes in named.items() for code in dict.fromkeys(codes) if code not in self.joined]
        return found

    def share_of_month(self, agency: str, period: str) -> float:
        """Share of the month's workdays the counter was open (agencies that joined mid-month)."""
        days = self.workdays(period)
        return sum(1 for d in days if d >= self.joined[agency]) / len(days)
