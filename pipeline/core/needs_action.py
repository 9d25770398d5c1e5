"""Which agencies need action after a run: a file rejected or misplaced, or a file owed and not received.

``validate`` and ``publish`` end their summary with these lines, so that the data officer
sees whom to contact without reading every report.  A missing file does not change the
exit code (see ``pipeline.runner.exitcodes``): an agency late this month is the normal
state of a monthly collection, not a failure of the run.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.core.models import TABLES, FileReport
from pipeline.core.obligations import owes
from pipeline.core.records import Agency


def missing_files(agencies: Iterable[Agency], start: str | None, period: str,
                  received: set[tuple[str, str]]) -> dict[str, list[str]]:
    """agency -> the tables it owes for ``period`` and has not sent (``received``: (agency, table))."""
    missing: dict[str, list[str]] = {}
    for agency in agencies:
        if owes(agency.active, agency.joined_on, start, period):
            tables = [t for t in TABLES if (agency.agency_code, t) not in received]
            if tables:
                missing[agency.agency_code] = tables
    return missing


def needs_action_lines(reports: Iterable[FileReport], missing: dict[str, list[str]], period: str) -> list[str]:
    """The summary's closing lines: agencies with a rejected or misplaced file, and those with files missing.

    Only files for ``period`` (the last month whose deadline has passed) and later count:
    an old month's rejected file is on its feedback page, but is not this month's chase.
    """
    rejected = sorted({r.agency for r in reports
                       if not r.accepted and r.agency and (r.period is None or r.period >= period)})
    lines: list[str] = []
    if rejected:
        lines.append(f"PERLU TINDAKAN / NEEDS ACTION - berkas ditolak atau salah tempat sejak {period} / file "
                     f"rejected or misplaced since {period}: {', '.join(rejected)}")
    if missing:
        named = "; ".join(f"{a} ({', '.join(t)})" for a, t in sorted(missing.items()))
        lines.append(f"PERLU TINDAKAN / NEEDS ACTION - belum dikirim untuk {period} / not received for {period}: "
                     f"{named}")
    return lines
