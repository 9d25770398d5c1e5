"""A large table's workbook and JSON offered to the side child of ``publish/run.py``, made there once its own work
is done, while this process writes the table's CSV and the rest of the data folder.

A city's first publish wrote the indicators' CSV, JSON and XLSX (414,000 rows) one after the other on
one core, while the other stood idle once the side child had staged its folders and written the
store's files. The workbook, the slowest of the three (about 3.5 s of one core), is offered to that
child instead (``Handoff``): once it takes the offer, a thread here pickles the rows' values
(``Pickled``: 19 MB, half a second) down a pipe as it reads them; it writes the workbook into the
staging folder and answers with its size, SHA-256 and what the table's row index records of it
(``Sheet``). It then writes the table's JSON too (about 1.5 s of a city's indicators, this process's
the longer share of the data files once the workbook had moved) and answers with its size, SHA-256 and line
lengths as well. The child begins as the rows' pieces come (``Received``). If this process is done with the
rest first, it takes the offer back and makes the JSON and the workbook itself, as before. No third process:
a child forked for the workbook alone made its own copy
of every memory page holding the rows that either process read (reference counts are written), 180 MB
over the stage's peak; the side child was forked before the tables were built, so it shares none.

Only a workbook made whole is offered (no row index of the one published last: a first publish, or
new code): one made after a new month mostly copies back what it published last, and such a run has
no side child.
"""

from __future__ import annotations

import os
import pickle
import select
import sys
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, overload

from pipeline.core.errors import PublishError

# The rows from which a workbook is handed to the side child: the indicators of a large city (414,000
# rows); every other table of it, and every table of the sample, is far smaller.
FORK_ROWS = 100_000
# Off: this process never takes an offer back, but waits for the child (tests that need the child to make it).
TAKE_BACK = True
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
    json: tuple[int, str, array[int]] | None = None  # the table's JSON, when made there too: size, SHA-256, lengths


@dataclass(frozen=True)
class Written:
    """A file written by another process: its path, size and SHA-256, read like a ``Sink``'s."""

    path: Path
    size: int
    digest: str

    def sha256(self) -> str:
        """The SHA-256 (hex) of the file."""
        return self.digest


def pickled_pieces(values: Sequence[Values]) -> Iterator[bytes]:
    """``values`` pickled ``BLOCK`` rows a piece, one piece at a time."""
    for at in range(0, len(values), BLOCK):
        yield pickle.dumps(values[at:at + BLOCK], pickle.HIGHEST_PROTOCOL)


class Pickled(Sequence[Values]):
    """Rows' values pickled ``BLOCK`` rows a piece (as ``Handoff`` sends them: the indicators of a city are 19 MB so,
    made in half a second), read back one piece at a time."""

    def __init__(self, values: Sequence[Values], pieces: list[bytes] | Received | None = None) -> None:
        """``values`` pickled, or their ``pieces`` as pickled (``values`` then only counted)."""
        self.length = len(values)
        self.pieces = pieces if pieces is not None else list(pickled_pieces(values))
        self._last: tuple[int, list[Values]] = (-1, [])  # the piece unpickled last

    def _piece(self, n: int) -> list[Values]:
        """The rows of piece ``n``."""
        if self._last[0] != n:
            self._last = (n, pickle.loads(self.pieces[n]))  # pickled by the parent before the fork
        return self._last[1]

    @classmethod
    def of(cls, pieces: list[bytes] | Received, count: int) -> Pickled:
        """The ``count`` values pickled as ``pieces``."""
        return cls(range(count), pieces)  # type: ignore[arg-type]  # only counted

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
    """Whether a workbook of ``rows`` rows, made whole, is worth handing over."""
    return rows >= FORK_ROWS


@dataclass(frozen=True)
class Job:
    """A workbook to make: its table's schema and rows (counted), where to write it, and the folders of the
    table's row indexes (None: none kept) from which its chunks published last are read."""

    schema: dict[str, Any]
    count: int
    path: Path
    store: Path | None
    published: Path | None
    scratch: Path | None
    json: bool = False  # the table's JSON made there too (beside the workbook, ``<table>.json``)


_LENGTH = 8  # bytes of the length before each item sent down the pipe


def _put(pipe: BinaryIO, item: bytes) -> None:
    """Write ``item`` and its length down the pipe (every byte: the pipe is unbuffered)."""
    for data in (len(item).to_bytes(_LENGTH, "little"), item):
        view = memoryview(data)
        while view:
            view = view[pipe.write(view) or 0:]


WORKBOOK, JSON = b"w", b"j"  # the tokens of an offer (``Handoff``)


