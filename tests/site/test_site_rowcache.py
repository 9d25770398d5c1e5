"""The site keeps each table's typed rows under <output>/site-cache/ and uses them only under their key:
the CSV's SHA-256, the schema and the code. Stale, damaged or hostile copies send it back to the CSV."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
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
    def refuse(path: Path, schema: dict[str, Any], drop: Any = None) -> Any:
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

    def spy(csv_path: Path, schema: dict[str, Any], drop: Any = None) -> Any:
        parsed.append(csv_path)
        return read_table(csv_path, schema, drop)
    monkeypatch.setattr(rowcache, "read_table", spy)
    rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")
    assert parsed == []  # same code: kept rows
    monkeypatch.setattr(rowcache, "_code", lambda: b"the casting code changed")
    assert [dict(r) for r in rowcache.cached_rows(path, sha, SCHEMA, tmp_path / "cache")] == [FIRST, SECOND]
    assert parsed == [path]


# A changed CSV: the rows of its lines that the previous CSV (the live site's copy) has are taken from the kept rows.
BIG = "period,day,value,share\n" + "".join(f"2026-{1 + i % 12:02d},2026-10-{1 + i % 28:02d},{i},{i / 8}\n"
                                           for i in range(3000))
BIG_SCHEMA = {"fields": [{"name": "period", "type": "string"}, {"name": "day", "type": "date"},
                         {"name": "value", "type": "integer"}, {"name": "share", "type": "number"}]}


def _previous(tmp_path: Path, text: str) -> Path:
    """The live site's copy of the CSV the kept rows were read from."""
    path = tmp_path / "site" / "data" / "t.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _kept_big(tmp_path: Path, text: str = BIG) -> Path:
    """Rows kept for ``text``, which the live site holds; returns the live copy."""
    path, sha = _csv(tmp_path, text)
    rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache")
    return _previous(tmp_path, text)


