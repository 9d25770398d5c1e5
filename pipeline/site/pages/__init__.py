"""Context builders, one module per page type; each returns the Pages of one language."""

from __future__ import annotations

from pipeline.site.models import SiteData
from pipeline.site.page import Kit, Page
from pipeline.site.pages import (
    agencies,
    agendas,
    calendar,
    catalogue,
    decisions,
    evaluation,
    guide,
    home,
    performance,
    reports,
    submissions,
)

BUILDERS = (home, agencies, performance, agendas, calendar, decisions, submissions, evaluation, catalogue,
            guide, reports)


def all_pages(data: SiteData, kit: Kit) -> list[Page]:
    """Every page of the site in one language, in a stable order."""
    return [page for builder in BUILDERS for page in builder.pages(data, kit)]
