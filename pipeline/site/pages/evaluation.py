"""The evaluation: the quarter pages, the methodology, the agencies' scorecards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.core.ikm import grade
from pipeline.core.periods import shift_label
from pipeline.core.records import Agency
from pipeline.publish.evaluation.registry import INDICATORS, Indicator
from pipeline.site import urls
from pipeline.site.indicators import (
    Indicators,
    Row,
    coverage,
    formula,
    group_name,
    in_order,
    name,
    quarter_name,
    scored,
    show,
)
from pipeline.site.models import SiteData
from pipeline.site.page import HasAgencies, Kit, Lazy, Page
from pipeline.site.pages.agendas import agencies_named
from pipeline.site.pages.meetings import meetings_page
from pipeline.site.views import sorted_agencies

MALL = "mall"
TOP = 5
SCORECARD_QUARTERS = 4
RANKED_UNITS = ("percent", "index", "minutes", "days")  # shares and levels: comparable across agencies
MIN_PEERS = 3  # a rank among fewer agencies says nothing


def _met(row: Row | None, kit: Kit) -> dict[str, str] | None:
    """The target of a row and whether it was met, for a table cell."""
    if row is None or row["target"] is None:
        return None
    target = show({**row, "value": row["target"]}, kit)
    state = "none" if row["target_met"] is None else "met" if row["target_met"] else "missed"
    return {"target": target, "state": state, "label": kit.t(f"eval.target_{state}")}


def _cell(row: Row | None, kit: Kit) -> dict[str, str]:
    """A value and the agencies it covers (and, for a quarter not wholly in the data, that it is partial)."""
    covers = coverage(row, kit)
    if row is not None and not row["complete"]:
        covers = f"{covers}; {kit.t('eval.partial')}" if covers else kit.t("eval.partial")
    return {"value": show(row, kit), "covers": covers}


def _method_url(indicator: Indicator, kit: Kit) -> str:
    return kit.url(urls.METHODOLOGY) + f"#{indicator.id}"


def indicator_tables(ind: Indicators, scope: str, label: str, kit: Kit, scope_type: str = MALL) -> list[dict[str, Any]]:
    """Each group's indicators for a scope: this quarter, the one before, the same one a year before, target."""
    previous, year_ago = shift_label(label, -1), shift_label(label, -4)
    groups = []
    for group, indicators in in_order():
        rows = []
        for i in indicators:
            if scope_type not in i.scopes:
                continue
            now = ind.get(i.id, scope, label)
            rows.append({"id": i.id, "name": name(i, kit), "url": _method_url(i, kit), "now": _cell(now, kit),
                         "previous": _cell(ind.get(i.id, scope, previous), kit),
                         "year_ago": _cell(ind.get(i.id, scope, year_ago), kit), "target": _met(now, kit),
                         "direction": kit.t(f"eval.direction_{i.direction}")})
        groups.append({"id": group, "name": group_name(group, kit), "rows": rows})
    return groups


def narrative(ind: Indicators, label: str, kit: Kit) -> list[str]:
    """Sentences built from the quarter's figures for the whole mall (only those with figures)."""
    def row(indicator: str, period: str = label) -> Row | None:
        return ind.get(indicator, MALL, period)

    f, t, out = kit.f, kit.t, []
    coord, dialogue, outreach = row("meetings-coordination"), row("meetings-dialogue"), row("meetings-outreach")
    if coord and dialogue and outreach:
        out.append(t("eval.say_meetings", coordination=f.number(coord["value"]), dialogue=f.number(dialogue["value"]),
                     outreach=f.number(outreach["value"])))
        met = _met(coord, kit)
        if met:
            out.append(t(f"eval.say_target_{met['state']}", target=met["target"]))
    rate, unknown = row("attendance-rate"), row("attendance-unknown")
    if rate and rate["value"] is not None and unknown:
        out.append(t("eval.say_attendance", attended=f.number(rate["numerator"]), known=f.number(rate["denominator"]),
                     rate=show(rate, kit), unknown=f.number(unknown["value"])))
    elif unknown and unknown["value"]:
        out.append(t("eval.say_attendance_unknown", unknown=f.number(unknown["value"])))
    made, done, late = row("decisions-made"), row("decisions-done-on-time"), row("decisions-overdue")
    if made:
        out.append(t("eval.say_decisions", made=f.number(made["value"])))
    if done and done["value"] is not None:
        out.append(t("eval.say_done", done=f.number(done["numerator"]), due=f.number(done["denominator"]),
                     share=show(done, kit)))
    if late and late["denominator"]:
        out.append(t("eval.say_overdue", n=f.number(late["numerator"]), share=show(late, kit)))
    on_time, missing, rejected = row("files-on-time"), row("files-missing"), row("files-rejected")
    if on_time and on_time["value"] is not None and missing and rejected:
        out.append(t("eval.say_files", on_time=f.number(on_time["numerator"]), owed=f.number(on_time["denominator"]),
                     share=show(on_time, kit), missing=f.number(missing["value"]),
                     rejected=f.number(rejected["value"])))
    first = row("files-rejected-first")
    if first and first["value"]:
        out.append(t("eval.say_first_rejected", n=f.number(first["value"])))
    ikm, before = row("ikm"), row("ikm", shift_label(label, -1))
    if ikm and ikm["value"] is not None:
        if before and before["value"] is not None:
            way = "up" if ikm["value"] > before["value"] else "down" if ikm["value"] < before["value"] else "same"
            out.append(t(f"eval.say_ikm_{way}", ikm=show(ikm, kit), before=show(before, kit),
                         covers=coverage(ikm, kit)))
        else:
            out.append(t("eval.say_ikm", ikm=show(ikm, kit), covers=coverage(ikm, kit)))
    return out


