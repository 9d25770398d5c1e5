"""The texts of the site data's records (``InputsText``: ``#`` and the SHA-256 of a record's ``repr``) kept from
one build to the next, so that a record made from an unchanged row is not written out again.

Before any language's process is forked, a build writes the text of each of the city's 87,000 records (0.45 s
after one new agency-month, most of it the records' ``repr``): nearly all of them are made from rows that did
not change. A record of the tables below is made from one row (``loader``), by the site's code and as of the
build date only; a row the build took from the kept rows (``rowcache``: unchanged, or a line of the CSV those
rows were read from) is the very object of that copy. The kept file holds, per table, the key of those kept
rows and the text of the record of each of their rows; a record whose row was taken from that copy takes the
text of its place. The whole file is valid only under its stamp: the site's code (``fingerprint.site_code``:
the whole pipeline package, templates, settings, library versions), Python's version and the build date.
Anything else (no file, another stamp, another copy of the rows, a damaged file) writes the texts anew.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.site.keptpickle import load_plain, save_plain

if TYPE_CHECKING:
    from pipeline.site.models import SiteData

FILE_NAME = "record-texts.bin"  # under <output>/site-cache/: deleting it costs one slower build
MAGIC = b"mpp-record-texts 1\n"
# The tables whose records are made one from each row, in its order (``loader._load``).
TABLES = ("performance", "agendas", "decisions", "decision_history", "agenda_history", "submissions")


@dataclass(frozen=True)
class Origin:
    """Where one table's records' rows came from: the key of its rows (kept for the next build), the key of the
    kept copy they were taken or patched from and how many rows it held (None, 0: read whole), and each row's
    place in that copy (None: a row read anew); ``order``: when the records are not in their rows' order (a table
    published month first, which the loader sorts agency first), the row of each record, in the records' order."""

    key: str
    kept_key: str | None
    kept_rows: int
    at: list[int | None]
    order: list[int] | None = None


def origin(key: str, kept_key: str | None, kept: Sequence[Any], rows: Sequence[Any]) -> Origin:
    """The ``Origin`` of ``rows`` (their key ``key``) taken or patched from ``kept`` (under ``kept_key``)."""
    if kept_key is None:
        return Origin(key, None, 0, [None] * len(rows))
    if kept is rows:  # the kept rows taken as they are
        return Origin(key, kept_key, len(kept), list(range(len(rows))))
    places = {id(row): at for at, row in enumerate(kept) if row is not None}
    return Origin(key, kept_key, len(kept), list(map(places.get, map(id, rows))))


def _stamp(code: str, as_of: date) -> str:
    """What the kept texts are valid under."""
    # The texts of a build's writer are digests (``InputsText(digests=True)``, ``build._write_pages``).
    return hashlib.sha256(f"digests\0{code}\0{as_of.isoformat()}\0{sys.version}".encode()).hexdigest()


class KeptTexts:
    """The texts kept by the last build, taken by the records of this one, and those of this build to keep."""

    def __init__(self, folder: Path, code: str, as_of: date) -> None:
        self._path = folder / FILE_NAME
        self._stamp = _stamp(code, as_of)
        value = load_plain(self._path, MAGIC)
        tables: Any = value[1] if isinstance(value, tuple) and len(value) == 2 and value[0] == self._stamp else {}
        self._kept: dict[str, Any] = tables if isinstance(tables, dict) else {}

    def taken(self, table: str, found: Origin, records: Sequence[Any]) -> list[tuple[Any, str]]:
        """(record, text) of each of ``records`` (one for each row of ``found``) whose row has a kept text."""
        kept = self._kept.get(table)
        if not (isinstance(kept, tuple) and len(kept) == 2 and found.kept_key is not None and kept[0] == found.kept_key
                and isinstance(kept[1], list) and len(kept[1]) == found.kept_rows and len(records) == len(found.at)):
            return []
        texts: list[Any] = kept[1]
        return [(record, text) for record, at in zip(records, found.at, strict=True)
                if at is not None and type(text := texts[at]) is str]

    def save(self, made: dict[str, tuple[str, list[str]]]) -> None:
        """Keep ``made`` (table -> the key of its rows, the text of each row's record) under this build's stamp
        (a file that cannot be written only costs the next build the writing)."""
        with contextlib.suppress(OSError):
            save_plain(self._path, MAGIC, (self._stamp, made))


def records_of(data: SiteData) -> dict[str, list[Any]]:
    """The records of each of ``TABLES``, one for each of its rows, in the rows' order (``Origin.order``: records the
    loader sorted are put back, as texts are taken and kept by their rows' places)."""
    records: dict[str, list[Any]] = {
        "performance": data.performance, "agendas": data.agendas, "decisions": data.decisions,
        "decision_history": data.history, "agenda_history": data.agenda_history, "submissions": data.submissions}
    for table, found in data.origins.items():
        if found.order is not None and table in records:
            by_row: list[Any] = [None] * len(found.order)
            for record, row in zip(records[table], found.order, strict=True):
                by_row[row] = record
            records[table] = by_row
    return records
