"""Context builders, one module per page type; each gives the pages of one language, in order.

A page is either built at once (a ``Page``, keyed by the digest of its context) or known by its
declared inputs (a ``Lazy``, built only when its key changed); many lazy pages made from one
group of inputs come as a ``Group`` (``items``: taken whole from the live site when the group's
key is unchanged). The build takes them one at a time, so no language's contexts are ever held
together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pipeline.site.models import SiteData
from pipeline.site.page import Group, Kit, Lazy, Page, Sourced, expanded
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
from pipeline.site.sources import Texts

BUILDERS = (home, agencies, performance, agendas, calendar, decisions, submissions, evaluation, catalogue,
            guide, reports)


Item = Page | Lazy[Any] | Group[Any] | Sourced[Any]
# Each builder's items: its groups of pages where it has them, else its pages.
ITEMS: tuple[Callable[[SiteData, Kit], Any], ...] = tuple(getattr(b, "items", b.pages) for b in BUILDERS)
# The families whose groups' sources are audited (sources.py): each gives its groups' sources by name.
# A family left out here has its groups gathered and keyed every time.
SOURCES: tuple[Callable[[SiteData, Texts], dict[str, str]], ...] = (agencies.sources, agendas.sources,
                                                                     decisions.sources, reports.sources)


def group_sources(data: SiteData, texts: Texts) -> dict[str, str]:
    """The source of every group of the audited families, by group name."""
    out: dict[str, str] = {}
    for family in SOURCES:
        out.update(family(data, texts))
    return out


def all_items(data: SiteData, kit: Kit) -> Iterator[Item]:
    """Every page of the site in one language, in a stable order, one at a time; groups unexpanded."""
    for builder in ITEMS:
        yield from builder(data, kit)


def all_pages(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any]]:
    """Every page of the site in one language, in a stable order, one at a time (groups expanded)."""
    return expanded(all_items(data, kit))


def built(page: Page | Lazy[Any], kit: Kit) -> Page:
    """The page with its context (a lazy page's built from its inputs now)."""
    return page.build(kit) if isinstance(page, Lazy) else page
