"""The decisions register on numbered pages (overdue and open first) and one page per decision with its history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pipeline.core.records import Agency
from pipeline.site import exports, paging, urls
from pipeline.site.markup import render_markdown, safe_url
from pipeline.site.models import Decision, HistoryEntry, SiteData
from pipeline.site.page import Group, Kit, Lazy, Page, Sourced, expanded, grouped
from pipeline.site.pages.agendas import agencies_named
from pipeline.site.sources import Parts, Texts
from pipeline.site.views import decision_row, overdue_sorted, register_sorted

STATUSES = ("open", "in-progress", "done", "cancelled")


# Overdue decisions shown in the first page's own section; all of them lead the register anyway.
OVERDUE_SHOWN = 10


def register(data: SiteData, kit: Kit) -> list[Page | Lazy[Any]]:
    """The register on numbered pages, overdue and open decisions first; the first page also sums it up.

    Every page is as small as PER_PAGE rows make it, however long the mall's history:
    the first page carries the counts, the oldest overdue decisions and the downloads. The
    pages after it are known by their rows (``RegisterRows``): one whose rows did not change
    is neither built nor rendered again.
    """
    overdue = overdue_sorted(data.decisions)
    counts = Counter(d.status for d in data.decisions)
    chunks = paging.chunks(register_sorted(data.decisions))
    rows = chunks[0] if chunks else []
    # The overdue count, the date and the overdue downloads are the first page's alone (its
    # summary): held by every page, they made each page new whenever one decision stopped being
    # overdue, or the next day (150 pages a language at the bench city, rendered into the bytes they had).
    context = {
        **_common(len(data.decisions), len(chunks), kit),
        "number": 1,
        "rows": [decision_row(d, data, kit) for d in rows],
        "first_row": 1 if rows else 0,
        "last_row": len(rows),
        "pager": paging.pager(kit, 1, len(chunks), urls.decisions_page, kit.t("decisions.pages")),
        "overdue_count": len(overdue),
        "as_of": kit.f.date(data.as_of),
        "overdue_downloads": exports.links(kit, exports.OVERDUE),
        "overdue": [decision_row(d, data, kit) for d in overdue[:OVERDUE_SHOWN]],
        "counts": [{"status": s, "label": kit.label("decision_status", s), "n": counts[s]} for s in STATUSES],
        "feed": kit.url(urls.feed("keputusan")),
    }
    out: list[Page | Lazy[Any]] = [Page(urls.DECISIONS, "decisions.html", kit.t("decisions.title"), "decisions",
                                        context, description=kit.t("decisions.lede"))]
    for number, chunk in enumerate(chunks[1:], start=2):
        inputs = RegisterRows(number, len(chunks), len(data.decisions), tuple(chunk),
                              agencies_named(data, (c for d in chunk for c in (d.agency_code, *d.responsible))))
        out.append(Lazy(urls.decisions_page(number), "decisions.html", inputs, build_register_page))
    return out


def _common(total: int, pages: int, kit: Kit) -> dict[str, Any]:
    """What every page of the register shows besides its rows."""
    return {"total": total, "downloads": exports.links(kit, exports.DECISIONS), "first_url": kit.url(urls.DECISIONS),
            "pages": pages}


@dataclass(frozen=True)
class RegisterRows:
    """Everything a register page after the first shows: its number, the register's page count and
    decisions, its rows (each decision's ``overdue`` as of the build date) and the agencies they name."""

    number: int
    pages: int
    total: int
    rows: tuple[Decision, ...]
    agencies: dict[str, Agency]


def build_register_page(i: RegisterRows, kit: Kit) -> Page:
    """A register page after the first, from its rows alone."""
    context = {
        **_common(i.total, i.pages, kit),
        "number": i.number,
        "rows": [decision_row(d, i, kit) for d in i.rows],
        "first_row": (i.number - 1) * paging.PER_PAGE + 1 if i.rows else 0,
        "last_row": (i.number - 1) * paging.PER_PAGE + len(i.rows),
        "pager": paging.pager(kit, i.number, i.pages, urls.decisions_page, kit.t("decisions.pages")),
    }
    title = kit.t("decisions.page_title", page=i.number, pages=i.pages)
    return Page(urls.decisions_page(i.number), "decisions.html", title, "decisions", context,
                [(kit.t("decisions.title"), kit.url(urls.DECISIONS))])


@dataclass(frozen=True)
class AgendaRef:
    """What a decision's page shows of the agenda it came from."""

    agency_code: str
    agenda_id: str
    title: str
    date: date


@dataclass(frozen=True)
class DecisionInputs:
    """Everything a decision's page shows: the decision (its ``overdue`` is as of the build date),
    its reported states with the day each month's file arrived, its agenda, the agencies it
    names, and the build date."""

    decision: Decision
    history: tuple[HistoryEntry, ...]
    received: dict[str, datetime | None]
    agenda: AgendaRef | None
    agencies: dict[str, Agency]
    as_of: date


def decision_inputs(d: Decision, data: SiteData) -> DecisionInputs:
    """The declared inputs of one decision's page, looked up in the indexes."""
    entries = tuple(data.lookup.decision_history.get((d.agency_code, d.decision_id), []))
    arrived = data.lookup.received.get((d.agency_code, "decisions"), {})
    agenda = data.lookup.agenda.get((d.agency_code, d.agenda_id)) if d.agenda_id is not None else None
    ref = AgendaRef(agenda.agency_code, agenda.agenda_id, agenda.title, agenda.date) if agenda else None
    return DecisionInputs(d, entries, {h.period: arrived.get(h.period) for h in entries}, ref,
                          agencies_named(data, (d.agency_code, *d.responsible)), data.as_of)


def history(d: Decision, data: SiteData, kit: Kit) -> list[dict[str, Any]]:
    """Every reported state, oldest first (from the site data, for the tests)."""
    return state_rows(decision_inputs(d, data), kit)


def state_rows(i: DecisionInputs, kit: Kit) -> list[dict[str, Any]]:
    """Every reported state, oldest first, dated by its month and the day the report arrived."""
    out, previous = [], None
    for h in i.history:
        arrived = i.received.get(h.period)
        out.append({"period": kit.f.month(h.period), "received": kit.f.date(arrived.date()) if arrived else "–",
                    "status": h.status, "status_label": kit.label("decision_status", h.status),
                    "changed": previous is not None and previous != h.status,
                    "follow_up": h.follow_up, "completed_on": kit.f.date(h.completed_on)})
        previous = h.status
    return out


def decision_page(d: Decision, data: SiteData, kit: Kit) -> Page:
    """One decision's page, built at once (for the tests)."""
    return build_decision(decision_inputs(d, data), kit)


def build_decision(i: DecisionInputs, kit: Kit) -> Page:
    """One decision: what was decided, who follows up, by when, and how it went."""
    d, agenda = i.decision, i.agenda
    context = {
        "decision": {
            "id": d.decision_id, "title": d.title, "date": kit.f.date(d.date),
            "description": render_markdown(d.description), "follow_up": d.follow_up,
            "due": kit.f.date(d.due_date), "status": d.status, "status_label": kit.label("decision_status", d.status),
            "overdue": d.overdue, "completed_on": kit.f.date(d.completed_on),
            "evidence_url": safe_url(d.evidence_url),
            "evidence_unsafe": bool(d.evidence_url) and safe_url(d.evidence_url) is None,
        },
        "agency": kit.agency_link(i, d.agency_code),
        "responsible": [kit.agency_link(i, c) for c in d.responsible],
        "agenda": {"title": agenda.title, "url": kit.url(urls.agenda(agenda.agency_code, agenda.agenda_id)),
                   "date": kit.f.date(agenda.date)} if agenda else None,
        "agenda_id": d.agenda_id,
        "history": state_rows(i, kit),
        "as_of": kit.f.date(i.as_of),
    }
    crumbs = [(kit.t("decisions.title"), kit.url(urls.DECISIONS))]
    return Page(urls.decision(d.agency_code, d.decision_id), "decision.html", d.title, "decisions", context, crumbs,
                searchable=True, description=kit.t("decision.lede", date=kit.f.date(d.date)))


@dataclass(frozen=True)
class AgencyDecisions:
    """Everything the pages of one agency's decisions show: the decisions (by id), each one's
    reported states, the day each month's decisions file of the agency arrived, the agendas they
    came from, the agencies they name, and the build date."""

    agency: str
    decisions: tuple[Decision, ...]
    history: dict[str, tuple[HistoryEntry, ...]]  # decision id -> its reported states, oldest first
    received: dict[str, datetime | None]
    agendas: dict[str, AgendaRef]  # agenda id -> what the decisions' pages show of it
    agencies: dict[str, Agency]
    as_of: date


def agency_decisions(code: str, mine: list[Decision], data: SiteData) -> AgencyDecisions:
    """The declared inputs of one agency's decision pages (``mine``: its decisions, by id)."""
    history = {d.decision_id: tuple(data.lookup.decision_history.get((code, d.decision_id), [])) for d in mine}
    agendas: dict[str, AgendaRef] = {}
    for d in mine:
        agenda = data.lookup.agenda.get((code, d.agenda_id)) if d.agenda_id is not None else None
        if agenda is not None and d.agenda_id is not None:
            agendas[d.agenda_id] = AgendaRef(agenda.agency_code, agenda.agenda_id, agenda.title, agenda.date)
    named = [c for d in mine for c in (d.agency_code, *d.responsible)]
    return AgencyDecisions(code, tuple(mine), history, data.lookup.received.get((code, "decisions"), {}), agendas,
                           agencies_named(data, named), data.as_of)


def agency_decision_pages(i: AgencyDecisions) -> Iterator[Lazy[Any]]:
    """The page of each of one agency's decisions (the same inputs as ``decision_inputs`` gives)."""
    for d in i.decisions:
        entries = i.history[d.decision_id]
        ref = i.agendas.get(d.agenda_id) if d.agenda_id is not None else None
        inputs = DecisionInputs(d, entries, {h.period: i.received.get(h.period) for h in entries}, ref,
                                agencies_named(i, (d.agency_code, *d.responsible)), i.as_of)
        yield Lazy(urls.decision(d.agency_code, d.decision_id), "decision.html", inputs, build_decision,
                   searchable=True)


def items(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any] | Group[Any] | Sourced[Any]]:
    """The register, then each agency's decisions as a group of pages known by their inputs (gathered
    later when the build knows its source)."""
    yield from register(data, kit)
    by_agency: dict[str, list[Decision]] = {}
    for d in sorted(data.decisions, key=lambda d: (d.agency_code, d.decision_id)):
        by_agency.setdefault(d.agency_code, []).append(d)
    for code, mine in by_agency.items():
        yield grouped(data.lookup.group_sources, f"decisions/{code}", agency_decisions, (code, mine, data),
                      agency_decision_pages)


def sources(data: SiteData, texts: Texts) -> dict[str, str]:
    """Each agency's decision group -> its source (sources.py): what ``agency_decisions`` reads of the data.

    Its decisions (the agency's, in the data's order, which sorting by id keeps among equals), each
    one's reported states (``lookup.decision_history``: the agency's decision history, in the data's
    order before its stable sort by month), the agendas they came from (``lookup.agenda``: the first of
    the agency's agendas with the id), the day each month's decisions file arrived (``lookup.received``:
    the agency's submissions of decisions), and the agencies it names and the build date (shared).
    """
    parts = Parts("decisions/", [texts([data.agencies])[0], repr(data.as_of)])
    parts.add_own("decisions", data.decisions, texts)
    parts.add_own("history", data.history, texts)
    parts.add_own("agendas", data.agendas, texts)
    parts.add_own("received", [s for s in data.submissions if s.table == "decisions"], texts)
    return parts.digests()


def pages(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any]]:
    """The register, then every decision's page known by its inputs, one at a time."""
    return expanded(items(data, kit))
