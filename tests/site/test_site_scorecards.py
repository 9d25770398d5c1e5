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
