"""Load the site stage's code in the command's process while the data stage's child works, once it found work.

A ``publish`` with something new runs the data stage in one forked child and then the site build
in another (``isolate.py``); the site child used to import its code itself (half a second at a
city's size) after the data stage was done, on the critical path. The command's process only
waits meanwhile, and the data stage of an incremental run keeps one core busy: the site's modules
are imported there, on the other core, and the site child inherits them when forked.

Only once the child says its check found something to do (``Ahead.tell``): with nothing new the
whole command takes less than the imports. A first publish (no store yet) is told later, at the data
stage's commit (``at_commit``): loaded during the data stage's work, the modules' memory would add to
its peak, the run's; its commit, swaps and saves (seconds of disk waits at a city's size) come after
that peak, and the site child is then forked at once, importing its code there (``early_site.py``: loaded
in the command's process, the modules' pages copied into the site child added 20 MB to the site's peak).
A later publish is told at its commit too (``commit_too``, a second notice), and its site child is forked
then, reading ahead what its build reads first (``early_site.read_first``): forked as soon as work was found,
what it read (a city's live manifest and kept digests, 130 MB with the child) was held through the data
stage's peak, which became the run's.
"""

from __future__ import annotations

import gc
import os
import select
from collections.abc import Callable
from pathlib import Path


class Ahead:
    """One-byte notices from the data stage's child to the command's process: "work found", and, with
    ``commit_too``, "at the commit" after it."""

    def __init__(self, at_commit: bool = False, commit_too: bool = False) -> None:
        self._work = _Notice()
        self._commit = _Notice() if commit_too and not at_commit else None
        self.at_commit = at_commit  # told at the data stage's commit (``told_at_commit``), not after its check

    def told_at_commit(self) -> Callable[[], None] | None:
        """In the child, for a notice ``at_commit`` or ``commit_too``: the call that tells it at the commit (None
        otherwise).

        The child forks grandchildren before then (a validation worker, the side child): each closes its copy of
        the write end at once, or the command's process would wait for the last of them to end, not for this one.
        """
        notice = self._work if self.at_commit else self._commit
        if notice is None or not notice.open():
            return None
        os.register_at_fork(after_in_child=notice.close)
        return lambda: notice.tell(True)

    def tell(self, found: bool) -> None:
        """In the child: say whether there is work, and close the notice (before any grandchild is forked,
        and before the answer is sent, which the command's process reads only after this notice)."""
        self._work.tell(found)

    def close(self) -> None:
        """Close this process's write ends (the child's on every path; the parent's after the fork)."""
        self._work.close()
        if self._commit is not None:
            self._commit.close()

    def heard(self) -> bool:
        """In the command's process, after the fork: True when the child found work; False when it ended
        (or closed the notice) without saying so."""
        if self._commit is not None:
            self._commit.close()  # this process's write end: else the end of that notice is never seen either
        found = self._work.heard()
        if not found and self._commit is not None:
            self._commit.drop()  # never waited for
        return found

    def heard_commit(self) -> bool:
        """In the command's process, once ``heard`` said work was found (``commit_too``): True when the child
        reached its commit; False when it ended (or closed the notice) before."""
        return self._commit is not None and self._commit.heard()

    def commit_came(self) -> bool:
        """In the command's process, once ``heard`` said work was found: True once ``heard_commit`` would not wait
        (the child reached its commit, or ended), without waiting."""
        return self._commit is None or self._commit.came()


class _Notice:
    """One one-byte notice through a pipe, made before the fork: the child keeps the write end, the command's
    process the read end."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()

    def open(self) -> bool:
        """True while this process's write end is open."""
        return self._write >= 0

    def tell(self, yes: bool) -> None:
        """Write the notice when ``yes``, and close the write end."""
        if self._write < 0:
            return
        try:
            if yes:
                os.write(self._write, b"1")
        finally:
            self.close()

    def close(self) -> None:
        """Close this process's write end."""
        if self._write >= 0:
            os.close(self._write)
            self._write = -1

    def heard(self) -> bool:
        """Wait for the notice: True when given, False when every write end closed without it."""
        self.close()  # else the read below never sees the end of the pipe
        try:
            return os.read(self._read, 1) == b"1"
        finally:
            self.drop()

    def came(self) -> bool:
        """True once ``heard`` would not wait (the notice given, or every write end closed), without waiting."""
        if self._read < 0:
            return True
        waiting = select.poll()
        waiting.register(self._read, select.POLLIN)
        return bool(waiting.poll(0))

    def drop(self) -> None:
        """Close this process's read end (and its write end), the notice unread."""
        self.close()
        if self._read >= 0:
            os.close(self._read)
            self._read = -1


def warm_store(output: Path) -> bool:
    """True when an earlier publish left a store (this is not a first publish)."""
    return (output / "store" / "index.json").is_file()


def load_site_code() -> None:
    """Import what the site stage's child imports first (``steps._build``), then set it aside from the collector."""
    import_site_code()
    # Frozen (as the site's loader freezes its data): the site child's first full collection would otherwise walk
    # every object of these modules, writing to each and so copying the memory pages it shares with this process.
    gc.freeze()


def import_site_code() -> None:
    """Import what the site stage's child imports first (``steps._build``)."""
    import pipeline.core.templating
    import pipeline.site
    import pipeline.site.build
    import pipeline.site.fingerprint  # noqa: F401
