"""Read <output>/data/ (and the feedback and template folders) into one SiteData."""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pipeline.core.config import Portal, read_config_file, schemas_root
from pipeline.core.errors import SiteError
from pipeline.core.followup import is_overdue
from pipeline.core.ikm import ELEMENTS
from pipeline.core.models import PUBLISHED_TABLES, TABLES
from pipeline.core.periods import MONTH, kind
from pipeline.core.records import Agency, Service, split_codes
from pipeline.core.rowcodec import json_object
from pipeline.core.treehash import DigestCache
from pipeline.publish import row_maps
from pipeline.publish.feedback_layout import feedback_pages
from pipeline.site import recordtexts, reportcache, rowcache
from pipeline.site.casting import Drop, Row, distinct, picked, read_table, shown
from pipeline.site.feedback_data import load_misplaced, load_reports
from pipeline.site.fingerprint import known_digest
from pipeline.site.models import (
    Agenda,
    AgendaVersion,
    Decision,
    FieldInfo,
    FileInfo,
    HistoryEntry,
    Perf,
    Release,
    SiteData,
    Submission,
    TableInfo,
)
from pipeline.site.rowcache import Vouch, cached_rows

if TYPE_CHECKING:
    from pipeline.site.readahead import ReadAhead

T = TypeVar("T")


