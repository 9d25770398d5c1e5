"""The published indicators as the site reads them: looked up by indicator, scope and period, and formatted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.core.ikm import grade
from pipeline.publish.evaluation.registry import BY_ID, GROUPS, INDICATORS, Indicator
from pipeline.site.models import SiteData
from pipeline.site.page import Kit

Row = Mapping[str, Any]  # casting.Row: a published row read like a dict
DIGITS = {"count": 0, "percent": 1, "days": 1, "minutes": 1, "ratio": 2, "index": 2}


class Indicators:
    """The indicators table indexed by (indicator, scope, period)."""

    def __init__(self, data: SiteData) -> None:
        # Indexed once per build (lookup.py): service rows are left out there.
        self.rows = data.lookup.indicator_rows
        self.closed_quarters = data.lookup.closed_quarters
        self._agencies = data.agencies
        # (indicator, sector, period) -> each of the sector's agencies' value (``sector_values``).
        self._sectors: dict[tuple[str, str, str], dict[str, float | int]] = {}

    def get(self, indicator: str, scope: str, period: str) -> Row | None:
        """One row, or None when the table has none (the scope or period does not apply)."""
        return self.rows.get((indicator, scope, period))

    def value(self, indicator: str, scope: str, period: str) -> float | int | None:
        """The value of one row (None: no row or no value)."""
        row = self.get(indicator, scope, period)
        return None if row is None else row["value"]

    def sector_values(self, indicator: str, sector: str, period: str) -> dict[str, float | int]:
        """Agency -> its value of ``indicator`` in ``period``, for the agencies of ``sector`` with a value; made
        once per sector (every scorecard of the sector ranks its agency among them: made for each, the
        scorecards' inputs cost as many agencies squared)."""
        slot = (indicator, sector, period)
        found = self._sectors.get(slot)
        if found is None:
            found = self._sectors[slot] = {a: v for a, info in self._agencies.items() if info.sector == sector
                                           and (v := self.value(indicator, a, period)) is not None}
        return found


def scored(data: SiteData) -> frozenset[str]:
    """Agencies with a scorecard: those with indicator rows for a closed quarter (indexed once per build)."""
    return data.lookup.scored


def name(indicator: Indicator, kit: Kit) -> str:
    """An indicator's name in the kit's language."""
    return indicator.name_en if kit.lang == "en" else indicator.name_id


def formula(indicator: Indicator, kit: Kit) -> str:
    """An indicator's formula in the kit's language."""
    return indicator.formula_en if kit.lang == "en" else indicator.formula_id


def group_name(group: str, kit: Kit) -> str:
    """A group's name in the kit's language."""
    return GROUPS[group][1 if kit.lang == "en" else 0]


def show(row: Row | None, kit: Kit) -> str:
    """A row's value with its unit (``84,29``, ``93,8%``, ``12 hari``); a dash without a value."""
    if row is None or row["value"] is None:
        return "–"
    unit, value = row["unit"], row["value"]
    if unit == "percent":
        return kit.f.percent(value / 100, DIGITS[unit])
    text = kit.f.number(value, DIGITS[unit])
    if unit in ("days", "minutes"):
        return f"{text} {kit.t(f'eval.unit_{unit}')}"
    if unit == "index":
        return f"{text} ({grade(value)})"
    return text


def coverage(row: Row | None, kit: Kit) -> str:
    """``23 dari 25 instansi`` for a row."""
    if row is None:
        return ""
    if row["scope_type"] == "agency":  # one agency: say only when its own data is incomplete
        return "" if row["agencies_covered"] == row["agencies_expected"] else kit.t("eval.incomplete")
    return kit.t("eval.covers", n=kit.f.number(row["agencies_covered"]), m=kit.f.number(row["agencies_expected"]))


def quarter_name(label: str, kit: Kit) -> str:
    """``Triwulan III 2026`` / ``Q3 2026``."""
    year, number = label.split("-Q")
    return kit.t("eval.quarter", n=("I", "II", "III", "IV")[int(number) - 1], q=number, year=year)


def in_order() -> list[tuple[str, list[Indicator]]]:
    """The indicators grouped, in the registry's order."""
    return [(g, [i for i in INDICATORS if i.group == g]) for g in GROUPS]


def indicator(indicator_id: str) -> Indicator:
    """The registry's entry for an id."""
    return BY_ID[indicator_id]
