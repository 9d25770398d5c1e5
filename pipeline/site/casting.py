"""Turn the published CSV text back into Python values, using each field's schema type."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

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


class Row(Mapping[str, Any]):
    """One typed row of a published table, read like a dict (``row["period"]``, ``row.get(...)``).

    Its values sit in a tuple and the field names in one dict shared by every row of the
    table: the city's indicators table has 414,000 rows, which as one dict each took
    670 MB of the site build.
    """

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: tuple[Any, ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[self._index[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        # As a dict's: a page's key is a digest of its context's repr (render.py).
        return repr(dict(self))


def read_table(path: Path, schema: dict[str, Any]) -> list[Row]:
    """Read one published CSV into typed rows (empty cells become None), one line at a time.

    Equal short texts, dates and times are one shared object: most cells of a long table
    repeat (codes, periods, units), and each copy would otherwise take its own memory.
    """
    types = {f["name"]: f.get("type", "string") for f in schema.get("fields", [])}
    typed: list[Row] = []
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            # As csv.DictReader reads a row: the last of two equal names wins, extra cells are
            # dropped and missing ones are empty; blank lines are skipped and not counted.
            at_cell = {name: i for i, name in enumerate(header)}
            columns = [(name, at, types.get(name, "string")) for name, at in at_cell.items()]
            index = {name: i for i, (name, _, _) in enumerate(columns)}
            shared: dict[tuple[str, str], Any] = {}
            for number, raw in enumerate((r for r in reader if r), start=2):
                values = []
                for name, at, kind in columns:
                    text = raw[at] if at < len(raw) else None
                    if text and kind in _SHARED and len(text) <= _SHARED_LENGTH:
                        key = (kind, text)
                        value = shared.get(key, shared)
                        if value is shared:
                            value = shared[key] = _cast(path, number, name, kind, text)
                        values.append(value)
                    else:
                        values.append(_cast(path, number, name, kind, text))
                typed.append(Row(index, tuple(values)))
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError(f"{path}: tidak dapat dibaca / cannot be read: {exc}") from None
    return typed


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