def _agencies_by(ind: Indicators, data: SiteData, kit: Kit, indicator: str, label: str,
                 field: str = "value") -> list[dict[str, Any]]:
    """The agencies with the highest non-zero ``field`` of an indicator in a quarter, at most TOP."""
    found = []
    for a in data.agencies:
        row = ind.get(indicator, a, label)
        if row is not None and row[field]:
            found.append((-row[field], a, row[field]))
    return [{"agency": kit.agency_link(data, a), "n": kit.f.number(n)} for _, a, n in sorted(found)[:TOP]]


def grade_changes(ind: Indicators, data: SiteData, kit: Kit, label: str) -> list[dict[str, Any]]:
    """Agencies whose IKM grade differs from the quarter before."""
    previous = shift_label(label, -1)
    out = []
    for a in sorted_agencies(data, kit):
        now, before = ind.value("ikm", a.agency_code, label), ind.value("ikm", a.agency_code, previous)
        if now is not None and before is not None and grade(now) != grade(before):
            out.append({"agency": kit.agency_link(data, a.agency_code), "before": grade(before), "now": grade(now),
                        "up": grade(now) < grade(before)})
    return out


def targets(ind: Indicators, data: SiteData, kit: Kit, label: str) -> list[dict[str, Any]]:
    """Every target of the quarter: the mall's, and how many agencies met the per-agency ones."""
    out = []
    for i in INDICATORS:
        if i.target is None:
            continue
        mall = ind.get(i.id, MALL, label)
        met = _met(mall, kit)
        agencies = [ind.get(i.id, a, label) for a in data.agencies] if "agency" in i.target.scopes else []
        judged = [r for r in agencies if r is not None and r["target_met"] is not None and r["agencies_expected"]]
        out.append({"name": name(i, kit), "url": _method_url(i, kit), "mall": met,
                    "value": show(mall, kit),
                    "agencies": kit.t("eval.agencies_met", n=kit.f.number(sum(bool(r["target_met"]) for r in judged)),
                                      m=kit.f.number(len(judged))) if judged else None})
    return out


def quarter_page(label: str, ind: Indicators, data: SiteData, kit: Kit) -> Page:
    """The evaluation of one closed quarter."""
    title = kit.t("eval.quarter_title", quarter=quarter_name(label, kit))
    gaps = ind.get("applications", MALL, label)
    context = {
        "quarter": quarter_name(label, kit),
        "previous": quarter_name(shift_label(label, -1), kit),
        "year_ago": quarter_name(shift_label(label, -4), kit),
        "narrative": narrative(ind, label, kit),
        "groups": indicator_tables(ind, MALL, label, kit),
        "overdue": _agencies_by(ind, data, kit, "decisions-overdue", label, "numerator"),
        "missing": _agencies_by(ind, data, kit, "files-missing", label),
        "grades": grade_changes(ind, data, kit, label),
        "targets": targets(ind, data, kit, label),
        "gaps": _gaps(gaps, data, kit),
        "links": {"methodology": kit.url(urls.METHODOLOGY), "meetings": kit.url(urls.MEETINGS_MAP),
                  "data": kit.url(urls.table("indicators"))},
    }
    crumbs = [(kit.t("eval.title"), kit.url(urls.EVALUATION))]
    return Page(urls.quarter(label), "evaluation_quarter.html", title, "evaluation", context, crumbs,
                description=kit.t("eval.quarter_lede", quarter=quarter_name(label, kit)))


