"""Decisions: each plan of decisions.toml becomes a record with one reported row per status change."""

from __future__ import annotations

import random
from datetime import date, timedelta

from pipeline.core import periods
from tools.sample.records import Ledger, Record
from tools.sample.source import DecisionPlan, SourceError
from tools.sample.world import World

# The follow_up text a status reports unless its step names another.
FOLLOW_UP_KEY = {"open": "open", "in-progress": "progress", "done": "done", "cancelled": "cancelled"}


def decision_meeting(world: World, ledger: Ledger, plan: DecisionPlan) -> tuple[str, date]:
    """The agenda_id and day of the meeting a decision came from ('' and its own date when none)."""
    if plan.at is not None:
        return ledger.meetings[(world.organizer, *plan.at)]
    if plan.day is None:
        raise SourceError(f"decisions.toml: {plan.title!r} needs `at` or `day`")
    return ledger.meetings.get((plan.agency, "fixed", plan.day.isoformat()), ("", plan.day))


def completion_day(world: World, r: random.Random, period: str, since: date) -> date:
    """A workday in ``period`` not before ``since`` (and before the early files were sent)."""
    until = world.source.calendar.completed_until
    days = [d for d in world.workdays(period) if since <= d <= until]
    return r.choice(days) if days else since


def build_decision(world: World, ledger: Ledger, plan: DecisionPlan) -> None:
    """Turn a plan into a record with one reported row per status change."""
    agenda_id, day = decision_meeting(world, ledger, plan)
    start = periods.of_date(day)
    decision_id = ledger.new_id("KP", plan.agency, start)
    r = world.rng("decision", plan.agency, decision_id)
    base = {
        "decision_id": decision_id,
        "date": day.isoformat(),
        "agenda_id": agenda_id,
        "title": plan.title,
        "description": plan.description,
        "responsible": ";".join(world.who(day, plan.responsible)),
        "due_date": (day + timedelta(plan.due_days)).isoformat(),
        "completed_on": "",
        "evidence_url": "",
    }
    record = Record(plan.agency, decision_id)
    owed = world.reporting_periods(plan.agency)
    for token in plan.steps.split():
        status, _, rest = token.partition("@")
        offset, _, key = rest.partition(":")
        period = periods.shift(start, int(offset))
        if period not in owed:
            break
        row = dict(base, status=status, follow_up=plan.follow_up[key or FOLLOW_UP_KEY[status]])
        if status == "done":
            row["completed_on"] = completion_day(world, r, period, day).isoformat()
            if plan.evidence:
                row["evidence_url"] = f"{world.source.places.evidence_url}/{plan.agency}/{decision_id}.pdf"
        record.versions[period] = row
    ledger.decisions[plan.agency].append(record)


def build_decisions(world: World, ledger: Ledger) -> None:
    """All decisions, numbered per agency in the order of their meetings' days (then of the file)."""
    plans = sorted(world.source.decisions, key=lambda p: (p.agency, decision_meeting(world, ledger, p)[1]))
    for plan in plans:
        build_decision(world, ledger, plan)
