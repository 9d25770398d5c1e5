"""Judge one submitted file: read it, run frictionless, run its table's cross rules."""

from __future__ import annotations

import logging
import re
from typing import Callable

from pipeline.messages import is_warning, problem
from pipeline.models import ACCEPTED, REJECTED, FileReport, Problem
from pipeline.reading import file_sha256, read_file
from pipeline.schemas import CONTRACT, TableSchema
from pipeline.tablecheck import Checked, check_table
from pipeline.validate.context import FileContext
from pipeline.validate.rules_agendas import agenda_rules
from pipeline.validate.rules_decisions import decision_rules
from pipeline.validate.rules_performance import performance_rules
from pipeline.layout import Submitted

log = logging.getLogger(__name__)

RULES: dict[str, Callable[[Checked, FileContext], list[Problem]]] = {
    "agendas": agenda_rules,
    "decisions": decision_rules,
    "performance": performance_rules,
}
_CELL = re.compile(r"^([A-Z]+)")


def judge_file(sub: Submitted, ctx: FileContext, schema: TableSchema, max_mb: float) -> FileReport:
    """The report of one file; any failure while reading it becomes an error in the report."""
    report = FileReport(file=sub.file, period=sub.period, agency=sub.agency, table=sub.table,
                        status=REJECTED)
    try:
        found = _problems(sub, ctx, schema, max_mb, report)
    except Exception as exc:  # noqa: BLE001 - one odd file must never stop the others
        log.debug("unexpected failure judging %s", sub.file, exc_info=True)
        found = [problem("unreadable-file", detail=type(exc).__name__)]
        report.rows = None
        if report.sha256 is None:
            report.sha256 = _safe_sha(sub)
    found += _joined_warning(ctx)
    found.sort(key=_order)
    report.errors = [p for p in found if not is_warning(p.code)]
    report.warnings = [p for p in found if is_warning(p.code)]
    report.status = REJECTED if report.errors else ACCEPTED
    return report


def _problems(sub: Submitted, ctx: FileContext, schema: TableSchema, max_mb: float,
              report: FileReport) -> list[Problem]:
    """Every problem of the file, in the order found; fills sha256 and rows on the report."""
    sheet = read_file(sub.path, sub.fmt, sub.table, max_mb)
    report.sha256 = sheet.sha256
    found = [*sheet.errors, *sheet.warnings]
    if not sheet.readable:
        return found
    checked = check_table(sheet, schema)
    found += checked.errors
    found += RULES[sub.table](checked, ctx)
    if sub.table == "performance" and not checked.rows:
        found.append(problem("no-rows"))
    fields = list(CONTRACT[sub.table])
    report.rows = [{k: row.get(k) for k in fields} for row in checked.rows]
    return found


def _joined_warning(ctx: FileContext) -> list[Problem]:
    """A warning when the period is before the month the agency joined the mall."""
    agency = ctx.reference.agencies.get(ctx.agency)
    if agency is None or agency.joined_on is None or ctx.end >= agency.joined_on.replace(day=1):
        return []
    return [problem("period-before-joined", period=ctx.period, agency=ctx.agency,
                    joined=agency.joined_on.isoformat())]


def _order(p: Problem) -> tuple[int, int, str]:
    """Problems sorted as a clerk reads the sheet: file-level first, then row by row, left to right."""
    match = _CELL.match(p.cell or "")
    column = 0
    for ch in match.group(1) if match else "":
        column = column * 26 + ord(ch) - 64
    return (p.row or 0, column, "")


def _safe_sha(sub: Submitted) -> str | None:
    """The file's SHA-256, or None when even that cannot be read."""
    try:
        return file_sha256(sub.path)
    except OSError:
        return None
