"""The calendar page: this month's agendas, subscribe links (whole mall, coordination meetings,
each agency) and how to add them on a phone."""

from __future__ import annotations

from pipeline.core.periods import of_date
from pipeline.site import urls
from pipeline.site.models import SiteData
from pipeline.site.page import Kit, Page
from pipeline.site.pages.agendas import month_of
from pipeline.site.views import agenda_row, agendas_sorted, sorted_agencies


def _links(data: SiteData, path: str) -> dict[str, str]:
    """A calendar file's subscribe (webcal:) and download (https:) addresses."""
    return {"webcal": urls.webcal(data.portal.site_url, path), "ics": path}


def calendar_page(data: SiteData, kit: Kit) -> Page:
    """The month of the build date, its agendas soonest first, and every calendar to subscribe to."""
    month = of_date(data.as_of)
    agendas = agendas_sorted([a for a in data.agendas if month_of(a) == month], newest_first=False)
    context = {
        "month": kit.f.month(month),
        "rows": [agenda_row(a, data, kit) | {"ics": urls.agenda_ics(a.agency_code, a.agenda_id)} for a in agendas],
        "mall": _links(data, urls.CALENDAR),
        "coordination": _links(data, urls.CALENDAR_COORDINATION),
        "agencies": [{"name": kit.agency_name(a), **_links(data, urls.calendar(a.agency_code))}
                     for a in sorted_agencies(data, kit)],
        "month_url": kit.url(urls.agenda_month(month)),
    }
    crumbs = [(kit.t("agendas.title"), kit.url(urls.AGENDAS))]
    return Page(urls.CALENDAR_PAGE, "calendar.html", kit.t("cal.title"), "agendas", context, crumbs,
                description=kit.t("cal.lede"))


def pages(data: SiteData, kit: Kit) -> list[Page]:
    """The one calendar page."""
    return [calendar_page(data, kit)]
