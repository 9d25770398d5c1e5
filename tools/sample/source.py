"""The sample's data tables (``tools/sample/source/``), read into typed, frozen records."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, TypeVar

from pipeline.core.errors import ConfigError

SOURCE = Path(__file__).resolve().parent / "source"

Key = tuple[str, str, str]  # (period, agency, table): one submitted file
Slot = tuple[time, time]


T = TypeVar("T")


class SourceError(ConfigError):
    """A data table of the sample that cannot be used as it is (a configuration error, exit 2)."""

    def __init__(self, problem: str) -> None:
        super().__init__([problem])


def file_key(text: str) -> Key:
    """``("2026-03", "bpprd", "performance")`` from ``"2026-03/bpprd/performance"``."""
    parts = text.split("/")
    if len(parts) != 3:
        raise SourceError(f"not a period/agency/table file name: {text!r}")
    return parts[0], parts[1], parts[2]


def _slot(pair: list[str]) -> Slot:
    """A (start, end) time slot from ``["09:00", "11:30"]``."""
    return time.fromisoformat(pair[0]), time.fromisoformat(pair[1])


@dataclass(frozen=True)
class Calendar:
    """The months the sample covers, the early files of the current month, the closed days."""

    seed: str
    first_period: str
    last_period: str
    early_period: str
    early_files: tuple[tuple[str, str], ...]  # (agency, table)
    completed_until: date
    holidays: frozenset[date]
    left: dict[str, str]  # agency -> the last month it reported


@dataclass(frozen=True)
class Profile:
    """How a service behaves: base monthly volume, season, minutes, IKM level, timeliness."""

    base: int
    season: str
    wait: float | None  # None: the counter measures no waiting time
    service: float
    ikm: float | None  # None: the agency runs no satisfaction survey
    on_time: float


@dataclass(frozen=True)
class Performance:
    """Volumes, seasons, survey shape and notes of the performance files."""

    general: dict[int, float]
    seasons: dict[str, dict[int, float]]
    profiles: dict[str, Profile]
    zero_survey: frozenset[str]
    element_offsets: tuple[float, ...]
    random_notes: tuple[str, ...]
    notes: dict[tuple[str, str], str]  # (period, service_code) -> notes


@dataclass(frozen=True)
class Places:
    """Rooms, urban villages, schools and the document addresses."""

    rooms: dict[str, str]
    kelurahan: tuple[str, ...]
    schools: tuple[str, ...]
    minutes_url: str
    evidence_url: str


@dataclass(frozen=True)
class Later:
    """When a postponed meeting was held, under which title, and the note its report adds."""

    day: date
    title: str | None
    note: str | None


@dataclass(frozen=True)
class Family:
    """What the organiser's meetings of one kind share."""

    kind: str
    type: str
    slot: Slot
    participants: tuple[str, ...]
    location: str | None
    announce: bool
    note: str
    summary: str


@dataclass(frozen=True)
class Event:
    """One of the organiser's meetings other than the monthly one."""

    family: Family
    day: date
    title: str
    location: str
    status: str
    summary: str
    note: str
    later: Later | None


@dataclass(frozen=True)
class Rakor:
    """The monthly coordination meeting: its texts, topics and postponements."""

    title: str
    type: str
    slot: Slot
    location: str
    note: str
    summary: str
    achieved: str
    achieved_unknown: str
    topics: dict[str, str]
    postponed: dict[str, tuple[str, str, Later]]  # period -> (status, summary, when held)


@dataclass(frozen=True)
class Meeting:
    """A meeting of another agency on a fixed day (some produce decisions)."""

    agency: str
    day: date
    type: str
    title: str
    location: str
    participants: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Meetings:
    """The other agencies' meetings: fixed, planned, and the pools random ones come from."""

    slots: tuple[Slot, ...]
    default_rate: float
    rates: dict[str, float]
    points: dict[str, tuple[str, ...]]
    postpone_reasons: tuple[str, ...]
    cancel_reasons: tuple[str, ...]
    phrases: dict[str, str]  # held, postponed, cancelled, replacement
    fixed: tuple[Meeting, ...]
    planned: tuple[Meeting, ...]
    pools: dict[str, tuple[tuple[str, str, str], ...]]  # agency -> (type, title, location)


@dataclass(frozen=True)
class DecisionPlan:
    """A decision and how its status moves: steps like ``open@0 in-progress@1 done@3``."""

    at: tuple[str, str] | None  # the organiser's meeting (kind, period) it came from
    title: str
    responsible: tuple[str, ...]
    due_days: int
    steps: str
    follow_up: dict[str, str]
    evidence: bool
    description: str
    agency: str
    day: date | None  # another agency's meeting day, or the date of a decision without meeting


