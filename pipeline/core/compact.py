"""Read-only records kept as one tuple beside a field index shared by every record of a table.

A dict per row costs about 460 bytes for 17 fields before its values; a tuple 176. The
indicators table of a large city is 414,000 rows, and its dicts were the largest part of
a publish's memory. Equal text values are stored once per table (``Strings``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar


class CompactRecord(Mapping[str, Any]):
    """One row: its values in field order; compares equal to the dict of the same items."""

    __slots__ = ("_values",)
    _index: ClassVar[dict[str, int]] = {}  # set by record_type for each table
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, values: Sequence[Any]) -> None:
        if len(values) != len(self._fields):
            raise ValueError(f"{len(values)} values for {len(self._fields)} fields")
        self._values = tuple(values)

    def __getitem__(self, name: str) -> Any:
        return self._values[self._index[name]]

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, or ``default`` for a field the table lacks."""
        at = self._index.get(name)
        return default if at is None else self._values[at]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return repr(dict(self))


def record_type(name: str, fields: Iterable[str]) -> type[CompactRecord]:
    """A record class for one table's fields (the index lives on the class, not on each row)."""
    names = tuple(fields)
    return type(name, (CompactRecord,), {"__slots__": (), "_fields": names,
                                          "_index": {n: i for i, n in enumerate(names)}})


class Strings:
    """Equal texts stored once: decoded JSON makes a new string object for every cell."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def one(self, value: Any) -> Any:
        """The first equal string seen (any other value unchanged)."""
        return self._seen.setdefault(value, value) if type(value) is str else value
