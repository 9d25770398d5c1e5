"""The organiser's meetings: the monthly coordination meeting and the events of organiser.toml."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from pipeline.core import periods
from tools.sample.meetings import attendees
from tools.sample.performance import PerformanceFiles, total_received
from tools.sample.records import Ledger, Record, agenda_row
from tools.sample.source import Event, Slot
from tools.sample.world import World


@dataclass(frozen=True)
class Plan:
    """One organiser meeting about to be registered."""

    kind: str
    day: date
    slot: Slot
    title: str
    type: str
    participants: list[str]
    location: str
    summary: str
    announce: bool
    status: str
    note: str


def register(world: World, ledger: Ledger, plan: Plan) -> Record:
    """Add one organiser meeting: announced as planned the month before if it says so, then reported."""
    organizer = world.organizer
    period = periods.of_date(plan.day)
    agenda_id = ledger.new_id("AG", organizer, period)
    owed = world.reporting_periods(organizer)
    versions = {}
    before = periods.shift(period, -1)
    row = (agenda_id, plan.day, plan.slot, plan.title, plan.type, plan.participants, plan.location)
    if plan.announce and before in owed:
        versions[before] = agenda_row(*row, "planned", plan.note)
    if period in owed:
        minutes = f"{world.source.places.minutes_url}/{organizer}/{agenda_id}.pdf" if plan.status == "held" else ""
        came = attendees(world, organizer, plan.day, plan.type, plan.participants) if plan.status == "held" else []
        versions[period] = agenda_row(*row, plan.status, plan.summary, minutes, came)
    ledger.meetings[(organizer, plan.kind, period)] = (agenda_id, plan.day)
    return ledger.add_agenda(organizer, versions)


def decisions_at(world: World, kind: str, period: str) -> int:
    """How many decisions an organiser meeting produced (for its summary)."""
    return sum(1 for d in world.source.decisions if d.at == (kind, period))


def rakor_summary(world: World, files: PerformanceFiles, period: str, held: date) -> str:
    """What the monthly meeting of ``period``, held on ``held``, reports."""
    rakor = world.source.rakor
    previous = periods.shift(periods.of_date(held), -1)
    month = world.month_name(previous)
    if previous in world.periods:
        received = world.indonesian.number(total_received(files, previous))
        achieved = rakor.achieved.format(month=month, received=received)
    else:
        achieved = rakor.achieved_unknown.format(month=month)
    agencies = len(world.everyone(held))
    return rakor.summary.format(agencies=agencies, achieved=achieved, topic=rakor.topics[period],
                                decisions=decisions_at(world, "rakor", period))


def rakor(world: World, ledger: Ledger, files: PerformanceFiles, period: str) -> None:
    """The monthly coordination meeting on the second Tuesday, or its postponement and later session."""
    source = world.source.rakor
    day = [d for d in world.workdays(period) if d.weekday() == 1][1]
    title = source.title.format(month=world.month_name(period))
    location = source.location.format_map(world.source.places.rooms)
    note = source.note.format(topic=source.topics[period])
    plan = Plan("rakor", day, source.slot, title, source.type, world.everyone(day), location,
                rakor_summary(world, files, period, day), True, "held", note)
    if period not in source.postponed:
        register(world, ledger, plan)
        return
    status, summary, later = source.postponed[period]
    record = register(world, ledger, replace(plan, status=status, summary=summary))
    invited = world.everyone(later.day)
    record.versions[periods.of_date(later.day)] = agenda_row(
        record.key, later.day, source.slot, later.title or title, source.type, invited, location,
        "held", rakor_summary(world, files, period, later.day),
        f"{world.source.places.minutes_url}/{world.organizer}/{record.key}.pdf",
        attendees(world, world.organizer, later.day, source.type, invited),
    )
    # Its decisions date from the day it was held.
    ledger.meetings[(world.organizer, "rakor", period)] = (record.key, later.day)


def event(world: World, ledger: Ledger, item: Event) -> None:
    """One event of organiser.toml; a postponed one is reported again in the month it was held."""
    family = item.family
    location = item.location.format_map(world.source.places.rooms)
    participants = world.who(item.day, family.participants)
    record = register(world, ledger, Plan(
        family.kind, item.day, family.slot, item.title, family.type, participants, location,
        item.summary, family.announce, item.status, item.note,
    ))
    if item.later is not None:
        # The clerk updates last month's row: the new day, held, who came and what happened.
        later = item.later
        invited = world.who(later.day, family.participants)
        record.versions[periods.of_date(later.day)] = agenda_row(
            record.key, later.day, family.slot, later.title or item.title, family.type,
            invited, location, "held",
            f"{family.summary}\n\n{later.note}" if later.note else family.summary,
            attendees=attendees(world, world.organizer, later.day, family.type, invited),
        )


def organiser_meetings(world: World, ledger: Ledger, files: PerformanceFiles) -> None:
    """Every organiser meeting, in the order that numbers them: monthly meetings, then the events."""
    for period in sorted(world.source.rakor.topics):
        rakor(world, ledger, files, period)
    for item in world.source.events:
        event(world, ledger, item)
