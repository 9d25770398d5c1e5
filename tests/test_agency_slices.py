"""Each agency's decision chain and meetings kept in its table part (evaluation/agency_slices.py): joined, they give
the indicators' memo exactly the slices' digests made from the whole tables, whether the parts were built this run
or read back from the file a publish kept (the memo's keys, and so what it reuses, stay the same)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline.core.config import Targets, load_portal
from pipeline.publish.evaluation.evidence import Evidence
from pipeline.publish.evaluation.memo import Slices
from pipeline.publish.table_parts import FILE, TableParts, published_fields
from pipeline.publish.tables import listing_tables, spliced_tables, with_overdue
from pipeline.store import Store
from pipeline.validate import load_reference
from tests.town_support import Town, published_town

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Town:
    """The bench's town (real generated files), published once: its store holds the kept parts."""
    return published_town(tmp_path_factory.mktemp("agency-slices"))


def _slices(town: Town, parts: TableParts) -> tuple[Slices, Slices]:
    """The memo's slices made from the whole tables, and from the agencies' parts (``parts``)."""
    _, datasets, output = town
    portal = load_portal(datasets, output)
    reference = load_reference(portal)
    store = Store.load(output / "store")
    tables, encoded, sources, agencies = spliced_tables(store, parts, None, published_fields(portal))
    tables["decisions"] = with_overdue(tables["decisions"], AS_OF)
    tables.update(listing_tables(store, reference.agencies.values(), AS_OF, portal.deadline_day, portal.tz,
                                 portal.start_period))
    evidence = Evidence(tables, AS_OF, Targets(), store.changelog)
    return Slices(evidence, encoded, sources), Slices(evidence, encoded, sources, None, agencies)


def _same(whole: Slices, joined: Slices) -> None:
    assert whole.meetings and whole.involving and whole.decisions
    assert joined.meetings == whole.meetings
    assert joined.involving == whole.involving
    assert joined.decisions == whole.decisions


def test_parts_built_this_run_give_the_whole_tables_slices(town: Town) -> None:
    """Every part built now (no file): the same digests."""
    _same(*_slices(town, TableParts(None)))


def test_parts_read_back_give_the_whole_tables_slices(town: Town, tmp_path: Path) -> None:
    """Every part read back from the file the publish kept: the same digests."""
    shutil.copy(town[2] / "store" / FILE, tmp_path / FILE)
    parts = TableParts(tmp_path / FILE)
    whole, joined = _slices(town, parts)
    assert parts.used and all(where == "old" for _, where, _, _ in parts.used.values())
    _same(whole, joined)
