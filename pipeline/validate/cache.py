"""Judgements kept between runs: a file judged once is not judged again while nothing it depends on changed.

A file's report depends on its bytes, its path (period, agency, table), the rules (the code
of ``validate/`` and ``core/``, frictionless' version, the schemas, the reference tables,
the settings) and, for a decisions file, the agenda ids it may name. The first four make
the entry's name: a SHA-256 over the *rules version* (``rules_version``), the path and the
file's SHA-256; a change to any of them simply misses. The agenda ids are checked on use:
the entry keeps a digest of the set the decisions were judged against, and a different set
judges the file again.

Entries live under ``<output>/store/validation/`` as one small JSON file each, written
only by ``publish`` (``validate`` reads them and writes nothing). A report that says the
pipeline itself failed (``internal-error``) or the disk could not be read
(``unreadable-file``) is never kept: the next run must try again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.core.atomic import regular_bytes, write_unsynced
from pipeline.core.config import Portal, read_config_file, schemas_root
from pipeline.core.models import REFERENCE_TABLES, TABLES, FileReport, Message, Problem
from pipeline.core.rowcodec import compact_json, encode_rows
from pipeline.core.treehash import hash_tree
from pipeline.validate.kept_rows import KeptRows, agenda_ids

FOLDER = "validation"
FORMAT = 2  # 2: rows kept as JSON text, decoded only when read (kept_rows.py)
NOT_KEPT = frozenset({"internal-error", "unreadable-file"})
_PIPELINE = Path(__file__).resolve().parents[1]
# The packages whose code decides a report, and the store's, which writes it: a reused report is
# not written to the store again, so a change to how the store writes one must miss.
_RULE_CODE = ("core", "validate", "store")
_NOT_RULES = ("datasets", "output", "receipts", "ckan", "warnings")  # settings no rule reads


def rules_version(portal: Portal) -> str:
    """SHA-256 (hex) of everything but the file that decides a report."""
    h = hashlib.sha256(f"format {FORMAT}\0frictionless {metadata.version('frictionless')}\0".encode())
    for package in _RULE_CODE:
        hash_tree(h, package, _PIPELINE / package, ".py")
    for name in (*REFERENCE_TABLES, *TABLES):
        with contextlib.suppress(FileNotFoundError):  # a missing schema stops the run before this matters
            h.update(f"schemas/{name}.json\0".encode())
            h.update(hashlib.sha256(read_config_file(schemas_root(portal.datasets), f"schemas/{name}.json")).digest())
    for name in REFERENCE_TABLES:
        h.update(f"reference/{name}.csv\0".encode())
        h.update(hashlib.sha256(read_config_file(portal.datasets, f"reference/{name}.csv")).digest())
    settings = {f.name: getattr(portal, f.name) for f in dataclasses.fields(portal) if f.name not in _NOT_RULES}
    h.update(json.dumps(settings, sort_keys=True, default=str, ensure_ascii=False).encode())
    return h.hexdigest()


def agenda_digest(ids: Iterable[str]) -> str:
    """A short digest of the agenda ids a decisions file was judged against."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class Entry:
    """A kept judgement: the report and, for decisions, the digest of the agenda ids it was judged with."""

    report: FileReport
    agendas: str | None


class ValidationCache:
    """The kept judgements of one rules version; ``save`` writes this run's new ones (publish only)."""

    def __init__(self, root: Path, version: str) -> None:
        self.root = root
        self.version = version
        self.used: set[str] = set()
        self.new: dict[str, bytes] = {}
        # Files whose kept report this run used as it is: the store already holds that report and
        # those rows (written by the run that judged them), so it does not write them again.
        self.reused: set[str] = set()

    @classmethod
    def for_portal(cls, portal: Portal) -> ValidationCache:
        """The cache under ``<output>/store`` for the portal's present rules."""
        return cls(portal.output / "store" / FOLDER, rules_version(portal))

    def _name(self, file: str, sha256: str) -> str:
        return hashlib.sha256(f"{self.version}\0{file}\0{sha256}".encode()).hexdigest()

    def get(self, file: str, sha256: str) -> Entry | None:
        """The kept judgement of this file's bytes under the present rules, or None."""
        name = self._name(file, sha256)
        try:
            raw = regular_bytes(f"{self.root}/{name[:2]}/{name}.json")
            if raw is None:
                return None  # a link or a special file is never read
            data = json.loads(raw)
            entry = Entry(_report(data["report"]), data.get("agendas"))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or unreadable: judge the file again
        if entry.report.file != file or entry.report.sha256 != sha256:
            return None
        self.used.add(name)
        self.reused.add(file)
        return entry

    def put(self, report: FileReport, agendas: str | None) -> None:
        """Keep a fresh judgement (unless it says the machine failed)."""
        self.reused.discard(report.file)
        if report.sha256 is None or any(p.code in NOT_KEPT for p in (*report.errors, *report.warnings)):
            return
        # A file holding personal data is judged again each time rather than kept: its typed rows
        # would copy the raw values out of the private store of received files.
        if any(p.code.startswith("personal-data") for p in report.errors):
            return
        name = self._name(report.file, report.sha256)
        self.used.add(name)
        self.new[name] = compact_json({"agendas": agendas, "report": _record(report)})

    def save(self) -> None:
        """Write the new entries and remove those this run did not use (earlier rules, gone files).

        A failure here costs only a judgement next time, never the run: errors are ignored.
        """
        made: set[str] = set()  # 256 folders for 10,000 entries: each made once
        with contextlib.suppress(OSError):
            for name, data in sorted(self.new.items()):
                write_unsynced(self.root / name[:2] / f"{name}.json", data, made)
            for folder in (os.scandir(self.root) if self.root.is_dir() else []):
                for item in os.scandir(folder.path):
                    if item.name.removesuffix(".json") not in self.used:
                        os.unlink(item.path)
        self.new = {}


def _problem_record(p: Problem) -> dict[str, Any]:
    return {"code": p.code, "id": p.message.id, "en": p.message.en, "row": p.row, "field": p.field,
            "value": p.value, "cell": p.cell}


def _problem(d: dict[str, Any]) -> Problem:
    return Problem(d["code"], Message(d["id"], d["en"]), d["row"], d["field"], d["value"], d["cell"])


def _record(r: FileReport) -> dict[str, Any]:
    """A report with its typed rows, as JSON."""
    return {"file": r.file, "period": r.period, "agency": r.agency, "table": r.table, "status": r.status,
            "errors": [_problem_record(p) for p in r.errors], "warnings": [_problem_record(p) for p in r.warnings],
            "sha256": r.sha256, "rows": None if r.rows is None else _rows_text(r.rows),
            "row_count": None if r.rows is None else len(r.rows),
            "agenda_ids": None if r.rows is None else sorted(agenda_ids(r.rows)),
            "omitted_errors": r.omitted_errors, "omitted_warnings": r.omitted_warnings}


def _rows_text(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as the JSON text ``KeptRows`` decodes: a string inside the entry, so reading the entry
    scans it without building the rows."""
    return compact_json(encode_rows(rows)).decode("utf-8").rstrip("\n")


def _report(d: dict[str, Any]) -> FileReport:
    """The report ``_record`` wrote."""
    return FileReport(d["file"], d["period"], d["agency"], d["table"], d["status"],
                      [_problem(p) for p in d["errors"]], [_problem(p) for p in d["warnings"]], d["sha256"],
                      None if d["rows"] is None else KeptRows(d["rows"], d["row_count"], frozenset(d["agenda_ids"])),
                      d["omitted_errors"],
                      d["omitted_warnings"])
