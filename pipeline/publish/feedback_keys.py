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

No key is given (the agency's pages are keyed one by one, as before) while one of its reports is written by
this run (its stat is not known yet) or was changed less than ``RACY_NS`` ago (a second change in the same
clock tick could leave its stat equal): the next run keys it again.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.core.models import Record
from pipeline.core.treehash import settled
from pipeline.publish.reuse import inputs_key, stat_key
from pipeline.store import Store

# An agency's months: each period with its submissions rows and its misplaced files as the pages list them.
Months = Sequence[tuple[str, list[Record], list[dict[str, Any]]]]


def agency_key(shared: str, store: Store, agency: str, name: str | None, months: Months) -> str | None:
    """The digest of what ``agency``'s pages show (``months``, its rows by period), or None when one of its
    reports' stat cannot vouch for its bytes (written by this run, gone, or changed too recently)."""
    root = str(store.root)
    started = time.time_ns()
    parts: list[object] = []
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
            if rel in store.pending:
                return None  # about to be written: keyed page by page, with the bytes in memory
            try:
                info = os.lstat(f"{root}/{rel}")
            except OSError:
                return None
            if not stat.S_ISREG(info.st_mode) or not settled(info, started):
                return None
            # The version's fields as they are (a flat record), the revision kept, and the report's stat.
            files.append((tuple(vars(version).values()), pointer.kept, stat_key(info)))
        parts.append((period, rows, misplaced, files))
    return inputs_key(shared, "agency", agency, name, parts)


def by_agency(groups: Mapping[tuple[str, str], list[Record]]) -> dict[str, list[str]]:
    """The periods of each agency's pages, in order, from the groups of rows by (period, agency)."""
    periods: dict[str, list[str]] = {}
    for period, agency in sorted(groups):
        periods.setdefault(agency, []).append(period)
    return periods
