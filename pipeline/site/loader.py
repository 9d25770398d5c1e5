"""Read <output>/data/ (and the feedback and template folders) into one SiteData."""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.core.config import Portal, read_config_file, schemas_root
from pipeline.core.errors import SiteError
from pipeline.core.followup import is_overdue
from pipeline.core.ikm import ELEMENTS
from pipeline.core.models import PUBLISHED_TABLES, TABLES
from pipeline.core.periods import MONTH, kind
from pipeline.core.records import Agency, Service, split_codes
from pipeline.core.rowcodec import json_object
from pipeline.publish.feedback_layout import feedback_pages
from pipeline.site import rowcache
from pipeline.site.casting import Row, distinct, read_table
from pipeline.site.feedback_data import load_misplaced, load_reports
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
from pipeline.site.rowcache import cached_rows


def load_site_data(portal: Portal, as_of: date, keep_rows: bool = False) -> SiteData:
    """Read every published table, typed by its own schema; raise SiteError if any is missing.

    ``keep_rows``: read a table whose CSV did not change from the rows kept under
    <output>/site-cache/ (rowcache.py), and keep the rows of the others there (a build does;
    a reader that must leave <output> as it found it does not).
    """
    with _collector_paused():
        return _load(portal, as_of, portal.output / rowcache.FOLDER if keep_rows else None)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the tables are read, and restore it after.

    Reading makes millions of rows, tuples and values and frees none of them: each automatic
    collection walks them all again for nothing (half of reading the city's indicators
    table, measured). Nothing read here forms a cycle, so nothing is left for it to free.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(portal: Portal, as_of: date, cache_dir: Path | None) -> SiteData:
    """The reading itself (see ``load_site_data``)."""
    data_dir = portal.output / "data"
    package = _read_package(data_dir)
    resources = {r.get("name"): r for r in package.get("resources", [])}
    missing = [name for name in PUBLISHED_TABLES if name not in resources]
    if missing:
        raise SiteError(f"{data_dir}/datapackage.json: tabel tidak ada / tables missing: {', '.join(missing)}")
    files = _Files()
    rows = {name: _rows(data_dir / resources[name]["path"], resources[name].get("schema", {}), files, cache_dir)
            for name in PUBLISHED_TABLES}
    submissions = [_submission(r) for r in rows["submissions"]]
    # The pages the publish stage wrote for this submissions table, by the rule it wrote them by.
    feedback, feedback_months = feedback_pages((s.period, s.agency_code, s.table, s.status) for s in submissions)
    reports = load_reports(portal.output, submissions)
    # A file's report page is built from its report in the store; without one, link the month page.
    feedback = {key: rel for key, rel in feedback.items() if key in reports}
    return SiteData(
        portal=portal,
        as_of=as_of,
        agencies={a.agency_code: a for a in map(_agency, rows["agencies"])},
        services={s.service_code: s for s in map(_service, rows["services"])},
        performance=[_perf(r) for r in rows["performance"]],
        agendas=[_agenda(r) for r in rows["agendas"]],
        decisions=[_decision(r, as_of) for r in rows["decisions"]],
        history=[_history(r) for r in rows["decision_history"]],
        agenda_history=[_agenda_version(r) for r in rows["agenda_history"]],
        submissions=submissions,
        indicators=rows["indicators"],
        tables={name: _table_info(data_dir, resources[name], rows[name], files) for name in PUBLISHED_TABLES},
        package_file=files.info(data_dir / "datapackage.zip"),
        releases=_releases(data_dir / "changelog.json"),
        feedback=feedback,
        feedback_months=feedback_months,
        templates=_templates(portal.output / "templates"),
        submitted_fields=_submitted(portal),
        reports=reports,
        misplaced=load_misplaced(portal.output),
    )