def _gaps(row: Row | dict[str, Any] | None, data: HasAgencies, kit: Kit) -> list[str]:
    """A row's gaps in words: ``BPJS Kesehatan, September 2026: berkas ditolak``."""
    out = []
    for gap in (row or {}).get("gaps", "").split(";") if row and row.get("gaps") else []:
        agency, reason, *month = gap.split(":")
        name_ = kit.agency_name(data.agencies.get(agency), agency)
        when = f", {kit.f.month(month[0])}" if month else ""
        out.append(f"{name_}{when}: {kit.label('gap', reason)}")
    return out


def methodology_page(kit: Kit) -> Page:
    """Every indicator with its formula, unit, direction, scopes and target."""
    groups = [{"id": g, "name": group_name(g, kit), "indicators": [
        {"id": i.id, "name": name(i, kit), "formula": formula(i, kit), "unit": kit.t(f"eval.unit_name_{i.unit}"),
         "direction": kit.t(f"eval.direction_{i.direction}"), "source": kit.label("table", i.source),
         "scopes": ", ".join(kit.t(f"eval.scope_{s}") for s in i.scopes),
         "target": kit.t(f"eval.target_rule_{i.id}") if i.target else None}
        for i in indicators]} for g, indicators in in_order()]
    crumbs = [(kit.t("eval.title"), kit.url(urls.EVALUATION))]
    return Page(urls.METHODOLOGY, "evaluation_methodology.html", kit.t("eval.method_title"), "evaluation",
                {"groups": groups, "data_url": kit.url(urls.table("indicators"))}, crumbs,
                description=kit.t("eval.method_lede"))


def index_page(ind: Indicators, data: SiteData, kit: Kit) -> Page:
    """The closed quarters, newest first, and the links to the methodology, the meetings view, the scorecards."""
    quarters = [{"name": quarter_name(q, kit), "url": kit.url(urls.quarter(q))} for q in reversed(ind.closed_quarters)]
    cards = [kit.agency_link(data, a.agency_code) | {"url": kit.url(urls.scorecard(a.agency_code))}
             for a in sorted_agencies(data, kit) if a.agency_code in scored(data)]
    return Page(urls.EVALUATION, "evaluation.html", kit.t("eval.title"), "evaluation",
                {"quarters": quarters, "cards": cards, "links": {
                    "methodology": kit.url(urls.METHODOLOGY), "meetings": kit.url(urls.MEETINGS_MAP),
                    "data": kit.url(urls.table("indicators"))}}, description=kit.t("eval.lede"))


def rank(ind: Indicators, data: SiteData, indicator: Indicator, agency: str, label: str) -> tuple[int, int] | None:
    """(place, peers) of an agency among its sector's agencies with a value, best first; None when not meaningful."""
    if indicator.unit not in RANKED_UNITS or indicator.direction == "neutral" or "agency" not in indicator.scopes:
        return None
    values = ind.sector_values(indicator.id, data.agencies[agency].sector, label)
    if agency not in values or len(values) < MIN_PEERS:
        return None
    mine = values[agency]
    better = sum(1 for v in values.values() if (v > mine if indicator.direction == "higher" else v < mine))
    return better + 1, len(values)


# What a scorecard reads of an indicator row (``_cell``, ``_met``, ``show``, ``coverage``, ``_gaps``): its
# inputs hold these fields only, so a row whose other fields change leaves the scorecard as it is.
CARD_FIELDS = ("value", "unit", "scope_type", "agencies_covered", "agencies_expected", "complete", "target",
               "target_met", "gaps")
CARD_GAPS = ("files-on-time", "applications")  # the rows whose gaps a scorecard lists


@dataclass(frozen=True)
class ScorecardInputs:
    """Everything an agency's scorecard shows: its code, the last closed quarters, its indicator rows of
    those quarters (the fields ``CARD_FIELDS``; None: no row), its place in its sector in the latest
    quarter by indicator, and the agencies it names (itself and those its gaps name)."""

    code: str
    quarters: tuple[str, ...]
    rows: dict[str, tuple[Any, ...] | None]  # "indicator quarter" -> the agency's row (``_card_row``)
    ranks: dict[str, tuple[int, int] | None]  # indicator -> (place, peers)
    agencies: dict[str, Agency]


