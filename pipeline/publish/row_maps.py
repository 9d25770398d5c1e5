"""Where each row of a changed table's new CSV came from: a row of the CSV published last, or new bytes.

After one new agency-month most rows of every changed table are rows published last, copied from the old
CSV by the data stage (``row_reuse.Encoder.runs``). The site's build kept the typed rows of that old CSV
(``site/rowcache.py``) and used to find them again by reading both CSVs whole and matching their lines (the
city's indicators: 39 MB each). The data stage knows the answer already; it keeps it here, in
``<output>/store/published-rows/row-maps.json``, for each table whose CSV it wrote from the one published last:
the SHA-256 of both CSVs, the old CSV's row count, the new CSV's header length, and its rows as runs
``[count, old first row, first byte, end byte]`` (``old first row`` -1: rows encoded anew, whose bytes
the site reads and casts; kept runs at consecutive old rows are one run).

A map is a fact about two files' contents, named by their SHA-256: whenever both CSVs are those it names, it
holds, whichever run wrote it. It is a cache, written unflushed once the data stage has committed, before the
site's build is given its word: a missing, damaged or unmatched map only sends the site back to matching the lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.atomic import regular_bytes, write_blocks
from pipeline.publish.row_reuse import FOLDER, Encoder

FILE = "row-maps.json"
FORMAT = 1
# A table's map: {"from": SHA-256, "to": SHA-256, "rows": old rows, "head": header bytes, "runs": [[...], ...]}.
RowMap = dict[str, Any]


@dataclass
class Source:
    """What a table's CSV was written from: its rows (their runs and, once written, each CSV line's length), the
    SHA-256 and row count of the CSV published last, and the length of the new CSV's header line."""

    rows: Encoder
    old_sha: str
    old_rows: int
    head: int


def made(source: Source, new_sha: str, size: int) -> RowMap | None:
    """The map of a CSV written from ``source`` (its SHA-256 ``new_sha``, ``size`` bytes); None when the lengths
    of its lines are not known or do not add up to its size (the site then matches the lines)."""
    lengths = source.rows.lengths.get("csv")
    if lengths is None or len(lengths) != len(source.rows.digests):
        return None
    runs: list[list[int]] = []
    at = source.head
    for first, count, old in source.rows.runs():
        size_of = sum(lengths[first:first + count])
        last = runs[-1] if runs else None
        if last is not None and ((old < 0 and last[1] < 0) or (old >= 0 and last[1] >= 0 and last[1] + last[0] == old)):
            last[0] += count
            last[3] += size_of
        else:
            runs.append([count, old, at, at + size_of])
        at += size_of
    if at != size:
        return None
    return {"from": source.old_sha, "to": new_sha, "rows": source.old_rows, "head": source.head, "runs": runs}


def path_of(store: Path) -> Path:
    """The maps' file in the store ``store``."""
    return store / FOLDER / FILE


def write(store: Path, maps: dict[str, RowMap]) -> None:
    """Keep ``maps`` (table -> map) for the site's build; unflushed, a cache."""
    body = json.dumps({"format": FORMAT, "tables": maps}, separators=(",", ":")).encode("ascii")
    write_blocks(path_of(store), (body,), sync=False)


def read(store: Path) -> dict[str, RowMap]:
    """The maps kept in the store ``store`` (table -> map); none when absent, unreadable, too large or of another
    format (a link is never followed)."""
    path = path_of(store)
    try:
        if path.lstat().st_size > _MOST:
            return {}
        body = regular_bytes(path)
        data = json.loads(body) if body is not None else None
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tables"), dict):
        return {}
    return {name: entry for name, entry in data["tables"].items() if _valid(entry)}


_MOST = 64 << 20  # bytes a maps' file may have (a city's is tens of KB): a larger one is not read


def _valid(entry: Any) -> bool:
    """Whether ``entry`` has a map's shape (its facts are checked where it is used)."""
    return (isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("from", "to"))
            and all(isinstance(entry.get(k), int) for k in ("rows", "head")) and isinstance(entry.get("runs"), list)
            and all(isinstance(run, list) and len(run) == 4 and all(type(v) is int for v in run)
                    for run in entry["runs"]))
