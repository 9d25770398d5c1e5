"""What arrives: which files, with which rows, which carry a clerk's mistake, and when each came in."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

from pipeline.core import periods
from pipeline.core.models import TABLES
from pipeline.validate.schemas import CONTRACT
from tools.sample.clerk_errors import INJECTORS, Table, inject
from tools.sample.performance import PerformanceFiles
from tools.sample.records import Ledger, Row
from tools.sample.source import Key, SourceError
from tools.sample.world import World


def expected_keys(world: World) -> list[Key]:
    """Every file an agency owes (sample months) plus the early files of this month."""
    keys = [
        (p, a, t) for a in sorted(world.joined) for p in world.reporting_periods(a) if p != world.early for t in TABLES
    ]
    keys += [(world.early, a, t) for a, t in world.source.calendar.early_files]
    return sorted(keys)


def written_keys(world: World) -> set[Key]:
    """The files that arrived: those owed, less the missing ones."""
    return set(expected_keys(world)) - world.source.intake.missing


def _sorted_rows(rows: list[Row], table: str) -> list[Row]:
    """Rows in the order clerks keep them: by date, then identifier."""
    return sorted(rows, key=lambda row: (row["date"], row[next(iter(CONTRACT[table]))]))


def base_rows(ledger: Ledger, files: PerformanceFiles, key: Key) -> list[Row]:
    """The rows an agency reports in a month (before re-sending anything)."""
    period, agency, table = key
    if table == "performance":
        return [dict(row) for row in files[(period, agency)]]
    rows = [dict(rec.versions[period]) for rec in ledger.records(agency, table) if period in rec.versions]
    return _sorted_rows(rows, table)


# Optional columns a clerk's file carries only when some row fills them (attendance lists
# came with contract revision 2; files from before it, or without any list, lack the column).
OPTIONAL_COLUMNS = ("attendees",)


def header(table: str, rows: list[Row]) -> list[str]:
    """The contract's columns of ``table``, less the optional ones that no row fills."""
    return [name for name in CONTRACT[table]
            if name not in OPTIONAL_COLUMNS or any(row.get(name) for row in rows)]


def new_table(ledger: Ledger, files: PerformanceFiles, key: Key) -> Table:
    """A file's contract header and the rows it reports."""
    rows = base_rows(ledger, files, key)
    return Table(header(key[2], rows), rows)


def new_agendas_cited(ledger: Ledger, key: Key) -> bool:
    """True when the month's decisions cite an agenda first reported in that same month."""
    period, agency, _ = key
    fresh = {rec.key for rec in ledger.agendas[agency] if min(rec.versions) == period}
    cited = {rec.versions[period]["agenda_id"] for rec in ledger.decisions[agency] if period in rec.versions}
    return bool(fresh & cited)


def choose_injections(world: World, ledger: Ledger, files: PerformanceFiles, written: set[Key]) -> dict[Key, str]:
    """Pick the files that get a clerk's mistake, spread over agencies and months."""
    intake = world.source.intake
    chosen = dict(intake.chosen_errors)
    blocked = intake.special | {key for key, _, _ in intake.corrected}
    candidates = sorted(k for k in written if k[0] != world.early and k not in blocked)
    # A seeded hash order: a file keeps its place when other files change.
    seed = world.source.calendar.seed
    candidates.sort(key=lambda k: hashlib.sha256(":".join([seed, *k]).encode()).hexdigest())
    for kind in intake.errors:
        table = INJECTORS[kind][0]
        for key in candidates:
            if key[2] == table and key not in chosen and acceptable(world, ledger, files, key, kind, chosen, written):
                chosen[key] = kind
                break
        else:
            raise SourceError(f"no file found for the clerk error {kind}")
    return chosen


def acceptable(
    world: World, ledger: Ledger, files: PerformanceFiles, key: Key, kind: str, chosen: dict[Key, str],
    written: set[Key],
) -> bool:
    """Whether a mistake of this kind may go into this file without upsetting other files."""
    period, agency, table = key
    if any((p, a) == (period, agency) for p, a, _ in chosen):
        return False
    if sum(1 for _, a, _ in chosen if a == agency) >= (2 if agency == world.organizer else 3):
        return False
    if table != "performance":
        after, before = (periods.shift(period, 1), agency, table), (periods.shift(period, -1), agency, table)
        if after in chosen or before in chosen or (period != world.periods[-1] and after not in written):
            return False
        if table == "agendas" and new_agendas_cited(ledger, key):
            return False
    if kind == "decimal_comma_quoted" and key in world.source.intake.semicolon:
        return False
    return inject(world, kind, key, new_table(ledger, files, key)) is not None


def assemble(world: World, ledger: Ledger, files: PerformanceFiles, written: set[Key],
             rejected: set[Key]) -> dict[Key, Table]:
    """Contents of every written file; rows of a rejected or missing agendas/decisions file are
    re-sent (in their current state) in the agency's next file."""
    contents = {k: new_table(ledger, files, k) for k in written if k[2] == "performance"}
    for agency in sorted(world.joined):
        for table in ("agendas", "decisions"):
            pending: set[str] = set()
            for period in world.reporting_periods(agency):
                key = (period, agency, table)
                now = {rec.key for rec in ledger.records(agency, table) if period in rec.versions}
                if key not in written:
                    pending |= now
                    continue
                rows = []
                for rec in ledger.records(agency, table):
                    state = rec.state_at(period)
                    if rec.key in now | pending and state is not None:
                        rows.append(dict(state))
                rows = _sorted_rows(rows, table)
                contents[key] = Table(header(table, rows), rows)
                pending = (pending | now) if key in rejected else set()
    return contents


def late_submissions(world: World, written: set[Key]) -> set[tuple[str, str]]:
    """(period, agency) submissions that arrived after the deadline."""
    intake = world.source.intake
    pairs = sorted({(p, a) for p, a, _ in written if p != world.early})
    return {
        (p, a) for p, a in pairs
        if world.rng("late", p, a).random() < intake.late_rate.get(a, intake.late_rate_default)
    }


def received_at(world: World, period: str, agency: str, late: bool, order: int) -> datetime:
    """When the data officer received an agency's files of a month (tables a few minutes apart)."""
    intake = world.source.intake
    r = world.rng("received", period, agency)
    if period == world.early:
        day = intake.early_from + timedelta(r.randint(0, (intake.received_until - intake.early_from).days))
    else:
        deadline = periods.deadline(period, world.deadline_day)
        days = [
            d for d in world.workdays(periods.shift(period, 1))
            if (d > deadline if late else d <= deadline) and d <= intake.received_until
        ]
        day = r.choice(days)
    # Office hours: 08:00 to 15:59.
    moment = datetime.combine(day, time(r.randint(8, 15), r.randint(0, 59)), tzinfo=world.tz)
    return moment + timedelta(minutes=3 * order + r.randint(0, 2))
