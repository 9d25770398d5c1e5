"""The site reads only the rows it shows: the indicators of each service (no page shows them) are neither cast,
kept, indexed nor handed to the pages' processes, and the site comes out as it did with them."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.site import loader, rowcache
from pipeline.site.casting import Drop, read_table, shown
from pipeline.site.loader import load_site_data

SCHEMA = {"fields": [{"name": "scope_type", "type": "string"}, {"name": "period", "type": "string"},
                     {"name": "value", "type": "integer"}]}
DROP: Drop = ("scope_type", frozenset({"service"}))


def _csv(folder: Path, lines: list[str]) -> tuple[Path, str]:
    path = folder / "data" / "t.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("scope_type,period,value\n" + "".join(lines), encoding="utf-8")
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _lines(n: int) -> list[str]:
    return [f"{'service' if i % 3 else 'mall'},2026-{1 + i % 12:02d},{i}\n" for i in range(n)]


def test_rows_left_out_are_none_in_their_place_and_never_cast(tmp_path: Path) -> None:
    # A service row whose value is not an integer: never cast, so never a failure.
    path, _ = _csv(tmp_path, [*_lines(9), "service,2026-10,not a number\n"])
    rows = read_table(path, SCHEMA, DROP)
    assert len(rows) == 10
    assert [r is None for r in rows] == [i % 3 != 0 for i in range(9)] + [True]
    assert [dict(r) for r in shown(rows)] == [{"scope_type": "mall", "period": f"2026-{1 + i:02d}", "value": i}
                                              for i in (0, 3, 6)]
    with pytest.raises(SiteError):  # read whole, the same file fails
        read_table(path, SCHEMA)


def test_a_bad_cell_of_a_row_read_is_named_by_its_line(tmp_path: Path) -> None:
    path, _ = _csv(tmp_path, [*_lines(5000), "mall,2026-10,x\n"])
    with pytest.raises(SiteError, match="row 5002"):  # in the second block, after rows left out
        read_table(path, SCHEMA, DROP)


def test_kept_and_patched_rows_leave_out_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    old = _lines(3000)
    path, sha = _csv(tmp_path / "old", old)
    first = rowcache.cached_rows(path, sha, SCHEMA, cache, drop=DROP)
    assert [r is None for r in first] == [r is None for r in read_table(path, SCHEMA, DROP)]
    # Kept under a key of its own: a reader of every row does not take them, nor they its.
    assert rowcache.load(cache / "t.rows", rowcache.cache_key(sha, SCHEMA)) is None
    assert rowcache.load(cache / "t.rows", rowcache.cache_key(sha, SCHEMA, DROP)) is not None
    # The live copy of the CSV they were read from, then a changed CSV: a row added of each kind, one changed.
    live = tmp_path / "site" / "data" / "t.csv"
    live.parent.mkdir(parents=True)
    live.write_bytes(path.read_bytes())
    new = [*old]
    new.insert(1000, "mall,2026-12,-1\n")
    new.insert(2000, "service,2026-12,-2\n")
    new[10] = new[10].replace(",10\n", ",11\n")
    path, sha = _csv(tmp_path / "new", new)
    cast: list[int] = []
    real = rowcache.read_lines

    def spy(at: Path, lines: Any, schema: dict[str, Any], drop: Any = None) -> Any:
        lines = list(lines)
        cast.append(len(lines))
        return real(at, lines, schema, drop)
    monkeypatch.setattr(rowcache, "read_lines", spy)
    rows = rowcache.cached_rows(path, sha, SCHEMA, cache, live, drop=DROP)
    assert cast == [4]  # the header and the three lines not in the live copy
    whole = read_table(path, SCHEMA, DROP)
    assert [None if r is None else dict(r) for r in rows] == [None if r is None else dict(r) for r in whole]
    assert rows[1000] is not None and rows[2000] is None


def test_the_site_data_holds_no_service_indicator_and_counts_every_row(sample_portal: Portal) -> None:
    data = load_site_data(sample_portal, date(2026, 11, 28))
    every = read_table(sample_portal.output / "data" / "indicators.csv", {})
    services = [r for r in every if r is not None and r["scope_type"] == "service"]
    assert services, "the sample has indicators per service"
    assert all(r["scope_type"] != "service" for r in data.indicators)
    assert len(data.indicators) == len(every) - len(services)
    assert data.tables["indicators"].rows == len(every)
    # The months the catalogue shows are those of every row.
    months = sorted(r["period"] for r in every if r is not None and r["period_type"] == "month")
    assert data.tables["indicators"].periods == (months[0], months[-1])
    assert loader.SHOWN["indicators"] == DROP
