"""Atom feeds (new decisions, data releases) and iCalendar files of agendas, dated from the data only."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event, Timezone
from icalendar.parser import Contentline, _escape_char

from pipeline.core.periods import first_day
from pipeline.site import urls
from pipeline.site.eventcache import KeptEvents
from pipeline.site.models import Agenda, AgendaVersion, Decision, HistoryEntry, SiteData
from pipeline.site.page import Kit
from pipeline.site.pages.agendas import COMPARED
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


@dataclass(frozen=True)
class EventInputs:
    """Everything one agenda's calendar event is made of: the agenda, its SEQUENCE, when the
    version shown was received (its DTSTAMP), and the portal's time zone and address."""

    agenda: Agenda
    sequence: int
    received: datetime | None
    timezone: str
    site_url: str


def event_inputs(a: Agenda, data: SiteData) -> EventInputs:
    """The declared inputs of one agenda's event, looked up in the indexes."""
    versions = data.lookup.versions.get((a.agency_code, a.agenda_id), [])
    received = data.lookup.received.get((a.agency_code, "agendas"), {}).get(a.period)
    return EventInputs(a, agenda_sequence(versions), received, data.portal.timezone, data.portal.site_url)


def _published_at(i: EventInputs) -> datetime:
    """When the version of an agenda shown now was received (and so published), in UTC: its DTSTAMP.

    Not the event's own date, which lies in the future for a planned meeting; a calendar app
    takes a newer DTSTAMP and a higher SEQUENCE as the sign that the event changed.
    """
    if i.received is not None:
        return i.received.astimezone(UTC)
    return _midnight(first_day(i.agenda.period), ZoneInfo(i.timezone)).astimezone(UTC)


def _event(i: EventInputs) -> Event:
    """One agenda as a calendar event in the portal's time zone."""
    a, tz = i.agenda, ZoneInfo(i.timezone)
    host = urlsplit(i.site_url).hostname or "mpp.local"
    ev = Event()
    ev.add("uid", f"{a.agency_code}.{a.agenda_id}@{host}")
    ev.add("dtstamp", _published_at(i))
    ev.add("sequence", i.sequence)
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
    ev.add("url", i.site_url + urls.agenda(a.agency_code, a.agenda_id))
    return ev


def _vevent(i: EventInputs) -> bytes:
    """``_ical(_event(i))`` written directly: the same lines in icalendar's order, escapes and folds.

    icalendar builds each property as an object and each line from its parameters (half a
    millisecond an event: 6 s of a city's 12,000); here each line is one string. Text values
    are escaped by icalendar's own function; the zone's parameter is icalendar's line for that
    zone (``_zone_param``). What this does not write the usual way (a zone icalendar writes as
    UTC, an end past the year 9999, a line break in the URL) is left to icalendar.
    """
    a = i.agenda
    param = _zone_param(i.timezone)
    url = i.site_url + urls.agenda(a.agency_code, a.agenda_id)
    if (a.start_time and param is None) or a.date.year >= 9999 or "\r" in url or "\n" in url:
        return _ical(_event(i))
    host = urlsplit(i.site_url).hostname or "mpp.local"
    lines = ["BEGIN:VEVENT", "SUMMARY:" + _escape_char(a.title)]
    if a.start_time:
        start = datetime.combine(a.date, a.start_time)
        end = datetime.combine(a.date, a.end_time) if a.end_time else start + timedelta(hours=1)
        lines += [f"DTSTART{param}:{_stamp(start)}", f"DTEND{param}:{_stamp(end)}"]
    else:
        lines += [f"DTSTART;VALUE=DATE:{_day(a.date)}", f"DTEND;VALUE=DATE:{_day(a.date + timedelta(days=1))}"]
    lines += [f"DTSTAMP:{_stamp(_published_at(i))}Z", "UID:" + _escape_char(f"{a.agency_code}.{a.agenda_id}@{host}"),
              f"SEQUENCE:{int(i.sequence)}"]
    if a.summary:
        lines.append("DESCRIPTION:" + _escape_char(a.summary))
    if a.location:
        lines.append("LOCATION:" + _escape_char(a.location))
    lines += ["STATUS:" + _escape_char(ICS_STATUS.get(a.status, "CONFIRMED")), "URL:" + url, "END:VEVENT"]
    return b"".join([_fold(line) + b"\r\n" for line in lines])


def _stamp(moment: datetime) -> str:
    """A date-time as icalendar writes its value (to the second, without the zone)."""
    return (f"{moment.year:04}{moment.month:02}{moment.day:02}"
            f"T{moment.hour:02}{moment.minute:02}{moment.second:02}")


def _day(day: date) -> str:
    """A date as icalendar writes its value."""
    return f"{day.year:04}{day.month:02}{day.day:02}"


_ZONE_NAME = re.compile(r"[A-Za-z0-9/_+-]+")


