"""The published tables, consolidated over all periods and agencies from the store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import date, time
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Any, cast
from zoneinfo import ZoneInfo

from pipeline.core import collector
from pipeline.core.config import Targets
from pipeline.core.followup import is_overdue
from pipeline.core.ikm import ELEMENTS, grade, group_ikm, row_ikm
from pipeline.core.models import PUBLISHED_TABLES, Record
from pipeline.core.records import Agency, Service
from pipeline.publish.evaluation.agency_slices import Chain, Meeting, decision_chain, meeting_entries
from pipeline.publish.evaluation.memo import AgencySlices, Memo
from pipeline.publish.evaluation.table import indicator_records
from pipeline.publish.ikm_memo import IkmMemo
from pipeline.publish.row_batches import RowValues, Values
from pipeline.publish.row_reuse import DIGEST, Digested, row_digests
from pipeline.publish.submissions_table import submissions_records
from pipeline.publish.table_parts import Part, TableParts, part_key
from pipeline.store import Store, Version


def build_tables(store: Store, agencies: Iterable[Agency], services: Iterable[Service],
                 as_of: date, deadline_day: int, tz: ZoneInfo,
                 targets: Targets | None = None, start_period: str | None = None,
                 memo: Memo | None = None, fields: Mapping[str, Sequence[str]] | None = None
                 ) -> dict[str, list[Record]]:
    """Every published table as typed records in its deterministic order (``memo``: indicators and each agency's
    rows kept, memo.py and table_parts.py; ``fields``: the published schemas' field names, ``spliced_tables``)."""
    with collector.set_aside():  # millions of rows and values, none of them garbage: see collector.py
        return _build_tables(store, agencies, services, as_of, deadline_day, tz, targets, start_period, memo, fields)


def _build_tables(store: Store, agencies: Iterable[Agency], services: Iterable[Service],
                  as_of: date, deadline_day: int, tz: ZoneInfo,
                  targets: Targets | None, start_period: str | None, memo: Memo | None,
                  fields: Mapping[str, Sequence[str]] | None) -> dict[str, list[Record]]:
    """``build_tables`` itself."""
    listed = listing_tables(store, agencies, as_of, deadline_day, tz, start_period)
    agency_rows = listed["agencies"]
    tables: dict[str, list[Record]] = {
        "agencies": agency_rows,
        "services": sorted((asdict(s) for s in services), key=lambda r: r["service_code"]),
    }
    sources: dict[tuple[str, str], str | None] | None = None
    agency_slices: AgencySlices | None = None
    if memo is None:
        performance_rows = performance(store)
        # The performance rows of a month and agency are those of its published version (``performance``), decoded
        # from bytes whose digest the memos' keys take instead of hashing the rows again.
        encoded = {(v.period, v.agency): d for v in store.published("performance") if (d := store.rows_digest(v))}
        tables.update(performance=performance_rows, agency_ikm=agency_ikm(performance_rows),
                      agendas=latest_agendas(store), agenda_history=agenda_history(store),
                      decisions=latest_decisions(store, as_of), decision_history=decision_history(store))
    else:  # each agency's rows kept from the last run unless its versions changed (table_parts.py)
        spliced, encoded, sources, agency_slices = spliced_tables(store, memo.parts, memo.ikm, fields)
        spliced["decisions"] = with_overdue(spliced["decisions"], as_of)
        tables.update(spliced)
    tables["submissions"] = listed["submissions"]
    # Computed from the tables above and the change log only, all in the data package, so that
    # anyone can recompute them.
    tables["indicators"] = indicator_records(tables, as_of, deadline_day, targets or Targets(), store.changelog,
                                             memo, encoded, sources, agency_slices)
    # Published month first (``MONTH_FIRST``); the indicators above read them agency first, as the parts join them.
    tables.update((name, month_first(tables[name])) for name in MONTH_FIRST)
    return {name: tables[name] for name in PUBLISHED_TABLES}  # the published order, and no table left out


def listing_tables(store: Store, agencies: Iterable[Agency], as_of: date, deadline_day: int, tz: ZoneInfo,
                   start_period: str | None) -> dict[str, list[Record]]:
    """The agencies and submissions tables alone (all the feedback pages read), as ``build_tables`` makes them."""
    # The reference tables are published as they were read: one row per record, its fields as columns.
    agency_rows = sorted((asdict(a) for a in agencies), key=lambda r: r["agency_code"])
    return {"agencies": agency_rows,
            "submissions": submissions_records(store, agency_rows, as_of, deadline_day, tz, start_period)}


def _rows(store: Store, table: str) -> Iterable[tuple[Version, Record]]:
    """Every row of every published version of ``table``, oldest period first."""
    for version in store.published(table):
        for row in store.rows(version):
            yield version, row


def performance(store: Store, kept: IkmMemo | None = None) -> list[Record]:
    """Every accepted performance row plus its IKM and grade (``kept``: those of unchanged months, ikm_memo.py)."""
    out = []
    for version in store.published("performance"):
        rows = store.rows(version)
        # (The digest is known once the rows are decoded.)
        graded = list(map(row_ikm, rows)) if kept is None else kept.graded(store.rows_digest(version), rows)
        for row, (value, letter) in zip(rows, graded, strict=True):
            # The folder names the period and agency; validation made the columns agree. A copy whose keys are
            # then set keeps the order ``{**row, ...}`` gives (a key the row has stays in place), made faster.
            record = row.copy()
            record["period"], record["agency_code"] = version.period, version.agency
            record["ikm"], record["ikm_grade"] = value, letter
            out.append(record)
    return sorted(out, key=lambda r: (r["period"], r["agency_code"], r["service_code"]))


def agency_ikm(performance_rows: list[Record], kept: IkmMemo | None = None,
               encoded: Mapping[tuple[str, str], str] | None = None) -> list[Record]:
    """One row per agency and month: its IKM over every surveyed service, weighted by respondents (``kept``:
    those of the months and agencies whose rows are as last run, by the digest ``encoded`` gives, ikm_memo.py)."""
    encoded = encoded or {}
    groups: dict[tuple[str, str], list[Record]] = {}
    for row in performance_rows:  # sorted by period, agency, service
        groups.setdefault((row["period"], row["agency_code"]), []).append(row)
    out = []
    for (period, agency), rows in groups.items():
        surveyed = [r for r in rows if r.get("survey_respondents") and r.get("ikm") is not None]
        value = (_surveyed_ikm(surveyed) if kept is None else
                 kept.group(encoded.get((period, agency)), partial(_surveyed_ikm, surveyed)))
        out.append({"period": period, "agency_code": agency, "services_reported": len(rows),
                    "services_surveyed": len(surveyed),
                    "survey_respondents": sum(r["survey_respondents"] for r in surveyed),
                    "ikm": value, "ikm_grade": None if value is None else grade(value)})
    return out


def _surveyed_ikm(surveyed: list[Record]) -> Decimal | None:
    """The IKM of surveyed performance rows together, weighted by respondents."""
    return group_ikm((r["survey_respondents"], [r[u] for u in ELEMENTS]) for r in surveyed)


def _latest(store: Store, table: str, id_field: str) -> dict[tuple[str, str], Record]:
    """The row of each (agency, id) from the latest period that reported it."""
    latest: dict[tuple[str, str], Record] = {}
    for version, row in _rows(store, table):  # periods ascend, so later ones overwrite
        latest[(version.agency, row[id_field])] = {
            **row, "agency_code": version.agency, "period": version.period,
        }
    return latest


def agenda_sources(store: Store) -> dict[tuple[str, str], str | None]:
    """Where the latest version of every agenda (``latest_agendas``' row) was read: the digest of its version's
    encoded rows, its place among them, the version's agency and period (None when the digest is unknown)."""
    sources: dict[tuple[str, str], str | None] = {}
    for version in store.published("agendas"):  # as ``_latest`` goes: later periods overwrite
        rows = store.rows(version)
        digest = store.rows_digest(version)  # known once the rows are decoded
        for at, row in enumerate(rows):
            sources[(version.agency, row["agenda_id"])] = (None if digest is None else
                                                           f"{digest}:{at}:{version.agency}:{version.period}")
    return sources


def latest_agendas(store: Store) -> list[Record]:
    """The latest version of every agenda, sorted by agency and agenda id (published month first: ``month_first``)."""
    latest = _latest(store, "agendas", "agenda_id")
    return [latest[k] for k in sorted(latest)]


def agenda_history(store: Store) -> list[Record]:
    """One row per reported version of every agenda, sorted by agency, agenda and period (published month first).

    Only the facts a reader follows from month to month (when, where, status, title, and who
    came where the file says); the latest version in agendas.csv carries the rest.
    """
    out = [
        {"agency_code": version.agency, "agenda_id": row["agenda_id"], "period": version.period,
         "date": row.get("date"), "start_time": row.get("start_time"), "location": row.get("location"),
         "status": row.get("status"), "title": row.get("title"), "attendees": row.get("attendees")}
        for version, row in _rows(store, "agendas")
    ]
    return sorted(out, key=lambda r: (r["agency_code"], r["agenda_id"], r["period"]))


def latest_decisions(store: Store, as_of: date) -> list[Record]:
    """The latest state of every decision, with ``overdue`` as of ``as_of``."""
    latest = _latest(store, "decisions", "decision_id")
    return with_overdue([latest[key] for key in sorted(latest)], as_of)


def with_overdue(rows: list[Record], as_of: date) -> list[Record]:
    """The latest decisions' rows, each with ``overdue`` as of ``as_of`` (the only part that depends on the day)."""
    return [{**row, "overdue": is_overdue(row.get("status"), row.get("due_date"), as_of)} for row in rows]


def decision_history(store: Store) -> list[Record]:
    """One row per reported state of every decision, sorted by agency, decision and period (published month first)."""
    out = [
        {"agency_code": version.agency, "decision_id": row["decision_id"], "period": version.period,
         "status": row.get("status"), "follow_up": row.get("follow_up"),
         "completed_on": row.get("completed_on")}
        for version, row in _rows(store, "decisions")
    ]
    return sorted(out, key=lambda r: (r["agency_code"], r["decision_id"], r["period"]))


# The agency tables published month first (period, then agency, then id, as performance is), not agency first:
# a new agency-month's rows then land in its month, at the end of the table, and every row before them keeps its
# place, so its worksheet row number, and the data files take those chunks back (after one new agency-month of a
# large city, 45 of agendas' 47 worksheet chunks instead of none). decisions stays agency first: a new month changes
# its rows in place (a decision's latest state), which keeps its chunks either way.
MONTH_FIRST = ("agendas", "agenda_history", "decision_history")


def month_first(rows: list[Record]) -> list[Record]:
    """An agency-first table (sorted by agency, id, then period) sorted by period, agency, id: a stable sort by
    period alone (its rows' digests, ``Known``, moved with them)."""
    order = sorted(range(len(rows)), key=list(map(itemgetter("period"), rows)).__getitem__)
    moved = list(map(rows.__getitem__, order))
    if isinstance(rows, Known):
        return Known.given(moved, rows.fields, list(map(rows.digests.__getitem__, order)))
    return moved


# The tables made from an agency's versions alone (each sorted with the agency first, or by period then agency),
# kept by agency (table_parts.py); ``decisions`` without ``overdue``.
PARTS = ("performance", "agency_ikm", "agendas", "agenda_history", "decisions", "decision_history")
_SOURCES = ("agendas", "decisions", "performance")  # the store's tables those are made from


class _AgencyStore:
    """The store as one agency's published versions alone (what ``performance`` and the others read of it)."""

    def __init__(self, store: Store, versions: dict[str, list[Version]]) -> None:
        self.store, self.versions = store, versions

    def published(self, table: str) -> list[Version]:
        """The agency's published versions of ``table``, in the store's order."""
        return self.versions.get(table, [])

    def rows(self, v: Version) -> list[Record]:
        """A version's typed rows."""
        return self.store.rows(v)

    def rows_digest(self, v: Version) -> str | None:
        """As ``Store.rows_digest``."""
        return self.store.rows_digest(v)


def spliced_tables(store: Store, parts: TableParts, kept: IkmMemo | None,
                   fields: Mapping[str, Sequence[str]] | None = None
                   ) -> tuple[dict[str, list[Record]], dict[tuple[str, str], str], dict[tuple[str, str], str | None],
                              AgencySlices]:
    """The ``PARTS`` tables in their published order from each agency's part, kept or built (``parts``), the
    performance rows' encoded digests by (month, agency), where each agenda was read (``agenda_sources``) and
    each agency's decision chain and meetings for the indicators' memo (evaluation/agency_slices.py).

    ``fields``: the published tables' field names (their schemas' order); the ``DIGESTED`` tables then come with
    their rows' digests (``row_reuse.Digested``), kept in the parts, so the data files do not hash them again.
    """
    by_agency: dict[str, dict[str, list[Version]]] = {}
    for table in _SOURCES:
        for v in store.published(table):  # sorted by key: each agency's versions in period order
            by_agency.setdefault(v.agency, {}).setdefault(table, []).append(v)
    names = {name: tuple(fields[name]) for name in DIGESTED if name in fields} if fields is not None else {}
    tables: dict[str, list[Record]] = {name: [] for name in PARTS}
    hashed: dict[str, list[bytes]] = {name: [] for name in names}  # the rows' digests, joined a part's at a time
    # (month, agency, performance rows, IKM row, the rows' digests, the IKM row's)
    groups: list[tuple[str, str, list[Record], Record | None, bytes, bytes]] = []
    sources: dict[tuple[str, str], str | None] = {}
    chains: dict[str, Chain] = {}
    meetings: list[list[Meeting]] = []  # in the agencies' (the agendas table's) order
    encoded: dict[tuple[str, str], str] = {}  # (month, agency) -> its performance rows' encoded digest
    for agency in sorted(by_agency):
        versions = by_agency[agency]
        entries: list[object] = [sorted(names.items())]  # the digests kept are of these fields' values
        for table in _SOURCES:
            for v in versions.get(table, []):
                digest = store.encoded_digest(v)
                entries.append((table, v.period, digest))
                if table == "performance":
                    encoded[(v.period, agency)] = digest
        key = part_key(entries)
        part = parts.find(agency, key)
        if part is None:
            part = _agency_part(_AgencyStore(store, versions), agency, kept, names)
            parts.put(agency, key, part)
        elif kept is not None:  # the IKM kept for its months stays kept
            for v in versions.get("performance", []):
                kept.keep(encoded[(v.period, agency)])
        for name in ("agendas", "agenda_history", "decisions", "decision_history"):
            tables[name].extend(part[name])
            if name in hashed:
                hashed[name].append(part["digests"][name])
        groups.extend((period, agency, *rest) for period, *rest in part["performance"])
        sources.update(((agency, agenda), source) for agenda, source in part["sources"])
        if part["chain"] is not None:
            chains[agency] = part["chain"]
        meetings.append(part["meetings"])
    groups.sort(key=lambda g: (g[0], g[1]))  # the performance table's order: month, agency, then service
    for _, _, rows, ikm, rows_hashed, ikm_hashed in groups:
        tables["performance"].extend(rows)
        if "performance" in hashed:
            hashed["performance"].append(rows_hashed)
        if ikm is not None:
            tables["agency_ikm"].append(ikm)
            if "agency_ikm" in hashed:
                hashed["agency_ikm"].append(ikm_hashed)
    for name, pieces in hashed.items():
        tables[name] = Known(tables[name], names[name], b"".join(pieces))
    return tables, dict(sorted(encoded.items())), sources, (chains, meetings)


# The tables kept with their rows' digests: all those of ``PARTS`` but decisions, whose ``overdue`` is the day's.
DIGESTED = ("performance", "agency_ikm", "agendas", "agenda_history", "decision_history")


class Known(list[Record], Digested):
    """A table's rows with their row digests (``row_reuse.Digested``) for the fields ``fields``, kept in the parts."""

    def __init__(self, rows: list[Record], fields: tuple[str, ...], joined: bytes) -> None:
        super().__init__(rows)
        self.fields = fields
        self._digests = [joined[at:at + DIGEST] for at in range(0, len(joined), DIGEST)]

    @classmethod
    def given(cls, rows: list[Record], fields: tuple[str, ...], digests: list[bytes]) -> Known:
        """Rows with their digests as a list (not joined, nor cut again)."""
        known = cls(rows, fields, b"")
        known._digests = digests
        return known

    @property
    def digests(self) -> list[bytes]:
        """Each row's digest, in order."""
        return self._digests

    def values(self) -> Sequence[Values]:
        """Each row's values in ``fields``' order, made for the slices asked for (most rows are taken back)."""
        return RowValues(self.fields, self)


def _agency_part(view: _AgencyStore, agency: str, kept: IkmMemo | None, names: Mapping[str, tuple[str, ...]]
                 ) -> Part:
    """One agency's rows of the ``PARTS`` tables, as the whole tables hold them, where its agendas were read, and
    the digests of the ``DIGESTED`` tables' rows over ``names`` (none without them)."""
    store = cast(Store, view)  # reads only ``published``, ``rows`` and ``rows_digest``
    performance_rows = performance(store, kept)
    encoded = {(v.period, v.agency): d for v in view.published("performance") if (d := view.rows_digest(v))}
    ikm_rows = {(r["period"], r["agency_code"]): r for r in agency_ikm(performance_rows, kept, encoded)}
    by_month: dict[str, list[Record]] = {}
    for row in performance_rows:
        by_month.setdefault(row["period"], []).append(row)
    latest = _latest(store, "decisions", "decision_id")
    tables = {"agendas": latest_agendas(store), "agenda_history": agenda_history(store),
              "decisions": [latest[k] for k in sorted(latest)], "decision_history": decision_history(store)}
    _share([*performance_rows, *ikm_rows.values(), *(row for rows in tables.values() for row in rows)])

    def hashed(name: str, rows: list[Record]) -> bytes:
        """The rows' digests joined (``row_reuse.row_digests``), or none."""
        return b"".join(row_digests(names[name], rows)) if name in names else b""

    month_parts = []
    for period, rows in by_month.items():
        ikm = ikm_rows.get((period, agency))
        month_parts.append((period, rows, ikm, hashed("performance", rows),
                            hashed("agency_ikm", [ikm] if ikm is not None else [])))
    sources = agenda_sources(store)
    return {
        "performance": month_parts,
        **tables,
        "digests": {name: hashed(name, rows) for name, rows in tables.items()},
        "sources": sorted((agenda, source) for (_, agenda), source in sources.items()),
        # What the agency adds to the indicators' memo's slices, made from these rows (agency_slices.py).
        "chain": decision_chain(agency, tables["decision_history"], tables["decisions"]),
        "meetings": meeting_entries(tables["agendas"], sources),
    }


def _share(rows: list[Record]) -> None:
    """One object for each distinct value of the rows (by type and text: 1.0 and 1.00 stay apart), so that the
    part's pickle holds each once: an agency's 5,000 exact decimals are a few hundred, each made once when read."""
    seen: dict[tuple[type, str], Any] = {}
    for row in rows:  # rows made for the part (never the store's own)
        for name, value in row.items():
            kind = type(value)
            # (Only values whose text tells them apart: an aware time's zone is not in its text.)
            if kind in _SHARED or (kind is time and value.tzinfo is None):
                row[name] = seen.setdefault((kind, str(value)), value)


_SHARED = frozenset({str, Decimal, date})
