"""Turn the published CSV text back into Python values, using each field's schema type."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from itertools import compress, islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from pipeline.core.compact import Row as Row  # the rows the site reads (shared with the data stage)
from pipeline.core.errors import SiteError

_INTEGER = re.compile(r"[+-]?[0-9]+")


def _boolean(text: str) -> bool:
    """Frictionless' default true/false spellings."""
    low = text.strip().lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _datetime(text: str) -> datetime:
    """ISO 8601 date-time; a trailing Z means UTC."""
    return datetime.fromisoformat(text)


def _number(text: str) -> float | int:
    """A number as published; integers stay integers (exact, however long: 10^400 is valid)."""
    return int(text) if _INTEGER.fullmatch(text) else float(text)


_CASTS: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "number": _number,
    "boolean": _boolean,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "datetime": _datetime,
}

# Values of these types are immutable, so equal cells may share one object (see ``read_table``).
_SHARED = ("string", "date", "time", "datetime")
_SHARED_LENGTH = 40  # longer texts are rarely repeated: remembering them would cost more than it saves
_BLOCK = 4096  # rows cast together: large enough for casting by column, small enough to hold as text
_EMPTY: dict[str, Any] = {"": None}  # a type the site does not cast: the text, or None when empty

# Rows the site shows none of: (a field, the texts of it whose rows are left out). Such a row is neither cast
# nor checked; in its place the table's list holds None, so that a table's list still has one entry per line.
Drop = tuple[str, frozenset[str]]


def read_table(path: Path, schema: dict[str, Any], drop: Drop | None = None) -> list[Row | None]:
    """Read one published CSV into typed rows (empty cells become None), a block of lines at a time
    (``drop``: the rows left out, None in their place).

    Each block is cast column by column, each distinct text once (a long table repeats its
    codes, periods and units). Equal short texts, dates and times are one shared object:
    each copy would otherwise take its own memory.
    """
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return rows_of(*_typed(path, fh, schema, drop))
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError(f"{path}: tidak dapat dibaca / cannot be read: {exc}") from None


# A table's field names and its rows' value tuples (None: a row left out, ``Drop``).
Values = tuple[tuple[str, ...], list[tuple[Any, ...] | None]]


def read_lines(path: Path, lines: Iterable[str], schema: dict[str, Any], drop: Drop | None = None) -> Values:
    """The field names and typed value tuples of CSV lines (the header first), cast as ``read_table``
    casts a file of them (``path`` only names the file in an error, whose line numbers count these lines)."""
    return _typed(path, lines, schema, drop)


def _typed(path: Path, lines: Iterable[str], schema: dict[str, Any], drop: Drop | None = None) -> Values:
    """The reading itself (see ``read_table``): the field names and each row's typed values."""
    types = {f["name"]: f.get("type", "string") for f in schema.get("fields", [])}
    typed: list[tuple[Any, ...] | None] = []
    reader = csv.reader(lines)
    header = next(reader, [])
    # As csv.DictReader reads a row: the last of two equal names wins, extra cells are
    # dropped and missing ones are empty; blank lines are skipped and not counted.
    at_cell = {name: i for i, name in enumerate(header)}
    columns = [(name, at, types.get(name, "string")) for name, at in at_cell.items()]
    shared: dict[str, dict[str, Any]] = {kind: {"": None} for kind in _SHARED}
    rows = filter(None, reader)
    number = 2  # the line number of the block's first row, as the error messages count
    dropped, left_out = (at_cell.get(drop[0]), drop[1]) if drop is not None else (None, frozenset[str]())
    while block := list(islice(rows, _BLOCK)):
        if min(map(len, block)) < len(header):
            block = [r if len(r) >= len(header) else r + [""] * (len(header) - len(r)) for r in block]
        read = len(block)
        numbered: Iterable[tuple[int, list[str]]] = enumerate(block, start=number)
        shown: list[bool] | None = None
        if dropped is not None:  # the rows left out are neither cast nor checked
            shown = [r[dropped] not in left_out for r in block]
            numbered, block = compress(numbered, shown), list(compress(block, shown))
        # The block's columns: each row has at least the header's cells, extra ones are never read.
        cells = list(zip(*block, strict=False))
        try:
            cast = [_column(cells[at], kind, shared) for _, at, kind in columns] if block else []
        except ValueError:
            _raise_first(path, numbered, columns)
            raise
        del cells
        values = zip(*cast, strict=True)
        if shown is None:
            typed.extend(values)
        else:
            typed.extend(next(values) if keep else None for keep in shown)
        number += read
    return tuple(at_cell), typed


