"""The page for agencies (how to submit) and the search page."""

from __future__ import annotations

from pipeline.core.models import TABLES
from pipeline.site import urls
from pipeline.site.datadict import dictionary
from pipeline.site.models import SiteData
from pipeline.site.page import Kit, Page

# Common errors and their fixes, keyed to the contract's stable codes (texts in strings.toml).
COMMON_ERRORS = ("missing-label", "extra-label", "type-error", "constraint-error", "primary-key",
                 "period-mismatch", "unknown-service", "encoding", "survey-incomplete", "layout",
                 "personal-data")


def guide_page(data: SiteData, kit: Kit) -> Page:
    """How to send the monthly files: folder, deadline, templates, dictionary, common errors."""
    portal = data.portal
    templates = [{"name": i.name, "format": i.format, "url": urls.template_file(i.name), "size": kit.f.size(i.bytes)}
                 for i in data.templates]
    tables = []
    for name in TABLES:
        tables.append({"name": name, "label": kit.label("table", name),
                       "fields": dictionary(data.submitted_fields.get(name, ()), kit, technical=False),
                       "templates": [t for t in templates if t["name"].startswith(name + ".")]})
    context = {
        "deadline_day": portal.deadline_day,
        "organizer": kit.agency_link(data, portal.organizer),
        "contact": portal.contact_email,
        "max_file_mb": kit.f.number(portal.max_file_mb, 0),
        "tables": tables,
        "errors": [{"code": c, "problem": kit.t(f"errors.{c}.problem"), "fix": kit.t(f"errors.{c}.fix")}
                   for c in COMMON_ERRORS],
        # Each active agency's own workbooks (publish writes them under templates/<agency>/).
        "agency_templates": [
            {"name": a.name, "files": [{"label": kit.label("table", t), "url": urls.template_file(f"{code}/{t}.xlsx",
                                                                                                  folder=True)}
                                       for t in TABLES]}
            for code, a in sorted(data.agencies.items()) if a.active and data.templates],
        "submissions_url": kit.url(urls.SUBMISSIONS),
        "data_url": kit.url(urls.DATA),
    }
    return Page(urls.GUIDE, "guide.html", kit.t("guide.title"), "guide", context, searchable=True,
                description=kit.t("guide.lede"))


def search_page(data: SiteData, kit: Kit) -> Page:
    """The search page (Pagefind in the browser; links to the lists without JavaScript)."""
    context = {"links": [(kit.t("nav.agencies"), kit.url(urls.AGENCIES)),
                         (kit.t("services.title"), kit.url(urls.SERVICES)),
                         (kit.t("nav.agendas"), kit.url(urls.AGENDAS)),
                         (kit.t("nav.decisions"), kit.url(urls.DECISIONS))]}
    return Page(urls.SEARCH, "search.html", kit.t("search.title"), "search", context)


def pages(data: SiteData, kit: Kit) -> list[Page]:
    """The guide and the search page."""
    return [guide_page(data, kit), search_page(data, kit)]