@dataclass(frozen=True)
class Intake:
    """Missing, late and corrected files, the formats they were saved in, the clerks' errors."""

    received_until: date
    early_from: date
    late_rate_default: float
    late_rate: dict[str, float]
    missing: frozenset[Key]
    errors: tuple[str, ...]
    chosen_errors: dict[Key, str]
    semicolon: frozenset[Key]
    bom: frozenset[Key]
    xlsx: frozenset[Key]
    cp1252: frozenset[Key]
    title_headers: frozenset[Key]
    no_notes: frozenset[Key]
    aliases: dict[str, str]
    corrected: tuple[tuple[Key, str, int], ...]  # (file, error of the first version, days to correction)

    @property
    def special(self) -> frozenset[Key]:
        """Files saved in a format of their own (kept free of clerk errors)."""
        return self.semicolon | self.bom | self.xlsx | self.cp1252 | self.title_headers | self.no_notes


@dataclass(frozen=True)
class Source:
    """Every data table of the sample."""

    calendar: Calendar
    performance: Performance
    places: Places
    rakor: Rakor
    events: tuple[Event, ...]
    meetings: Meetings
    decisions: tuple[DecisionPlan, ...]
    intake: Intake


def _toml(folder: Path, name: str) -> dict[str, Any]:
    """One TOML file of the source folder."""
    with (folder / name).open("rb") as handle:
        return tomllib.load(handle)


def _keys(texts: list[str]) -> frozenset[Key]:
    """File keys from their ``period/agency/table`` names."""
    return frozenset(file_key(t) for t in texts)


def _optional_float(text: str) -> float | None:
    """A number of profiles.csv; an empty cell is None."""
    return float(text) if text else None


def read_calendar(data: dict[str, Any]) -> Calendar:
    """calendar.toml."""
    early = tuple((a, t) for a, t in (item.split("/") for item in data["early_files"]))
    return Calendar(
        seed=data["seed"], first_period=data["first_period"], last_period=data["last_period"],
        early_period=data["early_period"], early_files=early, completed_until=data["completed_until"],
        holidays=frozenset(data["holidays"]), left=dict(data["left"]),
    )


def read_performance(data: dict[str, Any], profiles: Path) -> Performance:
    """performance.toml and profiles.csv."""
    with profiles.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    notes = {}
    for name, text in data["notes"].items():
        period, service = name.split("/")
        notes[(period, service)] = text
    return Performance(
        general={int(m): f for m, f in data["general"].items()},
        seasons={s: {int(m): f for m, f in months.items()} for s, months in data["seasons"].items()},
        profiles={
            row["service_code"]: Profile(
                base=int(row["base"]), season=row["season"], wait=_optional_float(row["wait_minutes"]),
                service=float(row["service_minutes"]), ikm=_optional_float(row["ikm_target"]),
                on_time=float(row["on_time"]),
            )
            for row in rows
        },
        zero_survey=frozenset(data["zero_survey"]),
        element_offsets=tuple(data["element_offsets"]),
        random_notes=tuple(data["random_notes"]),
        notes=notes,
    )


def read_places(data: dict[str, Any]) -> Places:
    """places.toml."""
    return Places(
        rooms=dict(data["rooms"]), kelurahan=tuple(data["kelurahan"]), schools=tuple(data["schools"]),
        minutes_url=data["minutes_url"], evidence_url=data["evidence_url"],
    )


def _later(data: dict[str, Any] | None) -> Later | None:
    """The ``later`` table of a postponed meeting."""
    if data is None:
        return None
    return Later(day=data["day"], title=data.get("title"), note=data.get("note"))


def read_rakor(data: dict[str, Any]) -> Rakor:
    """The [rakor] table of organiser.toml."""
    postponed = {}
    for period, item in data.get("postponed", {}).items():
        later = Later(day=item["later"]["day"], title=item["later"].get("title"), note=None)
        postponed[period] = (item["status"], item["summary"], later)
    return Rakor(
        title=data["title"], type=data["type"], slot=_slot(data["slot"]), location=data["location"],
        note=data["note"], summary=data["summary"], achieved=data["achieved"],
        achieved_unknown=data["achieved_unknown"], topics=dict(data["topics"]), postponed=postponed,
    )


