"""Judge files that publish has not seen yet, by the validate stage itself, in a private copy.

The copy (a *staging* datasets folder) holds portal.toml's settings, the schemas, the two
reference tables and one agency's files for one month, with the file under judgement in
its place; the store's accepted agendas of earlier months come along as for publish.  So
an upload gets exactly the verdict ``make publish`` will give it: same reader, same limits,
same rules, same personal-data checks.  The private contacts file is never copied.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from pipeline.core.atomic import write_bytes
from pipeline.core.config import Portal, read_config_file, schemas_folder
from pipeline.core.models import REFERENCE_TABLES, FileReport
from pipeline.core.safe_open import FILE, entries, read_bytes
from pipeline.intake.placing import submission_file
from pipeline.store import Store


@contextmanager
def staging(portal: Portal) -> Iterator[Portal]:
    """A Portal whose datasets folder is a fresh private copy of the settings, schemas and references."""
    portal.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".intake-", dir=portal.output) as tmp:
        root = Path(tmp)
        shutil.copytree(schemas_folder(portal.datasets), root / "schemas")
        write_bytes(root / "portal.toml", read_config_file(portal.datasets, "portal.toml"))
        for name in REFERENCE_TABLES:
            write_bytes(root / f"reference/{name}.csv", read_config_file(portal.datasets, f"reference/{name}.csv"))
        yield replace(portal, datasets=root, receipts=None)


def agency_files(portal: Portal, period: str, agency: str) -> dict[str, tuple[str, bytes]]:
    """The agency's table files for ``period`` as they stand in datasets: table -> (format, bytes)."""
    folder = f"submissions/{period}/{agency}"
    found: dict[str, tuple[str, bytes]] = {}
    try:
        listing = entries(portal.datasets, folder)
    except OSError:
        return found
    for name, kind in listing:
        stem, _, ext = name.partition(".")
        if kind == FILE and ext in ("csv", "xlsx") and (stem not in found or ext == "csv"):
            try:
                found[stem] = (ext, read_bytes(portal.datasets, f"{folder}/{name}", portal.limits.max_file_bytes))
            except OSError:
                continue  # too large or unreadable: judged by publish, which says so
    return found


def judge_files(portal: Portal, store: Store, files: dict[tuple[str, str, str], tuple[str, bytes]]) -> list[FileReport]:
    """Reports on the given files, keyed (period, agency, table) -> (format, bytes), judged together."""
    from pipeline.validate import validate_datasets

    with staging(portal) as staged:
        for (period, agency, table), (fmt, data) in files.items():
            write_bytes(staged.datasets / submission_file(period, agency, table, fmt), data)
        reports = validate_datasets(staged, store.previous_agenda_ids)
    return [r for r in reports if r.table is not None]


def judge_upload(portal: Portal, store: Store, period: str, agency: str, table: str, fmt: str,
                 data: bytes) -> FileReport:
    """The report on one upload, judged beside the agency's other files of that month."""
    files = {(period, agency, t): f for t, f in agency_files(portal, period, agency).items() if t != table}
    files[(period, agency, table)] = (fmt, data)
    reports = judge_files(portal, store, files)
    return next(r for r in reports if r.table == table)
