"""A changed table's CSV and the live copy its kept rows were read from are not hashed again while their rows are
patched (rowcache.py) when their stat vouches for their bytes: the new CSV's by the digest the build's check knows
under that stat (``treehash.DigestCache``), the live copy's by the stat its first pass read it under. A file whose
stat is not that one is hashed as before, and one whose bytes differ is not patched from. On real files."""

from __future__ import annotations

import hashlib
import os
import types
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.treehash import DigestCache
from pipeline.site import rowcache
from pipeline.site.casting import read_table
from pipeline.site.readahead import ReadAhead
from tests.site.test_site_rowcache import BIG, BIG_SCHEMA, _cast_lines, _csv, _kept_big, _spy_whole


def _vouch(tmp_path: Path, path: Path) -> rowcache.Vouch:
    """The digest a build's check took of ``path`` (a file just written: kept for this process only, as the check
    keeps one), by its stat, as the loader vouches for a table's CSV."""
    check = DigestCache(tmp_path / "digests.json")
    name = os.path.abspath(path)
    check.digest(name, os.lstat(name))
    return lambda st: check.known(name, st, fresh=True)


def _hashed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bytes rowcache hashes with SHA-256 from now on, a count per update."""
    counted: list[int] = []

    class Counted:
        def __init__(self, data: bytes = b"") -> None:
            self._h = hashlib.sha256(data)
            counted.append(len(data))

        def update(self, data: Any) -> None:
            counted.append(len(data))
            self._h.update(data)

        def hexdigest(self) -> str:
            return self._h.hexdigest()

    monkeypatch.setattr(rowcache, "hashlib", types.SimpleNamespace(sha256=Counted))
    return counted


def _new_month() -> str:
    lines = BIG.splitlines(keepends=True)
    lines.insert(1500, "2026-12,2026-12-01,99999,0.25\n")
    return "".join(lines)


def test_a_vouched_csv_and_the_live_copy_are_patched_without_hashing_either_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = _kept_big(tmp_path)
    path, sha = _csv(tmp_path, _new_month())
    first = rowcache.first_pass(previous)
    assert first is not None and first[0] == hashlib.sha256(previous.read_bytes()).hexdigest()
    ahead = ReadAhead()  # the live copy's first pass read while the data stage worked
    ahead.read((previous,), partial(rowcache.first_pass, previous))
    vouch = _vouch(tmp_path, path)
    cast = _cast_lines(monkeypatch)
    hashed = _hashed(monkeypatch)
    rows = rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", previous, [], ahead, vouch)
    assert cast == [2]  # the header and the new line: the rest taken from the kept rows
    # The keys' few bytes and the kept file's payload (checked when read), neither CSV again.
    payload = (tmp_path / "cache" / "t.rows").stat().st_size - len(rowcache.MAGIC) - 130
    assert 0 <= sum(hashed) - payload < 1000, (hashed, payload)
    monkeypatch.undo()
    assert [repr(r) for r in rows] == [repr(r) for r in read_table(path, BIG_SCHEMA)]


@pytest.mark.parametrize("edited", ["the new csv", "the live copy"])
def test_a_file_whose_stat_changed_since_it_was_vouched_for_is_hashed_and_not_patched_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edited: str) -> None:
    previous = _kept_big(tmp_path)
    path, sha = _csv(tmp_path, _new_month())
    vouch = _vouch(tmp_path, path)

    def edit(target: Path) -> None:
        """Edited by hand after its digest was taken: same size, other bytes (a line the other file has)."""
        body = target.read_bytes()
        target.write_bytes(body.replace(b",7,", b",8,", 1))
        assert len(target.read_bytes()) == len(body)

    if edited == "the new csv":
        edit(path)
    else:  # between the live copy's first pass and its reading line by line
        real = rowcache.first_pass

        def then_edited(live: Path) -> Any:
            found = real(live)
            edit(live)
            return found
        monkeypatch.setattr(rowcache, "first_pass", then_edited)
    parsed = _spy_whole(monkeypatch)
    rows = rowcache.cached_rows(path, sha, BIG_SCHEMA, tmp_path / "cache", previous, [], None, vouch)
    assert parsed == [path]  # read whole: no kept row stands for a line it is not the row of
    assert [repr(r) for r in rows] == [repr(r) for r in read_table(path, BIG_SCHEMA)]

