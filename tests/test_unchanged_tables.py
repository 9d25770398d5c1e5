"""A table whose rows are exactly those published last keeps its files published last (publish/table_files.py):
left in place, or copied, never encoded or hashed again; its row index and chunk index stay valid. A published
file changed by hand, rows in another order, or another row: the files are written as any.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.publish.row_reuse import EXTENSIONS, Indexes
from pipeline.publish.table_files import start_table
from tests.test_row_reuse import FIRST, SCHEMA, SECOND, cold, publish

NAMES = {f"t.{ext}" for ext in EXTENSIONS}


def again(tmp_path: Path, records: list[dict], in_place: set[str] | None) -> tuple[Path, Indexes, dict[str, str]]:
    """Write the table into a new folder with the indexes of the last publish; the SHA-256 each sink gives."""
    folder = tmp_path / "new"
    folder.mkdir()
    indexes = Indexes(tmp_path / "store", tmp_path / "data", None, in_place)
    sinks = start_table(SCHEMA, records, indexes, lambda csv: None, folder).finish()
    return folder, indexes, {ext: sink.sha256() for ext, sink in sinks.items()}


def shas(folder: Path) -> dict[str, str]:
    """The SHA-256 of the table's files in ``folder``, by extension."""
    return {ext: hashlib.sha256((folder / f"t.{ext}").read_bytes()).hexdigest() for ext in EXTENSIONS}


def test_an_unchanged_table_is_left_in_place(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)
    index = (tmp_path / "store" / "published-rows" / "t.idx").read_bytes()
    folder, indexes, given = again(tmp_path, list(FIRST), set())
    assert indexes.in_place == NAMES
    assert list(folder.iterdir()) == []  # nothing written
    assert given == shas(tmp_path / "data")
    assert indexes.reused == {"t": len(FIRST)}
    assert indexes.new["t"] == index  # kept as it was: it still describes the files in place
    indexes.save()
    second, indexes = publish(tmp_path, SECOND)  # the index kept is used again
    assert indexes.reused == {"t": 4}
    assert second == cold(SECOND)


def test_without_a_place_to_leave_them_they_are_copied(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)
    folder, indexes, given = again(tmp_path, list(FIRST), None)
    assert indexes.in_place is None
    assert {ext: (folder / f"t.{ext}").read_bytes() for ext in EXTENSIONS} == cold(FIRST)
    assert given == shas(folder)


def test_a_published_file_changed_by_hand_is_not_left_in_place(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)
    path = tmp_path / "data" / "t.csv"
    path.write_bytes(path.read_bytes().replace(b"a,", b"z,", 1))
    folder, indexes, given = again(tmp_path, list(FIRST), set())
    assert indexes.in_place == set()
    assert {ext: (folder / f"t.{ext}").read_bytes() for ext in EXTENSIONS} == cold(FIRST)
    assert given == shas(folder)


def test_the_same_rows_in_another_order_or_one_more_are_written(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)
    for n, records in enumerate((FIRST[::-1], FIRST[:-1], [*FIRST, FIRST[0]])):
        folder, indexes, _ = again(tmp_path, list(records), set())
        assert indexes.in_place == set()
        assert {ext: (folder / f"t.{ext}").read_bytes() for ext in EXTENSIONS} == cold(list(records))
        folder.rename(tmp_path / f"done{n}")
