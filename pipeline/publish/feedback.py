"""Feedback pages for agencies: one per received file, one per agency and month, one index.

Pages are self-contained HTML (inline CSS, no JavaScript), Indonesian first and English
below.  Contexts are built here; the templates in site_templates/feedback/ only format.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from pipeline.core.config import Portal
from pipeline.core.csp import feedback_policy
from pipeline.core.models import TABLES, FileReport
from pipeline.core.periods import deadline, parse
from pipeline.publish.tables import Record
from pipeline.store import Store

TEMPLATES = Path(__file__).resolve().parents[2] / "site_templates" / "feedback"
TABLE_LABELS = {
    "agendas": ("Agenda", "Agendas"),
    "decisions": ("Keputusan dan tindak lanjut", "Decisions and follow-up"),
    "performance": ("Kinerja layanan", "Service performance"),
}
STATUS_LABELS = {
    "accepted": ("Diterima", "Accepted"),
    "rejected": ("Ditolak", "Rejected"),
    "missing": ("Belum dikirim", "Not received"),
}


def environment() -> Environment:
    """Jinja2 with autoescaping on for every template (agency text is untrusted)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    # The stylesheet is inlined (each page stands alone) and allowed by its hash in the page's
    # Content-Security-Policy, so nothing else inline can run or style the page.
    css = (TEMPLATES / "feedback.css").read_text(encoding="utf-8")
    env.globals.update(tables=TABLE_LABELS, statuses=STATUS_LABELS, style=Markup(css),
                       csp=feedback_policy(css))
    return env


@lru_cache(maxsize=None)  # Babel is slow per call and the same labels recur
def month_label(period: str, lang: str) -> str:
    """``Oktober 2026`` / ``October 2026``."""
    year, month = parse(period)
    return format_date(date(year, month, 1), "MMMM y", locale=lang)


@lru_cache(maxsize=None)
def day_label(day: date, lang: str) -> str:
    """``10 November 2026``."""
    return format_date(day, "d MMMM y", locale=lang)


@lru_cache(maxsize=None)
def time_label(iso: str | None, lang: str) -> str:
    """A receipt time in the portal's local time (``5 November 2026 09.30``)."""
    if not iso:
        return "—"
    moment = datetime.fromisoformat(iso)
    pattern = "d MMMM y HH.mm" if lang == "id" else "d MMMM y HH:mm"
    offset = moment.isoformat()[-6:]  # "+07:00": the portal's zone, as received_at carries it
    return f"{format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=lang)} (UTC{offset})"


# A value is shown up to this many characters: a cell may hold 32,767, and a page lists
# up to 200 problems in two languages.
SHOWN_VALUE_CHARS = 300


def _problems(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems with a cell reference (or the row, or nothing) and both messages."""
    out = []
    for p in items:
        out.append({"cell": p.get("cell") or "—", "row": p.get("row") or "—",
                    "field": p.get("field") or "—",
                    "value": "—" if p.get("value") is None else _shorten(p["value"]), "code": p["code"],
                    "id": p["message"]["id"], "en": p["message"]["en"]})
    return out


def _shorten(value: str) -> str:
    """A value as shown on a page: at most SHOWN_VALUE_CHARS characters, then an ellipsis."""
    return value if len(value) <= SHOWN_VALUE_CHARS else value[: SHOWN_VALUE_CHARS - 1] + "…"


def file_context(portal: Portal, store: Store, row: Record, names: dict[str, str]) -> dict[str, Any]:
    """Context of one file's report page (its current version)."""
    key = (row["period"], row["agency_code"], row["table"])
    pointer = store.pointers[key]
    version = store.version(key, pointer.current)
    assert version is not None
    report = store.report(version)
    kept = pointer.published if pointer.published not in (None, version.revision) else None
    return {
        "portal": portal, "row": row, "version": version, "kept_revision": kept,
        "file_name": version.file.rsplit("/", 1)[-1],
        "agency_name": names.get(row["agency_code"], row["agency_code"]),
        "errors": _problems(report["errors"]), "warnings": _problems(report["warnings"]),
        # The lists stop at 200 problems plus a summary; the counts are the file's own.
        "error_total": version.errors, "warning_total": version.warnings,
        "received": {lang: time_label(row["received_at"], lang) for lang in ("id", "en")},
        "month": {lang: month_label(row["period"], lang) for lang in ("id", "en")},
        "deadline": {lang: day_label(deadline(row["period"], portal.deadline_day), lang)
                     for lang in ("id", "en")},
    }


def month_context(portal: Portal, period: str, agency: str, rows: list[Record],
                  names: dict[str, str]) -> dict[str, Any]:
    """Context of an agency's page for one month (its three files)."""
    by_table = {r["table"]: r for r in rows}
    files = [
        {"table": t, "row": by_table[t],
         "received": {lang: time_label(by_table[t]["received_at"], lang) for lang in ("id", "en")}}
        for t in TABLES if t in by_table
    ]
    return {
        "portal": portal, "period": period, "agency": agency,
        "agency_name": names.get(agency, agency), "files": files,
        "month": {lang: month_label(period, lang) for lang in ("id", "en")},
        "deadline": {lang: day_label(deadline(period, portal.deadline_day), lang)
                     for lang in ("id", "en")},
    }


def index_context(portal: Portal, months: list[dict[str, Any]],
                  layout: list[FileReport]) -> dict[str, Any]:
    """Context of the list of every agency-month page and this run's misplaced files."""
    return {"portal": portal, "months": months,
            "layout": [{"file": r.file, "errors": _problems([p.to_json() | {"cell": p.cell}
                                                             for p in r.errors])} for r in layout]}


def feedback_files(portal: Portal, store: Store, tables: dict[str, list[Record]],
                   reports: list[FileReport]) -> dict[str, bytes]:
    """Every feedback page, by path under ``<output>/feedback/``."""
    env = environment()
    names = {a["agency_code"]: a["name"] for a in tables["agencies"]}
    groups: dict[tuple[str, str], list[Record]] = {}
    for row in tables["submissions"]:
        groups.setdefault((row["period"], row["agency_code"]), []).append(row)
    pages: dict[str, str] = {}
    months = []
    file_page, month_page = env.get_template("file.html"), env.get_template("month.html")
    for (period, agency), rows in sorted(groups.items()):
        base = f"{period}/{agency}"
        pages[f"{base}/index.html"] = month_page.render(month_context(portal, period, agency, rows, names))
        for row in rows:
            if row["status"] != "missing":
                pages[f"{base}/{row['table']}.html"] = file_page.render(
                    file_context(portal, store, row, names))
        months.append({"period": period, "agency": agency, "href": f"{base}/index.html",
                       "agency_name": names.get(agency, agency),
                       "statuses": [r["status"] for r in rows],
                       "month": {lang: month_label(period, lang) for lang in ("id", "en")}})
    # Reports the store could not file under a key (misplaced or unreadable files).
    layout = [r for r in reports if not (r.period and r.agency and r.table in TABLES and r.sha256)]
    pages["index.html"] = env.get_template("index.html").render(index_context(portal, months, layout))
    return {rel: text.encode("utf-8") for rel, text in pages.items()}