def _rows(path: Path, schema: dict[str, Any], files: _Files, cache_dir: Path | None) -> list[Row]:
    """One table's typed rows: kept ones when its CSV and schema are those they were kept for."""
    if cache_dir is None:
        return read_table(path, schema)
    info = files.info(path)
    if info is None:
        raise SiteError(f"{path}: tidak ada, jalankan publish dulu / missing, run publish first")
    return cached_rows(path, info.sha256, schema, cache_dir)


class _Files:
    """Size and SHA-256 of the files offered for download, each file read once per build."""

    def __init__(self) -> None:
        self._seen: dict[Path, FileInfo | None] = {}

    def info(self, path: Path) -> FileInfo | None:
        """The file's facts, or None when it is absent."""
        if path not in self._seen:
            self._seen[path] = _file_info(path)
        return self._seen[path]


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


def _perf(r: Row) -> Perf:
    """One performance.csv row."""
    u = tuple(r[name] for name in ELEMENTS if r.get(name) is not None)
    return Perf(
        r["period"], r["agency_code"], r["service_code"], r["applications_received"],
        r["applications_completed"], r["completed_within_standard"], r.get("avg_wait_minutes"),
        r.get("avg_service_minutes"), r["complaints_received"], r["complaints_resolved"],
        r.get("survey_respondents"), u if len(u) == len(ELEMENTS) else None,
        r.get("ikm"), r.get("ikm_grade"), r.get("notes"),
    )


def _agenda(r: Row) -> Agenda:
    """One agendas.csv row."""
    return Agenda(
        r["agency_code"], r["agenda_id"], r["date"], r.get("start_time"), r.get("end_time"),
        r["title"], r["type"], split_codes(r.get("participants")), r.get("location"), r["status"],
        r.get("summary"), r.get("minutes_url"), r["period"], attendance(r.get("attendees")),
    )


def _decision(r: Row, as_of: date) -> Decision:
    """One decisions.csv row; overdue is judged as of the build date (the contract's rule)."""
    return Decision(
        r["agency_code"], r["decision_id"], r["date"], r.get("agenda_id"), r["title"],
        r.get("description"), split_codes(r.get("responsible")), r["follow_up"], r.get("due_date"), r["status"],
        r.get("completed_on"), r.get("evidence_url"), r["period"],
        is_overdue(r["status"], r.get("due_date"), as_of),
    )


def _history(r: Row) -> HistoryEntry:
    """One decision_history.csv row."""
    return HistoryEntry(r["agency_code"], r["decision_id"], r["period"], r["status"],
                        r["follow_up"], r.get("completed_on"))


def _agenda_version(r: Row) -> AgendaVersion:
    """One agenda_history.csv row."""
    return AgendaVersion(r["agency_code"], r["agenda_id"], r["period"], r["date"], r.get("start_time"),
                         r.get("location"), r["status"], r["title"], attendance(r.get("attendees")))


def attendance(cell: str | None) -> tuple[str, ...] | None:
    """The agencies that came, or None when the cell is empty: attendance unknown, never assumed none."""
    codes = split_codes(cell)
    return codes or None


def _submission(r: Row) -> Submission:
    """One submissions.csv row."""
    return Submission(
        r["period"], r["agency_code"], r["table"], r["status"], r.get("received_at"),
        r.get("on_time"), r.get("revision"), int(r.get("errors") or 0), int(r.get("warnings") or 0),
        r.get("sha256"),
    )


def _text(obj: dict[str, Any], key: str) -> dict[str, str]:
    """A title or description in both languages (English falls back to Indonesian)."""
    text_id = str(obj.get(key) or "")
    return {"id": text_id, "en": str(obj.get(f"{key}_en") or text_id)}


def _table_info(data_dir: Path, resource: dict[str, Any], rows: list[Row], known: _Files) -> TableInfo:
    """The catalogue facts of one table: schema, row count, files and periods covered."""
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
        fields=fields, primary_key=tuple([key] if isinstance(key, str) else key), rows=len(rows),
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