def load_site_data(portal: Portal, as_of: date, keep_rows: bool = False,
                   digests: DigestCache | None = None, later: list[Callable[[], None]] | None = None,
                   ahead: ReadAhead | None = None) -> SiteData:
    """Read every published table, typed by its own schema; raise SiteError if any is missing.

    ``keep_rows``: read a table whose CSV did not change from the rows kept under
    <output>/site-cache/ (rowcache.py), and keep the rows of the others there (a build does;
    a reader that must leave <output> as it found it does not), now or, with ``later``, by the
    actions appended to it. ``digests``: the SHA-256 of files the build's check found
    (``fingerprint.checked``), taken while a file's stat is the one kept with it instead of
    reading the file again. ``ahead``: what a build read of the live site and its caches while the data
    stage worked (readahead.py).
    """
    with _collector_paused():
        return _load(portal, as_of, portal.output / rowcache.FOLDER if keep_rows else None, digests, later, ahead)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the tables are read, then set what was read aside from it.

    Reading makes millions of rows, tuples and values and frees none of them: each automatic
    collection walks them all again for nothing (half of reading the city's indicators
    table, measured), and so would the collections of the page builds after it. What was
    read forms no cycle, so once read it is frozen (``gc.freeze``): the collector no longer
    walks it, and reference counting still frees it with the site data. Garbage left from
    before is collected first, so that none of it is frozen with the data.
    """
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
        gc.freeze()  # not after a failure: the traceback's frames would be kept alive
    finally:
        if was_enabled:
            gc.enable()


def _load(portal: Portal, as_of: date, cache_dir: Path | None, digests: DigestCache | None,
          later: list[Callable[[], None]] | None, ahead: ReadAhead | None = None) -> SiteData:
    """The reading itself (see ``load_site_data``)."""
    data_dir = portal.output / "data"
    package = _read_package(data_dir)
    resources = {r.get("name"): r for r in package.get("resources", [])}
    missing = [name for name in PUBLISHED_TABLES if name not in resources]
    if missing:
        raise SiteError(f"{data_dir}/datapackage.json: tabel tidak ada / tables missing: {', '.join(missing)}")
    files = _Files(digests)
    # The live site's copies of the published files (build.py ``_write_files``: <output>/data as
    # /data): the CSVs the rows kept by the build that swapped them in were read from.
    live = portal.output / "site" / "data"
    # Where the rows of the tables whose records' texts are kept came from (recordtexts.py).
    came: dict[str, list[rowcache.Origin]] = {name: [] for name in recordtexts.TABLES} if cache_dir is not None else {}
    # Where each changed table's rows came from, as the data stage that wrote its CSV kept it (row_maps.py).
    maps = row_maps.read(portal.output / "store") if cache_dir is not None else {}
    read = {name: _rows(data_dir / resources[name]["path"], resources[name].get("schema", {}), files, cache_dir,
                        live / resources[name]["path"], later, ahead, SHOWN.get(name), came.get(name), maps.get(name))
            for name in PUBLISHED_TABLES}
    origins = {name: recordtexts.origin(*found[0], read[name]) for name, found in came.items() if found}
    del came
    counts = {name: len(found) for name, found in read.items()}  # every row, those left out too
    rows = {name: shown(found) if name in SHOWN else cast(list[Row], found) for name, found in read.items()}
    del read
    submissions = [_submission(v) for v in picked(rows["submissions"], *_SUBMISSION)]
    # The pages the publish stage wrote for this submissions table, by the rule it wrote them by.
    feedback, feedback_months = feedback_pages((s.period, s.agency_code, s.table, s.status) for s in submissions)
    reports = load_reports(portal.output, submissions, digests,
                           reportcache.KeptReports(cache_dir, ahead) if cache_dir is not None else None, ahead)
    # A file's report page is built from its report in the store; without one, link the month page.
    feedback = {key: rel for key, rel in feedback.items() if key in reports}
    return SiteData(
        portal=portal,
        as_of=as_of,
        agencies={a.agency_code: a for a in map(_agency, rows["agencies"])},
        services={s.service_code: s for s in map(_service, rows["services"])},
        performance=[_perf(v) for v in picked(rows["performance"], *_PERF)],
        agendas=_agency_first([_agenda(v) for v in picked(rows["agendas"], *_AGENDA)], "agenda_id", origins,
                              "agendas"),
        decisions=[_decision(v, as_of) for v in picked(rows["decisions"], *_DECISION)],
        history=_agency_first([_history(v) for v in picked(rows["decision_history"], *_HISTORY)], "decision_id",
                              origins, "decision_history"),
        agenda_history=_agency_first([_agenda_version(v) for v in picked(rows["agenda_history"], *_AGENDA_VERSION)],
                                     "agenda_id", origins, "agenda_history"),
        submissions=submissions,
        indicators=rows["indicators"],
        tables={name: _table_info(data_dir, resources[name], rows[name], counts[name], files)
                for name in PUBLISHED_TABLES},
        package_file=files.info(data_dir / "datapackage.zip"),
        releases=_releases(data_dir / "changelog.json"),
        feedback=feedback,
        feedback_months=feedback_months,
        templates=_templates(portal.output / "templates"),
        submitted_fields=_submitted(portal),
        reports=reports,
        misplaced=load_misplaced(portal.output),
        origins=origins,
    )


# The rows no page shows, by table (``casting.Drop``): neither read, kept, indexed nor handed to the pages' processes.
# The indicators computed for each service of the performance table (six in ten of the table's rows: 250,000 of a
# city's 414,000); the site shows the mall's, the sectors' and the agencies' (``lookup.py``). The catalogue still
# counts every row; its months are those of the rows read, which are all of them (the mall has a row for every
# period of the table, ``publish/evaluation/table.py``).
SHOWN: dict[str, Drop] = {"indicators": ("scope_type", frozenset({"service"}))}


def _agency_first(records: list[T], id_field: str, origins: dict[str, recordtexts.Origin], table: str) -> list[T]:
    """Records of a table published month first (period, agency, id: tables.py ``MONTH_FIRST``) in the order the pages
    take them: by agency and id, then period (a stable sort: each id's periods stay in order). The table's entry in
    ``origins`` (recordtexts.py, one place per row in the table's order) is given that order, for the records' kept
    texts to be taken and kept by their rows' places (``recordtexts.records_of``)."""
    keys = list(map(attrgetter("agency_code", id_field), records))
    order = sorted(range(len(records)), key=keys.__getitem__)
    if table in origins:
        origins[table] = replace(origins[table], order=order)
    return [records[i] for i in order]


def _rows(path: Path, schema: dict[str, Any], files: _Files, cache_dir: Path | None, previous: Path,
          later: list[Callable[[], None]] | None, ahead: ReadAhead | None = None,
          drop: Drop | None = None, origin: list[rowcache.Origin] | None = None,
          mapped: row_maps.RowMap | None = None) -> list[Row | None]:
    """One table's typed rows: kept ones when its CSV and schema are those they were kept for (else
    those of its lines that ``previous``, the CSV they were read from, has, or that ``mapped`` says it has; see
    rowcache.py; rows read are kept now, or by an action appended to ``later``); ``drop``: the rows left out, None in
    their place; ``origin``: where they came from is appended to it (``rowcache.Origin``)."""
    if cache_dir is None:
        return read_table(path, schema, drop)
    info = files.info(path)
    if info is None:
        raise SiteError(f"{path}: tidak ada, jalankan publish dulu / missing, run publish first")
    return cached_rows(path, info.sha256, schema, cache_dir, previous, later, ahead, files.vouch(path), drop, origin,
                       mapped)


class _Files:
    """Size and SHA-256 of the files offered for download, each file read once per build."""

    def __init__(self, digests: DigestCache | None = None) -> None:
        self._seen: dict[Path, FileInfo | None] = {}
        self._digests = digests

    def info(self, path: Path) -> FileInfo | None:
        """The file's facts, or None when it is absent."""
        if path not in self._seen:
            # The digest the check found for the file's present stat stands for its bytes: not read again
            # (one the check read of a file the data stage has just written included: 285 MB at a city's size).
            sha = known_digest(self._digests, path, fresh=True)
            self._seen[path] = (_file_info(path) if sha is None else
                                FileInfo(path.name, path.suffix.lstrip(".").upper(), path.lstat().st_size, sha))
        return self._seen[path]

    def vouch(self, path: Path) -> Vouch | None:
        """The digest the build's check knows ``path``'s bytes by under a stat (``rowcache.Vouch``), as ``info``
        takes it: a changed table's CSV is then not hashed again when its rows are patched."""
        digests = self._digests
        if digests is None:
            return None
        name = os.path.abspath(path)  # the name the check walked it by
        return lambda st: digests.known(name, st, fresh=True)


def _read_package(data_dir: Path) -> dict[str, Any]:
    """The Data Package descriptor, or a clear failure telling to publish first."""
    path = data_dir / "datapackage.json"
    try:
        return json_object(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SiteError(f"{path}: belum ada, jalankan publish dulu / missing, run publish first") from None
    except (OSError, ValueError) as exc:
        raise SiteError(f"{path}: tidak dapat dibaca / cannot be read: {exc}") from None


def _agency(r: Row) -> Agency:
    """One agencies.csv row."""
    return Agency(agency_code=r["agency_code"], name=r["name"], name_en=r.get("name_en"), sector=r["sector"],
                  counter=r.get("counter"), joined_on=r.get("joined_on"), website=r.get("website"),
                  active=bool(r.get("active")), aliases=r.get("aliases"))


def _service(r: Row) -> Service:
    """One services.csv row."""
    return Service(service_code=r["service_code"], agency_code=r["agency_code"], name=r["name"],
                   standard_time=r["standard_time"], fee_idr=int(r.get("fee_idr") or 0),
                   requirements=r.get("requirements"), legal_basis=r.get("legal_basis"), name_en=r.get("name_en"))


# Each record's fields as (the columns in the record's order, those a published file may lack):
# the records are built from value tuples, not by a lookup per cell (the city has 400,000 rows).
_PERF = (("period", "agency_code", "service_code", "applications_received", "applications_completed",
          "completed_within_standard", "avg_wait_minutes", "avg_service_minutes", "complaints_received",
          "complaints_resolved", "survey_respondents", *ELEMENTS, "ikm", "ikm_grade", "notes"),
         ("avg_wait_minutes", "avg_service_minutes", "survey_respondents", *ELEMENTS, "ikm", "ikm_grade", "notes"))
_AGENDA = (("agency_code", "agenda_id", "date", "start_time", "end_time", "title", "type", "participants",
            "location", "status", "summary", "minutes_url", "period", "attendees"),
           ("start_time", "end_time", "participants", "location", "summary", "minutes_url", "attendees"))
_DECISION = (("agency_code", "decision_id", "date", "agenda_id", "title", "description", "responsible",
              "follow_up", "due_date", "status", "completed_on", "evidence_url", "period"),
             ("agenda_id", "description", "responsible", "due_date", "completed_on", "evidence_url"))
_HISTORY = (("agency_code", "decision_id", "period", "status", "follow_up", "completed_on"), ("completed_on",))
_AGENDA_VERSION = (("agency_code", "agenda_id", "period", "date", "start_time", "location", "status", "title",
                    "attendees"), ("start_time", "location", "attendees"))
_SUBMISSION = (("period", "agency_code", "table", "status", "received_at", "on_time", "revision", "errors",
                "warnings", "sha256"), ("received_at", "on_time", "revision", "errors", "warnings", "sha256"))
_U = slice(11, 11 + len(ELEMENTS))  # the survey's elements in a _PERF tuple


def _perf(v: tuple[Any, ...]) -> Perf:
    """One performance.csv row (_PERF); the survey's elements only when all of them are there."""
    u = v[_U]
    (period, agency, service, received, completed, within, wait, served, complaints, resolved,
     respondents) = v[:_U.start]
    ikm, grade, notes = v[_U.stop:]
    return Perf(period, agency, service, received, completed, within, wait, served, complaints, resolved,
                respondents, None if None in u else u, ikm, grade, notes)


def _agenda(v: tuple[Any, ...]) -> Agenda:
    """One agendas.csv row (_AGENDA)."""
    agency, agenda_id, day, start, end, title, kind_, participants, location, status, summary, minutes, period, came = v
    return Agenda(agency, agenda_id, day, start, end, title, kind_, _codes(participants), location, status, summary,
                  minutes, period, attendance(came))


def _decision(v: tuple[Any, ...], as_of: date) -> Decision:
    """One decisions.csv row (_DECISION); overdue is judged as of the build date (the contract's rule)."""
    agency, decision_id, day, agenda_id, title, description, responsible, follow_up, due, status, done, url, period = v
    return Decision(agency, decision_id, day, agenda_id, title, description, _codes(responsible), follow_up, due,
                    status, done, url, period, is_overdue(status, due, as_of))


def _history(v: tuple[Any, ...]) -> HistoryEntry:
    """One decision_history.csv row (_HISTORY)."""
    agency, decision_id, period, status, follow_up, done = v
    return HistoryEntry(agency, decision_id, period, status, follow_up, done)


def _agenda_version(v: tuple[Any, ...]) -> AgendaVersion:
    """One agenda_history.csv row (_AGENDA_VERSION)."""
    agency, agenda_id, period, day, start, location, status, title, came = v
    return AgendaVersion(agency, agenda_id, period, day, start, location, status, title, attendance(came))


@lru_cache(maxsize=4096)  # the same lists of agencies recur row after row
def _codes(cell: str | None) -> tuple[str, ...]:
    """The codes of a ``;``-separated cell."""
    return split_codes(cell)


def attendance(cell: str | None) -> tuple[str, ...] | None:
    """The agencies that came, or None when the cell is empty: attendance unknown, never assumed none."""
    codes = _codes(cell)
    return codes or None


def _submission(v: tuple[Any, ...]) -> Submission:
    """One submissions.csv row (_SUBMISSION)."""
    period, agency, table, status, received_at, on_time, revision, errors, warnings, sha256 = v
    return Submission(period, agency, table, status, received_at, on_time, revision, int(errors or 0),
                      int(warnings or 0), sha256)


def _text(obj: dict[str, Any], key: str) -> dict[str, str]:
    """A title or description in both languages (English falls back to Indonesian)."""
    text_id = str(obj.get(key) or "")
    return {"id": text_id, "en": str(obj.get(f"{key}_en") or text_id)}


def _table_info(data_dir: Path, resource: dict[str, Any], rows: list[Row], count: int, known: _Files) -> TableInfo:
    """The catalogue facts of one table: schema, row count (``count``: those left out too), files and periods
    covered (by the rows read)."""
    schema = resource.get("schema", {})
    fields = _fields(schema)
    key = schema.get("primaryKey") or []
    name = resource["name"]
    files = tuple(info for ext in ("csv", "json", "xlsx")
                  if (info := known.info(data_dir / f"{name}.{ext}")) is not None)
    # Months only: the indicators table also has quarters (2026-Q3) and years (2026).
    periods = sorted(p for p in distinct(rows, "period") if p and kind(p) == MONTH)
    return TableInfo(
        name=name, title=_text(resource, "title"), description=_text(resource, "description"),
        fields=fields, primary_key=tuple([key] if isinstance(key, str) else key), rows=count,
        files=files, periods=(periods[0], periods[-1]) if periods else None,
    )


def _fields(schema: dict[str, Any]) -> tuple[FieldInfo, ...]:
    """The data-dictionary view of a Table Schema's fields."""
    return tuple(
        FieldInfo(f["name"], f.get("type", "string"), _text(f, "title"), _text(f, "description"),
                  bool(f.get("constraints", {}).get("required")),
                  {k: v for k, v in f.get("constraints", {}).items() if k != "required"})
        for f in schema.get("fields", [])
    )


def _submitted(portal: Portal) -> dict[str, tuple[FieldInfo, ...]]:
    """The fields agencies send per monthly table (datasets/schemas/<table>.json), when present."""
    out = {}
    root = schemas_root(portal.datasets)  # read below it without following links
    for table in TABLES:
        path = portal.schemas_dir / f"{table}.json"
        try:
            out[table] = _fields(json.loads(read_config_file(root, f"schemas/{table}.json")))
        except FileNotFoundError:
            continue
        except ValueError as exc:
            raise SiteError(f"{path}: bukan JSON yang sah / not valid JSON: {exc}") from None
    return out


def _file_info(path: Path) -> FileInfo | None:
    """Size and SHA-256 of a file to offer for download, or None when it is absent."""
    if not path.is_file():
        return None
    with path.open("rb") as fh:  # in blocks: the city's indicators.json alone is 150 MB
        digest = hashlib.file_digest(fh, "sha256")
        size = fh.tell()
    return FileInfo(path.name, path.suffix.lstrip(".").upper(), size, digest.hexdigest())


def _templates(folder: Path) -> list[FileInfo]:
    """The agency templates (CSV and XLSX per monthly table), sorted by name."""
    if not folder.is_dir():
        return []
    return [i for p in sorted(folder.iterdir()) if (i := _file_info(p)) is not None]


def _releases(path: Path) -> list[Release]:
    """The change log, newest first; items keep their own keys (what changed, in which language)."""
    if not path.is_file():
        return []
    try:
        events = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SiteError(f"{path}: bukan JSON yang sah / not valid JSON: {exc}") from None
    releases = [Release(date.fromisoformat(str(e["date"])[:10]), tuple(_release_items(e))) for e in events]
    return sorted(releases, key=lambda r: r.date, reverse=True)


def _release_items(event: dict[str, Any]) -> list[dict[str, str]]:
    """The changes of one event as flat string dicts (shape decided by the publish stage)."""
    changes = event.get("changes") or event.get("items") or []
    return [{k: str(v) for k, v in c.items()} if isinstance(c, dict) else {"text": str(c)} for c in changes]
