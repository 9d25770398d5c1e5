"""The performance rows' IKM kept by their month and agency's rows digest: read back as computed, and a kept
form that is damaged or from other code is computed again, never a wrong row."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import load_portal
from pipeline.publish.evaluation.memo import FILE as MEMO
from pipeline.publish.evaluation.memo import Memo
from pipeline.publish.evaluation.table import KEPT
from pipeline.publish.ikm_memo import FILE
from pipeline.publish.tables import build_tables
from pipeline.store import Store
from pipeline.validate import load_reference
from tests.town_support import Town, published_town

AS_OF = date(2026, 11, 30)
Tables = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Town:
    """The bench's town (real generated files), published once: its store holds the kept IKM."""
    return published_town(tmp_path_factory.mktemp("ikm-memo"))


def _tables(town: Town, memo_folder: Path | None) -> Tables:
    """The tables built from the town's store, with the memos in ``memo_folder`` (None: without them)."""
    _, datasets, output = town
    portal = load_portal(datasets, output)
    reference = load_reference(portal)
    memo = None if memo_folder is None else Memo(memo_folder / MEMO, KEPT)
    tables = build_tables(Store.load(output / "store"), reference.agencies.values(), reference.services.values(),
                          AS_OF, portal.deadline_day, portal.tz, portal.targets, portal.start_period, memo)
    if memo is not None:
        memo.save()
    return {name: [dict(row) for row in rows] for name, rows in tables.items()}


@pytest.fixture(scope="module")
def cold(town: Town) -> Tables:
    """The tables with nothing kept."""
    return _tables(town, None)


def _kept(town: Town, folder: Path, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """``folder`` holding the town's kept IKM (changed by ``change``) and no indicator rows."""
    folder.mkdir()
    kept = json.loads((town[2] / "store" / FILE).read_text("utf-8"))
    if change is not None:
        change(kept)
    (folder / FILE).write_text(json.dumps(kept), "utf-8")
    return folder


def test_the_published_run_kept_every_month_and_agency(town: Town, cold: Tables) -> None:
    """Each month and agency with performance rows has its rows' IKM and their IKM together kept."""
    kept = json.loads((town[2] / "store" / FILE).read_text("utf-8"))
    months = {(r["period"], r["agency_code"]) for r in cold["performance"]}
    assert len(kept["rows"]) == len(kept["groups"]) == len(months) > 10
    assert sum(map(len, kept["rows"].values())) == len(cold["performance"])


def test_kept_ikm_gives_the_tables_a_cold_build_gives(town: Town, cold: Tables, tmp_path: Path) -> None:
    """Read back (twice: the second run reads the first's file) the rows equal the cold build's, value and type."""
    folder = _kept(town, tmp_path / "kept")
    for _ in range(2):
        warm = _tables(town, folder)
        assert warm == cold
        assert [type(r["ikm"]) for r in warm["performance"]] == [type(r["ikm"]) for r in cold["performance"]]


def test_the_kept_form_is_what_is_read(town: Town, cold: Tables, tmp_path: Path) -> None:
    """A kept IKM of the right form is taken as it is (no recomputation): the memo is read, not ignored."""
    def change(kept: dict[str, Any]) -> None:
        digest = sorted(kept["rows"])[0]
        kept["rows"][digest] = [["25.00", "D"] for _ in kept["rows"][digest]]
    warm = _tables(town, _kept(town, tmp_path / "kept", change))
    assert sum(r["ikm"] != c["ikm"] for r, c in zip(warm["performance"], cold["performance"], strict=True)) > 0


@pytest.mark.parametrize("damage", ["code", "truncated", "count", "not-cents", "grade", "group"])
def test_a_damaged_or_foreign_kept_form_is_computed_again(town: Town, cold: Tables, tmp_path: Path,
                                                          damage: str) -> None:
    """Other code, a cut file, a line of the wrong length, a value not in cents or not of its grade, a group
    IKM not a number: computed again, the tables as cold."""
    def change(kept: dict[str, Any]) -> None:
        first = sorted(kept["rows"])
        if damage == "code":
            kept["code"] = "0" * 64
            for digest in first:
                kept["rows"][digest] = [["25.00", "D"] for _ in kept["rows"][digest]]
        elif damage == "count":
            kept["rows"][first[0]] = kept["rows"][first[0]][:-1] or [["25.00", "D"], ["25.00", "D"]]
        elif damage == "not-cents":
            kept["rows"][first[0]] = [["88.3", "B"] for _ in kept["rows"][first[0]]]
        elif damage == "grade":
            kept["rows"][first[0]] = [["95.00", "D"] for _ in kept["rows"][first[0]]]
        elif damage == "group":
            for digest in kept["groups"]:
                kept["groups"][digest] = "x"
    folder = _kept(town, tmp_path / "kept", change)
    if damage == "truncated":
        path = folder / FILE
        path.write_bytes(path.read_bytes()[:1000])
    assert _tables(town, folder) == cold
