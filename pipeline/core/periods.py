"""Reporting months (``YYYY-MM``): their arithmetic, their submission deadlines and lateness.

Every stage that reckons with months or deadlines calls these functions; none of them
parses a period or shifts a month itself.
"""

from __future__ import annotations

import calendar
import re
from datetime import MAXYEAR, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

# A period as agencies and settings write it. Years 2000-2099: a mall publishes its own
# present, and a folder such as 0000-01 or 1800-01 would make every agency owe files for
# centuries (and year 0 is no date at all).
PERIOD_RE = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])$")


def parse(period: str) -> tuple[int, int]:
    """(year, month) of a ``YYYY-MM`` period."""
    year, month = period.split("-")
    return int(year), int(month)


@lru_cache(maxsize=8192)
def of_date(day: date) -> str:
    """The period a date falls in (kept: the indicators ask it of the same few thousand days millions of times)."""
    return f"{day.year:04d}-{day.month:02d}"


def first_day(period: str) -> date:
    """The first day of a period."""
    year, month = parse(period)
    return date(year, month, 1)


def last_day(period: str) -> date:
    """The last day of a period."""
    year, month = parse(period)
    return date(year, month, calendar.monthrange(year, month)[1])


def shift(period: str, months: int) -> str:
    """The period ``months`` after (or before, when negative) ``period``."""
    year, month = parse(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def span(first: str, last: str) -> list[str]:
    """Every period from ``first`` to ``last`` inclusive (empty when first > last)."""
    out: list[str] = []
    current = first
    while current <= last:
        out.append(current)
        current = shift(current, 1)
    return out


def last_ended(as_of: date) -> str:
    """The latest period that has ended as of ``as_of`` (the month before; the current one is incomplete)."""
    return shift(of_date(as_of), -1)


@lru_cache(maxsize=4096)
def deadline(period: str, deadline_day: int) -> date:
    """The last day a file for ``period`` counts as on time: that day of the next month (kept: asked of the same
    few months for each of a city's 10,800 files)."""
    year, month = parse(shift(period, 1))
    if year > MAXYEAR:
        return date.max  # the month after 9999-12 has no date: such a file can never be late
    return date(year, month, deadline_day)


def last_closed(as_of: date, deadline_day: int) -> str:
    """The latest period whose deadline has passed as of ``as_of`` (the deadline day is still open)."""
    candidate = last_ended(as_of)
    return candidate if deadline(candidate, deadline_day) < as_of else shift(candidate, -1)


def on_time(received_at: str, period: str, deadline_day: int, tz: ZoneInfo) -> bool:
    """True when an ISO receipt time falls on or before the deadline day, in portal time."""
    moment = datetime.fromisoformat(received_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).date() <= deadline(period, deadline_day)


# --- quarters and years (the evaluation's longer periods) -----------------------------------
# A quarter is written ``2026-Q3`` (July to September), a year ``2026``; a month stays ``2026-10``.
MONTH, QUARTER, YEAR = "month", "quarter", "year"


def kind(label: str) -> str:
    """Whether a period label names a month, a quarter or a year."""
    if "-Q" in label:
        return QUARTER
    return MONTH if "-" in label else YEAR


def quarter_of(period: str) -> str:
    """The quarter a month falls in (``2026-08`` -> ``2026-Q3``)."""
    year, month = parse(period)
    return f"{year:04d}-Q{(month - 1) // 3 + 1}"


def year_of(period: str) -> str:
    """The year a month falls in (``2026-08`` -> ``2026``)."""
    return period[:4]


def months_of(label: str) -> list[str]:
    """The months of a month, quarter or year label, in order."""
    found = kind(label)
    if found == MONTH:
        return [label]
    if found == QUARTER:
        year, number = label.split("-Q")
        first = f"{year}-{3 * int(number) - 2:02d}"
        return span(first, shift(first, 2))
    return span(f"{label}-01", f"{label}-12")


def containing(period: str) -> tuple[str, str, str]:
    """The month itself, its quarter and its year."""
    return period, quarter_of(period), year_of(period)


def shift_label(label: str, steps: int) -> str:
    """The label ``steps`` periods of its own kind later (or earlier): ``2026-Q1`` - 1 = ``2025-Q4``."""
    found = kind(label)
    if found == MONTH:
        return shift(label, steps)
    if found == QUARTER:
        return quarter_of(shift(months_of(label)[0], 3 * steps))
    return f"{int(label) + steps:04d}"


def closed_labels(first: str, last_closed: str) -> list[str]:
    """Every quarter and year whose months all lie from ``first`` to ``last_closed``, oldest first.

    A quarter of which only some months are covered (the portal started in its middle, or it
    has not ended) is no closed quarter.
    """
    months = set(span(first, last_closed))
    labels = dict.fromkeys(label for p in sorted(months) for label in containing(p)[1:])
    closed = [label for label in labels if set(months_of(label)) <= months]
    return sorted(closed, key=lambda label: (months_of(label)[-1], kind(label) == YEAR))
