"""After a new month and a late file, the site reads the changed tables' rows from the rows kept by the last build:
by the data stage's map of where each row of the new CSV came from (publish/row_maps.py), or, without a map, line
by line from the live site's copies of the CSVs they were read from (rowcache.py); either way it comes out byte for
byte as a cold build of the same data. Each map is checked against the files themselves."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import load_portal
from pipeline.core.models import PUBLISHED_TABLES
from pipeline.publish import row_maps
from pipeline.site import build_site, rowcache
from tests.site.test_site_incremental import assert_same_site, cold_copy
from tests.town_support import publish, published_town
from tools.bench import city

AS_OF = date(2026, 11, 28)


def _spy(monkeypatch: pytest.MonkeyPatch, name: str, found: list[tuple[str, bool]]) -> None:
    """Record (table, whether it gave rows) of each call of ``rowcache.<name>``."""
    real = getattr(rowcache, name)

    def spy(path: Path, *args: Any) -> Any:
        rows = real(path, *args)
        found.append((path.stem, rows is not None))
        return rows
    monkeypatch.setattr(rowcache, name, spy)


@pytest.mark.parametrize("maps", [True, False], ids=["by-the-maps", "line-by-line"])
def test_a_new_month_and_a_late_file_patch_the_changed_tables_and_build_the_cold_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: bool) -> None:
    town, datasets, output = published_town(tmp_path / "live")
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    mapped: list[tuple[str, bool]] = []
    patched: list[tuple[str, bool]] = []
    _spy(monkeypatch, "_mapped", mapped)
    _spy(monkeypatch, "_patched", patched)
    for step, change in enumerate((city.add_late_month, city.correct_old_file)):
        mapped.clear()
        patched.clear()
        before = _csv_digests(output / "data")
        change(town, datasets)
        publish(datasets, output)
        changed = {name for name, sha in _csv_digests(output / "data").items() if before.get(name) != sha}
        if not maps:
            row_maps.path_of(output / "store").unlink()
        assert not build_site(portal, AS_OF, search=False).skipped
        if maps:
            # Every changed table took its kept rows by its map, quoted cells or not; none was matched line by line.
            assert sorted(mapped) == sorted((name, True) for name in changed) and patched == [], (mapped, patched)
            assert "indicators" in changed and (step > 0 or "agendas" in changed), changed  # (agendas: quoted cells)
        else:
            # The tables without quoted cells that changed took their kept rows (the indicators always change).
            assert mapped == [] and ("indicators", True) in patched and ("submissions", True) in patched, patched
        assert_same_site(output / "site", cold_copy(portal, tmp_path / f"cold{step}", AS_OF))


def _csv_digests(data: Path) -> dict[str, str]:
    """The SHA-256 of each published table's CSV in ``data``, by table."""
    return {name: sha256((data / f"{name}.csv").read_bytes()).hexdigest() for name in PUBLISHED_TABLES}


def test_each_map_says_where_every_row_of_the_new_csv_came_from(tmp_path: Path) -> None:
    """Each kept run's bytes in the new CSV are the lines of those rows in the CSV published last, each new run's
    are whole rows, the runs cover the file after its header, and both files are the ones the map names."""
    town, datasets, output = published_town(tmp_path)
    for change in (city.add_late_month, city.correct_old_file):
        shutil.rmtree(tmp_path / "last", ignore_errors=True)
        shutil.copytree(output / "data", tmp_path / "last")
        change(town, datasets)
        publish(datasets, output)
        maps = row_maps.read(output / "store")
        assert "indicators" in maps and set(maps) <= set(PUBLISHED_TABLES), sorted(maps)
        for name, entry in maps.items():
            old, new = (tmp_path / "last" / f"{name}.csv").read_bytes(), (output / "data" / f"{name}.csv").read_bytes()
            assert (sha256(old).hexdigest(), sha256(new).hexdigest()) == (entry["from"], entry["to"])
            old_lines = _row_bytes(old)
            assert entry["rows"] == len(old_lines) and new[:entry["head"]] == old[:entry["head"]]
            at, fresh = entry["head"], 0
            for count, first, start, end in entry["runs"]:
                assert start == at and count > 0
                if first >= 0:
                    assert new[start:end] == b"".join(old_lines[first:first + count]), (name, first, count)
                else:
                    assert len(_row_bytes(new[:entry["head"]] + new[start:end])) == count
                    fresh += count
                at = end
            assert at == len(new), name
            assert fresh < len(_row_bytes(new)) // 2, (name, fresh)  # most rows kept: a map worth having


def _row_bytes(data: bytes) -> list[bytes]:
    """Each row's bytes (its physical lines with their line feeds) of a CSV written with LF line ends, its header
    left out: a row whose quoted cells hold line feeds spans as many lines more."""
    physical = data.split(b"\n")[:-1]
    rows: list[bytes] = []
    taken = 0
    for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
        need = 1 + sum(cell.count("\n") for cell in row)
        rows.append(b"".join(line + b"\n" for line in physical[taken:taken + need]))
        taken += need
    assert taken == len(physical)
    return rows[1:]


def test_a_map_that_does_not_fit_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A map naming other files, or whose runs do not fit the file or the kept rows, is set aside: the rows are
    matched line by line, and the site is the cold one all the same."""
    town, datasets, output = published_town(tmp_path / "live")
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    city.add_late_month(town, datasets)
    publish(datasets, output)
    path = row_maps.path_of(output / "store")
    kept = json.loads(path.read_bytes())
    tables = kept["tables"]
    tables["indicators"]["to"] = "0" * 64  # of another CSV
    first = tables["submissions"]["runs"][0]
    first[2] += 1  # a run that does not start after the header
    kept_rows = next(n for n in tables if n not in ("indicators", "submissions"))
    tables[kept_rows]["rows"] += 1  # of kept rows of another length
    path.write_text(json.dumps(kept), encoding="utf-8")
    mapped: list[tuple[str, bool]] = []
    patched: list[tuple[str, bool]] = []
    _spy(monkeypatch, "_mapped", mapped)
    _spy(monkeypatch, "_patched", patched)
    assert not build_site(portal, AS_OF, search=False).skipped
    for name in ("indicators", "submissions", kept_rows):
        assert (name, False) in mapped and (name, True) in patched, (name, mapped, patched)
    assert_same_site(output / "site", cold_copy(portal, tmp_path / "cold", AS_OF))
    path.write_bytes(b'{"format": 1, "tables": {"indicators": {"runs": "x"}}')  # not a map's shape: none read
    assert row_maps.read(output / "store") == {}


def test_two_publishes_between_builds_take_no_map_of_other_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A site built after two publishes keeps rows of the CSV before both, while the maps are of the second
    publish's change: a table changed by both is not taken by its map (it names another old CSV) but matched line by
    line, and the site is the cold one."""
    town, datasets, output = published_town(tmp_path / "live")
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    city.add_late_month(town, datasets)
    publish(datasets, output)
    city.correct_old_file(town, datasets)
    publish(datasets, output)
    mapped: list[tuple[str, bool]] = []
    patched: list[tuple[str, bool]] = []
    _spy(monkeypatch, "_mapped", mapped)
    _spy(monkeypatch, "_patched", patched)
    assert not build_site(portal, AS_OF, search=False).skipped
    assert ("indicators", False) in mapped and ("indicators", True) in patched, (mapped, patched)
    assert_same_site(output / "site", cold_copy(portal, tmp_path / "cold", AS_OF))
