"""Atom feeds (new decisions, data releases) and iCalendar files of agendas, dated from the data only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event, Timezone

from pipeline.site import urls
from pipeline.site.models import Agenda, Decision, SiteData
from pipeline.site.page import Kit
from pipeline.site.views import agendas_sorted, decisions_sorted

FEED_SIZE = 50
ICS_STATUS = {"planned": "CONFIRMED", "held": "CONFIRMED", "postponed": "TENTATIVE", "cancelled": "CANCELLED"}


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """A date as the start of that day in the portal's time zone (feeds need date-times).

    The offset is cut to whole minutes: Atom's RFC 3339 dates have none finer, and zones had
    offsets with seconds before 1924 (Jakarta +07:07:12), which a valid past date can reach.
    """
    moment = datetime.combine(day, time(0, 0), tzinfo=tz)
    offset = moment.utcoffset() or timedelta(0)
    if offset % timedelta(minutes=1):
        moment = moment.replace(tzinfo=timezone(offset - offset % timedelta(minutes=1)))
    return moment


def _feed(data: SiteData, kit: Kit, name: str, title: str, page: str, updated: datetime) -> FeedGenerator:
    """A feed with fixed metadata (feedgen would otherwise stamp the current time)."""
    base = data.portal.site_url
    fg = FeedGenerator()
    fg.id(base + kit.url(urls.feed(name)))
    fg.title(title)
    fg.author({"name": data.portal.publisher or data.portal.name, "email": data.portal.contact_email or None})
    fg.link(href=base + kit.url(page), rel="alternate")
    fg.link(href=base + kit.url(urls.feed(name)), rel="self")
    fg.language(kit.lang)
    fg.rights(data.portal.licence_title or data.portal.licence_id)
    fg.generator("mpp-pipeline")
    fg.updated(updated)
    return fg


def _atom(fg: FeedGenerator) -> bytes:
    """The feed's Atom XML."""
    xml: bytes = fg.atom_str(pretty=True)  # feedgen has no type information
    return xml


def decisions_feed(data: SiteData, kit: Kit) -> bytes:
    """The newest decisions, each dated by the decision's own date (or its completion)."""
    tz, base = data.portal.tz, data.portal.site_url
    latest = decisions_sorted(data.decisions)[:FEED_SIZE]
    def stamp(d: Decision) -> datetime:
        return _midnight(max(d.date, d.completed_on or d.date), tz)

    updated = max((stamp(d) for d in latest), default=_midnight(data.as_of, tz))
    fg = _feed(data, kit, "keputusan", kit.t("feed.decisions_title", site=data.portal.name), urls.DECISIONS, updated)
    for d in latest:
        fe = fg.add_entry(order="append")
        link = base + kit.url(urls.decision(d.agency_code, d.decision_id))
        fe.id(link)
        fe.link(href=link)
        fe.title(d.title)
        fe.published(_midnight(d.date, tz))
        fe.updated(stamp(d))
        agency = kit.agency_name(data.agencies.get(d.agency_code), d.agency_code)
        fe.summary(kit.t("feed.decision_summary", agency=agency, status=kit.label("decision_status", d.status),
                         follow_up=d.follow_up, due=kit.f.date(d.due_date) or "–"))
    return _atom(fg)


def releases_feed(data: SiteData, kit: Kit) -> bytes:
    """One entry per publish that changed the data."""
    tz, base = data.portal.tz, data.portal.site_url
    releases = data.releases[:FEED_SIZE]
    updated = _midnight(releases[0].date, tz) if releases else _midnight(data.as_of, tz)
    fg = _feed(data, kit, "rilis-data", kit.t("feed.releases_title", site=data.portal.name), urls.CHANGELOG, updated)
    for r in releases:
        fe = fg.add_entry(order="append")
        link = f"{base}{kit.url(urls.CHANGELOG)}#r-{r.date.isoformat()}"
        fe.id(link)
        fe.link(href=link)
        fe.title(kit.t("feed.release_title", date=kit.f.date(r.date)))
        fe.updated(_midnight(r.date, tz))
        fe.summary(kit.t("feed.release_summary", n=len(r.items)))
    return _atom(fg)


def _event(a: Agenda, data: SiteData, host: str) -> Event:
    """One agenda as a calendar event in the portal's time zone."""
    tz = data.portal.tz
    ev = Event()
    ev.add("uid", f"{a.agency_code}.{a.agenda_id}@{host}")
    ev.add("dtstamp", datetime.combine(a.date, time(0, 0), tzinfo=UTC))
    ev.add("summary", a.title)
    if a.start_time:
        start = datetime.combine(a.date, a.start_time, tzinfo=tz)
        ev.add("dtstart", start)
        if a.end_time:
            ev.add("dtend", datetime.combine(a.date, a.end_time, tzinfo=tz))
        else:
            _add_end(ev, start, timedelta(hours=1))
    else:
        ev.add("dtstart", a.date)
        _add_end(ev, a.date, timedelta(days=1))
    if a.location:
        ev.add("location", a.location)
    if a.summary:
        ev.add("description", a.summary)
    ev.add("status", ICS_STATUS.get(a.status, "CONFIRMED"))
    ev.add("url", data.portal.site_url + urls.agenda(a.agency_code, a.agenda_id))
    return ev


def _add_end(ev: Event, start: date | datetime, span: timedelta) -> None:
    """DTEND = start + span, or DURATION when that end has no date (an agenda on 9999-12-31 is valid)."""
    try:
        ev.add("dtend", start + span)
    except OverflowError:
        ev.add("duration", span)


def calendar(data: SiteData, agendas: list[Agenda], name: str, events: dict[tuple[str, str], bytes]) -> bytes:
    """An iCalendar file of the given agendas (VTIMEZONE included so any client reads the times).

    ``events`` holds each agenda's VEVENT already serialised: an agenda appears in the mall's
    calendar and in every participant's, and folding the lines is the slow part.
    """
    cal = Calendar()
    cal.add("prodid", "-//mpp-pipeline//agenda//ID")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    if any(a.start_time for a in agendas):
        cal.add_component(_vtimezone(data.portal.timezone))
    ical: bytes = cal.to_ical()  # icalendar leaves to_ical() unannotated
    head, end = ical.rsplit(b"END:VCALENDAR", 1)
    body = b"".join(events[(a.agency_code, a.agenda_id)] for a in agendas_sorted(agendas, newest_first=False))
    return head + body + b"END:VCALENDAR" + end


@cache
def _vtimezone(name: str) -> Timezone:
    """The VTIMEZONE of the portal's zone, built once (icalendar derives it slowly from tzdata)."""
    return Timezone.from_tzinfo(ZoneInfo(name))


def agency_calendars(data: SiteData) -> dict[str, bytes]:
    """Site path -> iCalendar bytes: the whole mall and each agency (as organiser or participant)."""
    host = urlsplit(data.portal.site_url).hostname or "mpp.local"
    events = {(a.agency_code, a.agenda_id): _event(a, data, host).to_ical() for a in data.agendas}
    out = {urls.CALENDAR: calendar(data, data.agendas, data.portal.name, events)}
    for code, agency in sorted(data.agencies.items()):
        mine = [a for a in data.agendas if a.agency_code == code or code in a.participants]
        out[urls.calendar(code)] = calendar(data, mine, f"{data.portal.name}: {agency.name}", events)
    return out
