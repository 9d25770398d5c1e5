"""Read-only rows kept as one tuple beside a field index shared by every row of a table.

A dict per row costs about 460 bytes for 17 fields before its values; a tuple 176. The
indicators table of a large city is 414,000 rows: as dicts they were the largest part of
the data stage's memory and 670 MB of the site build. Equal texts decoded from JSON are
stored once per table (``Strings``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any


class Row(Mapping[str, Any]):
    """One row of a table, read like a dict (``row["period"]``, ``row.get(...)``); equal to the dict of its items."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: tuple[Any, ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[self._index[name]]

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, or ``default`` when the table has no such field."""
        # Mapping's get goes through __getitem__ and a KeyError: pages, the loader and the
        # file writers call this millions of times at city scale.
        at = self._index.get(name)
        return default if at is None else self._values[at]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        # As a dict's: a page's key is a digest of its context's repr (site/render.py).
        return repr(dict(self))


def record_type(fields: Iterable[str]) -> Callable[[Sequence[Any]], Row]:
    """A maker of rows of ``fields`` from their values in that order (one index shared by them all)."""
    index = {name: at for at, name in enumerate(fields)}

    def make(values: Sequence[Any]) -> Row:
        if len(values) != len(index):
            raise ValueError(f"{len(values)} values for {len(index)} fields")
        return Row(index, tuple(values))

    return make


def values_in_order(records: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[tuple[Any, ...]] | None:
    """Each record's values in the order of ``names``, when every record is a ``Row`` of exactly those
    fields in that order (its tuple as it is, no call a value); else None."""
    if not records or set(map(type, records)) != {Row}:
        return None
    indexes = {id(index): index for index in map(attrgetter("_index"), records)}
    if any(list(index) != list(names) for index in indexes.values()):
        return None
    return list(map(attrgetter("_values"), records))


class Strings:
    """Equal texts stored once: decoded JSON makes a new string object for every cell."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def one(self, value: Any) -> Any:
        """The first equal string seen (any other value unchanged)."""
        return self._seen.setdefault(value, value) if type(value) is str else value
