"""Judge submitted files in two steps: read and ready each one, then finish its report.

Between the steps ``run.py`` streams the readied rows of all files of a table through
frictionless at once.  An unexpected exception anywhere in one file's handling is a bug in
the pipeline, not a fault of the file: it becomes an ``internal-error`` for that file only,
and its traceback is kept (``pipeline.core.incidents``) for the data officer.  ``unreadable-file``
is left for a file the operating system cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.core import incidents
from pipeline.core.config import Limits
from pipeline.core.models import ACCEPTED, REJECTED, FileReport, Problem
from pipeline.core.safe_open import Refused, read_limited
from pipeline.validate.context import FileContext
from pipeline.validate.layout import Submitted
from pipeline.validate.messages import is_warning, problem
from pipeline.validate.personal_rules import personal_data_problems
from pipeline.validate.problem_bound import bound_report
from pipeline.validate.reading import read_file
from pipeline.validate.rules_agendas import agenda_rules
from pipeline.validate.rules_decisions import decision_rules
from pipeline.validate.rules_performance import performance_rules
from pipeline.validate.schemas import CONTRACT, TableSchema
from pipeline.validate.tablecheck import Checked, prepare_table
from pipeline.validate.text_rules import control_character_problems

RULES: dict[str, Callable[[Checked, FileContext], list[Problem]]] = {
    "agendas": agenda_rules,
    "decisions": decision_rules,
    "performance": performance_rules,
}
_CELL = re.compile(r"^([A-Z]+)")


@dataclass
class Pending:
    """A file between reading and its report: problems so far and the readied table."""

    sub: Submitted
    sha256: str | None = None
    problems: list[Problem] = field(default_factory=list)
    checked: Checked | None = None


def failure(exc: BaseException, where: str) -> Problem:
    """The error recorded when judging a file failed unexpectedly: a bug, kept with its traceback."""
    incidents.record(f"{where}: {type(exc).__name__}: {exc}", exc)
    return problem("internal-error")


def unreadable(exc: OSError) -> Problem:
    """The error recorded when the operating system cannot read a submitted file."""
    return problem("unreadable-file", detail=exc.strerror or type(exc).__name__)


def prepare_file(sub: Submitted, schema: TableSchema, limits: Limits) -> Pending:
    """Read a file and ready its rows for frictionless; never raises."""
    pending = Pending(sub)
    try:
        sheet = read_file(sub.root, sub.file, sub.fmt, sub.table, limits)
        pending.sha256 = sheet.sha256
        pending.problems += [*sheet.errors, *sheet.warnings]
        if sheet.readable:
            pending.checked = prepare_table(sheet, schema)
    except Refused as exc:  # became a link or a FIFO after the scan: still never read
        pending.problems.append(problem("layout-error", exc.reason, value=sub.file.rsplit("/", 1)[-1]))
        pending.checked = None
    except OSError as exc:  # the file itself: gone, no permission, bad disk sector
        pending.problems.append(unreadable(exc))
        pending.checked = None
        pending.sha256 = pending.sha256 or _safe_sha(sub)
    except Exception as exc:  # noqa: BLE001 - one odd file must never stop the others
        pending.problems.append(failure(exc, sub.file))
        pending.checked = None
        pending.sha256 = pending.sha256 or _safe_sha(sub)
    return pending


def finish_file(pending: Pending, ctx: FileContext) -> FileReport:
    """Run the table's cross rules and build the file's report; never raises."""
    sub = pending.sub
    found = list(pending.problems)
    rows = None
    checked = pending.checked
    if checked is not None:
        try:
            # Rows first: when a rule crashes, this month's decisions may still name these agendas
            # (a bug in the agenda rules must not reject the decisions with unknown-agenda).
            rows = [{k: row.get(k) for k in CONTRACT[sub.table]} for row in checked.rows]
            found += checked.errors
            found += RULES[sub.table](checked, ctx)
            found += personal_data_problems(checked, ctx.public)
            found += control_character_problems(checked)
            if sub.table == "performance" and not checked.rows:
                found.append(problem("no-rows"))
        except Exception as exc:  # noqa: BLE001 - see prepare_file
            found.append(failure(exc, sub.file))
    found += _joined_warning(ctx)
    found.sort(key=_order)
    errors = [p for p in found if not is_warning(p.code)]
    report = FileReport(
        file=sub.file, period=sub.period, agency=sub.agency, table=sub.table,
        status=REJECTED if errors else ACCEPTED, errors=errors,
        warnings=[p for p in found if is_warning(p.code)], sha256=pending.sha256, rows=rows,
    )
    return bound_report(report)


def _joined_warning(ctx: FileContext) -> list[Problem]:
    """A warning when the period is before the month the agency joined the mall."""
    agency = ctx.reference.agencies.get(ctx.agency)
    if agency is None or agency.joined_on is None or ctx.start >= agency.joined_on.replace(day=1):
        return []
    return [problem("period-before-joined", period=ctx.period, agency=ctx.agency,
                    joined=agency.joined_on.isoformat())]


def _order(p: Problem) -> tuple[int, int]:
    """Problems as a clerk reads the sheet: file-level first, then row by row, left to right."""
    match = _CELL.match(p.cell or "")
    column = 0
    for ch in match.group(1) if match else "":
        column = column * 26 + ord(ch) - 64
    return (p.row or 0, column)


def _safe_sha(sub: Submitted) -> str | None:
    """The file's SHA-256 (hashed, not kept), or None when even that cannot be read."""
    try:
        return read_limited(sub.root, sub.file, 0).sha256
    except OSError:
        return None