class Handoff:
    """How this process offers the side child one workbook to make, and which of the two makes it.

    ``offer`` puts a token in a pipe both read; the child, once done with its own work, takes it
    (``receive``), says so, and is sent the job and the rows' values; this process, once done with the
    rest of the data files, takes it back if the child has not (``take_back``) and makes the workbook
    itself: a child late with its own work (the store's 32,000 files on a busy disk) never makes the
    stage wait longer than making the workbook here would. A pipe read is atomic: one of the two gets
    the token. ``close``: nothing (more) to offer; the child stops waiting.

    A job with its JSON puts a second token behind the workbook's: the child that made the workbook takes it once
    the store's files are written (``claim_json``), else this process, done with the rest (``take_back``), takes
    it and makes the JSON while the child still writes them. A first publish's side child writes the store's
    files beside the workbook: with the JSON too, the data files waited 1.2-29 s for it at the bench city (by the
    disk), this process idle; on a quick disk the child, done first, makes the JSON as before.
    """

    def __init__(self) -> None:
        self.token_r, self.token_w = os.pipe()
        # Read without waiting by both processes (one open file, whose flags they share): the child waits in select.
        os.set_blocking(self.token_r, False)
        self.ready_r, self.ready_w = os.pipe()  # the child took the token: the job is sent
        self.job_r, self.job_w = os.pipe()
        self.offered = self.closed = False
        self._sender: threading.Thread | None = None
        # What the side child answered about the workbook (set by publish/run.py once the child is started).
        self.answer: Callable[[], Sheet | None] = lambda: None

    def forked(self, child: bool) -> None:
        """Keep only this process's ends of the pipes (right after the fork)."""
        for fd in (self.token_w, self.ready_r, self.job_w) if child else (self.ready_w, self.job_r):
            os.close(fd)

    def offer(self, job: Job, values: Sequence[Values]) -> None:
        """Offer ``job``, whose rows' values are ``values``: a thread sends them, pickled ``BLOCK`` rows a piece,
        once the child took the offer, as it reads them (no more than a piece or two held pickled here)."""
        self.offered = True
        os.write(self.token_w, WORKBOOK + (JSON if job.json else b""))  # (FIFO: the workbook's token read first)

        def send() -> None:
            """Once the child took the offer, write the job and the pieces and close the pipe (a child that
            did not take it, or died, closes its end: nothing is sent; its answer tells)."""
            try:
                if os.read(self.ready_r, 1):
                    with os.fdopen(self.job_w, "wb", buffering=0) as pipe:
                        _put(pipe, pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
                        for piece in pickled_pieces(values):
                            _put(pipe, piece)
            except OSError:
                pass
            finally:
                os.close(self.ready_r)

        self._sender = threading.Thread(target=send, name="workbook-handoff", daemon=True)
        self._sender.start()

    def take_back(self) -> bytes:
        """What this process took back: ``WORKBOOK`` (the child had not taken the offer: this process makes the
        workbook and its JSON), ``JSON`` (the child took the workbook, not yet the JSON: this process makes the
        JSON), or nothing (the child has both)."""
        if not TAKE_BACK:
            return b""
        try:
            return os.read(self.token_r, 1)
        except BlockingIOError:
            return b""  # the child has it

    def claim_json(self) -> bool:
        """In the child that made the workbook: whether it takes the JSON too (this process's parent has not)."""
        try:
            return os.read(self.token_r, 1) == JSON
        except BlockingIOError:
            return False  # (taken, the parent's end still open)

    def close(self) -> None:
        """Nothing (more) to offer: a child waiting for an offer reads the end of the pipe and makes no workbook."""
        if not self.closed:
            self.closed = True
            os.close(self.token_w)
            if not self.offered:
                os.close(self.ready_r)
                os.close(self.job_w)

    def result(self) -> Sheet:
        """What the child made of the workbook it took (its failure raised by ``answer``)."""
        sheet = self.answer()
        if sheet is None:
            raise PublishError("the side child of the publish made no workbook of the table it took")
        return sheet

    def receive(self) -> tuple[Job, Received] | None:
        """In the child: wait for an offer and take it (the job, and its rows' pieces as they come), or None when
        none is left."""
        token = b""
        while True:
            select.select([self.token_r], [], [])
            try:
                token = os.read(self.token_r, 1)  # the offer, or the end of the pipe: no offer
                break
            except BlockingIOError:
                continue  # the parent took the offer back: wait for the end
        if token != WORKBOOK:  # the end of the pipe, or a JSON's token: the parent took the workbook back
            os.close(self.ready_w)
            return None
        os.write(self.ready_w, b"r")
        os.close(self.ready_w)
        pieces = Received(os.fdopen(self.job_r, "rb"))
        try:
            job = pickle.loads(pieces.item())  # pickled by this process's parent
        except BaseException:
            pieces.close()
            raise
        return job, pieces


class Received:
    """The pickled pieces of a job's rows as they come down the pipe: a piece is read (with those before it) when
    first asked for, so the workbook is begun while this process's parent still sends the rest (all of them were
    read first: two seconds of a city's cold publish, its parent busy with the table's CSV and JSON)."""

    def __init__(self, pipe: BinaryIO) -> None:
        self.pipe = pipe
        self.got: list[bytes] = []
        self.ended = False

    def item(self) -> bytes:
        """The next item sent (PublishError at the end of the pipe, or when it ends inside an item)."""
        head = self.pipe.read(_LENGTH)
        size = int.from_bytes(head, "little")
        data = self.pipe.read(size) if len(head) == _LENGTH else b""
        if len(data) != size or len(head) != _LENGTH:
            raise PublishError("the workbook handed to the side child of the publish came short")
        return data

    def _upto(self, n: int) -> None:
        """Read the pieces up to ``n`` (or to the end)."""
        while len(self.got) <= n and not self.ended:
            if self.pipe.peek(1):  # type: ignore[attr-defined]  # (a buffered reader)
                self.got.append(self.item())
            else:
                self.close()

    def __getitem__(self, n: int) -> bytes:
        self._upto(n)
        return self.got[n]

    def __len__(self) -> int:
        self._upto(sys.maxsize)
        return len(self.got)

    def close(self) -> None:
        """Stop reading (the pieces read are kept)."""
        self.ended = True
        self.pipe.close()
