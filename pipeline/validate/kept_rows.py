"""A kept judgement's typed rows, decoded only when something reads them.

A publish finds every unchanged file's judgement kept (10,800 for a city of five years); the
store already holds those rows, so almost none is ever read again. Decoding them all took most
of the time of finding the kept judgements; this keeps their JSON text until it is needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, overload

from pipeline.core.rowcodec import decode_rows


class KeptRows(Sequence[dict[str, Any]]):
    """Rows from the JSON text of ``encode_rows``; ``count`` rows; ``agenda_ids``: their non-empty agenda_id values."""

    def __init__(self, text: str, count: int, agenda_ids: frozenset[str], digest: str | None = None) -> None:
        self._text: str | None = text
        self.digest = digest  # the SHA-256 of the text (its UTF-8), as the cache kept it; None when not kept
        self._rows: list[dict[str, Any]] = []
        self._count = count
        self.agenda_ids = agenda_ids

    def _decoded(self) -> list[dict[str, Any]]:
        if self._text is not None:
            self._rows = decode_rows(json.loads(self._text))
            self._text = None
            if len(self._rows) != self._count:  # a kept entry that disagrees with itself is a bug of ours
                raise ValueError(f"kept rows: {len(self._rows)} rows, expected {self._count}")
        return self._rows

    def encoded(self) -> str | None:
        """The JSON text the rows are decoded from, None once decoded (``Store.rows_digest``)."""
        return self._text

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        return self._decoded()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._decoded())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, like the list it stands for

    def __repr__(self) -> str:
        return f"KeptRows({self._count} rows)"


def agenda_ids(rows: Sequence[dict[str, Any]]) -> frozenset[str]:
    """The non-empty ``agenda_id`` values of ``rows`` (from the kept entry when it has them)."""
    if isinstance(rows, KeptRows):
        return rows.agenda_ids
    return frozenset(row["agenda_id"] for row in rows if row.get("agenda_id"))
