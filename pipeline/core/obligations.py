"""What an agency owes: the months for which its three files are expected.

An active agency owes every monthly table from the month it joined the mall, but never
for a month before the portal began collecting (portal.toml's ``start_period``, or without
it the first month the store holds), up to a last month the caller chooses (the last one
whose deadline has passed, for the published table of submissions).
"""

from __future__ import annotations

from datetime import date

from pipeline.core import periods


def collection_start(start_period: str | None, first_in_store: str | None) -> str | None:
    """The first month anybody owes files for: ``start_period`` when set, else the store's first month."""
    return start_period or first_in_store


def first_owed(joined_on: date | None, start: str | None) -> str | None:
    """The first month an agency owes files for (None: nothing to count from)."""
    first = periods.of_date(joined_on) if joined_on else start
    if first is None:
        return None
    return max(first, start) if start is not None else first


def owes(active: bool, joined_on: date | None, start: str | None, period: str) -> bool:
    """True when an agency owes its files for ``period``."""
    first = first_owed(joined_on, start)
    return active and first is not None and first <= period


def owed_periods(active: bool, joined_on: date | None, start: str | None, last: str) -> list[str]:
    """Every month an agency owes files for, up to ``last`` inclusive."""
    first = first_owed(joined_on, start)
    return periods.span(first, last) if active and first is not None else []
