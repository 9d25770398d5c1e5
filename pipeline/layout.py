"""Scan ``<datasets>/submissions/`` into submitted files and layout errors.

Expected: ``submissions/<YYYY-MM>/<agency_code>/<table>.csv`` (or ``.xlsx``), with
``<table>`` one of agendas, decisions, performance and ``<agency_code>`` listed in
reference/agencies.csv.  Anything else is a layout error (a rejected FileReport whose
``file`` is the offending path and whose ``table`` is None); it blocks nothing else.
When both ``<table>.csv`` and ``<table>.xlsx`` are present the .csv is judged and the
.xlsx is a layout error.  Names are matched exactly (lowercase).

Ignored silently, at any depth: hidden names (``.DS_Store``, ``._x``, ``.~lock.x#``),
Office lock files (``~$x.xlsx``), ``Thumbs.db`` and ``desktop.ini`` — operating
systems and office programs create them; no clerk sends them on purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.messages import problem
from pipeline.models import REJECTED, TABLES, FileReport

PERIOD_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
FORMATS = ("csv", "xlsx")
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Submitted:
    """One file to judge: where it sits and what it claims to be."""

    period: str
    agency: str
    table: str
    fmt: str
    path: Path
    file: str  # path relative to the datasets directory, POSIX style


def is_ignored(name: str) -> bool:
    """True for files operating systems and office programs leave behind."""
    return name.startswith((".", "~$")) or name.lower() in _SYSTEM_FILES


def scan_submissions(datasets: Path, agencies: set[str]) -> tuple[list[Submitted], list[FileReport]]:
    """Every file to judge, plus a layout error for every unexpected path."""
    root = datasets / "submissions"
    found: list[Submitted] = []
    errors: list[FileReport] = []
    if not root.is_dir():
        return found, errors
    example = min(agencies) if agencies else "disdukcapil"
    for entry in _entries(root):
        if not entry.is_dir():
            errors.append(_layout(datasets, entry, "stray-file"))
        elif not PERIOD_RE.match(entry.name):
            errors.append(_layout(datasets, entry, "bad-period"))
        else:
            for sub in _entries(entry):
                if not sub.is_dir():
                    errors.append(_layout(datasets, sub, "stray-file", period=entry.name))
                elif sub.name not in agencies:
                    errors.append(_layout(datasets, sub, "unknown-agency", period=entry.name, example=example))
                else:
                    _scan_agency(datasets, sub, entry.name, found, errors)
    return found, errors


def _entries(folder: Path) -> list[Path]:
    """The entries of a folder that matter, sorted by name for a deterministic report."""
    return sorted((p for p in folder.iterdir() if not is_ignored(p.name)), key=lambda p: p.name)


def _scan_agency(datasets: Path, folder: Path, period: str, found: list[Submitted],
                 errors: list[FileReport]) -> None:
    """Collect the table files of one agency folder; report everything else."""
    agency = folder.name
    files: dict[str, dict[str, Path]] = {}
    for entry in _entries(folder):
        stem, _, ext = entry.name.partition(".")
        if entry.is_dir():
            errors.append(_layout(datasets, entry, "stray-folder", period=period, agency=agency))
        elif stem in TABLES and ext in FORMATS:
            files.setdefault(stem, {})[ext] = entry
        else:
            errors.append(_layout(datasets, entry, "unknown-file", period=period, agency=agency))
    for table, by_fmt in sorted(files.items()):
        fmt = "csv" if "csv" in by_fmt else "xlsx"
        path = by_fmt[fmt]
        found.append(Submitted(period, agency, table, fmt, path, _rel(datasets, path)))
        if fmt == "csv" and "xlsx" in by_fmt:
            errors.append(_layout(datasets, by_fmt["xlsx"], "duplicate-format",
                                  period=period, agency=agency, table=table))


def _rel(datasets: Path, path: Path) -> str:
    """A path relative to the datasets directory, as reported."""
    return path.relative_to(datasets).as_posix()


def _layout(datasets: Path, path: Path, variant: str, period: str | None = None,
            agency: str | None = None, **params: str) -> FileReport:
    """A rejected report for one unexpected path."""
    error = problem("layout-error", variant, value=path.name, **params)
    return FileReport(file=_rel(datasets, path), period=period, agency=agency, table=None,
                      status=REJECTED, errors=[error])