def _card_row(row: Row | None) -> tuple[Any, ...] | None:
    """The values of the fields of an indicator row a scorecard reads (``CARD_FIELDS``, in order)."""
    return None if row is None else tuple(map(row.get, CARD_FIELDS))


def _card(values: tuple[Any, ...] | None) -> dict[str, Any] | None:
    """A row of a scorecard's inputs as the row it was taken from reads (its ``CARD_FIELDS``)."""
    return None if values is None else dict(zip(CARD_FIELDS, values, strict=True))


def scorecard_inputs(agency: str, ind: Indicators, data: SiteData) -> ScorecardInputs:
    """The declared inputs of one agency's scorecard (at least one closed quarter)."""
    quarters = tuple(ind.closed_quarters[-SCORECARD_QUARTERS:])
    latest = quarters[-1]
    rows: dict[str, tuple[Any, ...] | None] = {}
    ranks: dict[str, tuple[int, int] | None] = {}
    for _, indicators in in_order():
        for i in indicators:
            if "agency" in i.scopes:
                ranks[i.id] = rank(ind, data, i, agency, latest)
                for q in quarters:
                    rows[f"{i.id} {q}"] = _card_row(ind.get(i.id, agency, q))
    named = [agency]
    for indicator_id in CARD_GAPS:
        found = ind.get(indicator_id, agency, latest)
        rows[f"{indicator_id} {latest}"] = _card_row(found)
        if found and found.get("gaps"):  # the agencies its gaps name (``_gaps``)
            named += [gap.split(":")[0] for gap in found["gaps"].split(";")]
    return ScorecardInputs(agency, quarters, rows, ranks,
                           {agency: data.agencies[agency], **agencies_named(data, named)})


def scorecard_page(agency: str, ind: Indicators, data: SiteData, kit: Kit) -> Page:
    """One agency's scorecard, built at once (for the tests)."""
    return build_scorecard(scorecard_inputs(agency, ind, data), kit)


def build_scorecard(i: ScorecardInputs, kit: Kit) -> Page:
    """One agency's indicators over the last closed quarters, with its place in its sector for the latest."""
    agency, quarters = i.code, i.quarters
    latest = quarters[-1]
    groups = []
    for group, indicators in in_order():
        rows = []
        for indicator in indicators:
            if "agency" not in indicator.scopes:
                continue
            place = i.ranks[indicator.id]
            rows.append({"name": name(indicator, kit), "url": _method_url(indicator, kit),
                         "cells": [_cell(_card(i.rows[f"{indicator.id} {q}"]), kit) for q in quarters],
                         "target": _met(_card(i.rows[f"{indicator.id} {latest}"]), kit),
                         "rank": kit.t("eval.rank", n=place[0], m=place[1]) if place else "–"})
        groups.append({"id": group, "name": group_name(group, kit), "rows": rows})
    info = i.agencies[agency]
    title = kit.t("eval.card_title", name=kit.agency_name(info))
    crumbs = [(kit.t("eval.title"), kit.url(urls.EVALUATION))]
    return Page(urls.scorecard(agency), "evaluation_scorecard.html", title, "evaluation", {
        "agency": kit.agency_link(i, agency), "sector": kit.label("sector", info.sector),
        "quarters": [quarter_name(q, kit) for q in quarters], "latest": quarter_name(latest, kit),
        "groups": groups, "gaps": _gaps(_card(i.rows[f"files-on-time {latest}"]), i, kit)
        + _gaps(_card(i.rows[f"applications {latest}"]), i, kit),
        "methodology": kit.url(urls.METHODOLOGY)}, crumbs,
        description=kit.t("eval.card_lede", name=kit.agency_name(info)))


def pages(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any]]:
    """The evaluation index, the methodology, the meetings view, a page per closed quarter, then the
    scorecards, known by their inputs (an agency's is built only when its rows or ranks changed)."""
    ind = Indicators(data)
    yield index_page(ind, data, kit)
    yield methodology_page(kit)
    yield meetings_page(data, kit)
    for q in ind.closed_quarters:
        yield quarter_page(q, ind, data, kit)
    if ind.closed_quarters:
        for a in sorted(scored(data)):
            yield Lazy(urls.scorecard(a), "evaluation_scorecard.html", scorecard_inputs(a, ind, data), build_scorecard)
