"""The digest of everything one agency's feedback pages are made of, taken without reading any of them.

After one new agency-month a city's 14,400 pages were each keyed (their context's ``repr`` hashed, the
report behind each file page digested by stat) and each checked in place: most of a second spent finding
that 59 of its 60 agencies' pages were as before. An agency's pages are a function of the settings, the
templates and the code (``shared``, ``reuse.inputs_key``), the agency's name, its submissions rows and
misplaced files by month, and for each received file its current version, the revision kept published and
its report in the store. Those are digested here in one key an agency, the reports by their stat (size,
device, inode, modification and change time, which the store's writes change), as ``treehash.DigestCache``
knows a file: while an agency's key is the one kept with its pages' records (``Reuse.same_group``), each page
is kept as recorded once its own stat says it is in place (``Reuse.keep``), without its key or its report.

No key is given while one of the agency's reports is written by this run (its stat is not known yet) or was
changed less than ``RACY_NS`` ago (a second change in the same clock tick could leave its stat equal): its
pages are then keyed one by one, and its key is left ``Pending`` (the digest of the rest, and for each such
report the SHA-256 its page was made from). The same run records it once those reports last (``settle``):
when its feedback record is saved, from the report's stat and digest its ``DigestCache`` keeps then (a first
publish writes every report and keys no agency: before, the run after it keyed all 14,400 pages again), or
after the site build (``settle_later``: a new month's reports are younger than 2 s when the record is saved),
each report read back and compared. A report whose bytes were not found to be those digests gives no key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.atomic import write_blocks
from pipeline.core.models import Record
from pipeline.core.treehash import DigestCache, entry_name, settled
from pipeline.publish.reuse import GROUP, Reuse, inputs_key, stat_key
from pipeline.store import Store

# An agency's months: each period with its submissions rows and its misplaced files as the pages list them.
Months = Sequence[tuple[str, list[Record], list[dict[str, Any]]]]
# The agencies' keys left to record after the run, beside the record they complete (``settle_later``).
LATER = "feedback-pending.json"


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


def agency_key(shared: str, store: Store, agency: str, name: str | None, months: Months) -> str | Pending | None:
    """The digest of what ``agency``'s pages show (``months``, its rows by period); ``Pending`` when one of its
    reports is written by this run or changed too recently for its stat to vouch for its bytes (the digests its
    pages are made from are added by ``Pending.made_from``); None when one is gone or is not a regular file."""
    root = str(store.root)
    started = time.time_ns()
    parts: list[object] = []
    reports: list[str | tuple[str, str]] = []
    waiting: dict[tuple[str, str], int] = {}
    for period, rows, misplaced in months:
        files: list[object] = []
        for row in rows:
            if row["status"] == "missing":
                continue  # no file page, no version: the row itself is all its month page shows
            key = (period, agency, row["table"])
            pointer = store.pointers[key]
            version = store.version(key, pointer.current)
            if version is None:
                return None
            rel = version.report_path
            # The version's fields as they are (a flat record) and the revision kept; the report's stat apart.
            files.append((tuple(vars(version).values()), pointer.kept))
            if rel in store.pending:  # about to be written: its pages keyed one by one, with the bytes in memory
                waiting[(period, row["table"])] = len(reports)
                reports.append((rel, ""))
                continue
            try:
                info = os.lstat(f"{root}/{rel}")
            except OSError:
                return None
            if not stat.S_ISREG(info.st_mode):
                return None
            if settled(info, started):
                reports.append(stat_key(info))
            else:
                waiting[(period, row["table"])] = len(reports)
                reports.append((rel, ""))
        parts.append((period, rows, misplaced, files))
    body = inputs_key(shared, "agency", agency, name, parts)
    if waiting:
        return Pending(body, reports, waiting)
    return joined(body, [s for s in reports if isinstance(s, str)])


def joined(body: str, stats: Sequence[str]) -> str:
    """An agency's key: the digest of its inputs but the reports (``body``) with each report's stat key, in order."""
    return hashlib.sha256("\0".join((body, *stats)).encode()).hexdigest()


def settle(pending: dict[str, Pending], store_root: str, digests: DigestCache) -> dict[str, str]:
    """The keys of the agencies of ``pending`` whose reports now last holding the bytes their pages were made from,
    by the entries ``digests`` took this run (the stat of a report it wrote once 2 s old, ``DigestCache.expect``)."""
    keys = {}
    for agency, entry in pending.items():
        stats = []
        for slot in entry.reports:
            if isinstance(slot, str):
                stats.append(slot)
                continue
            rel, digest = slot
            found = digests.seen.get(entry_name(f"{store_root}/{rel}"))
            if not digest or found is None or found[-1] != digest:
                break
            stats.append(":".join(str(n) for n in found[:-1]))  # ``stat_key`` of the stat it was kept with
        else:
            keys[agency] = joined(entry.body, stats)
    return keys


def save(reuse: Reuse, store: Path) -> None:
    """Save the feedback record ``reuse`` (once its folder is in place) with the keys of the agencies whose reports
    last by now (``settle``); the others are left for ``settle_later``."""
    reuse.digests.settle_expected()  # the reports this run wrote that are 2 s old, known by their stat
    keys = settle(reuse.pending, str(store), reuse.digests)
    for agency, key in keys.items():
        reuse.new[f"{GROUP}{agency}"] = key
    reuse.save()
    rest = {agency: entry for agency, entry in reuse.pending.items() if agency not in keys}
    leave(store, rest, reuse.record_bytes() if rest else None)


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
    path, record = store / LATER, store / "feedback-inputs.json"
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


def by_agency(groups: Mapping[tuple[str, str], list[Record]]) -> dict[str, list[str]]:
    """The periods of each agency's pages, in order, from the groups of rows by (period, agency)."""
    periods: dict[str, list[str]] = {}
    for period, agency in sorted(groups):
        periods.setdefault(agency, []).append(period)
    return periods
