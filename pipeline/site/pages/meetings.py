"""Who meets whom: a co-attendance matrix drawn as SVG, the same facts as a table, and a summary in words."""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Any

from pipeline.site import urls
from pipeline.site.models import Agenda, SiteData
from pipeline.site.page import Kit, Page
from pipeline.site.views import sorted_agencies

CELL, LABEL = 16, 96  # SVG units: one cell, the room for the agency codes
SHADES = ("#ffffff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")  # 0, 1, 2-3, 4-7, 8+ meetings together


def _shade(n: int) -> str:
    return SHADES[0 if n == 0 else 1 if n == 1 else 2 if n <= 3 else 3 if n <= 7 else 4]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def known(data: SiteData) -> list[Agenda]:
    """Held meetings whose file says who came."""
    return [a for a in data.agendas if a.status == "held" and a.attendees]


def together(meetings: list[Agenda]) -> Counter[tuple[str, str]]:
    """How many of the meetings each pair of agencies attended together."""
    pairs: Counter[tuple[str, str]] = Counter()
    for a in meetings:
        pairs.update(combinations(sorted(set(a.attendees or ())), 2))
    return pairs


def meetings_page(data: SiteData, kit: Kit) -> Page:
    """The matrix, the table alternative and the summary."""
    meetings = known(data)
    pairs = together(meetings)
    agencies = [a.agency_code for a in sorted_agencies(data, kit) if a.active]
    attended = Counter(code for a in meetings for code in set(a.attendees or ()))
    partners = {code: {b if a == code else a for a, b in pairs if code in (a, b)} for code in agencies}
    unknown = sum(1 for a in data.agendas if a.status == "held" and not a.attendees and len(a.participants) > 1)
    isolated = [kit.agency_link(data, c) for c in agencies if not partners[c]]
    size = LABEL + CELL * len(agencies)
    cells = [{"x": LABEL + CELL * j, "y": LABEL + CELL * i, "fill": _shade(pairs[_pair(a, b)]),
              "title": kit.t("meet.cell", a=a, b=b, n=pairs[_pair(a, b)])}
             for i, a in enumerate(agencies) for j, b in enumerate(agencies) if a != b]
    context: dict[str, Any] = {
        "svg": {"size": size, "cell": CELL, "label": LABEL, "cells": cells,
                "labels": [{"code": c, "pos": LABEL + CELL * k + CELL * 0.7} for k, c in enumerate(agencies)]},
        "legend": [{"fill": fill, "label": kit.t(f"meet.shade_{k}")} for k, fill in enumerate(SHADES)],
        "rows": [{"agency": kit.agency_link(data, c), "attended": kit.f.number(attended[c]),
                  "partners": kit.f.number(len(partners[c]))} for c in agencies],
        "summary": kit.t("meet.summary", meetings=kit.f.number(len(meetings)), unknown=kit.f.number(unknown),
                         pairs=kit.f.number(len(pairs)), agencies=kit.f.number(len(agencies))),
        "isolated": isolated,
    }
    crumbs = [(kit.t("eval.title"), kit.url(urls.EVALUATION))]
    return Page(urls.MEETINGS_MAP, "evaluation_meetings.html", kit.t("meet.title"), "evaluation", context, crumbs,
                description=kit.t("meet.lede"))
