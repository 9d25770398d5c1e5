"""Cross-table rules of agendas.csv (contract, "agendas.csv")."""

from __future__ import annotations

from pipeline.core.models import Problem
from pipeline.core.records import split_codes
from pipeline.validate.context import FileContext, unknown_codes, value
from pipeline.validate.tablecheck import Checked


def agenda_rules(t: Checked, ctx: FileContext) -> list[Problem]:
    """Times in order, participants listed, held not after / planned not before the period, attendance."""
    out: list[Problem] = []
    for i in range(len(t.rows)):
        start, end = value(t, i, "start_time"), value(t, i, "end_time")
        if start is not None and end is not None and end < start:
            out.append(t.at("end-before-start", i, "end_time", start=t.texts[i]["start_time"]))
        out += unknown_codes(t, i, "participants", "unknown-participant", ctx)
        out += attendance_rules(t, i, ctx)
        day, status = value(t, i, "date"), value(t, i, "status")
        if day is None or status is None:
            continue
        # Reported on status: the date is plausible, the status cannot be true for it.
        if status == "held" and day > ctx.end:
            out.append(t.at("held-after-period", i, "status", date=t.texts[i]["date"], period=ctx.period))
        if status == "planned" and day < ctx.start:
            out.append(t.at("planned-before-period", i, "status", date=t.texts[i]["date"], period=ctx.period))
    return out


def attendance_rules(t: Checked, i: int, ctx: FileContext) -> list[Problem]:
    """attendees (optional column): listed codes, only on a held meeting; a guest not invited is a warning."""
    text = t.texts[i].get("attendees") if t.usable(i, "attendees") else None
    if not text or not split_codes(text):
        return []  # no column, or an empty cell: attendance unknown, which is allowed
    out = unknown_codes(t, i, "attendees", "unknown-attendee", ctx)
    status = value(t, i, "status")
    if status is not None and status != "held":
        out.append(t.at("attendees-not-held", i, "attendees", status=status))
    if t.usable(i, "participants"):
        invited = set(split_codes(t.texts[i].get("participants")))
        known = ctx.reference.agencies
        for code in split_codes(text):
            # An unknown code already has its error; a walk-in guest is possible, so only a warning.
            if code in known and code not in invited:
                out.append(t.at("attendee-not-invited", i, "attendees", listed=f"\"{code}\""))
    return out
