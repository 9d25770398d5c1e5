"""Each agency's rows of the store's tables kept by its versions' digests (publish/table_parts.py): read back they
give the tables a cold build gives, value, type and order; a changed, damaged or other code's part is built again."""

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
from pipeline.publish.row_reuse import Digested, row_digests
from pipeline.publish.table_parts import FILE, TableParts, published_fields
from pipeline.publish.tables import DIGESTED, PARTS, build_tables
from pipeline.store import Store
from pipeline.validate import load_reference
from tests.town_support import Town, published_town

AS_OF = date(2026, 11, 30)
Built = tuple[dict[str, str], dict[str, str]]  # each table's repr, and where each agency's part came from


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Town:
    """The bench's town (real generated files), published once: its store holds the kept parts."""
    return published_town(tmp_path_factory.mktemp("table-parts"))


def _build(town: Town, memo_folder: Path | None, as_of: date = AS_OF) -> Built:
    """The tables from the town's store (reprs: types and key order count), with the memos in ``memo_folder``
    (None: without any), and for each agency whether its part was kept ("old") or built ("new")."""
    _, datasets, output = town
    portal = load_portal(datasets, output)
    reference = load_reference(portal)
    memo = None if memo_folder is None else Memo(memo_folder / MEMO, KEPT)
    tables = build_tables(Store.load(output / "store"), reference.agencies.values(), reference.services.values(),
                          as_of, portal.deadline_day, portal.tz, portal.targets, portal.start_period, memo,
                          published_fields(portal))  # as a publish builds them
    used = {} if memo is None else {agency: where for agency, (_, where, _, _) in memo.parts.used.items()}
    if memo is not None:
        memo.save()
    return {name: repr([dict(row) for row in tables[name]]) for name in (*PARTS, "indicators")}, used


@pytest.fixture(scope="module")
def cold(town: Town) -> dict[str, str]:
    """The tables with nothing kept."""
    return _build(town, None)[0]


def _kept(town: Town, folder: Path, change: Callable[[bytes], bytes] | None = None) -> Path:
    """``folder`` holding the town's kept parts (changed by ``change``) and no other memo."""
    folder.mkdir()
    data = (town[2] / "store" / FILE).read_bytes()
    (folder / FILE).write_bytes(data if change is None else change(data))
    return folder


def _head(data: bytes) -> tuple[dict[str, Any], int]:
    """The parts file's header and where its parts start."""
    end = data.index(b"\n")
    return json.loads(data[:end]), end + 1


def test_the_published_run_kept_every_agency(town: Town) -> None:
    """A part for each agency with published versions of the agendas, decisions or performance tables."""
    head, _ = _head((town[2] / "store" / FILE).read_bytes())
    agencies = {v.agency for v in Store.load(town[2] / "store").published()
                if v.table in ("agendas", "decisions", "performance")}
    assert sorted(agency for agency, *_ in head["parts"]) == sorted(agencies)
    assert len(agencies) > 3


def test_kept_parts_give_the_tables_a_cold_build_gives(town: Town, cold: dict[str, str], tmp_path: Path) -> None:
    """Read back (twice: the second run reads the first's file) every table equals the cold build's."""
    folder = _kept(town, tmp_path / "kept")
    for _ in range(2):
        tables, used = _build(town, folder)
        assert tables == cold
        assert set(used.values()) == {"old"}


def test_overdue_follows_the_day_not_the_part(town: Town, tmp_path: Path) -> None:
    """The decisions' ``overdue`` is made for the run's day: parts kept on one day give another day's table."""
    later = date(2027, 6, 30)
    tables, used = _build(town, _kept(town, tmp_path / "kept"), later)
    assert set(used.values()) == {"old"}
    assert tables["decisions"] == _build(town, None, later)[0]["decisions"]


def test_a_part_of_other_versions_is_built_again(town: Town, cold: dict[str, str], tmp_path: Path) -> None:
    """A part kept under another key (the agency's versions changed since) is built again, that one alone."""
    def other_key(data: bytes) -> bytes:
        head, at = _head(data)
        head["parts"][1][1] = "0" * 64
        return json.dumps(head, separators=(",", ":")).encode() + b"\n" + data[at:]

    tables, used = _build(town, _kept(town, tmp_path / "kept", other_key))
    assert tables == cold
    head, _ = _head((town[2] / "store" / FILE).read_bytes())
    assert [agency for agency, where in sorted(used.items()) if where == "new"] == [head["parts"][1][0]]


