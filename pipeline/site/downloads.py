"""The downloads of what a page shows: the rows of its table as CSV and XLSX, in the page's order,
with agency names in the page's language (paths and links: ``exports``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from pipeline.core.models import TABLES, Record
from pipeline.core.treehash import library_versions
from pipeline.publish.table_files import csv_bytes, xlsx_bytes
from pipeline.site import exports, urls
from pipeline.site.models import Decision, SiteData
from pipeline.site.page import Kit
from pipeline.site.pages.performance import agencies_latest, missing_reason
from pipeline.site.pages.submissions import matrix_cells
from pipeline.site.views import decisions_sorted, overdue_sorted

_DECISION_FIELDS = [("decision_id", "string"), ("agency_code", "string"), ("agency", "string"), ("title", "string"),
                    ("date", "date"), ("responsible", "string"), ("due_date", "date"), ("status", "string"),
                    ("overdue", "boolean"), ("completed_on", "date"), ("page", "string")]
_PERFORMANCE_FIELDS = [("period", "string"), ("agency_code", "string"), ("agency", "string"),
                       ("applications_received", "integer"), ("applications_completed", "integer"),
                       ("completed_within_standard", "integer"), ("survey_respondents", "integer"),
                       ("ikm", "number"), ("ikm_grade", "string"), ("data", "string")]
_COMPLIANCE_FIELDS = [("period", "string"), ("agency_code", "string"), ("agency", "string"), ("table", "string"),
                      ("state", "string"), ("received_at", "string"), ("revision", "integer")]


def _schema(name: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
    """A minimal Table Schema for the file writers."""
    return {"name": name, "fields": [{"name": f, "type": t} for f, t in fields]}


def _decision_records(decisions: list[Decision], data: SiteData, kit: Kit) -> list[Record]:
    """Decisions as the register lists them, with names in this language and the page of each."""
    return [{"decision_id": d.decision_id, "agency_code": d.agency_code,
             "agency": kit.agency_name(data.agencies.get(d.agency_code), d.agency_code), "title": d.title,
             "date": d.date, "responsible": "; ".join(kit.agency_name(data.agencies.get(c), c) for c in d.responsible),
             "due_date": d.due_date, "status": d.status, "overdue": d.overdue, "completed_on": d.completed_on,
             "page": kit.url(urls.decision(d.agency_code, d.decision_id))} for d in decisions]


def tables(data: SiteData, kit: Kit) -> dict[str, tuple[dict[str, Any], list[Record]]]:
    """Every export of one language: name -> (schema, records)."""
    period, latest = agencies_latest(data, kit)
    performance = [{"period": period, "agency_code": a.agency_code, "agency": kit.agency_name(a),
                    "applications_received": t.received if t else None,
                    "applications_completed": t.completed if t else None,
                    "completed_within_standard": t.within_standard if t else None,
                    "survey_respondents": t.respondents if t else None,
                    "ikm": t.ikm if t else None, "ikm_grade": t.grade if t else None,
                    "data": "accepted" if t else missing_reason(data, kit, a, period)["code"] if period else "none"}
                   for a, t in latest]
    shown, agencies, index = matrix_cells(data, kit)
    compliance: list[Record] = []
    for a in agencies:
        for p in shown:
            for table in TABLES:
                s = index.get((p, a.agency_code, table))
                state = "none" if s is None else "late" if s.status == "accepted" and s.on_time is False else s.status
                compliance.append({"period": p, "agency_code": a.agency_code, "agency": kit.agency_name(a),
                                   "table": table, "state": state,
                                   "received_at": s.received_at.isoformat() if s and s.received_at else None,
                                   "revision": s.revision if s else None})
    return {
        exports.DECISIONS: (_schema(exports.DECISIONS, _DECISION_FIELDS),
                    _decision_records(decisions_sorted(data.decisions), data, kit)),
        exports.OVERDUE: (_schema(exports.OVERDUE, _DECISION_FIELDS),
                          _decision_records(overdue_sorted(data.decisions), data, kit)),
        exports.PERFORMANCE: (_schema(exports.PERFORMANCE, _PERFORMANCE_FIELDS), performance),
        exports.COMPLIANCE: (_schema(exports.COMPLIANCE, _COMPLIANCE_FIELDS), compliance),
    }


_WRITERS = {"csv": csv_bytes, "xlsx": xlsx_bytes}


def export_files(data: SiteData, kit: Kit, code: str,
                 live_key: Callable[[str], str | None]) -> Iterator[tuple[str, str, bytes | None]]:
    """(site path, key, bytes) of every export file of one language; bytes are None when the live
    file was made with this key (``live_key``): it is kept as it is, not written again.

    A file's bytes follow from its key: the site code (``code``), the path, the libraries the
    writers use beyond it, and the schema and records (``repr`` of plain values: complete).
    Writing the eight files took most of this step's time after a late file that changed none
    of them; keying them costs a tenth of that.
    """
    for name, (schema, records) in tables(data, kit).items():
        inputs = hashlib.sha256(f"{_libraries()}\0{schema!r}\0{records!r}".encode("utf-8", "surrogatepass")).hexdigest()
        for fmt in exports.FORMATS:
            path = exports.path(kit, name, fmt)
            key = hashlib.sha256(f"export\0{code}\0{path}\0{inputs}".encode("utf-8", "surrogatepass")).hexdigest()
            yield path, key, None if live_key(path) == key else _WRITERS[fmt](schema, records)


@cache
def _libraries() -> str:
    """The versions of the libraries the file writers use that the site code does not name."""
    return library_versions(("openpyxl", "lxml"))
