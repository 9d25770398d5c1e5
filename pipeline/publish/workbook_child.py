"""A large table's workbook written by a forked child while this process writes the rest of the data folder.

A city's first publish wrote the indicators' CSV, JSON and XLSX (414,000 rows) one after the
other on one core while the other stood idle: the side child of ``publish/run.py`` is done by
then. Their rows are encoded apart (``row_reuse.Encoder``), so the workbook, the slowest of the
three, is made by a child forked once the rows' values are listed, on the other core; this
process writes the CSV, the JSON, the other tables and ``datapackage.zip`` meanwhile and takes
the child's answer (size, SHA-256, what the table's row index records of the sheet) at the end.

Only a workbook made whole is forked off (no row index of the one published last: a first
publish, or new code): one made after a new month mostly copies back what it published last, and
is done sooner than a fork would pay for itself. The child writes only the workbook, into the
staging folder; it is killed, and waited for, when this process fails before taking its answer,
so the caller's clean-up (removing the staging folder) never races it.
"""

from __future__ import annotations

import gc
import os
import pickle
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from pipeline.core.errors import PublishError
from pipeline.runner import isolate

# Off: every workbook in this process (tests that watch them being written set it off).
FORK = hasattr(os, "fork")
# The rows from which a workbook is made by a child: the indicators of a large city (414,000 rows,
# about 3 s of one core); every other table of it, and every table of the sample, is far smaller.
FORK_ROWS = 100_000
BLOCK = 1024  # rows pickled together (the rows the sheet writer asks for at a time: ``row_reuse._SPAN``)

Values = tuple[Any, ...]  # a row's values in field order


@dataclass(frozen=True)
class Sheet:
    """What the child made: the workbook's size and SHA-256, and what the table's row index records of it."""

    size: int
    sha256: str
    styles: list[int | None] | None  # the style ids its rows were written with
    lengths: array[int] | None  # each data row's length in the sheet (None: written by openpyxl)
    chunk_index: bytes | None  # its chunk index (None: no index kept)
    hits: int  # deflated chunks taken back
    copied: int  # of which copied as they were deflated


@dataclass(frozen=True)
class Written:
    """A file written by another process: its path, size and SHA-256, read like a ``Sink``'s."""

    path: Path
    size: int
    digest: str

    def sha256(self) -> str:
        """The SHA-256 (hex) of the file."""
        return self.digest


class Pending:
    """A workbook being made by a forked child (``start``)."""

    def __init__(self, child: isolate.Child[Sheet]) -> None:
        self.child = child

    def result(self) -> Sheet:
        """Wait for the child: what it made, or what it raised (PublishError when it died without an answer)."""
        return self.child.result()

    def stop(self) -> None:
        """Kill the child unless its answer was taken, and wait for it (this process failed)."""
        self.child.stop()


class Pickled(Sequence[Values]):
    """Rows' values pickled ``BLOCK`` rows a piece, for the child to read instead of the rows themselves.

    Reading a row touches its tuple and each of its values (their reference counts): the child
    reading the rows of the indicators themselves made its own copy of every memory page holding
    them (180 MB of a city's first publish, over the peak). Their pickles are 19 MB, made in half a
    second before the fork; the child reads each piece as an object or two, its rows unpickled one
    piece at a time, its own.
    """

    def __init__(self, values: Sequence[Values]) -> None:
        self.length = len(values)
        self.pieces = [pickle.dumps(values[at:at + BLOCK], pickle.HIGHEST_PROTOCOL)
                       for at in range(0, self.length, BLOCK)]
        self._last: tuple[int, list[Values]] = (-1, [])  # the piece unpickled last

    def _piece(self, n: int) -> list[Values]:
        """The rows of piece ``n``."""
        if self._last[0] != n:
            self._last = (n, pickle.loads(self.pieces[n]))  # pickled by the parent before the fork
        return self._last[1]

    @overload
    def __getitem__(self, i: int) -> Values: ...

    @overload
    def __getitem__(self, i: slice) -> list[Values]: ...

    def __getitem__(self, i: int | slice) -> Values | list[Values]:
        if isinstance(i, slice):
            start, stop, step = i.indices(self.length)
            if step != 1:
                return [self[n] for n in range(start, stop, step)]
            out: list[Values] = []
            while start < stop:
                piece, at = divmod(start, BLOCK)
                rows = self._piece(piece)[at:at + stop - start]
                out += rows
                start += len(rows)
            return out
        if not -self.length <= i < self.length:
            raise IndexError(i)
        piece, at = divmod(i % self.length, BLOCK)
        return self._piece(piece)[at]

    def __len__(self) -> int:
        return self.length


def wanted(rows: int) -> bool:
    """Whether a workbook of ``rows`` rows, made whole, is worth a child."""
    return FORK and rows >= FORK_ROWS


def start(table: str, make: Callable[[], Sheet]) -> Pending:
    """Fork a child that runs ``make`` (which writes the workbook of ``table``) while this process goes on."""
    # What both processes only read from here on, frozen (see ``run._start_side``): the child's
    # collections would otherwise walk the rows listed since the tables were built, writing to
    # (and so copying) the pages both processes share.
    gc.freeze()
    return Pending(isolate.start(f"publish ({table}.xlsx)", make, died=PublishError))
