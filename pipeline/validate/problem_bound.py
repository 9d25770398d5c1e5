"""Keep a file's report readable: the first problems one by one, then one summary by code and column.

A file can hold tens of thousands of problems (every cell of a 5,000-row file of the wrong
table); listing them all made feedback pages of hundreds of megabytes.  Past
``MAX_LISTED`` errors (or warnings), the report keeps the first ones, in reading order, and
adds one ``too-many-problems`` object counting the rest by code and column.  The file's
status is decided before, on every problem; the counts of the report stay exact.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from pipeline.core.models import FileReport, Message, Problem
from pipeline.validate.messages import problem

MAX_LISTED = 200
SUMMARY_CODE = "too-many-problems"
MAX_GROUPS = 20  # code-and-column groups named in the summary; the rest are counted together
_KINDS = {"errors": Message("kesalahan", "errors"), "warnings": Message("peringatan", "warnings")}
_ADVICE = {
    "errors": Message("Perbaiki yang dirinci, periksa kolom yang sama di baris-baris lain, lalu kirim kembali "
                      "berkas ini.",
                      "Fix the ones listed, check the same columns in the other rows, then send the file again."),
    "warnings": Message("Periksa yang dirinci dan kolom yang sama di baris-baris lain; bila ada angka yang salah, "
                        "kirim berkas perbaikan.",
                        "Check the ones listed and the same columns in the other rows; if a figure is wrong, "
                        "send a corrected file."),
}


def bound_report(report: FileReport) -> FileReport:
    """The report with at most MAX_LISTED errors and warnings listed, each list then summarised."""
    errors, omitted_errors = bound(report.errors, "errors")
    warnings, omitted_warnings = bound(report.warnings, "warnings")
    if not (omitted_errors or omitted_warnings):
        return report
    return dataclasses.replace(report, errors=errors, warnings=warnings,
                               omitted_errors=omitted_errors, omitted_warnings=omitted_warnings)


def bound(problems: list[Problem], kind: str) -> tuple[list[Problem], int]:
    """The first MAX_LISTED problems plus a summary of the rest, and how many were left out."""
    if len(problems) <= MAX_LISTED:
        return problems, 0
    rest = problems[MAX_LISTED:]
    groups = Counter((p.code, p.field) for p in rest).most_common()
    named = [_group(code, field, count) for (code, field), count in groups[:MAX_GROUPS]]
    if len(groups) > MAX_GROUPS:
        others = sum(count for _, count in groups[MAX_GROUPS:])
        named.append(Message(f"lainnya: {_id(others)}", f"others: {others:,}"))
    summary = problem(
        SUMMARY_CODE, kind=_KINDS[kind], advice=_ADVICE[kind], total=Message(_id(len(problems)), f"{len(problems):,}"),
        shown=MAX_LISTED, rest=Message(_id(len(rest)), f"{len(rest):,}"),
        groups=Message("; ".join(g.id for g in named), "; ".join(g.en for g in named)),
    )
    return problems[:MAX_LISTED] + [summary], len(rest)


def _group(code: str, field: str | None, count: int) -> Message:
    """One group of the summary: ``type-error di kolom u1: 4.000``."""
    if field:
        return Message(f"{code} di kolom {field}: {_id(count)}", f"{code} in column {field}: {count:,}")
    return Message(f"{code}: {_id(count)}", f"{code}: {count:,}")


def _id(number: int) -> str:
    """A count written the Indonesian way (4.000)."""
    return f"{number:,}".replace(",", ".")
