"""Cross-table and cross-month rules of decisions.csv (contract, "decisions.csv")."""

from __future__ import annotations

from pipeline.core.models import Problem
from pipeline.validate.context import FileContext, unknown_codes, value
from pipeline.validate.tablecheck import Checked


def decision_rules(t: Checked, ctx: FileContext) -> list[Problem]:
    """Dates within the period and in order, agenda known, responsible listed, completed_on coherent."""
    out: list[Problem] = []
    for i in range(len(t.rows)):
        day = value(t, i, "date")
        if day is not None and day > ctx.end:
            out.append(t.at("date-after-period", i, "date", period=ctx.period))
        agenda = value(t, i, "agenda_id")
        if agenda is not None and agenda not in ctx.agenda_ids:
            out.append(t.at("unknown-agenda", i, "agenda_id"))
        out += unknown_codes(t, i, "responsible", "unknown-responsible", ctx)
        due = value(t, i, "due_date")
        if due is not None and day is not None and due < day:
            out.append(t.at("due-before-date", i, "due_date", date=t.texts[i]["date"]))
        out += _completed_on(t, i, ctx)
    return out


def _completed_on(t: Checked, i: int, ctx: FileContext) -> list[Problem]:
    """completed_on: required when done, empty otherwise, within [date, end of period]."""
    if not t.usable(i, "completed_on"):
        return []
    status, done_on, day = value(t, i, "status"), t.rows[i].get("completed_on"), value(t, i, "date")
    example = ctx.end.isoformat() if day is None else max(day, ctx.start).isoformat()
    if status == "done" and done_on is None:
        return [t.at("completed-on-missing", i, "completed_on", example=example)]
    if done_on is None:
        return []
    out = []
    if status is not None and status != "done":
        out.append(t.at("completed-on-unexpected", i, "completed_on", status=status))
    if day is not None and done_on < day:
        out.append(t.at("completed-on-before-date", i, "completed_on", date=t.texts[i]["date"]))
    if done_on > ctx.end:
        out.append(t.at("completed-on-after-period", i, "completed_on", period=ctx.period))
    return out
