"""Feedback pages for agencies: one per received file, one per agency and month, one index.

Pages are self-contained HTML (inline CSS, no JavaScript), Indonesian first and English
below.  Contexts are built here; the templates in site_templates/feedback/ only format.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime, tzinfo
from functools import partial
from typing import Any

from jinja2 import Environment, Template
from markupsafe import Markup

from pipeline.core import templating
from pipeline.core.config import Portal
from pipeline.core.csp import feedback_policy
from pipeline.core.formatting import LANGS, Formatter
from pipeline.core.models import TABLES, FileReport, Record
from pipeline.core.periods import deadline
from pipeline.core.treehash import DigestCache, hash_tree, library_versions
from pipeline.publish.feedback_keys import agency_key, by_agency
from pipeline.publish.feedback_layout import INDEX, feedback_pages, month_page
from pipeline.publish.feedback_pending import Pending
from pipeline.publish.reuse import Files, Reuse, inputs_key
from pipeline.store import Store

TEMPLATES = templating.SITE_TEMPLATES / "feedback"
FORMATS = {lang: Formatter(lang) for lang in LANGS}
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
    """The pages' Jinja environment, with the labels and the inlined stylesheet every page uses."""
    env = templating.environment(TEMPLATES)
    # The stylesheet is inlined (each page stands alone) and allowed by its hash in the page's
    # Content-Security-Policy, so nothing else inline can run or style the page.
    css = (TEMPLATES / "feedback.css").read_text(encoding="utf-8")
    env.globals.update(tables=TABLE_LABELS, statuses=STATUS_LABELS, style=Markup(css),
                       csp=feedback_policy(css))
    return env


def _both(label: Callable[[Formatter], str]) -> dict[str, str]:
    """One label in both languages, Indonesian first."""
    return {lang: label(f) for lang, f in FORMATS.items()}


def _received(f: Formatter, iso: str | None, zone: tzinfo) -> str:
    """A receipt time in the portal's local time (``5 November 2026 09.30 WIB``)."""
    return f.long_datetime(datetime.fromisoformat(iso), zone) if iso else "—"


def _received_both(iso: str | None, zone: tzinfo) -> dict[str, str]:
    """A receipt time in both languages."""
    return _both(lambda f: _received(f, iso, zone))


# A value is shown up to this many characters: a cell may hold 32,767, and a page lists
# up to 200 problems in two languages.
SHOWN_VALUE_CHARS = 300


