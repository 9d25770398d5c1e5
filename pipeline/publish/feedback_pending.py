"""Agencies' feedback keys left pending by a run (``feedback_keys``), recorded by the same run once their reports last.

A run that writes an agency's reports cannot vouch for their stat until they are ``RACY_NS`` old. What is known
of the key then (``Pending``: the digest of every other input, and for each such report the SHA-256 its page was
made from) is kept beside the feedback record it completes (``leave``, bound to the record's SHA-256), and
recorded in it after the site build (``settle_later``), each report read back and found holding those bytes,
unchanged while read and lasting. Imported by the command's process, which loads nothing of the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core import treehash
from pipeline.core.atomic import write_blocks
from pipeline.core.treehash import settled
from pipeline.publish.reuse import GROUP, stat_key

# The agencies' keys left to record after the run, beside the record they complete (``settle_later``).
LATER = "feedback-pending.json"
RECORD = "feedback-inputs.json"


@dataclass
class Pending:
    """An agency's key but for the stat of reports that did not last yet: the digest of everything else, and for
    each report in order its stat key (known) or its path in the store and the SHA-256 its page was made from."""

    body: str
    reports: list[str | tuple[str, str]]
    waiting: dict[tuple[str, str], int] = field(default_factory=dict)  # (period, table) -> its slot in ``reports``

    def made_from(self, digests: Mapping[tuple[str, str], str]) -> None:
        """Note the SHA-256 each waiting report's page was made from (``digests``: by the file's period and table)."""
        for where, i in self.waiting.items():
            rel = self.reports[i][0]
            self.reports[i] = (rel, digests.get(where, ""))
        self.waiting = {}


def joined(body: str, stats: Sequence[str]) -> str:
    """An agency's key: the digest of its inputs but the reports (``body``) with each report's stat key, in order."""
    return hashlib.sha256("\0".join((body, *stats)).encode()).hexdigest()


def leave(store: Path, pending: dict[str, Pending], record: bytes | None) -> None:
    """Keep the agencies' keys still ``pending`` for ``settle_later``, beside the record (its bytes) they complete."""
    path = store / LATER
    if not pending or record is None:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    body = {"record": hashlib.sha256(record).hexdigest(),
            "agencies": {a: [p.body, [list(s) if isinstance(s, tuple) else s for s in p.reports]]
                         for a, p in sorted(pending.items())}}
    with contextlib.suppress(OSError):  # (a cache: the next run keys those agencies' pages one by one)
        write_blocks(path, (json.dumps(body, sort_keys=True).encode() + b"\n",), sync=False)


def settle_later(store: Path) -> set[str]:
    """Record the keys ``leave`` kept of agencies whose reports now last, each report read back and found holding the
    bytes its page was made from, in the feedback record they complete (unchanged since); gives those agencies."""
    path, record = store / LATER, store / RECORD
    try:
        later = json.loads(path.read_bytes())
        data = record.read_bytes()
        agencies = later["agencies"]
        if later["record"] != hashlib.sha256(data).hexdigest() or not isinstance(agencies, dict):
            path.unlink()  # another run's: its record was written again since
            return set()
        entries = json.loads(data)
        pending = {agency: _pending(entry) for agency, entry in agencies.items()}
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        with contextlib.suppress(OSError):
            path.unlink()  # damaged, or its record gone: those agencies' next run keys their pages
        return set()
    now = time.time_ns()
    added: dict[str, str] = {}
    rest: dict[str, Pending] = {}  # those whose reports do not last yet, or cannot be read: kept for a later call
    for agency, (body, reports) in sorted(pending.items()):
        stats = [s if isinstance(s, str) else _checked(store / s[0], s[1], now) for s in reports]
        if all(isinstance(s, str) for s in stats):
            added[f"{GROUP}{agency}"] = joined(body, [str(s) for s in stats])
        elif not any(s is False for s in stats):
            rest[agency] = Pending(body, [s if isinstance(s, str) else r for s, r in zip(stats, reports, strict=True)])
    try:
        if added:
            data = (json.dumps({**entries, **added}, sort_keys=True) + "\n").encode()
            write_blocks(record, (data,), sync=False)
        leave(store, rest, data)
    except OSError:
        return set()
    return {name.removeprefix(GROUP) for name in added}


def _pending(entry: Any) -> tuple[str, list[str | tuple[str, str]]]:
    """An agency's entry as ``leave`` writes it: its body and its reports' slots; ValueError when it is not one."""
    body, reports = entry
    if not isinstance(body, str) or not isinstance(reports, list):
        raise ValueError("not an agency's pending key")
    slots: list[str | tuple[str, str]] = []
    for slot in reports:
        if isinstance(slot, str):
            slots.append(slot)
        elif isinstance(slot, list) and len(slot) == 2 and all(isinstance(part, str) for part in slot):
            slots.append((slot[0], slot[1]))
        else:
            raise ValueError("not a report's slot")
    return body, slots


def _checked(path: Path, digest: object, now: int) -> str | bool | None:
    """The stat key of the regular file ``path`` when it holds bytes of SHA-256 ``digest``, unchanged while read and
    last changed ``RACY_NS`` before ``now``; None when it has not lasted yet (or cannot be read now), False when it is
    not a regular file or holds other bytes (its agency then waits for nothing: its next run keys its pages)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            return False
        if not settled(before, now):
            return None
        h = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
        after = os.fstat(fd)
    except OSError:
        return None
    finally:
        os.close(fd)
    known = stat_key(before)
    if stat_key(after) != known:
        return None
    return known if h.hexdigest() == digest else False


def lasting_at(store: Path) -> int | None:
    """When (``time_ns``) every report the keys ``leave`` kept wait for will have lasted; None when none is kept."""
    try:
        later = json.loads((store / LATER).read_bytes())
        agencies = later["agencies"]
        waiting = [slot[0] for _, reports in agencies.values() for slot in reports if isinstance(slot, list)]
        changed = [os.lstat(store / rel) for rel in waiting if isinstance(rel, str)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None  # (``settle_later`` drops what is damaged)
    last: int = max((max(st.st_mtime_ns, st.st_ctime_ns) for st in changed), default=0)
    return last + treehash.RACY_NS + 1


class Settler:
    """``settle_later`` on a thread as soon as the reports last, while the caller waits for other work (the site
    build: a new month's reports last about 2 s after the data stage ends), and again when the caller is done."""

    def __init__(self, store: Path) -> None:
        self.store = store
        when = lasting_at(store)
        self.timer: threading.Timer | None = None
        if when is not None:
            self.timer = threading.Timer(max(0, when - time.time_ns()) / 1e9, settle_later, (store,))
            self.timer.daemon = True
            self.timer.start()

    def stop(self) -> None:
        """Cancel the thread, or wait for it when it has started."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer.join()

    def finish(self) -> set[str]:
        """``stop``, then record what the thread did not (its reports younger, or none waited for)."""
        self.stop()
        return settle_later(self.store)
