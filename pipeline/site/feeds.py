"""Atom feeds (new decisions, data releases) and iCalendar files of agendas, dated from the data only."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event, Timezone

from pipeline.core.periods import first_day
from pipeline.site import urls
from pipeline.site.models import Agenda, AgendaVersion, Decision, HistoryEntry, SiteData
from pipeline.site.page import Kit
from pipeline.site.pages.agendas import COMPARED, versions_by_agenda
from pipeline.site.views import agendas_sorted, decisions_sorted, licence_title

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
    fg.rights(licence_title(data.portal, kit.lang))
    fg.generator("mpp-pipeline")
    fg.updated(updated)
    return fg


def _atom(fg: FeedGenerator) -> bytes:
    """The feed's Atom XML."""
    xml: bytes = fg.atom_str(pretty=True)  # feedgen has no type information
    return xml


def last_change(d: Decision, data: SiteData) -> tuple[HistoryEntry | None, HistoryEntry | None, datetime | None]:
    """The reported state that last changed a decision (status, follow-up or completion date), the
    state before it (None: it was the first report) and when that report arrived."""
    entries = data.lookup.decision_history.get((d.agency_code, d.decision_id), [])
    def state(h: HistoryEntry) -> tuple[str, str, date | None]:
        return h.status, h.follow_up, h.completed_on

    changed: HistoryEntry | None = entries[0] if entries else None
    before: HistoryEntry | None = None
    for old, new in itertools.pairwise(entries):
        if state(old) != state(new):
            changed, before = new, old
    if changed is None:
        return None, None, None
    arrived = data.lookup.received.get((d.agency_code, "decisions"), {}).get(changed.period)
    return changed, before, arrived


def decisions_feed(data: SiteData, kit: Kit) -> bytes:
    """The newest decisions; an entry's ``updated`` is when the report that last changed it arrived
    (a new status, follow-up or completion date), and its summary says what changed."""
    tz, base = data.portal.tz, data.portal.site_url
    latest = decisions_sorted(data.decisions)[:FEED_SIZE]
    changes = {(d.agency_code, d.decision_id): last_change(d, data) for d in latest}

    def stamp(d: Decision) -> datetime:
        arrived = changes[(d.agency_code, d.decision_id)][2]
        if arrived is not None:
            return arrived.replace(microsecond=0)
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
        summary = kit.t("feed.decision_summary", agency=agency, status=kit.label("decision_status", d.status),
                        follow_up=d.follow_up.rstrip("."), due=kit.f.date(d.due_date) or "–")
        changed, before, _ = changes[(d.agency_code, d.decision_id)]
        if changed is not None and before is not None:
            what = [kit.t("feed.status_change", old=kit.label("decision_status", before.status),
                          new=kit.label("decision_status", changed.status))] if before.status != changed.status else []
            if before.follow_up != changed.follow_up:
                what.append(kit.t("feed.follow_up_change"))
            if before.completed_on != changed.completed_on:
                what.append(kit.t("feed.completed_change", date=kit.f.date(changed.completed_on) or "–"))
            summary += " " + kit.t("feed.changed", month=kit.f.month(changed.period), what="; ".join(what))
        fe.summary(summary)
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


def agenda_sequence(versions: list[AgendaVersion]) -> int:
    """How many reported versions changed the event (date, time, place, status or title): its SEQUENCE."""
    return sum(1 for old, new in itertools.pairwise(versions)
               if any(getattr(old, name) != getattr(new, name) for name, _ in COMPARED))


def _published_at(data: SiteData, a: Agenda) -> datetime:
    """When the version of an agenda shown now was received (and so published), in UTC: its DTSTAMP.

    Not the event's own date, which lies in the future for a planned meeting; a calendar app
    takes a newer DTSTAMP and a higher SEQUENCE as the sign that the event changed.
    """
    received = data.lookup.received.get((a.agency_code, "agendas"), {}).get(a.period)
    if received is not None:
        return received.astimezone(UTC)
    return _midnight(first_day(a.period), data.portal.tz).astimezone(UTC)


def _event(a: Agenda, data: SiteData, host: str, sequence: int = 0) -> Event:
    """One agenda as a calendar event in the portal's time zone."""
    tz = data.portal.tz
    ev = Event()
    ev.add("uid", f"{a.agency_code}.{a.agenda_id}@{host}")
    ev.add("dtstamp", _published_at(data, a))
    ev.add("sequence", sequence)
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
    """Site path -> iCalendar bytes: the whole mall, its coordination meetings, each agency (as
    organiser or participant) and each agenda on its own."""
    host = urlsplit(data.portal.site_url).hostname or "mpp.local"
    versions = versions_by_agenda(data)
    events = {(a.agency_code, a.agenda_id): _event(a, data, host, agenda_sequence(
        versions.get((a.agency_code, a.agenda_id), []))).to_ical() for a in data.agendas}
    out = {urls.CALENDAR: calendar(data, data.agendas, data.portal.name, events)}
    coordination = [a for a in data.agendas if a.type == "coordination"]
    out[urls.CALENDAR_COORDINATION] = calendar(data, coordination, f"{data.portal.name}: rapat koordinasi", events)
    for code, agency in sorted(data.agencies.items()):
        mine = data.lookup.agendas_of.get(code, [])
        out[urls.calendar(code)] = calendar(data, mine, f"{data.portal.name}: {agency.name}", events)
    for a in data.agendas:
        out[urls.agenda_ics(a.agency_code, a.agenda_id)] = calendar(data, [a], a.title, events)
    return out