def shown_problems(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
    return {
        "portal": portal, "row": row, "version": version, "kept_revision": pointer.kept,
        "file_name": version.file.rsplit("/", 1)[-1],
        "agency_name": names.get(row["agency_code"], row["agency_code"]),
        "errors": shown_problems(report["errors"]), "warnings": shown_problems(report["warnings"]),
        # The lists stop at 200 problems plus a summary; the counts are the file's own.
        "error_total": version.errors, "warning_total": version.warnings,
        "received": _received_both(row["received_at"], portal.tz),
        "month": _both(lambda f: f.month(row["period"])),
        "deadline": _both(lambda f: f.date(deadline(row["period"], portal.deadline_day))),
    }


def month_context(portal: Portal, period: str, agency: str, rows: list[Record],
                  names: dict[str, str], layout: list[FileReport] | None = None) -> dict[str, Any]:
    """Context of an agency's page for one month (its three files and what is misplaced in its folder)."""
    by_table = {r["table"]: r for r in rows}
    files = [
        {"table": t, "row": by_table[t], "received": _received_both(by_table[t]["received_at"], portal.tz)}
        for t in TABLES if t in by_table
    ]
    return {
        "portal": portal, "period": period, "agency": agency,
        "agency_name": names.get(agency, agency), "files": files,
        "layout": _layout_items(layout or []),
        "month": _both(lambda f: f.month(period)),
        "deadline": _both(lambda f: f.date(deadline(period, portal.deadline_day))),
    }


def index_context(portal: Portal, months: list[dict[str, Any]],
                  layout: list[FileReport]) -> dict[str, Any]:
    """Context of the list of every agency-month page and this run's misplaced files."""
    # Each agency-month's files counted by status here, once: the template's filters counting them (three
    # per row and two per month, a city's 3,600 rows) were most of the time this page took to render.
    counted = [{**m, **{status: m["statuses"].count(status) for status in COUNTED}} for m in months]
    return {"portal": portal, "months": counted, "layout": _layout_items(layout)}


COUNTED = ("accepted", "rejected", "missing")  # the statuses the index counts (``index_context``)


def _layout_items(layout: list[FileReport]) -> list[dict[str, Any]]:
    """Misplaced files with their problems, as the pages list them."""
    return [{"file": r.file, "errors": shown_problems([p.to_json() | {"cell": p.cell} for p in r.errors])}
            for r in layout]


_PLACES = ("datasets", "output", "receipts")


def pages_digest(portal: Portal) -> str:
    """The SHA-256 of what every feedback page shares: the settings, the templates, the libraries that write it."""
    # The settings without the folders the run reads and writes: a page never shows them, and the
    # same inputs published into another folder give the same pages (and the same record).
    settings = {f.name: getattr(portal, f.name) for f in fields(portal) if f.name not in _PLACES}
    h = hashlib.sha256(f"{settings!r}\0{library_versions(('babel', 'jinja2', 'markupsafe'))}\0".encode())
    hash_tree(h, "feedback", TEMPLATES, None)
    return h.hexdigest()


def feedback_files(portal: Portal, store: Store, tables: dict[str, list[Record]],
                   reports: list[FileReport], reuse: Reuse | None = None) -> Files:
    """Every feedback page, by path under ``<output>/feedback/`` (laid out by ``feedback_layout``).

    With ``reuse``, a page whose inputs are as last time is left in place, not rendered (reuse.py):
    after one new agency-month only that month's pages (and the index) are rendered. An agency whose
    inputs are all as last time (``feedback_keys.agency_key``) has its pages checked by their stat alone,
    none of them keyed: after one new agency-month only that agency's pages are.
    """
    env = environment()
    shared = pages_digest(portal) if reuse is not None else ""
    digests = None if reuse is None else reuse.digests
    names = {a["agency_code"]: a["name"] for a in tables["agencies"]}
    rows = tables["submissions"]
    file_pages, _ = feedback_pages((r["period"], r["agency_code"], r["table"], r["status"]) for r in rows)
    groups: dict[tuple[str, str], list[Record]] = {}
    for row in rows:
        groups.setdefault((row["period"], row["agency_code"]), []).append(row)
    # Reports the store could not file under a key (misplaced or unreadable files).
    layout = [r for r in reports if not (r.period and r.agency and r.table in TABLES and r.sha256)]
    # A misplaced file inside a known agency's folder is shown on that agency's page for the
    # month too (the clerk must see it, not only the data officer), even when nothing else is there.
    in_folder: dict[tuple[str, str], list[FileReport]] = {}
    for r in layout:
        if r.period and r.agency:
            in_folder.setdefault((r.period, r.agency), []).append(r)
            groups.setdefault((r.period, r.agency), [])
    pages = Files(None if reuse is None else reuse.folder)
    months = []
    labels: dict[str, dict[str, str]] = {}  # each period's name in both languages, made once (not once an agency)
    file_template, month_template = env.get_template("file.html"), env.get_template("month.html")

    def page(rel: str, inputs: tuple[object, ...], render: Callable[[], str]) -> None:
        def build() -> bytes:
            return render().encode("utf-8")
        pages[rel] = build() if reuse is None else reuse.get(rel, inputs_key(shared, *inputs), build)

    for agency, periods in by_agency(groups).items():
        items = [(period, groups[(period, agency)], _layout_items(in_folder.get((period, agency)) or []))
                 for period in periods]
        # An agency whose inputs are those its pages were recorded with: each page kept by its stat alone.
        key = None if reuse is None else agency_key(shared, store, agency, names.get(agency), items)
        keep = reuse.keep if reuse is not None and isinstance(key, str) and reuse.same_group(agency, key) else _never
        # Reports this run writes (or too recent): the agency's key is recorded once they last (``settle``),
        # with the digests its file pages were made from.
        made: dict[tuple[str, str], str] | None = {} if isinstance(key, Pending) else None
        for period, group, shown in items:
            href = month_page(period, agency)
            if keep(href):
                pages[href] = None
            else:  # a page's inputs: what its context is built from (the settings and templates are in ``shared``)
                page(href, ("month", period, agency, names.get(agency), group, shown),
                     partial(_render, month_template, month_context, portal, period, agency, group, names,
                             in_folder.get((period, agency))))
            for row in group:
                rel = file_pages.get((period, agency, row["table"]))
                if rel is None:
                    continue
                if keep(rel):
                    pages[rel] = None
                    continue
                inputs = _version_inputs(store, row, digests)
                if made is not None:
                    made[(period, row["table"])] = str(inputs[2])
                page(rel, ("file", row, names.get(agency), *inputs),
                     partial(_render, file_template, file_context, portal, store, row, names))
        if isinstance(key, Pending) and made is not None and reuse is not None:
            key.made_from(made)
            reuse.pending[agency] = key
    for (period, agency), group in sorted(groups.items()):
        months.append({"period": period, "agency": agency, "href": month_page(period, agency),
                       "agency_name": names.get(agency, agency),
                       "statuses": [r["status"] for r in group],
                       "month": labels.get(period) or labels.setdefault(period, _month_names(period))})
    # The index lists every agency-month: after one new file only its status changes, if anything.
    index = env.get_template(INDEX)
    page(INDEX, ("index", months, _layout_items(layout)), lambda: index.render(index_context(portal, months, layout)))
    return pages


def _never(rel: str) -> bool:
    """No page is kept as recorded (its agency's inputs changed, or nothing was recorded)."""
    return False


def _month_names(period: str) -> dict[str, str]:
    """A period's name in both languages (``Oktober 2026``)."""
    return {lang: f.month(period) for lang, f in FORMATS.items()}


def _render(template: Template, context: Callable[..., dict[str, Any]], *args: Any) -> str:
    """A page: ``template`` rendered with ``context(*args)``."""
    return template.render(context(*args))


def _version_inputs(store: Store, row: Record, digests: DigestCache | None = None) -> tuple[object, ...]:
    """What a file page shows of the store: its current version, the revision kept, its report's SHA-256."""
    key = (row["period"], row["agency_code"], row["table"])
    pointer = store.pointers[key]
    version = store.version(key, pointer.current)
    assert version is not None
    # A version is a flat record: its fields as they are (asdict's deep copy cost a second at a city).
    return dict(vars(version)), pointer.kept, _report_digest(store, version, digests)


def _report_digest(store: Store, version: Any, digests: DigestCache | None) -> str:
    """The SHA-256 of a version's report; one already in the store is read only when its stat changed
    since ``digests`` kept its digest (a city's 10,800 reports were read and hashed on every run)."""
    rel = version.report_path
    path = f"{store.root}/{rel}"
    if digests is None or rel in store.pending:
        found = store.report_digest(version)  # about to be written: the bytes in memory
        if digests is not None:
            digests.expect(path, found)  # kept with the report's stat once it is written and lasts
        return found
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            return digests.digest(path, info)
    except OSError:
        pass
    return store.report_digest(version)  # as before: read, or the error named
