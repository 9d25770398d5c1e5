"""Cross-table rules of performance.csv (contract, "performance.csv")."""

from __future__ import annotations

from pipeline.core.ikm import ELEMENTS
from pipeline.core.models import Message, Problem
from pipeline.validate.context import FileContext, value
from pipeline.validate.tablecheck import Checked

LONG_WAIT_MINUTES = 480


def performance_rules(t: Checked, ctx: FileContext) -> list[Problem]:
    """Folder match, service ownership, count consistency, survey completeness, warnings."""
    out: list[Problem] = []
    for i in range(len(t.rows)):
        out += _identity(t, i, ctx)
        out += _counts(t, i)
        out += _survey(t, i)
    return out


def _identity(t: Checked, i: int, ctx: FileContext) -> list[Problem]:
    """period and agency_code equal the folder's; the service belongs to this agency."""
    out = []
    period, agency, service = (value(t, i, n) for n in ("period", "agency_code", "service_code"))
    if period is not None and period != ctx.period:
        out.append(t.at("period-mismatch", i, "period", period=ctx.period))
    if agency is not None and agency != ctx.agency:
        out.append(t.at("agency-mismatch", i, "agency_code", agency=ctx.agency))
    if service is not None:
        own = ", ".join(ctx.reference.services_of(ctx.agency)) or "-"
        known = ctx.reference.services.get(service)
        if known is None:
            out.append(t.at("unknown-service", i, "service_code", allowed=own))
        elif known.agency_code != ctx.agency:
            out.append(t.at("service-agency-mismatch", i, "service_code",
                            owner=known.agency_code, agency=ctx.agency, allowed=own))
    return out


def _counts(t: Checked, i: int) -> list[Problem]:
    """completed_within_standard <= completed (error); backlog, complaints and long waits (warnings)."""
    out = []
    received, completed, within, c_received, c_resolved, wait = (
        value(t, i, n) for n in ("applications_received", "applications_completed",
                                 "completed_within_standard", "complaints_received",
                                 "complaints_resolved", "avg_wait_minutes"))
    if within is not None and completed is not None and within > completed:
        out.append(t.at("completed-within-standard-exceeds-completed", i, "completed_within_standard",
                        found=within, completed=completed))
    if completed is not None and received is not None and completed > received:
        out.append(t.at("completed-exceeds-received", i, "applications_completed",
                        found=completed, received=received))
    if c_resolved is not None and c_received is not None and c_resolved > c_received:
        out.append(t.at("resolved-exceeds-received", i, "complaints_resolved",
                        found=c_resolved, received=c_received))
    if wait is not None and wait > LONG_WAIT_MINUTES:
        out.append(t.at("long-wait", i, "avg_wait_minutes", found=t.texts[i]["avg_wait_minutes"].strip()))
    return out


def _survey(t: Checked, i: int) -> list[Problem]:
    """All nine u's when survey_respondents > 0; none when it is 0 or empty (one problem per row)."""
    if not t.usable(i, "survey_respondents"):
        return []
    respondents = t.rows[i].get("survey_respondents")
    filled = [u for u in ELEMENTS if t.texts[i].get(u, "") != ""]
    if respondents:
        # A cell already reported (a missing cell) is not reported again as empty.
        empty = [u for u in ELEMENTS if u not in filled and t.usable(i, u)]
        if empty:
            return [t.at("survey-incomplete", i, empty[0], value="", empty=", ".join(empty),
                         respondents=respondents)]
        return []
    if filled:
        said = (Message("kosong", "is empty") if respondents is None
                else Message("berisi 0", "is 0"))
        return [t.at("survey-unexpected", i, filled[0], filled=", ".join(filled), respondents=said)]
    return []
