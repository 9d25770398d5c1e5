"""agendas, agenda_history and decision_history are published month first (tables.py ``MONTH_FIRST``): a new
agency-month's rows land in its month and the rows before them keep their places; the indicators still read them
agency first, and the site loader gives the pages the agency-first order they always had."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from pipeline.core.config import load_portal
from pipeline.publish.evaluation.memo import FILE as MEMO
from pipeline.publish.evaluation.memo import Memo
from pipeline.publish.evaluation.table import KEPT
from pipeline.publish.row_reuse import Digested, row_digests
from pipeline.publish.table_parts import published_fields
from pipeline.publish.tables import MONTH_FIRST, build_tables, month_first
from pipeline.site.loader import load_site_data
from pipeline.store import Store
from pipeline.validate import load_reference
from tests.town_support import Town, published_town

AS_OF = date(2026, 11, 30)
IDS = {"agendas": "agenda_id", "agenda_history": "agenda_id", "decision_history": "decision_id",
       "decisions": "decision_id"}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Town:
    """The bench's town (real generated files), published once."""
    return published_town(tmp_path_factory.mktemp("month-first"))


def _csv(town: Town, name: str) -> list[dict[str, str]]:
    """A published CSV's rows."""
    with (town[2] / "data" / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _agency_first(rows: list[dict[str, str]], name: str) -> list[tuple[str, ...]]:
    """Each row's (agency, id, period)."""
    return [(r["agency_code"], r[IDS[name]], r["period"]) for r in rows]


@pytest.mark.parametrize("name", MONTH_FIRST)
def test_the_files_are_month_first(town: Town, name: str) -> None:
    """Each CSV's rows by period, then agency, then id (and not what agency first would give: the town has
    several agencies over several months)."""
    keys = [(period, agency, ident) for agency, ident, period in _agency_first(_csv(town, name), name)]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert _agency_first(_csv(town, name), name) != sorted(_agency_first(_csv(town, name), name))


def test_decisions_stay_agency_first(town: Town) -> None:
    """A new month changes a decision's latest state in place: that table keeps its agency-first order."""
    keys = [(agency, ident) for agency, ident, _ in _agency_first(_csv(town, "decisions"), "decisions")]
    assert keys == sorted(keys)


def test_kept_and_built_tables_agree_and_carry_their_digests(town: Town, tmp_path: Path) -> None:
    """The tables from kept parts (as a publish builds them, with their rows' digests moved with the rows) equal
    those built without any memo, month first."""
    _, datasets, output = town
    portal = load_portal(datasets, output)
    reference = load_reference(portal)
    fields = published_fields(portal)
    assert fields is not None

    def build(memo: Memo | None) -> dict[str, list[dict[str, object]]]:
        return build_tables(Store.load(output / "store"), reference.agencies.values(), reference.services.values(),
                            AS_OF, portal.deadline_day, portal.tz, portal.targets, portal.start_period, memo, fields)

    (tmp_path / "memo").mkdir()
    kept = build(Memo(tmp_path / "memo" / MEMO, KEPT))
    cold = build(None)
    for name in MONTH_FIRST:
        assert [dict(r) for r in kept[name]] == [dict(r) for r in cold[name]]
        table = kept[name]
        assert isinstance(table, Digested) and table.digests == row_digests(fields[name], table)
        assert [(r["period"], r["agency_code"], r[IDS[name]]) for r in table] == \
            sorted((r["period"], r["agency_code"], r[IDS[name]]) for r in table)
    assert kept["indicators"] == cold["indicators"]


def test_month_first_is_a_stable_sort_by_period() -> None:
    """Rows agency first (agency, id, period) come out by period, agency, id."""
    rows = [{"agency_code": a, "agenda_id": i, "period": p}
            for a, i, p in [("a", "1", "2026-01"), ("a", "1", "2026-02"), ("a", "2", "2026-02"), ("b", "1", "2026-01")]]
    assert [(r["period"], r["agency_code"], r["agenda_id"]) for r in month_first(rows)] == [
        ("2026-01", "a", "1"), ("2026-01", "b", "1"), ("2026-02", "a", "1"), ("2026-02", "a", "2")]


def test_the_site_reads_them_agency_first(town: Town) -> None:
    """The site's data holds the agendas by agency and id, and each history by agency, id and period, as the
    pages always took them."""
    data = load_site_data(load_portal(town[1], town[2]), AS_OF)
    agendas = [(a.agency_code, a.agenda_id) for a in data.agendas]
    assert agendas == sorted(agendas) and len(agendas) == len(_csv(town, "agendas"))
    for rows, ident in ((data.agenda_history, "agenda_id"), (data.history, "decision_id")):
        keys = [(r.agency_code, getattr(r, ident), r.period) for r in rows]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
