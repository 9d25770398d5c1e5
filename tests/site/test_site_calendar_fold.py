"""The calendars' own line folding (``feeds._fold``) gives icalendar's bytes for any line, and an
event serialised through it (``feeds._ical``) is icalendar's ``to_ical`` of that event."""

from __future__ import annotations

from datetime import date, datetime, time

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