def _cast_lines(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Spy on the lines cast (the header's included) and refuse whole-file reading."""
    cast: list[int] = []
    real = rowcache.read_lines

    def spy(path: Path, lines: Any, schema: dict[str, Any], drop: Any = None) -> Any:
        lines = list(lines)
        cast.append(len(lines))
        return real(path, lines, schema, drop)
    monkeypatch.setattr(rowcache, "read_lines", spy)
    _no_csv_reading(monkeypatch)
    return cast


def _spy_whole(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The CSVs read whole."""
    parsed: list[Path] = []
    real = rowcache.read_table
    monkeypatch.setattr(rowcache, "read_table", lambda p, s, d=None: parsed.append(p) or real(p, s, d))
    return parsed


def test_a_changed_csv_casts_only_its_new_lines_and_gives_the_rows_a_whole_reading_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = _kept_big(tmp_path)
    lines = BIG.splitlines(keepends=True)
    # A new line in the middle, one changed, one gone, a blank line: as a new month's publish might.
    lines.insert(1500, "2026-12,2026-12-01,99999,0.25\n")
    lines[10] = lines[10].replace(",9,", ",-9,")
    del lines[2000]
    lines.insert(2500, "\n")
    path, sha = _csv(tmp_path, "".join(lines))
    cast = _cast_lines(monkeypatch)
    rows = rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", previous)
    assert cast == [3]  # the header, the new line and the changed one
    monkeypatch.undo()
    whole = read_table(path, BIG_SCHEMA)
    assert [dict(r) for r in rows] == [dict(r) for r in whole]
    assert [repr(r) for r in rows] == [repr(r) for r in whole]
    assert [type(v) for v in rows[1500].values()] == [str, date, int, float]
    # Kept under the new CSV's key: the next build takes them as they are.
    _no_csv_reading(monkeypatch)
    monkeypatch.setattr(rowcache, "read_lines", lambda *a: pytest.fail("cast again"))
    assert [dict(r) for r in rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", previous)] == [
        dict(r) for r in whole]


@pytest.mark.parametrize("previous", ["edited", "absent", "a link", "a folder"])
def test_a_previous_csv_that_is_not_the_one_of_the_kept_rows_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, previous: str) -> None:
    live = _kept_big(tmp_path)
    if previous == "edited":  # a line the new CSV also has would take a row that is not its own
        live.write_text(BIG.replace(",7,", ",8,"), encoding="utf-8")
    elif previous == "absent":
        live.unlink()
    elif previous == "a link":  # never followed, even to the very CSV of the kept rows
        shutil.move(live, tmp_path / "elsewhere.csv")
        live.symlink_to(tmp_path / "elsewhere.csv")
    else:
        live.unlink()
        live.mkdir()
    path, sha = _csv(tmp_path, BIG.replace(",7,", ",8,").replace(",5,", ",6,"))
    parsed = _spy_whole(monkeypatch)
    rows = rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", live)
    assert parsed == [path]
    assert [dict(r) for r in rows] == [dict(r) for r in read_table(path, BIG_SCHEMA)]


def test_a_csv_changed_since_its_digest_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = _kept_big(tmp_path)
    path, sha = _csv(tmp_path, BIG.replace(",7,", ",8,"))
    path.write_text(BIG.replace(",7,", ",9,"), encoding="utf-8")  # after the check took its digest
    parsed = _spy_whole(monkeypatch)
    rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", previous)
    assert parsed == [path]


@pytest.mark.parametrize("change", ["quoted", "header", "schema", "bad cell", "not utf-8"])
def test_a_csv_that_cannot_be_patched_line_by_line_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  change: str) -> None:
    previous = _kept_big(tmp_path)
    path = tmp_path / "data" / "t.csv"
    schema = BIG_SCHEMA
    text = BIG.encode()
    if change == "quoted":  # a quoted cell may hold a line break: one line is not one row
        text = text.replace(b",2026-10-03,", b',"2026-10-03",', 1)
    elif change == "header":
        text = text.replace(b"share", b"ratio", 1)
    elif change == "schema":  # the kept rows were cast by another schema
        schema = {"fields": [*BIG_SCHEMA["fields"][:3], {"name": "share", "type": "string"}]}
    elif change == "bad cell":
        text = text.replace(b",7,", b",tujuh,")
    else:
        text = text.replace(b",7,", b",\xff,")
    path.write_bytes(text)
    sha = hashlib.sha256(text).hexdigest()
    parsed = _spy_whole(monkeypatch)
    if change in ("bad cell", "not utf-8"):  # the whole reading names the failure, as it always did
        with pytest.raises(SiteError, match="baris 9" if change == "bad cell" else "cannot be read"):
            rowcache.cached_rows(path, sha, schema, tmp_path / "cache", previous)
        return
    rows = rowcache.cached_rows(path, sha, schema, tmp_path / "cache", previous)
    assert parsed == [path]
    assert [dict(r) for r in rows] == [dict(r) for r in read_table(path, schema)]


def test_rows_kept_by_other_code_are_not_even_matched_line_by_line(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    previous = _kept_big(tmp_path)
    path, sha = _csv(tmp_path, BIG.replace(",7,", ",8,"))
    monkeypatch.setattr(rowcache, "_code", lambda: b"the casting code changed")
    monkeypatch.setattr(rowcache, "_matched", lambda *a: pytest.fail("kept rows of other code matched"))
    parsed = _spy_whole(monkeypatch)
    rows = rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", previous)
    assert parsed == [path]
    assert [dict(r) for r in rows] == [dict(r) for r in read_table(path, BIG_SCHEMA)]


@pytest.mark.parametrize("change", ["moved far", "many deleted", "deleted at the end", "added at the end",
                                    "every other changed"])
def test_lines_out_of_step_are_cast_and_the_rows_are_a_whole_readings(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      change: str) -> None:
    """The CSVs are walked side by side: a line that is neither the next of the previous CSV nor a little
    further is cast (a block moved far, many rows deleted before a line), never given another line's row."""
    previous = _kept_big(tmp_path)
    lines = BIG.splitlines(keepends=True)
    if change == "moved far":  # 200 rows moved 2,000 lines down: they are cast where they land
        lines = lines[:100] + lines[300:2300] + lines[100:300] + lines[2300:]
    elif change == "many deleted":  # more rows gone at once than are looked through
        del lines[500:500 + 3 * rowcache._NEAR]
    elif change == "deleted at the end":
        del lines[-40:]
    elif change == "added at the end":
        lines += ["2026-12,2026-12-01,99999,0.25\n"] * 3
    else:
        lines = [line.replace(",2026-10-", ",2026-09-") if i % 2 else line for i, line in enumerate(lines)]
    path, sha = _csv(tmp_path, "".join(lines))
    cast = _cast_lines(monkeypatch)
    rows = rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", previous)
    # The header, and the lines cast until the two run alike again (``_AGAIN``: looked for further).
    expected = {"moved far": 1 + (rowcache._AGAIN - 1) + 200, "many deleted": 1 + (rowcache._AGAIN - 1),
                "deleted at the end": 1, "added at the end": 4, "every other changed": 1 + (len(lines) - 1) // 2}
    assert cast == [expected[change]]
    monkeypatch.undo()
    whole = read_table(path, BIG_SCHEMA)
    assert [repr(r) for r in rows] == [repr(r) for r in whole]


def test_csvs_that_no_longer_run_alike_are_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``_LOST`` lines in a row found nowhere near, the new CSV is read whole (as fast as matching)."""
    previous = _kept_big(tmp_path)
    monkeypatch.setattr(rowcache, "_LOST", 50)
    path, sha = _csv(tmp_path, BIG.replace(",2026-10-", ",2026-09-"))
    parsed = _spy_whole(monkeypatch)
    rows = rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", previous)
    assert parsed == [path]
    assert [repr(r) for r in rows] == [repr(r) for r in read_table(path, BIG_SCHEMA)]
