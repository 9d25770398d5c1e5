"""Scorecards are lazy pages: keyed by the indicator fields they show, built only when those change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from pipeline.core.compact import Row
from pipeline.core.config import Portal
from pipeline.site.build import TEMPLATES, kits
from pipeline.site.indicators import Indicators
from pipeline.site.loader import load_site_data
from pipeline.site.models import SiteData
from pipeline.site.page import Lazy
from pipeline.site.pages import evaluation
from pipeline.site.render import Renderer

AS_OF = date(2026, 11, 28)


def _cards(data: SiteData) -> dict[str, Lazy[Any]]:
    """The scorecards of the Indonesian evaluation pages, by path."""
    kit = kits(TEMPLATES)["id"]
    return {p.path: p for p in evaluation.pages(data, kit) if isinstance(p, Lazy)}


def _with_rows(data: SiteData, change: Any) -> SiteData:
    """The site data with each indicator row passed through ``change`` (its lookup made again)."""
    rows = [Row({k: i for i, k in enumerate(r)}, tuple(change(dict(r)).values())) for r in data.indicators]
    return replace(data, indicators=rows)


def test_a_scorecard_built_from_its_inputs_is_the_page_built_at_once(sample_portal: Portal) -> None:
    data = load_site_data(sample_portal, AS_OF)
    cards = _cards(data)
    assert cards, "the sample has closed quarters and scored agencies"
    ind = Indicators(data)
    for lang, kit in kits(TEMPLATES).items():
        renderer = Renderer(TEMPLATES, data)
        for page in evaluation.pages(data, kit):
            if isinstance(page, Lazy):
                code = page.inputs.code
                assert renderer.render(page, kit) == renderer.render(evaluation.scorecard_page(code, ind, data, kit),
                                                                     kit), (lang, page.path)


def test_a_scorecard_key_follows_the_fields_it_shows_only(sample_portal: Portal) -> None:
    data = load_site_data(sample_portal, AS_OF)
    kit = kits(TEMPLATES)["id"]
    before = {path: Renderer(TEMPLATES, data).key(page, kit, "code") for path, page in _cards(data).items()}

    def numerator(row: dict[str, Any]) -> dict[str, Any]:  # a field no scorecard shows
        return {**row, "numerator": (row["numerator"] or 0) + 1}

    def value(row: dict[str, Any]) -> dict[str, Any]:  # a field every scorecard shows
        return {**row, "value": (row["value"] or 0) + 1}

    same = _with_rows(data, numerator)
    assert {path: Renderer(TEMPLATES, same).key(page, kit, "code") for path, page in _cards(same).items()} == before
    other = _with_rows(data, value)
    after = {path: Renderer(TEMPLATES, other).key(page, kit, "code") for path, page in _cards(other).items()}
    assert after.keys() == before.keys() and all(after[p] != before[p] for p in before)


def test_a_rank_among_the_sector_s_values_made_once_is_the_rank_made_for_each_agency(sample_portal: Portal) -> None:
    data = load_site_data(sample_portal, AS_OF)
    ind = Indicators(data)
    assert ind.closed_quarters
    latest = ind.closed_quarters[-1]

    def by_hand(indicator: evaluation.Indicator, agency: str) -> tuple[int, int] | None:
        """The rank as the scorecards made it before the sector's values were kept (one scan a scorecard)."""
        if (indicator.unit not in evaluation.RANKED_UNITS or indicator.direction == "neutral"
                or "agency" not in indicator.scopes):
            return None
        sector = data.agencies[agency].sector
        values = {a: v for a, info in data.agencies.items() if info.sector == sector
                  and (v := ind.value(indicator.id, a, latest)) is not None}
        if agency not in values or len(values) < evaluation.MIN_PEERS:
            return None
        mine = values[agency]
        better = sum(1 for v in values.values() if (v > mine if indicator.direction == "higher" else v < mine))
        return better + 1, len(values)

    ranked = 0
    for indicator in evaluation.INDICATORS:
        for agency in data.agencies:
            found = evaluation.rank(ind, data, indicator, agency, latest)
            assert found == by_hand(indicator, agency), (indicator.id, agency)
            ranked += found is not None
    assert ranked, "the sample ranks some agencies"