@cache
def _zone_param(timezone: str) -> str | None:
    """The parameter icalendar writes on a date-time of ``timezone`` (";TZID=<name>"), read from
    icalendar's own line for one such date-time; None when that line is not of this form (a zone
    icalendar writes in UTC, with a "Z"), whose events are then made by icalendar."""
    probe = Event()
    probe.add("dtstart", datetime(2000, 1, 1, tzinfo=ZoneInfo(timezone)))
    line = probe.to_ical().split(b"\r\n")[1].decode("utf-8")
    if not _ZONE_NAME.fullmatch(timezone) or line != f"DTSTART;TZID={timezone}:20000101T000000":
        return None
    return f";TZID={timezone}"


def _ical(ev: Event) -> bytes:
    """``ev.to_ical()``, its lines folded by ``_fold`` instead of icalendar's character loop."""
    return b"".join([_fold(line) + b"\r\n" for line in ev.content_lines() if line])


_FOLD_WIDTH = 74  # icalendar's fold: at most 74 octets on a line before its CRLF and space
_ESCAPES = ("\\", "^")  # a fold never ends a line with one of these (it would split an escape)


def _fold(line: str) -> bytes:
    """``line.to_ical()``: the line folded as icalendar's ``_foldline`` does, in UTF-8.

    icalendar folds a line character by character in Python (a city's 12,000 events have
    150,000 lines); an ASCII line is cut here in slices of 74, one less when the 74th is a
    backslash or caret (that character then starts the next slice, as icalendar does). A line
    holding other characters (counted in octets) or a line break is left to icalendar.
    """
    if not line.isascii() or "\n" in line:
        # icalendar leaves Contentline and its to_ical() unannotated
        content = line if isinstance(line, Contentline) else cast(Any, Contentline)(line)
        folded: bytes = cast(Any, content).to_ical()
        return folded
    size = len(line)
    if size <= _FOLD_WIDTH:
        return line.encode("ascii")
    parts: list[str] = []
    start = 0
    while size - start > _FOLD_WIDTH:
        end = start + _FOLD_WIDTH
        if line[end - 1] in _ESCAPES:
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return "\r\n ".join(parts).encode("ascii")


def _add_end(ev: Event, start: date | datetime, span: timedelta) -> None:
    """DTEND = start + span, or DURATION when that end has no date (an agenda on 9999-12-31 is valid)."""
    try:
        ev.add("dtend", start + span)
    except OverflowError:
        ev.add("duration", span)


def calendar(data: SiteData, agendas: list[Agenda], name: str, events: dict[tuple[str, str], bytes]) -> bytes:
    """An iCalendar file of the given agendas (VTIMEZONE included so any client reads the times).

    ``events`` holds each agenda's VEVENT already serialised: an agenda appears in the mall's
    calendar and in every participant's, and folding the lines is the slow part. The calendar's
    own lines are icalendar's too, made once (``_frame``) but for its name's line.
    """
    head, zone, tail = _frame(data.portal.timezone)
    body = b"".join(events[(a.agency_code, a.agenda_id)] for a in agendas_sorted(agendas, newest_first=False))
    return b"".join((head, _name_line(name), zone if any(a.start_time for a in agendas) else b"", body, tail))


def _head(name: str) -> Calendar:
    """A calendar's own properties, without its time zone and events."""
    cal = Calendar()
    cal.add("prodid", "-//mpp-pipeline//agenda//ID")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


_NAME = b"X-WR-CALNAME:\r\n"  # the name's line of a calendar named "" (icalendar ends each line with CRLF)


@cache
def _frame(timezone: str) -> tuple[bytes, bytes, bytes]:
    """A calendar's bytes around its name's line, as icalendar writes them: the lines before it,
    the VTIMEZONE after it (given when an event has a time) and the end after the events.

    Made from a whole calendar named "" with that zone, whose name's line is the only one starting
    with X-WR-CALNAME: the properties' order (BEGIN, the sorted properties, the zone) is icalendar's.
    """
    cal = _head("")
    cal.add_component(_vtimezone(timezone))
    ical: bytes = cal.to_ical()  # icalendar leaves to_ical() unannotated
    head, rest = ical.split(b"\r\n" + _NAME, 1)
    zone, end = rest.rsplit(b"END:VCALENDAR", 1)
    return head + b"\r\n", zone, b"END:VCALENDAR" + end


def _name_line(name: str) -> bytes:
    """The calendar's name as icalendar writes its line (folded, escaped), ending with CRLF."""
    cal = Calendar()
    cal.add("x-wr-calname", name)
    return _fold(cal.content_line("X-WR-CALNAME", cal["X-WR-CALNAME"])) + b"\r\n"


@cache
def _vtimezone(name: str) -> Timezone:
    """The VTIMEZONE of the portal's zone, built once (icalendar derives it slowly from tzdata)."""
    return Timezone.from_tzinfo(ZoneInfo(name))


