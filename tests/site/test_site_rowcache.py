"""The site keeps each table's typed rows under <output>/site-cache/ and uses them only under their key:
the CSV's SHA-256, the schema and the code. Stale, damaged or hostile copies send it back to the CSV."""

from __future__ import annotations

import hashlib
import os
import pickle
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.errors import SiteError
from pipeline.site import rowcache
from pipeline.site.casting import read_table

SCHEMA = {"fields": [{"name": "period", "type": "string"}, {"name": "day", "type": "date"},
                     {"name": "at", "type": "time"}, {"name": "seen", "type": "datetime"},
                     {"name": "value", "type": "integer"}, {"name": "share", "type": "number"},
                     {"name": "ok", "type": "boolean"}, {"name": "note", "type": "string"}]}
CSV = ("period,day,at,seen,value,share,ok,note\n"
       "2026-10,2026-10-03,08:30:00,2026-10-03T08:30:00+07:00,12,0.5,true,catatan\n"
       "2026-11,,,,,,,\n")
FIRST = {"period": "2026-10", "day": date(2026, 10, 3), "at": time(8, 30),
         "seen": datetime(2026, 10, 3, 8, 30, tzinfo=timezone(timedelta(hours=7))), "value": 12, "share": 0.5,
         "ok": True, "note": "catatan"}
SECOND = {"period": "2026-11", "day": None, "at": None, "seen": None, "value": None, "share": None, "ok": None,
          "note": None}


def _csv(tmp_path: Path, text: str = CSV) -> tuple[Path, str]:
    path = tmp_path / "data" / "t.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _kept(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "t.rows"


def _no_csv_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, schema: dict[str, Any]) -> Any:
        raise AssertionError(f"{path} was parsed although its rows were kept")
    monkeypatch.setattr(rowcache, "read_table", refuse)


def test_an_unchanged_table_is_read_from_its_kept_rows_as_the_csv_says(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path, sha = _csv(tmp_path)
    first = rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    assert [dict(r) for r in first] == [FIRST, SECOND]
    assert _kept(tmp_path).is_file()
    _no_csv_reading(monkeypatch)
    again = rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    assert [dict(r) for r in again] == [FIRST, SECOND]
    assert [repr(r) for r in again] == [repr(r) for r in first]  # a page's key is a digest of the repr
    assert [type(v) for v in again[0].values()] == [str, date, time, datetime, int, float, bool, str]


def test_a_changed_csv_is_read_again_not_taken_from_the_rows_kept_for_the_old_one(tmp_path: Path) -> None:
    path, sha = _csv(tmp_path)
    rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    path, sha = _csv(tmp_path, CSV.replace(",12,", ",13,"))
    assert rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")[0]["value"] == 13
    assert read_table(path, SCHEMA)[0]["value"] == 13


def test_a_changed_schema_casts_again(tmp_path: Path) -> None:
    path, sha = _csv(tmp_path)
    rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    as_text = {"fields": [{**f, "type": "string"} if f["name"] == "value" else f for f in SCHEMA["fields"]]}
    assert rowcache.cached_rows(path, sha, as_text, tmp_path / "cache")[0]["value"] == "12"


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "header"])
def test_a_damaged_copy_is_never_used_and_is_written_again(tmp_path: Path, damage: str) -> None:
    path, sha = _csv(tmp_path)
    rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    kept = _kept(tmp_path)
    good = kept.read_bytes()
    # "flip": one letter of a text in the payload, which still unpickles (only the digest tells).
    assert good.count(b"catatan") == 1
    bad = {"flip": good.replace(b"catatan", b"catatam"), "truncate": good[:-7], "empty": b"",
           "header": b"x" + good[1:]}[damage]
    kept.write_bytes(bad)
    rows = rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    assert [dict(r) for r in rows] == [FIRST, SECOND]
    assert kept.read_bytes() == good


def test_a_copy_with_a_valid_digest_but_rows_of_another_shape_is_not_used(tmp_path: Path) -> None:
    path, sha = _csv(tmp_path)
    key = rowcache.cache_key(sha, SCHEMA)
    payload = pickle.dumps((("period",), [("2026-10", "extra")]))
    _kept(tmp_path).parent.mkdir()
    _kept(tmp_path).write_bytes(rowcache.MAGIC + key.encode() + b"\n"
                                + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    assert [dict(r) for r in rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")] == [FIRST, SECOND]


class _Hostile:
    """Unpickling this would create a folder: the kept rows must never run code."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (str(self.target),))


def test_a_kept_file_cannot_make_the_build_run_anything(tmp_path: Path) -> None:
    path, sha = _csv(tmp_path)
    key = rowcache.cache_key(sha, SCHEMA)
    payload = pickle.dumps((("period",), [(_Hostile(tmp_path / "ran"),)]))
    _kept(tmp_path).parent.mkdir()
    _kept(tmp_path).write_bytes(rowcache.MAGIC + key.encode() + b"\n"
                                + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    rows = rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    assert not (tmp_path / "ran").exists()
    assert [dict(r) for r in rows] == [FIRST, SECOND]


def test_a_cache_folder_that_cannot_be_written_only_costs_the_reading(tmp_path: Path) -> None:
    path, sha = _csv(tmp_path)
    (tmp_path / "cache").write_text("a file where the folder would be", encoding="utf-8")
    assert [dict(r) for r in rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")] == [FIRST, SECOND]


def test_a_bad_cell_in_a_later_block_names_its_own_line_and_the_first_in_row_order(tmp_path: Path) -> None:
    # Cast by column, a block of rows at a time: the error is still the first cell in row order.
    lines = ["period,day,value"] + [f"2026-10,2026-10-{1 + i % 28:02d},{i}" for i in range(10_000)]
    lines[9000] = "2026-10,2026-10-01,sembilan"  # line 9001 of the file, value (a later column)
    lines[9001] = "2026-10,kemarin,1"  # line 9002, day (an earlier column, a later row)
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SiteError, match="baris 9001, kolom value: 'sembilan' bukan integer"):
        read_table(path, {"fields": [{"name": "day", "type": "date"}, {"name": "value", "type": "integer"}]})


def test_rows_kept_by_other_code_are_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, sha = _csv(tmp_path)
    rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    parsed: list[Path] = []

    def spy(csv_path: Path, schema: dict[str, Any]) -> Any:
        parsed.append(csv_path)
        return read_table(csv_path, schema)
    monkeypatch.setattr(rowcache, "read_table", spy)
    rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    assert parsed == []  # same code: kept rows
    monkeypatch.setattr(rowcache, "_code", lambda: b"the casting code changed")
    assert [dict(r) for r in rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")] == [FIRST, SECOND]
    assert parsed == [path]
