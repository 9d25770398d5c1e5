"""Cross-table rules of agendas.csv (contract, "agendas.csv")."""

from __future__ import annotations

from pipeline.core.models import Problem
from pipeline.validate.context import FileContext, unknown_codes, value
from pipeline.validate.tablecheck import Checked


def agenda_rules(t: Checked, ctx: FileContext) -> list[Problem]:
    """Times in order, participants listed, held not after / planned not before the period."""
    out: list[Problem] = []
    for i in range(len(t.rows)):
        start, end = value(t, i, "start_time"), value(t, i, "end_time")
        if start is not None and end is not None and end < start:
            out.append(t.at("end-before-start", i, "end_time", start=t.texts[i]["start_time"]))
        out += unknown_codes(t, i, "participants", "unknown-participant", ctx)
        day, status = value(t, i, "date"), value(t, i, "status")
        if day is None or status is None:
            continue
        # Reported on status: the date is plausible, the status cannot be true for it.
        if status == "held" and day > ctx.end:
            out.append(t.at("held-after-period", i, "status", date=t.texts[i]["date"], period=ctx.period))
        if status == "planned" and day < ctx.start:
            out.append(t.at("planned-before-period", i, "status", date=t.texts[i]["date"], period=ctx.period))
    return out
