"""The mistakes clerks make, put into files on purpose: each injector changes a table in place.

An injector returns the spreadsheet row and field of the mistake (what the validator should
report), or None when the file offers no place for it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pipeline.core import periods
from pipeline.core.ikm import ELEMENTS, ikm
from tools.sample.performance import survey
from tools.sample.records import Row
from tools.sample.source import Key
from tools.sample.world import World


@dataclass
class Table:
    """A file's header and rows before it is written out."""

    header: list[str]
    rows: list[Row]


@dataclass(frozen=True)
class Intended:
    """A mistake put in a file on purpose: where the validator should find it."""

    key: Key
    kind: str
    row: int | None
    field: str | None
    value: str | None


Found = tuple[int | None, str | None] | None
Injector = Callable[[World, Table, random.Random, Key], Found]


def pick(r: random.Random, rows: list[Row], test: Callable[[Row], bool] = lambda row: True) -> int | None:
    """Index of a random row that passes ``test``."""
    found = [i for i, row in enumerate(rows) if test(row)]
    return r.choice(found) if found else None


def set_cell(
    t: Table,
    r: random.Random,
    field_name: str,
    value: Callable[[Row], str],
    test: Callable[[Row], bool] = lambda row: True,
) -> tuple[int, str] | None:
    """Set one field of a random matching row; return its spreadsheet row and field."""
    i = pick(r, t.rows, test)
    if i is None:
        return None
    t.rows[i][field_name] = value(t.rows[i])
    return i + 2, field_name


def surveyed(row: Row) -> bool:
    """True when the row has survey answers."""
    return row["survey_respondents"] not in ("", "0")


def typed_ikm(row: Row) -> str:
    """The IKM a clerk adds to the row, computed from its nine scores by the pipeline's rule."""
    return str(ikm([Decimal(row[name]) for name in ELEMENTS]))


# ---------------------------------------------------------------- performance files


