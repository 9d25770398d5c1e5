"""The rows each table's last build kept, read while the data stage works (site/readahead.py): taken by the build's
reading of the table (rowcache.cached_rows) as they are, for an unchanged CSV and for a changed one patched from
them, only while the kept file is as it was read, and giving the rows a reading without them gives; on real files."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.templating import SITE_TEMPLATES
from pipeline.site import rowcache
from pipeline.site.casting import read_table
from pipeline.site.readahead import ReadAhead, read_ahead
from tests.site.test_site_rowcache import BIG, BIG_SCHEMA

NAME = "indicators"  # a published table's name: read ahead from <output>/site-cache/indicators.rows


def _output(tmp_path: Path, text: str = BIG) -> Path:
    """An output whose live site holds ``text`` as the table's CSV, with the rows kept for it."""
    out = tmp_path / "out"
    for folder, body in ((out / "data", text), (out / "site" / "data", text)):
        folder.mkdir(parents=True)
        (folder / f"{NAME}.csv").write_text(body, encoding="utf-8")
    csv = out / "data" / f"{NAME}.csv"
    rowcache.cached_rows(csv, _sha(csv), BIG_SCHEMA, out / rowcache.FOLDER)
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(out: Path, ahead: ReadAhead | None) -> list[Any]:
    """The table's rows as the build reads them (``later``: kept afterwards, not now)."""
    csv = out / "data" / f"{NAME}.csv"
    return rowcache.cached_rows(csv, _sha(csv), BIG_SCHEMA, out / rowcache.FOLDER, out / "site" / "data" / csv.name,
                                [], ahead)


def _kept_read(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The kept files read from now on."""
    read: list[Path] = []
    real = rowcache.read_kept

    def spy(path: Path, key: str | None = None) -> Any:
        read.append(path)
        return real(path, key)
    monkeypatch.setattr(rowcache, "read_kept", spy)
    return read


def _changed() -> str:
    lines = BIG.splitlines(keepends=True)
    lines.insert(1500, "2026-12,2026-12-01,99999,0.25\n")  # a new month's row
    return "".join(lines)


def test_an_unchanged_table_takes_the_rows_read_ahead_as_they_are(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = _output(tmp_path)
    plain = _rows(out, None)
    ahead = read_ahead(out, SITE_TEMPLATES)
    read = _kept_read(monkeypatch)
    rows = _rows(out, ahead)
    assert read == []  # not read again
    assert [repr(r) for r in rows] == [repr(r) for r in plain]


def test_a_changed_table_is_patched_from_the_rows_read_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _output(tmp_path)
    ahead = read_ahead(out, SITE_TEMPLATES)
    time.sleep(0.05)
    (out / "data" / f"{NAME}.csv").write_text(_changed(), encoding="utf-8")  # the data stage wrote the new CSV
    read = _kept_read(monkeypatch)
    rows = _rows(out, ahead)
    assert read == []  # one reading ahead served the patch
    whole = read_table(out / "data" / f"{NAME}.csv", BIG_SCHEMA)
    assert [repr(r) for r in rows] == [repr(r) for r in whole]


@pytest.mark.parametrize("edit", ["damaged", "other rows", "gone"])
def test_kept_rows_changed_since_they_were_read_ahead_are_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    edit: str) -> None:
    out = _output(tmp_path)
    kept = out / rowcache.FOLDER / f"{NAME}.rows"
    ahead = read_ahead(out, SITE_TEMPLATES)
    time.sleep(0.05)
    if edit == "damaged":  # a hand edit: what was read ahead no longer stands for the file
        kept.write_bytes(kept.read_bytes()[:-10])
    elif edit == "other rows":  # kept again for other bytes of the CSV (its rows are those of that CSV)
        other = tmp_path / "other" / f"{NAME}.csv"
        other.parent.mkdir()
        other.write_text(BIG.replace(",7,", ",8,"), encoding="utf-8")
        rowcache.cached_rows(other, _sha(other), BIG_SCHEMA, out / rowcache.FOLDER)
    else:
        kept.unlink()
    read = _kept_read(monkeypatch)
    rows = _rows(out, ahead)
    assert read == [kept, kept]  # read now: under the CSV's key, then under the previous one's
    whole = read_table(out / "data" / f"{NAME}.csv", BIG_SCHEMA)
    assert [repr(r) for r in rows] == [repr(r) for r in whole]


def test_no_rows_are_read_ahead_once_the_word_came(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _output(tmp_path)
    ahead = read_ahead(out, SITE_TEMPLATES, lambda: True)  # the build may start: it reads them itself
    read = _kept_read(monkeypatch)
    plain = read_table(out / "data" / f"{NAME}.csv", BIG_SCHEMA)
    assert [repr(r) for r in _rows(out, ahead)] == [repr(r) for r in plain]
    assert read == [out / rowcache.FOLDER / f"{NAME}.rows"]