def _column(texts: tuple[str, ...], kind: str, shared: dict[str, dict[str, Any]]) -> list[Any]:
    """One column of a block cast to its type (raises ValueError at the first text that is not)."""
    cast = _CASTS.get(kind)
    known = shared.get(kind)
    if known is None:  # numbers and booleans: each distinct text of the block cast once
        if cast is None:
            return list(map(_EMPTY.get, texts, texts))
        values: dict[str, Any] = {"": None}
        for text in set(texts).difference(values):
            values[text] = cast(text)
        return list(map(values.__getitem__, texts))
    new = set(texts).difference(known)
    if cast is None:  # a string: the text itself, a short one shared
        for text in new:
            if len(text) <= _SHARED_LENGTH:
                known[text] = text
        return list(map(known.get, texts, texts))
    long: dict[str, Any] = {}
    for text in new:
        (known if len(text) <= _SHARED_LENGTH else long)[text] = cast(text)
    if long:
        return [known[t] if t in known else long[t] for t in texts]
    return list(map(known.__getitem__, texts))


def _raise_first(path: Path, block: Iterable[tuple[int, list[str]]], columns: list[tuple[str, int, str]]) -> None:
    """Raise the SiteError of the block's first cell (row by row, left to right) that is not of its type (``block``:
    each row's line number and cells)."""
    for row, raw in block:
        for name, at, kind in columns:
            _cast(path, row, name, kind, raw[at])


def _cast(path: Path, row: int, name: str, kind: str, text: str | None) -> Any:
    """Cast one cell; published data that does not match its own schema is a machine failure."""
    if text is None or text == "":
        return None
    cast = _CASTS.get(kind)
    if cast is None:
        return text
    try:
        return cast(text)
    except ValueError:
        raise SiteError(
            f"{path}: baris {row}, kolom {name}: {text!r} bukan {kind} / row {row}, field {name}: not a {kind}"
        ) from None


def row_values(rows: list[Row | None]) -> Values:
    """The field names and the value tuples of a table's rows (what ``rows_of`` takes back; None stays None)."""
    first = next((r for r in rows if r is not None), None)
    if first is None:
        return (), [None] * len(rows)
    return tuple(first._index), [None if r is None else r._values for r in rows]


def rows_of(names: tuple[str, ...], values: list[tuple[Any, ...] | None]) -> list[Row | None]:
    """The rows of a table from its field names and value tuples (see ``row_values``; None stays None)."""
    index = {name: i for i, name in enumerate(names)}
    if None not in values:
        return list(map(Row, repeat(index), values))  # type: ignore[arg-type]
    return [None if v is None else Row(index, v) for v in values]


def shown(rows: list[Row | None]) -> list[Row]:
    """A table's rows without the places of those left out (``Drop``)."""
    return [r for r in rows if r is not None]


def distinct(rows: list[Row], name: str) -> set[Any]:
    """The distinct values of one field over a table's rows (an absent field: {None})."""
    if not rows:
        return set()
    at = rows[0]._index.get(name)
    if at is None:
        return {None}
    return {r._values[at] for r in rows}


def picked(rows: list[Row], names: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """The values of ``names`` in each row, as one tuple per row (an absent optional field: None).

    For building records from a long table without a lookup by name per cell.
    """
    if not rows:
        return []
    index = rows[0]._index
    absent = [n for n in names if n not in index]
    if any(n not in optional for n in absent):
        raise KeyError(next(n for n in absent if n not in optional))
    spare = len(index)  # one None past the last value stands for every absent field
    at = [index.get(n, spare) for n in names]
    get = itemgetter(*at)
    values: Iterable[tuple[Any, ...]] = (r._values for r in rows)
    if absent:
        values = (v + (None,) for v in values)
    if len(at) == 1:
        return [(get(v),) for v in values]
    return list(map(get, values))
