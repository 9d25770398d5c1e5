"""The reference records every stage shares: one agency, one service, as agencies.csv and services.csv type them.

Field names are the contract's column names, so a record and its published row agree. Also
here: how a cell lists agency codes (``participants``, ``responsible``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def split_codes(text: str | None) -> tuple[str, ...]:
    """The parts of a ``;``-separated cell (participants, responsible, aliases), trimmed, in the order given."""
    return tuple(part.strip() for part in (text or "").split(";") if part.strip())


@dataclass(frozen=True)
class Agency:
    """One row of agencies.csv, typed."""

    agency_code: str
    name: str
    name_en: str | None
    sector: str
    counter: str | None
    joined_on: date | None
    website: str | None
    active: bool
    # Contract revision 2: other names citizens use (``dukcapil;capil``), searched and published.
    aliases: str | None = None

    @property
    def alias_list(self) -> tuple[str, ...]:
        """The other names, one by one, in the order given."""
        return split_codes(self.aliases)


@dataclass(frozen=True)
class Service:
    """One row of services.csv, typed."""

    service_code: str
    agency_code: str
    name: str
    standard_time: str
    fee_idr: int
    requirements: str | None
    legal_basis: str | None
    # Contract revision 2: the English name shown on English pages.
    name_en: str | None = None