def read_events(data: dict[str, Any]) -> tuple[Event, ...]:
    """The families and [[events]] of organiser.toml, each event with its family's defaults."""
    families = {
        kind: Family(
            kind=kind, type=f["type"], slot=_slot(f["slot"]), participants=tuple(f["participants"]),
            location=f.get("location"), announce=f.get("announce", False), note=f.get("note", ""),
            summary=f.get("summary", ""),
        )
        for kind, f in data["families"].items()
    }
    events = []
    for item in data["events"]:
        family = families[item["family"]]
        location = item.get("location", family.location)
        if location is None:
            raise SourceError(f"organiser.toml: event {item['title']!r} needs a location")
        events.append(Event(
            family=family, day=item["day"], title=item["title"], location=location,
            status=item.get("status", "held"), summary=item.get("summary", family.summary),
            note=item.get("note", family.note), later=_later(item.get("later")),
        ))
    return tuple(events)


def _meeting(item: dict[str, Any]) -> Meeting:
    """One [[fixed]] or [[planned]] entry of meetings.toml."""
    return Meeting(
        agency=item["agency"], day=item["day"], type=item["type"], title=item["title"],
        location=item["location"], participants=tuple(item.get("participants", ())),
        summary=item.get("summary", ""),
    )


def read_meetings(data: dict[str, Any]) -> Meetings:
    """meetings.toml."""
    return Meetings(
        slots=tuple(_slot(s) for s in data["slots"]),
        default_rate=data["default_rate"],
        rates=dict(data["rates"]),
        points={kind: tuple(points) for kind, points in data["points"].items()},
        postpone_reasons=tuple(data["postpone_reasons"]),
        cancel_reasons=tuple(data["cancel_reasons"]),
        phrases=dict(data["phrases"]),
        fixed=tuple(_meeting(m) for m in data["fixed"]),
        planned=tuple(_meeting(m) for m in data["planned"]),
        pools={
            agency: tuple((p["type"], p["title"], p["location"]) for p in pool)
            for agency, pool in data["pools"].items()
        },
    )


def read_decisions(data: dict[str, Any], organizer: str) -> tuple[DecisionPlan, ...]:
    """decisions.toml (a decision without ``agency`` is the organiser's)."""
    return tuple(
        DecisionPlan(
            at=(item["at"][0], item["at"][1]) if "at" in item else None,
            title=item["title"], responsible=tuple(item["responsible"]), due_days=item["due_days"],
            steps=item["steps"], follow_up=dict(item["follow_up"]), evidence=item.get("evidence", False),
            description=item.get("description", ""), agency=item.get("agency", organizer),
            day=item.get("day"),
        )
        for item in data["decision"]
    )


def read_intake(data: dict[str, Any]) -> Intake:
    """intake.toml."""
    formats = data["formats"]
    return Intake(
        received_until=data["received_until"], early_from=data["early_from"],
        late_rate_default=data["late_rate_default"], late_rate=dict(data["late_rate"]),
        missing=_keys(data["missing"]), errors=tuple(data["errors"]),
        chosen_errors={file_key(name): kind for name, kind in data["chosen_errors"].items()},
        semicolon=_keys(formats["semicolon"]), bom=_keys(formats["bom"]), xlsx=_keys(formats["xlsx"]),
        cp1252=_keys(formats["cp1252"]), title_headers=_keys(formats["title_headers"]),
        no_notes=_keys(formats["no_notes"]), aliases=dict(data["aliases"]),
        corrected=tuple((file_key(c["file"]), c["error"], c["days"]) for c in data["corrected"]),
    )


def _read(folder: Path, name: str, reader: Callable[[dict[str, Any]], T]) -> T:
    """One TOML file read by ``reader``; a missing file, bad TOML or a missing key names the file."""
    try:
        return reader(_toml(folder, name))
    except SourceError:
        raise
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{folder / name}: {exc}") from None
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SourceError(f"{folder / name}: {type(exc).__name__}: {exc}") from None


def load_source(organizer: str, folder: Path = SOURCE) -> Source:
    """Read every data table of ``folder`` (the organiser owns decisions that name no agency)."""
    return Source(
        calendar=_read(folder, "calendar.toml", read_calendar),
        performance=_read(folder, "performance.toml",
                          lambda data: read_performance(data, folder / "profiles.csv")),
        places=_read(folder, "places.toml", read_places),
        rakor=_read(folder, "organiser.toml", lambda data: read_rakor(data["rakor"])),
        events=_read(folder, "organiser.toml", read_events),
        meetings=_read(folder, "meetings.toml", read_meetings),
        decisions=_read(folder, "decisions.toml", lambda data: read_decisions(data, organizer)),
        intake=_read(folder, "intake.toml", read_intake),
    )