def wrong_period(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A row still carries last month's period (file copied from the month before)."""
    return set_cell(t, r, "period", lambda row: periods.shift(key[0], -1))


def foreign_service(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A service code of another agency."""
    others = [code for a in sorted(w.services) if a != key[1] for code in w.services[a]]
    return set_cell(t, r, "service_code", lambda row: r.choice(others))


def cws_gt_completed(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """completed_within_standard larger than applications_completed (columns mixed up)."""

    def bigger(row: Row) -> str:
        received, completed = int(row["applications_received"]), int(row["applications_completed"])
        return str(received if received > completed else completed + 3)

    return set_cell(t, r, "completed_within_standard", bigger)


def u_missing(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """One survey element left empty although there were respondents."""
    name = f"u{r.randint(1, 9)}"
    return set_cell(t, r, name, lambda row: "", surveyed)


def u_ikm_in_u(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """The IKM value typed into u9 (outside 1–4)."""
    return set_cell(t, r, "u9", typed_ikm, surveyed)


def thousands_sep(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """An integer written with a thousands separator ('1.245')."""
    return set_cell(
        t,
        r,
        "applications_received",
        lambda row: w.indonesian.number(int(row["applications_received"])),
        lambda row: int(row["applications_received"]) >= 1000,
    )


def dash_zero(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """'-' typed for zero complaints."""
    found = set_cell(t, r, "complaints_received", lambda row: "-", lambda row: row["complaints_received"] == "0")
    if found:
        t.rows[found[0] - 2]["complaints_resolved"] = "-"
    return found


def duplicate_service(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """The same service reported twice."""
    i = pick(r, t.rows)
    if i is None:
        return None
    t.rows.insert(i + 1, dict(t.rows[i]))
    return i + 3, "service_code"


def extra_column_ikm(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """An extra 'ikm' column added by the clerk."""
    t.header.insert(t.header.index("u9") + 1, "ikm")
    for row in t.rows:
        row["ikm"] = typed_ikm(row) if surveyed(row) else ""
    return 1, "ikm"


def decimal_comma_quoted(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A decimal comma in a comma-delimited file ('12,5')."""
    return set_cell(
        t,
        r,
        "avg_wait_minutes",
        lambda row: row["avg_wait_minutes"].replace(".", ","),
        lambda row: row["avg_wait_minutes"] != "",
    )


def header_only(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A performance file with the header row and no data."""
    t.rows.clear()
    return None, None


def missing_column(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """The required column complaints_resolved deleted."""
    t.header.remove("complaints_resolved")
    return 1, "complaints_resolved"


def agency_mismatch(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A nickname instead of the agency code on every row."""
    aliases = w.source.intake.aliases
    if key[1] not in aliases:
        return None
    for row in t.rows:
        row["agency_code"] = aliases[key[1]]
    return 2, "agency_code"


def u_without_respondents(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """Survey elements filled in although nobody answered the survey."""
    i = pick(r, t.rows, lambda row: not surveyed(row))
    if i is None:
        return None
    t.rows[i].update(zip(ELEMENTS, survey(w, r, 85.0), strict=True))
    return i + 2, "u1"


# ---------------------------------------------------------------- agendas files


def date_dmy(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A date typed as DD/MM/YYYY."""
    return set_cell(t, r, "date", lambda row: date.fromisoformat(row["date"]).strftime("%d/%m/%Y"))


def type_enum(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """An Indonesian word instead of the type code."""
    return set_cell(t, r, "type", lambda row: "rapat" if row["type"] == "coordination" else "sosialisasi")


def unknown_participant(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A nickname instead of an agency code among the participants."""
    aliases = w.source.intake.aliases

    def alias(row: Row) -> str:
        codes = row["participants"].split(";")
        known = [c for c in codes if c in aliases]
        return ";".join(aliases[c] if c == known[0] else c for c in codes)

    return set_cell(t, r, "participants", alias, lambda row: any(c in aliases for c in row["participants"].split(";")))


def time_dot(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A time written the Indonesian way ('09.00')."""
    return set_cell(
        t, r, "start_time", lambda row: row["start_time"].replace(":", "."), lambda row: row["start_time"] != ""
    )


def held_future(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """Next month's meeting marked as held."""
    end = periods.last_day(key[0]).isoformat()
    return set_cell(t, r, "status", lambda row: "held", lambda row: row["status"] == "planned" and row["date"] > end)


def end_before_start(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """Start and end time swapped."""

    def swap(row: Row) -> str:
        row["start_time"], end = row["end_time"], row["start_time"]
        return end

    return set_cell(t, r, "end_time", swap, lambda row: row["start_time"] != "" and row["end_time"] != "")


def dup_agenda_id(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """Two meetings given the same agenda_id."""
    if len(t.rows) < 2:
        return None
    t.rows[-1]["agenda_id"] = t.rows[0]["agenda_id"]
    return len(t.rows) + 1, "agenda_id"


def url_no_scheme(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A minutes link without https://."""
    return set_cell(
        t,
        r,
        "minutes_url",
        lambda row: f"mpp.jambikota.go.id/dokumen/notulen/{row['agenda_id']}.pdf",
        lambda row: row["status"] == "held",
    )


# ---------------------------------------------------------------- decisions files


def status_selesai(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """'selesai' instead of 'done'."""
    return set_cell(t, r, "status", lambda row: "selesai", lambda row: row["status"] == "done")


def status_proses(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """'proses' instead of 'in-progress'."""
    return set_cell(t, r, "status", lambda row: "proses", lambda row: row["status"] == "in-progress")


def done_no_completed_on(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A done decision without completed_on."""
    return set_cell(t, r, "completed_on", lambda row: "", lambda row: row["status"] == "done")


def decision_date_dmy(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A decision date typed as DD/MM/YYYY."""
    return set_cell(t, r, "date", lambda row: date.fromisoformat(row["date"]).strftime("%d/%m/%Y"))


def due_before_date(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A due date a week before the decision date."""
    return set_cell(t, r, "due_date", lambda row: (date.fromisoformat(row["date"]) - timedelta(7)).isoformat())


def unknown_agenda_ref(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """A mistyped agenda_id ('AG-202605-01')."""
    return set_cell(
        t,
        r,
        "agenda_id",
        lambda row: row["agenda_id"].replace("-", "", 2).replace("AG", "AG-", 1),
        lambda row: row["agenda_id"] != "",
    )


def completed_on_after_period(w: World, t: Table, r: random.Random, key: Key) -> Found:
    """completed_on in the next month (the planned date, not the real one)."""
    later = (periods.last_day(key[0]) + timedelta(5)).isoformat()
    return set_cell(t, r, "completed_on", lambda row: later, lambda row: row["status"] == "done")


# The table each mistake is made in, and its injector, by the name intake.toml uses.
INJECTORS: dict[str, tuple[str, Injector]] = {
    **{fn.__name__: ("performance", fn) for fn in (
        wrong_period, foreign_service, cws_gt_completed, u_missing, u_ikm_in_u, thousands_sep, dash_zero,
        duplicate_service, extra_column_ikm, decimal_comma_quoted, header_only, missing_column,
        agency_mismatch, u_without_respondents,
    )},
    **{fn.__name__: ("agendas", fn) for fn in (
        date_dmy, type_enum, unknown_participant, time_dot, held_future, end_before_start, dup_agenda_id,
        url_no_scheme,
    )},
    **{fn.__name__: ("decisions", fn) for fn in (
        status_selesai, status_proses, done_no_completed_on, decision_date_dmy, due_before_date,
        unknown_agenda_ref, completed_on_after_period,
    )},
}


def inject(world: World, kind: str, key: Key, table: Table) -> Intended | None:
    """Make one mistake in a table (in place); None when the table offers no place for it."""
    r = world.rng("inject", kind, *key)
    found = INJECTORS[kind][1](world, table, r, key)
    if found is None:
        return None
    row, name = found
    value = None
    if row and row >= 2 and name and row - 2 < len(table.rows):
        value = table.rows[row - 2].get(name)
    return Intended(key, kind, row, name, value)
