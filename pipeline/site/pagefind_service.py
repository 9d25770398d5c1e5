"""One Pagefind indexer process driven over its service protocol: pages in, bundle files out, nothing on disk.

Pagefind's own Python wrapper (``pagefind.index``) polls its child every 0.1 s per answer
(half an hour for 20,000 pages) and cannot make the child die with the build, so this
speaks the same protocol itself: each message is base64 of JSON followed by a comma, both ways.
Pagefind reads its input on a thread of its own and answers in the order asked, so the pages
of a partition are sent ahead of their answers (``add_pages``): no round trip per page.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import IO, Any

from pagefind.service import get_executable

from pipeline.core.errors import SiteError
from pipeline.core.parent_death import die_with_parent

READ_SIZE = 1 << 20
# Pages sent ahead of their answers: enough that Pagefind never waits for the next page, few enough
# that their answers (a page's URL, word count and title) fit in the pipe back with room to spare.
AHEAD = 64


# util-linux's setpriv (on every Debian system) sets the parent-death signal before it runs a command.
_SETPRIV = shutil.which("setpriv")


class PagefindService:
    """A ``pagefind --service`` child with a time limit; use as a context manager.

    One child can make one index after another (``delete_index`` frees each, ``limit`` gives the
    next its own time limit): starting a Pagefind costs about as much as indexing 10 pages.
    """

    def __init__(self, seconds: float) -> None:
        binary = get_executable()
        if binary is None:
            raise SiteError("pagefind tidak terpasang / not installed (pip install pagefind[extended])")
        try:
            if _SETPRIV is not None:
                # setpriv sets the parent-death signal, then becomes Pagefind. Without a preexec_fn,
                # Python starts the child with vfork: a fork would copy the build's page tables and,
                # until the exec, count its whole memory a second time (1.4 GB for a large city).
                self._proc = subprocess.Popen([_SETPRIV, "--pdeathsig", "KILL", "--", str(binary), "--service"],
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            else:
                self._proc = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              # preexec_fn only calls prctl, resolved before the fork
                                              stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)  # noqa: PLW1509
        except OSError as exc:
            raise SiteError(f"pagefind gagal dijalankan / could not run: {exc}") from None
        self._expired = False
        self._timer: threading.Timer | None = None
        self.limit(seconds)
        self._buffer = b""
        self._message = 0

    def limit(self, seconds: float) -> None:
        """Kill the child ``seconds`` from now (instead of at its previous limit): a stuck Pagefind
        (a full disk, a bug) must not hold the build forever."""
        if self._timer is not None:
            self._timer.cancel()
        self._seconds = seconds
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        """Kill the child when the time limit is reached (the next read then fails)."""
        self._expired = True
        self._proc.kill()

    def __enter__(self) -> PagefindService:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """End the child (closing its input ends it; a kill if it does not)."""
        if self._timer is not None:
            self._timer.cancel()
        with contextlib.suppress(OSError):
            if self._proc.stdin:
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout:
            self._proc.stdout.close()

    def new_index(self, language: str) -> int:
        """A new empty index whose pages are all in ``language``; returns its id."""
        return int(self._call({"type": "NewIndex", "config": {"force_language": language}})["index_id"])

    def add_html(self, index: int, url: str, html: str) -> None:
        """Index one page's HTML under ``url`` (the link a result gives)."""
        self._call({"type": "AddFile", "index_id": index, "url": url, "file_contents": html, "file_path": None})

    def add_pages(self, index: int, pages: Iterable[tuple[str, str]]) -> int:
        """Index each page's HTML under its URL (``(url, html)`` pairs, in order; the order of the
        pages is the index's, so the same pages give the same bytes); returns how many.

        Up to ``AHEAD`` pages are sent before their answers are read: Pagefind parses one page
        while the next ones wait in its input, and an error answer fails the call as ``add_html`` does.
        """
        sent = answered = 0
        for url, html in pages:
            if sent - answered >= AHEAD:
                self._answer("AddFile")
                answered += 1
            self._send({"type": "AddFile", "index_id": index, "url": url, "file_contents": html, "file_path": None})
            sent += 1
        while answered < sent:
            self._answer("AddFile")
            answered += 1
        return sent

    def add_record(self, index: int, url: str, content: str, language: str) -> None:
        """Index a record that is no page (plain text under ``url``)."""
        self._call({"type": "AddRecord", "index_id": index, "url": url, "content": content, "language": language,
                    "meta": None, "filters": None, "sort": None})

    def delete_index(self, index: int) -> None:
        """Drop an index and what it holds (its pages, its bundle): the child's memory for the next one."""
        self._call({"type": "DeleteIndex", "index_id": index})

    def files(self, index: int) -> dict[str, bytes]:
        """Every file of the index's bundle by its path inside the bundle."""
        answer = self._call({"type": "GetFiles", "index_id": index})
        return {f["path"]: base64.b64decode(f["content"]) for f in answer["files"]}

    def _call(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one request and wait for its answer (one at a time: answers come back in order)."""
        self._send(payload)
        return self._answer(str(payload["type"]))

    def _send(self, payload: dict[str, Any]) -> None:
        """Send one request without waiting for its answer."""
        self._message += 1
        stdin, _ = self._pipes()
        try:
            stdin.write(base64.b64encode(json.dumps({"message_id": self._message, "payload": payload}).encode()) + b",")
            stdin.flush()
        except (BrokenPipeError, ConnectionResetError):
            raise self._died() from None

    def _answer(self, asked: str) -> dict[str, Any]:
        """The next answer (to the oldest request not yet answered, of type ``asked``)."""
        _, stdout = self._pipes()
        try:
            while b"," not in self._buffer:
                chunk = stdout.read1(READ_SIZE)  # type: ignore[attr-defined]
                if not chunk:
                    raise self._died()
                self._buffer += chunk
        except ConnectionResetError:
            raise self._died() from None
        message, _, self._buffer = self._buffer.partition(b",")
        answer = json.loads(base64.b64decode(message))["payload"]
        if answer.get("type") == "Error":
            raise SiteError(f"pagefind gagal / failed ({asked}): {str(answer.get('message'))[:500]}")
        return dict(answer)

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        """The child's input and output."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def _died(self) -> SiteError:
        """The error for a child that went away before answering."""
        if self._expired:
            return SiteError(f"pagefind melewati batas waktu / exceeded its time limit ({self._seconds:.0f} s)")
        return SiteError(f"pagefind berhenti tanpa jawaban / stopped without an answer (exit {self._proc.poll()})")