def agency_calendars(data: SiteData) -> dict[str, bytes]:
    """Site path -> iCalendar bytes of every calendar, all built (see ``calendar_files``)."""
    return {path: body for path, _, body in calendar_files(data, "", lambda _path: None, lambda _path: None,
                                                           KeptEvents(None))
            if body is not None}


# The line that opens an event: never inside a property's value, whose line breaks are escaped
# and whose folded lines start with a space.
_VEVENT = b"\r\nBEGIN:VEVENT\r\n"


def _event_in(ics: bytes) -> bytes | None:
    """The one VEVENT of an agenda's own calendar file (as ``Event.to_ical`` gave it), None if not one."""
    start, end = ics.find(_VEVENT), ics.rfind(b"END:VCALENDAR")
    if start < 0 or end < start or ics.count(_VEVENT) != 1:
        return None
    return ics[start + 2:end]


def calendar_files(data: SiteData, code: str, live_key: Callable[[str], str | None],
                   live_bytes: Callable[[str], bytes | None],
                   kept: KeptEvents, text: Callable[[Any], str] = repr) -> Iterator[tuple[str, str, bytes | None]]:
    """(site path, key, bytes) of every calendar: each agenda on its own, the whole mall, its
    coordination meetings, each agency (as organiser or participant). Bytes are None when the
    live file was made with this key (``live_key``): it is kept as it is. An agenda's event is
    made with icalendar once, or taken under its key from the events kept by an earlier build
    (``kept``, which keeps this build's when the generator is done) or else from its own live
    file (``live_bytes``: checked against the manifest).

    Keys: the site code, the path and the declared inputs (an agenda's ``EventInputs``, written by
    ``text``: ``repr``, or an ``InputsText`` whose digests of the site data's records are written already;
    for a calendar of several agendas its name and their events' keys, in order).
    """
    keys: dict[tuple[str, str], str] = {}
    events: dict[tuple[str, str], bytes] = {}
    for a in sorted(data.agendas, key=lambda a: (a.agency_code, a.agenda_id)):
        path, ident = urls.agenda_ics(a.agency_code, a.agenda_id), (a.agency_code, a.agenda_id)
        inputs = event_inputs(a, data)
        key = _key(code, path, text(inputs))
        keys[ident] = key
        if live_key(path) == key:
            # Kept, like a page whose key is the live one's; its event is looked up only when a
            # calendar of several agendas is made again (not at all after a late performance
            # file: then no event of the city's 12,000 is read).
            yield path, key, None
        else:
            events[ident] = _made(key, inputs, kept)
            yield path, key, calendar(data, [a], a.title, events)
    groups = [(urls.CALENDAR, data.portal.name, data.agendas),
              (urls.CALENDAR_COORDINATION, f"{data.portal.name}: rapat koordinasi",
               [a for a in data.agendas if a.type == "coordination"])]
    groups += [(urls.calendar(c), f"{data.portal.name}: {agency.name}", data.lookup.agendas_of.get(c, []))
               for c, agency in sorted(data.agencies.items())]
    for path, name, agendas in groups:
        ordered = agendas_sorted(agendas, newest_first=False)
        key = _key(code, path, repr((name, [keys[(a.agency_code, a.agenda_id)] for a in ordered])))
        if live_key(path) == key:
            yield path, key, None
        else:
            for a in agendas:
                _known_event(a, data, keys, events, kept, live_bytes)
            yield path, key, calendar(data, agendas, name, events)
    kept.save(keys.values())


def _made(key: str, inputs: EventInputs, kept: KeptEvents) -> bytes:
    """An agenda's VEVENT: the one kept under its key, or made with icalendar (and then kept)."""
    event = kept.get(key)
    if event is None:
        event = _vevent(inputs)
        kept.put(key, event)
    return event


def _known_event(a: Agenda, data: SiteData, keys: dict[tuple[str, str], str], events: dict[tuple[str, str], bytes],
                 kept: KeptEvents, live_bytes: Callable[[str], bytes | None]) -> None:
    """Put the agenda's VEVENT into ``events`` unless there: the one kept under its key, else taken
    from its live file (the bytes the manifest vouches for), else made again when that file is
    missing, edited or not one event."""
    ident = (a.agency_code, a.agenda_id)
    if ident in events:
        return
    key = keys[ident]
    event = kept.get(key)
    if event is None:
        old = live_bytes(urls.agenda_ics(a.agency_code, a.agenda_id))
        event = _event_in(old) if old is not None else None
        if event is None:
            event = _vevent(event_inputs(a, data))
        kept.put(key, event)
    events[ident] = event


def _key(code: str, path: str, inputs: str) -> str:
    """The SHA-256 of a calendar's code, path and inputs."""
    return hashlib.sha256(f"ics\0{code}\0{path}\0{inputs}".encode("utf-8", "surrogatepass")).hexdigest()
