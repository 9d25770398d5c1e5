"""A new file written and hashed by a thread of its own while the caller goes on (``atomic.Sink`` in the background)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from pipeline.core.oserrors import naming

Piece = bytes | bytearray | memoryview

# Bytes of their own (not views) handed over and not yet written past which ``write`` waits: a view of a mapped
# file holds no memory (its pages are read by the thread and let go once written), so views are not counted
# and the caller never waits for them; the bytes made anew or copied are held until written.
HELD = 8 << 20
# Pieces shorter than this are copied together into one before they are handed over: each piece costs the
# thread a few turns of the GIL, which the caller, busy in Python, gives up only every few milliseconds
# (after a new month the indicators' JSON has some 1,500 stretches between changed rows, 100 KB each).
GATHER = 1 << 20


class ThreadedSink:
    """A new file whose size and SHA-256 are counted as it is written (as ``atomic.Sink``'s), written and
    hashed by a thread: ``write`` hands the piece over and returns, ``end`` says no more comes, and ``wait``
    (or ``sha256``) waits for the file to be written and closed.

    After a new month most of a large table's CSV and JSON are stretches of the files published last, given
    as views of them mapped (never copied): writing and hashing them (the indicators' 190 MB) is what is
    left, and both release the GIL, so the thread does it on the other core while the caller makes the next
    file. A failure (a full disk: an OSError naming the file) is raised by the next ``write``, ``end`` or
    ``wait``; whatever happens, ``wait`` returns only once the thread holds no piece (a view may then be let go).
    ``closed(path)``: called by the thread once the file is written whole and closed (not after a failure).
    """

    def __init__(self, path: Path, held: int = HELD, closed: Callable[[Path], None] | None = None) -> None:
        self.path = path
        self._closed = closed  # told (by the thread) once the file is written whole and closed
        self.size = 0
        self._hash = hashlib.sha256()
        self._held = held
        with naming(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        self._queue: deque[tuple[Piece, Callable[[], None] | None] | None] = deque()  # None: the end
        self._queued = 0  # bytes of their own in ``_queue``
        self._small = bytearray()  # short pieces copied, not handed over yet
        self._turn = threading.Condition()
        self._error: BaseException | None = None
        self._ended = False
        self._thread = threading.Thread(target=self._run, name=f"sink {path.name}", daemon=True)
        self._thread.start()

    def write(self, data: Piece, after: Callable[[], None] | None = None) -> None:
        """Append ``data`` (a view must stay valid until ``wait`` returns); ``after()`` is called once it is
        written or copied (to let go of the mapped pages it read)."""
        size = len(data)
        self.size += size
        if size < GATHER:
            self._small += data
            if after is not None:
                after()
            if len(self._small) >= GATHER:
                self._hand_small()
            return
        self._hand_small()
        self._hand(data, after)

    def end(self) -> None:
        """No more bytes come: the thread closes the file once it has written them."""
        if self._ended:
            return
        self._hand_small()
        self._ended = True
        with self._turn:
            self._queue.append(None)
            self._turn.notify_all()

    def wait(self) -> None:
        """Wait for the file to be written and closed (ended first if it was not); raise the thread's failure."""
        if not self._ended:
            self._ended = True  # (no more is handed over: a failure of ``end`` is raised below)
            with self._turn:
                self._queue.append(None)
                self._turn.notify_all()
        self._thread.join()
        self._raise()

    def sha256(self) -> str:
        """The SHA-256 (hex) of what was written (waits for it)."""
        self.wait()
        return self._hash.hexdigest()

    def __enter__(self) -> ThreadedSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.end()
            return
        self._error = self._error or exc  # the thread writes no more; the first failure is the one reported
        with contextlib.suppress(BaseException):  # the failure being raised is the one reported
            self.wait()

    def _hand_small(self) -> None:
        """Hand the short pieces gathered over as one."""
        if self._small:
            data, self._small = self._small, bytearray()
            self._hand(data)

    def _hand(self, data: Piece, after: Callable[[], None] | None = None) -> None:
        """Queue ``data`` for the thread, once it holds less than ``held`` bytes."""
        with self._turn:
            while self._queued >= self._held and self._error is None:
                self._turn.wait()
            self._raise()
            self._queue.append((data, after))
            self._queued += _owned(data)
            self._turn.notify_all()

    def _raise(self) -> None:
        """Raise the thread's failure, if any."""
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        """The thread: write and hash each piece in order, then close the file."""
        try:
            while True:
                with self._turn:
                    while not self._queue:
                        self._turn.wait()
                    item = self._queue[0]
                if item is None:
                    break
                piece, after = item
                try:
                    if self._error is None:
                        self._put(piece)
                        if after is not None:
                            after()
                except BaseException as exc:  # noqa: BLE001  # raised in the caller's thread
                    self._error = exc
                with self._turn:
                    self._queue.popleft()
                    self._queued -= _owned(piece)
                    self._turn.notify_all()
                del item, piece, after
        finally:
            try:
                with naming(self.path):
                    os.close(self._fd)
            except OSError as exc:
                self._error = self._error or exc
            if self._closed is not None and self._error is None:
                with contextlib.suppress(Exception):  # only told: nothing of the file depends on it
                    self._closed(self.path)

    def _put(self, piece: Piece) -> None:
        """Write ``piece`` at the file's end and count it in the SHA-256."""
        view = memoryview(piece)
        try:
            with naming(self.path):
                while view:
                    view = view[os.write(self._fd, view):]
        finally:
            view.release()
        self._hash.update(piece)


def _owned(piece: Piece) -> int:
    """The bytes ``piece`` holds of its own: none for a view (of a mapped file)."""
    return 0 if isinstance(piece, memoryview) else len(piece)
