"""The calendars' own line folding (``feeds._fold``) gives icalendar's bytes for any line, and an
event serialised through it (``feeds._ical``) is icalendar's ``to_ical`` of that event."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser import Contentline

from pipeline.site import feeds
from pipeline.site.models import Agenda

# Characters that matter to a fold: the escapes it must not split, multi-octet ones, and a few plain.
_CHARS = st.sampled_from(list("ab ,;:\\^\"=\tx") + ["é", "日", "😀", "\r"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_CHARS, max_size=400).map("".join))
def test_fold_is_icalendars(text: str) -> None:
    """Any line without a line feed folds to the bytes icalendar's ``Contentline.to_ical`` gives."""
    line = Contentline(f"SUMMARY:{text}")
    assert feeds._fold(line) == line.to_ical()


def test_fold_by_hand() -> None:
    """An ASCII line of 74 octets stays whole; one of 75 is cut after 74; a backslash at the cut
    goes to the next line with what it escapes."""
    assert feeds._fold(Contentline("A" * 74)) == b"A" * 74
    assert feeds._fold(Contentline("A" * 75)) == b"A" * 74 + b"\r\n A"
    assert feeds._fold(Contentline("A" * 73 + "\\,B")) == b"A" * 73 + b"\r\n \\,B"


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=200), summary=st.text(max_size=300), location=st.text(max_size=120),
       start=st.one_of(st.none(), st.times().map(lambda t: t.replace(microsecond=0, tzinfo=None))))
def test_event_bytes_are_icalendars(title: str, summary: str, location: str, start: time | None) -> None:
    """An agenda's VEVENT through ``_ical`` equals icalendar's ``to_ical`` of the same event."""
    agenda = Agenda(**{**_AGENDA, "title": title, "summary": summary, "location": location, "start_time": start})
    inputs = feeds.EventInputs(agenda, 2, datetime(2026, 11, 5, 9, 30), "Asia/Jakarta", "https://mpp.example")
    event = feeds._event(inputs)
    assert feeds._ical(event) == event.to_ical()


_AGENDA = {"agency_code": "DPMPTSP", "agenda_id": "AG-1", "date": date(2026, 11, 5), "start_time": None,
           "end_time": None, "title": "", "type": "coordination", "participants": (), "location": None,
           "status": "planned", "summary": None, "minutes_url": None, "period": "2026-11"}


_ZONES = ["Asia/Jakarta", "Asia/Makassar", "UTC", "Etc/UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+7",
          "Asia/Kolkata", "Europe/Amsterdam"]
_TIMES = st.one_of(st.none(), st.times().map(lambda t: t.replace(tzinfo=None)))


@settings(max_examples=400, deadline=None)
@given(title=st.text(max_size=120), summary=st.one_of(st.none(), st.text(max_size=200)),
       location=st.one_of(st.none(), st.text(max_size=80)), day=st.dates(), start=_TIMES, end=_TIMES,
       status=st.sampled_from(["planned", "held", "postponed", "cancelled", "other"]),
       code=st.text(min_size=1, max_size=12), ident=st.text(min_size=1, max_size=20),
       zone=st.sampled_from(_ZONES), sequence=st.integers(0, 50),
       received=st.one_of(st.none(), st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1))),
       site=st.sampled_from(["https://mpp.example", "", "https://data.example.go.id:8443/mall", "http://x"]))
def test_vevent_is_icalendars(title: str, summary: str | None, location: str | None, day: date, start: time | None,
                              end: time | None, status: str, code: str, ident: str, zone: str, sequence: int,
                              received: datetime | None, site: str) -> None:
    """The VEVENT written directly (``_vevent``) is icalendar's (``_ical(_event(...))``) for any agenda,
    zone and site address, dates at either end of the calendar included."""
    agenda = Agenda(**{**_AGENDA, "agency_code": code, "agenda_id": ident, "date": day, "start_time": start,
                       "end_time": end, "title": title, "summary": summary, "location": location, "status": status,
                       "period": f"{day.year:04}-{day.month:02}"})
    stamp = received.replace(tzinfo=ZoneInfo(zone)) if received is not None else None
    inputs = feeds.EventInputs(agenda, sequence, stamp, zone, site)
    try:
        expected = feeds._ical(feeds._event(inputs))
    except (ValueError, OverflowError) as exc:  # what icalendar refuses, the direct writer refuses too
        with pytest.raises(type(exc)):
            feeds._vevent(inputs)
        return
    assert feeds._vevent(inputs) == expected


def test_vevent_by_hand() -> None:
    """A timed event in Jakarta with every property: icalendar's bytes, line by line."""
    agenda = Agenda(**{**_AGENDA, "title": "Rapat, koordinasi; bulanan", "start_time": time(9, 30),
                       "summary": "Baris satu\nBaris dua é", "location": "Aula \\ lantai 2"})
    inputs = feeds.EventInputs(agenda, 1, datetime(2026, 11, 5, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta")),
                               "Asia/Jakarta", "https://mpp.example")
    body = feeds._vevent(inputs)
    assert body == feeds._event(inputs).to_ical()
    assert b"DTSTART;TZID=Asia/Jakarta:20261105T093000\r\nDTEND;TZID=Asia/Jakarta:20261105T103000\r\n" in body
    assert b"SUMMARY:Rapat\\, koordinasi\\; bulanan\r\n" in body
