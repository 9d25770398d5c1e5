"""Scan ``<datasets>/submissions/`` into submitted files and layout errors.

Expected: ``submissions/<YYYY-MM>/<agency_code>/<table>.csv`` (or ``.xlsx``), with
``<table>`` one of agendas, decisions, performance and ``<agency_code>`` listed in
reference/agencies.csv.  Anything else is a layout error (a rejected FileReport whose
``file`` is the offending path and whose ``table`` is None); it blocks nothing else.
When both ``<table>.csv`` and ``<table>.xlsx`` are present the .csv is judged and the
.xlsx is a layout error.  Names are matched exactly (lowercase).

Symbolic links (whatever they point to, even inside the datasets folder) and special
files (FIFOs, devices, sockets) are layout errors too, and are never opened.  A folder
with more than ``MAX_LAYOUT_ERRORS`` unexpected entries gets that many errors and one
summary.

Ignored silently, at any depth: hidden names (``.DS_Store``, ``._x``, ``.~lock.x#``),
Office lock files (``~$x.xlsx``), ``Thumbs.db`` and ``desktop.ini`` — operating
systems and office programs create them; no clerk sends them on purpose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.models import REJECTED, TABLES, FileReport
from pipeline.core.periods import PERIOD_RE
from pipeline.core.safe_open import DIR, FILE, LINK, Refused, entries, entries_at, kind_of, listing, open_dir
from pipeline.validate.messages import problem

FORMATS = ("csv", "xlsx")
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}
# Layout errors reported one by one per folder; the rest of a folder's strays are counted
# in one summary, so that a folder of a million stray files cannot make a huge report.
MAX_LAYOUT_ERRORS = 100


@dataclass(frozen=True)
class Submitted:
    """One file to judge: where it sits and what it claims to be."""

    period: str
    agency: str
    table: str
    fmt: str
    root: Path  # the datasets folder: files are opened below it, never through a link
    file: str  # path relative to the datasets directory, POSIX style

    @property
    def path(self) -> Path:
        """The file's path (for messages; reading goes through ``pipeline.core.safe_open``)."""
        return self.root / self.file


def is_ignored(name: str) -> bool:
    """True for files operating systems and office programs leave behind."""
    return name.startswith((".", "~$")) or name.lower() in _SYSTEM_FILES


def scan_submissions(datasets: Path, agencies: set[str], held: dict[str, list[str]] | None = None
                     ) -> tuple[list[Submitted], list[FileReport]]:
    """Every file to judge, plus a layout error for every unexpected path.

    Links (to files or folders, at any level, ``submissions/`` itself included) and
    special files (FIFOs, devices, sockets) are layout errors; none is ever opened.
    ``held``: the folders the publish's check just found unchanged (``input_listings.Held``, by absolute path): an
    agency folder among them is taken from there, not listed again (3,600 listings at a city's size).
    """
    found: list[Submitted] = []
    errors: list[FileReport] = []
    kind = kind_of(datasets, "submissions")
    if kind in (None, FILE):
        return found, errors
    if kind != DIR:
        return found, [_layout("submissions", _unsafe(kind))]
    example = min(agencies) if agencies else "disdukcapil"
    folder: list[FileReport] = []
    for name, kind in _entries(datasets, "submissions"):
        rel = f"submissions/{name}"
        if kind not in (DIR, FILE):
            folder.append(_layout(rel, _unsafe(kind)))
        elif kind != DIR:
            folder.append(_layout(rel, "stray-file"))
        elif not PERIOD_RE.match(name):
            folder.append(_layout(rel, "bad-period"))
        else:
            try:
                _scan_period(datasets, name, agencies, example, found, errors, held or {})
            except Refused as exc:  # swapped for a link since it was listed
                folder.append(_layout(rel, exc.reason))
    errors += _bounded("submissions", folder)
    return found, errors


