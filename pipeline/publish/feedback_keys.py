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
after the site build (``feedback_pending.settle_later``: a new month's reports are younger than 2 s when the
record is saved), each report read back and compared. A report not found holding those bytes gives no key.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.core.models import Record
from pipeline.core.treehash import DigestCache, entry_name, settled
from pipeline.publish.feedback_pending import Pending, joined, leave
from pipeline.publish.reuse import GROUP, Reuse, inputs_key, stat_key
from pipeline.store import Store

# An agency's months: each period with its submissions rows and its misplaced files as the pages list them.
Months = Sequence[tuple[str, list[Record], list[dict[str, Any]]]]


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
    written = reuse.save()
    rest = {agency: entry for agency, entry in reuse.pending.items() if agency not in keys}
    leave(store, rest, (written or reuse.record_bytes()) if rest else None)  # (laid out once: 14,400 entries)


def by_agency(groups: Mapping[tuple[str, str], list[Record]]) -> dict[str, list[str]]:
    """The periods of each agency's pages, in order, from the groups of rows by (period, agency)."""
    periods: dict[str, list[str]] = {}
    for period, agency in sorted(groups):
        periods.setdefault(agency, []).append(period)
    return periods
