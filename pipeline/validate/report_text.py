"""The terminal summary of a validation run, grouped by agency (Indonesian first, English second)."""

from __future__ import annotations

from collections import defaultdict

from pipeline.core.models import FileReport, Problem

MAX_PROBLEMS_PER_FILE = 5
_NO_AGENCY = "(tanpa instansi / no agency)"


def summary_text(reports: list[FileReport]) -> str:
    """Counts for the whole run, then per agency the files with problems and their first problems."""
    lines = _totals(reports)
    groups: dict[str, list[FileReport]] = defaultdict(list)
    for report in reports:
        groups[report.agency or _NO_AGENCY].append(report)
    for agency in sorted(groups, key=lambda a: (a == _NO_AGENCY, a)):
        lines += [""] + _agency_block(agency, groups[agency])
    return "\n".join(lines)


def _totals(reports: list[FileReport]) -> list[str]:
    """The run's headline counts."""
    files = [r for r in reports if r.table is not None]
    layout = [r for r in reports if r.table is None]
    accepted = sum(r.accepted for r in files)
    errors = sum(r.error_count for r in files)
    warnings = sum(r.warning_count for r in files)
    verdict = ("SEMUA BERKAS DITERIMA / ALL FILES ACCEPTED"
               if all(r.accepted for r in reports) else "ADA BERKAS DITOLAK / SOME FILES REJECTED")
    return [
        "Hasil pemeriksaan berkas / Validation result",
        (f"Berkas / files: {len(files)}  diterima / accepted: {accepted}  "
         f"ditolak / rejected: {len(files) - accepted}"),
        (f"Galat / errors: {errors}  peringatan / warnings: {warnings}  "
         f"kesalahan susunan folder / layout errors: {len(layout)}"),
        verdict,
    ]


def _agency_block(agency: str, reports: list[FileReport]) -> list[str]:
    """One agency: its counts, rejected files with their first problems, warned files in a line."""
    files = [r for r in reports if r.table is not None]
    accepted = sum(r.accepted for r in files)
    lines = [
        f"== {agency} ==",
        (f"  diterima / accepted: {accepted}  ditolak / rejected: {len(files) - accepted}  "
         f"galat / errors: {sum(r.error_count for r in files)}  "
         f"peringatan / warnings: {sum(r.warning_count for r in files)}"),
    ]
    for report in reports:
        if report.table is None:
            lines += [f"  SUSUNAN FOLDER / LAYOUT  {report.file}"] + _problem_lines(report.errors)
        elif not report.accepted:
            lines += [f"  DITOLAK / REJECTED  {report.file}"]
            lines += (_problem_lines(report.errors, total=report.error_count)
                      + _problem_lines(report.warnings, "peringatan / warning", report.warning_count))
        elif report.warnings:
            # One line each: warnings do not block publishing, and a clerk reads them on the
            # feedback page; the terminal stays short enough to spot the rejections.
            codes = ", ".join(sorted({p.code for p in report.warnings}))
            lines.append(f"  DITERIMA DENGAN PERINGATAN / ACCEPTED WITH WARNINGS  {report.file}  "
                         f"({report.warning_count}: {codes})")
    return lines


def _problem_lines(problems: list[Problem], label: str = "galat / error",
                   total: int | None = None) -> list[str]:
    """The first problems of a file (of ``total``), each with where, what was found, and the fix."""
    lines: list[str] = []
    for p in problems[:MAX_PROBLEMS_PER_FILE]:
        where = []
        if p.row is not None:
            where.append(f"baris/row {p.row}")
        if p.field:
            where.append(f"kolom/field {p.field}")
        if p.cell:
            where.append(f"sel/cell {p.cell}")
        if p.value not in (None, ""):
            where.append(f"nilai/value {_short(p.value)}")
        lines.append(f"    - {label} [{p.code}] " + ", ".join(where))
        lines.append(f"      ID: {p.message.id}")
        lines.append(f"      EN: {p.message.en}")
    total = len(problems) if total is None else total
    if total > MAX_PROBLEMS_PER_FILE:
        more = total - MAX_PROBLEMS_PER_FILE
        lines.append(f"    ... dan {more} lainnya / and {more} more")
    return lines


def _short(value: str, limit: int = 40) -> str:
    """A value quoted on one line, shortened when long."""
    text = value.replace("\n", " ").replace("\r", " ")
    return f"\"{text[: limit - 1]}…\"" if len(text) > limit else f"\"{text}\""