def _scan_period(datasets: Path, period: str, agencies: set[str], example: str,
                 found: list[Submitted], errors: list[FileReport], held: dict[str, list[str]]) -> None:
    """The agency folders of one period folder (``held``: as ``scan_submissions``)."""
    base = f"submissions/{period}"
    at = f"{os.path.abspath(datasets)}/{base}/"
    folder: list[FileReport] = []
    with open_dir(datasets, base) as fd:  # its agency folders opened below it, not walked to from the root
        for name, kind in _relevant(listing(fd)):
            rel = f"{base}/{name}"
            if kind not in (DIR, FILE):
                folder.append(_layout(rel, _unsafe(kind), period=period))
            elif kind != DIR:
                folder.append(_layout(rel, "stray-file", period=period))
            elif name not in agencies:
                folder.append(_layout(rel, "unknown-agency", period=period, example=example))
            else:
                try:
                    # (A held folder's files are all regular, named as a table's: none is a leftover to drop.)
                    names = held.get(at + name)
                    listed = (sorted((n, FILE) for n in names) if names is not None else
                              _relevant(entries_at(fd, name, rel)))
                    _scan_agency(datasets, listed, rel, period, found, errors)
                except Refused as exc:  # swapped for a link since it was listed
                    folder.append(_layout(rel, exc.reason, period=period))
    errors += _bounded(base, folder, period=period)


def _entries(datasets: Path, rel: str) -> list[tuple[str, str]]:
    """The entries of a folder that matter, sorted by name for a deterministic report."""
    return _relevant(entries(datasets, rel))


def _relevant(listed: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The entries listed that matter (no system or office leftovers), in their order."""
    return [(name, kind) for name, kind in listed if not is_ignored(name)]


def _unsafe(kind: str) -> str:
    """The layout-error variant of an entry that is never opened."""
    return "symlink" if kind == LINK else "not-regular"


def _scan_agency(datasets: Path, listed: list[tuple[str, str]], base: str, period: str, found: list[Submitted],
                 errors: list[FileReport]) -> None:
    """Collect the table files of one agency folder (``listed``: its entries that matter); report everything else."""
    agency = base.rsplit("/", 1)[-1]
    files: dict[str, dict[str, str]] = {}
    folder: list[FileReport] = []
    for name, kind in listed:
        rel = f"{base}/{name}"
        stem, _, ext = name.partition(".")
        if kind not in (DIR, FILE):
            folder.append(_layout(rel, _unsafe(kind), period=period, agency=agency))
        elif kind == DIR:
            folder.append(_layout(rel, "stray-folder", period=period, agency=agency))
        elif stem in TABLES and ext in FORMATS:
            files.setdefault(stem, {})[ext] = rel
        else:
            folder.append(_layout(rel, "unknown-file", period=period, agency=agency))
    for table, by_fmt in sorted(files.items()):
        fmt = "csv" if "csv" in by_fmt else "xlsx"
        found.append(Submitted(period, agency, table, fmt, datasets, by_fmt[fmt]))
        if fmt == "csv" and "xlsx" in by_fmt:
            folder.append(_layout(by_fmt["xlsx"], "duplicate-format",
                                  period=period, agency=agency, table=table))
    errors += _bounded(base, folder, period=period, agency=agency)


def _bounded(base: str, folder: list[FileReport], period: str | None = None,
             agency: str | None = None) -> list[FileReport]:
    """A folder's layout errors: the first MAX_LAYOUT_ERRORS, then one summary for the rest."""
    if len(folder) <= MAX_LAYOUT_ERRORS:
        return folder
    rest = len(folder) - MAX_LAYOUT_ERRORS
    summary = _layout(base, "too-many", period=period, agency=agency,
                      count=str(len(folder)), shown=str(MAX_LAYOUT_ERRORS), rest=str(rest))
    return folder[:MAX_LAYOUT_ERRORS] + [summary]


def _layout(rel: str, variant: str, period: str | None = None, agency: str | None = None,
            **params: Any) -> FileReport:
    """A rejected report for one unexpected path (``rel``: relative to the datasets folder)."""
    error = problem("layout-error", variant, value=rel.rsplit("/", 1)[-1], **params)
    return FileReport(file=rel, period=period, agency=agency, table=None,
                      status=REJECTED, errors=[error])
