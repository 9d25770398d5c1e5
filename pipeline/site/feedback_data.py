"""What the site's report pages under /laporan/ show of each received file: its version and its problems.

The publish stage keeps every report in the store; the site reads the current version of each
received file from there (the same report the agencies' feedback pages were written from).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.core.models import TABLES
from pipeline.core.rowcodec import json_object
from pipeline.core.treehash import DigestCache
from pipeline.publish.feedback import shown_problems
from pipeline.site import reportcache
from pipeline.site.models import FileReportView, Misplaced, Submission
from pipeline.store import Store

if TYPE_CHECKING:
    from pipeline.site.readahead import ReadAhead

Key = tuple[str, str, str]  # (period, agency, table)


def load_reports(output: Path, submissions: list[Submission], digests: DigestCache | None = None,
                 kept: reportcache.KeptReports | None = None, ahead: ReadAhead | None = None
                 ) -> dict[Key, FileReportView]:
    """The current version and report of every received file of the submissions table.

    ``kept``: the problems of reports read by earlier builds, by the reports' SHA-256 (taken from
    ``digests``, the build's check, while a report's stat is the one kept with it): such a report
    is not read again; the others are read and kept (``KeptReports.save``) for the next build. ``ahead``: the
    store's index as read while the data stage worked (readahead.py), taken while it is as it was then.
    """
    store = ahead.store(output / "store") if ahead is not None else Store.load(output / "store")
    root = os.path.abspath(store.root)  # the name the check walked the reports by
    found: dict[Key, FileReportView] = {}
    for s in submissions:
        key = (s.period, s.agency_code, s.table)
        pointer = store.pointers.get(key)
        version = store.version(key, pointer.current) if pointer else None
        if s.status == "missing" or pointer is None or version is None:
            continue
        if kept is None:
            errors, warnings = reportcache.shown(store.report(version))
        else:
            errors, warnings = _shown(f"{root}/{version.report_path}", digests, kept)
        found[key] = FileReportView(version.file, version.revision, version.sha256, pointer.kept,
                                    errors, warnings, version.errors, version.warnings)
    if kept is not None:
        kept.save()
    return found


def _shown(path: str, digests: DigestCache | None, kept: reportcache.KeptReports) -> reportcache.Shown:
    """What the page shows of the report in ``path`` (absolute): kept under its digest when the
    check kept one (``DigestCache.found``: the digest its fingerprint holds, no second stat of the
    store's 10,800 reports), else read (and kept under the digest of the bytes read)."""
    sha = digests.found(path) if digests is not None else None
    if sha is not None and (problems := kept.get(sha)) is not None:
        return problems
    with open(path, "rb") as file:
        data = file.read()
    problems = reportcache.shown(json_object(data))
    kept.put(hashlib.sha256(data).hexdigest(), problems)
    return problems


def load_misplaced(output: Path) -> list[Misplaced]:
    """Files of the last run's report that are in the wrong place or wrongly named."""
    path = output / "reports" / "validation.json"
    if not path.is_file():
        return []
    items = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for report in items if isinstance(items, list) else []:
        if not isinstance(report, dict):
            continue
        if report.get("period") and report.get("agency") and report.get("table") in TABLES:
            continue
        out.append(Misplaced(str(report.get("file", "")), report.get("period"), report.get("agency"),
                             shown_problems(report.get("errors", []))))
    return out
