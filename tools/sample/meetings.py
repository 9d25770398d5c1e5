"""The other agencies' meetings: fixed ones, occasional ones drawn from their pools, planned ones."""

from __future__ import annotations

import random
from datetime import date

from pipeline.core import periods
from tools.sample.records import Ledger, Row, agenda_row
from tools.sample.source import Meeting
from tools.sample.world import World


def held_summary(world: World, r: random.Random, agenda_type: str) -> str:
    """A short Markdown summary of a held meeting: how many came, two points."""
    source = world.source.meetings
    points = r.sample(source.points[agenda_type], k=min(2, len(source.points[agenda_type])))
    people = r.randint(15, 40) if agenda_type in ("staff-development", "coordination") else r.randint(20, 120)
    return source.phrases["held"].format(people=people) + "\n\n" + "\n".join(f"- {p}" for p in points)


# Meetings whose clerk lists who came: the joint ones. About one in five lists nobody
# (attendance unknown), so that both cases show; most invited agencies come.
ATTENDANCE_TYPES = ("coordination", "dialogue")


def attendees(world: World, agency: str, day: date, kind: str, invited: list[str]) -> list[str]:
    """Who came to a held meeting of ``agency`` on ``day``; empty when the clerk did not say."""
    if kind not in ATTENDANCE_TYPES or len(invited) < 2:
        return []
    r = world.rng("attendance", agency, day)
    if r.random() < 0.2:
        return []
    return [code for code in invited if code == agency or r.random() < 0.85]


def fixed_meeting(world: World, ledger: Ledger, m: Meeting) -> None:
    """A meeting of an agency on a fixed day, held and reported in its month."""
    period = periods.of_date(m.day)
    agenda_id = ledger.new_id("AG", m.agency, period)
    r = world.rng("fixed", m.agency, m.day)
    people = list(m.participants) if m.participants else [m.agency]
    summary = m.summary or held_summary(world, r, m.type)
    minutes = f"{world.source.places.minutes_url}/{m.agency}/{agenda_id}.pdf" if r.random() < 0.4 else ""
    location = m.location.format_map(world.source.places.rooms)
    row = agenda_row(agenda_id, m.day, world.source.meetings.slots[0], m.title, m.type, people, location,
                     "held", summary, minutes, attendees(world, m.agency, m.day, m.type, people))
    ledger.add_agenda(m.agency, {period: row})
    ledger.meetings[(m.agency, "fixed", m.day.isoformat())] = (agenda_id, m.day)


def random_meetings(world: World, ledger: Ledger, agency: str, period: str) -> None:
    """Occasional own meetings of an agency in a month (none in quiet months)."""
    source = world.source.meetings
    r = world.rng("agenda", agency, period)
    if period == world.early or r.random() >= source.rates.get(agency, source.default_rate):
        return
    for _ in range(2 if r.random() < 0.25 else 1):
        random_meeting(world, ledger, agency, period, r)


def random_meeting(world: World, ledger: Ledger, agency: str, period: str, r: random.Random) -> None:
    """One own meeting; some announced the month before, a few postponed or cancelled."""
    source, places = world.source.meetings, world.source.places
    days = [d for d in world.workdays(period) if d >= world.joined[agency]]
    agenda_type, title, location = r.choice(source.pools[agency])
    place = {"kel": r.choice(places.kelurahan), "school": r.choice(places.schools), **places.rooms}
    title, location = title.format_map(place), location.format_map(place)
    day, slot = r.choice(days), r.choice(source.slots)
    agenda_id = ledger.new_id("AG", agency, period)
    roll = r.random()
    status = "held" if roll < 0.88 else "postponed" if roll < 0.95 else "cancelled"
    if status == "held":
        summary = held_summary(world, r, agenda_type)
    else:
        reasons = source.postpone_reasons if status == "postponed" else source.cancel_reasons
        summary = source.phrases[status].format(reason=r.choice(reasons))
    minutes = f"{places.minutes_url}/{agency}/{agenda_id}.pdf" if status == "held" and r.random() < 0.2 else ""
    row = (agenda_id, day, slot, title, agenda_type, [agency], location)
    versions: dict[str, Row] = {period: agenda_row(*row, status, summary, minutes)}
    before, after = periods.shift(period, -1), periods.shift(period, 1)
    owed = world.reporting_periods(agency)
    if r.random() < 0.25 and before in owed:  # announced the month before
        versions = {before: agenda_row(*row, "planned"), **versions}
    if status == "postponed" and after in world.periods and after in owed:
        later = r.choice(world.workdays(after))
        note = source.phrases["replacement"].format(day=day.day, month=world.month_name(period))
        versions[after] = agenda_row(agenda_id, later, slot, title, agenda_type, [agency], location, "held",
                                     held_summary(world, r, agenda_type) + "\n\n" + note)
    ledger.add_agenda(agency, versions)


def agency_meetings(world: World, ledger: Ledger) -> None:
    """Fixed meetings, then each agency's occasional ones (alphabetically), then the planned ones."""
    source = world.source.meetings
    fixed_months = {(m.agency, periods.of_date(m.day)) for m in source.fixed}
    for m in source.fixed:
        fixed_meeting(world, ledger, m)
    for agency in sorted(world.joined):
        if agency == world.organizer:
            continue
        for period in world.reporting_periods(agency):
            if (agency, period) not in fixed_months:
                random_meetings(world, ledger, agency, period)
    for m in source.planned:
        agenda_id = ledger.new_id("AG", m.agency, periods.of_date(m.day))
        location = m.location.format_map(world.source.places.rooms)
        row = agenda_row(agenda_id, m.day, source.slots[0], m.title, m.type, [m.agency], location, "planned")
        ledger.add_agenda(m.agency, {world.early: row})
