"""What the site's report pages under /laporan/ show of each received file: its version and its problems.

The publish stage keeps every report in the store; the site reads the current version of each
received file from there (the same report the agencies' feedback pages were written from).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.core.models import TABLES
from pipeline.publish.feedback import shown_problems
from pipeline.site.models import FileReportView, Misplaced, Submission
from pipeline.store import Store

Key = tuple[str, str, str]  # (period, agency, table)


def load_reports(output: Path, submissions: list[Submission]) -> dict[Key, FileReportView]:
    """The current version and report of every received file of the submissions table."""
    store = Store.load(output / "store")
    found: dict[Key, FileReportView] = {}
    for s in submissions:
        key = (s.period, s.agency_code, s.table)
        pointer = store.pointers.get(key)
        version = store.version(key, pointer.current) if pointer else None
        if s.status == "missing" or pointer is None or version is None:
            continue
        report = store.report(version)
        found[key] = FileReportView(version.file, version.revision, version.sha256, pointer.kept,
                                    shown_problems(report["errors"]), shown_problems(report["warnings"]),
                                    version.errors, version.warnings)
    return found


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