def test_a_damaged_part_is_built_again(town: Town, cold: dict[str, str], tmp_path: Path) -> None:
    """A part whose bytes changed (checksum) is built again; the others are read back."""
    def damaged(data: bytes) -> bytes:
        head, at = _head(data)
        _, _, _, start, end = head["parts"][0]
        middle = at + (start + end) // 2
        return data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1:]

    tables, used = _build(town, _kept(town, tmp_path / "kept", damaged))
    assert tables == cold
    assert sorted(where for where in used.values()).count("new") == 1


@pytest.mark.parametrize("change", [
    lambda data: data.replace(b'"code":"', b'"code":"0', 1),  # other code: not even unpickled
    lambda data: b"not a header\n" + data,
    lambda data: b"",
])
def test_a_file_of_other_code_or_damaged_builds_every_part(town: Town, cold: dict[str, str], tmp_path: Path,
                                                            change: Callable[[bytes], bytes]) -> None:
    """Nothing read back from such a file: every part built, the tables the same; the next run reads them."""
    folder = _kept(town, tmp_path / "kept", change)
    tables, used = _build(town, folder)
    assert tables == cold
    assert set(used.values()) <= {"new"}
    tables, used = _build(town, folder)
    assert tables == cold and set(used.values()) == {"old"}


def test_a_file_cut_short_builds_the_parts_it_lost(town: Town, cold: dict[str, str], tmp_path: Path) -> None:
    """The parts whole before the cut are read back, the others built again."""
    tables, used = _build(town, _kept(town, tmp_path / "kept", lambda data: data[: len(data) // 2]))
    assert tables == cold
    assert set(used.values()) == {"old", "new"}


def test_a_missing_file_or_folder_builds_every_part(town: Town, cold: dict[str, str], tmp_path: Path) -> None:
    """No file (and, for the parts made before, no folder for their temporary file): built, then written."""
    folder = tmp_path / "none"
    folder.mkdir()
    assert _build(town, folder)[0] == cold
    assert (folder / FILE).is_file()
    parts = TableParts(tmp_path / "absent" / FILE)  # a first publish: no store folder yet
    parts.put("a", "k", {"x": [1]})
    assert parts.used["a"][0] == "k"
    parts.close()


def test_encoded_digest_is_the_rows_digest(town: Town) -> None:
    """The digest taken without decoding is the one the store gives once the rows are decoded."""
    store = Store.load(town[2] / "store")
    for v in store.published("performance")[:20] + store.published("agendas")[:20]:
        undecoded = Store.load(town[2] / "store").encoded_digest(v)
        store.rows(v)
        assert undecoded == store.rows_digest(v)


def test_the_rows_come_with_their_digests(town: Town, cold: dict[str, str], tmp_path: Path) -> None:
    """With the schemas' fields, the ``DIGESTED`` tables carry their rows' digests, built or kept, as the data
    files would hash them; a part kept for other fields (here none) is built again."""
    _, datasets, output = town
    portal = load_portal(datasets, output)
    reference = load_reference(portal)
    fields = published_fields(portal)
    assert fields is not None
    folder = _kept(town, tmp_path / "kept")  # kept with digests (by the publish): read back
    for given, expected in ((fields, {"old"}), (None, {"new"}), (fields, {"new"}), (fields, {"old"})):
        memo = Memo(folder / MEMO, KEPT)
        tables = build_tables(Store.load(output / "store"), reference.agencies.values(),
                              reference.services.values(), AS_OF, portal.deadline_day, portal.tz, portal.targets,
                              portal.start_period, memo, given)
        assert {where for _, where, _, _ in memo.parts.used.values()} == expected
        memo.save()
        if given is None:
            assert not any(isinstance(tables[name], Digested) for name in DIGESTED)
            continue
        for name in DIGESTED:
            table = tables[name]
            assert isinstance(table, Digested) and table.fields == tuple(fields[name])
            assert table.digests == row_digests(fields[name], table)
            assert list(table.values()) == [tuple(row.get(f) for f in fields[name]) for row in table]
        assert {name: repr([dict(row) for row in tables[name]]) for name in cold} == cold
