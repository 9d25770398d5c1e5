"""Every calendar the build assembles (its own lines made once, each event once) is byte for byte
the calendar icalendar writes in one piece from the same components: on the sample, on a
generated town and with names that icalendar must fold or escape."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Timezone

from pipeline.core.config import Portal, load_portal
from pipeline.site import feeds, urls
from pipeline.site.loader import load_site_data
from pipeline.site.models import Agenda, SiteData
from pipeline.site.views import agendas_sorted
from tests.town_support import published_town

AS_OF = date(2026, 11, 28)


def whole(data: SiteData, agendas: list[Agenda], name: str) -> bytes:
    """The calendar as icalendar writes it with its zone and every event as subcomponents."""
    cal = Calendar()
    cal.add("prodid", "-//mpp-pipeline//agenda//ID")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    if any(a.start_time for a in agendas):
        cal.add_component(Timezone.from_tzinfo(ZoneInfo(data.portal.timezone)))
    for a in agendas_sorted(agendas, newest_first=False):
        cal.add_component(feeds._event(feeds.event_inputs(a, data)))
    body: bytes = cal.to_ical()
    return body


def calendars(data: SiteData) -> dict[str, tuple[str, list[Agenda]]]:
    """Site path -> (name, agendas) of every calendar the build makes."""
    out = {urls.agenda_ics(a.agency_code, a.agenda_id): (a.title, [a]) for a in data.agendas}
    out[urls.CALENDAR] = (data.portal.name, data.agendas)
    out[urls.CALENDAR_COORDINATION] = (f"{data.portal.name}: rapat koordinasi",
                                       [a for a in data.agendas if a.type == "coordination"])
    for code, agency in data.agencies.items():
        out[urls.calendar(code)] = (f"{data.portal.name}: {agency.name}", data.lookup.agendas_of.get(code, []))
    return out


def assert_whole(data: SiteData) -> int:
    """Every calendar the build makes equals icalendar's whole calendar; how many were compared."""
    made = feeds.agency_calendars(data)
    expected = calendars(data)
    assert sorted(made) == sorted(expected)
    for path, (name, agendas) in expected.items():
        assert made[path] == whole(data, agendas, name), path
    return len(made)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Portal:
    """The generated town, published once (no site)."""
    _, datasets, output = published_town(tmp_path_factory.mktemp("town"))
    return load_portal(datasets, output)


def test_the_sample_calendars_are_icalendars_whole_calendars(sample_portal: Portal) -> None:
    data = load_site_data(sample_portal, AS_OF)
    assert any(a.start_time for a in data.agendas)
    assert assert_whole(data) >= 10


def test_the_town_calendars_are_icalendars_whole_calendars(town: Portal) -> None:
    data = load_site_data(town, AS_OF)
    assert len(data.agendas) > 50
    assert assert_whole(data) > len(data.agendas)


@pytest.mark.parametrize("name", [
    "", "Rapat; koordinasi, \"ruang\" \\ utama: lantai 2", "é" * 80, "a" * 74, "a" * 75, "a" * 150,
    "Ωmega 😀 " * 12, "Kalender\\" + "x" * 64, "x" * 60 + "^" + "y" * 30])
def test_names_folded_or_escaped_are_icalendars_own(sample_portal: Portal, name: str) -> None:
    data = load_site_data(sample_portal, AS_OF)
    # The same agendas all day long (no VTIMEZONE then), under other ids.
    days = [dataclasses.replace(a, agenda_id=a.agenda_id + "-D", start_time=None, end_time=None) for a in data.agendas]
    events = {(a.agency_code, a.agenda_id): feeds._event(feeds.event_inputs(a, data)).to_ical()
              for a in data.agendas + days}
    for agendas in (data.agendas, days, days[:1] + data.agendas[:1], []):
        assert feeds.calendar(data, agendas, name, events) == whole(data, agendas, name)


def test_the_frame_is_made_once_per_zone(sample_portal: Portal, tmp_path: Path) -> None:
    feeds._frame.cache_clear()
    data = load_site_data(sample_portal, AS_OF)
    feeds.agency_calendars(data)
    assert feeds._frame.cache_info().misses == 1


def test_a_name_icalendar_refuses_is_refused_alike(sample_portal: Portal) -> None:
    # An unescaped line break in a name: icalendar's own assertion, whole or assembled.
    data = load_site_data(sample_portal, AS_OF)
    events = {(a.agency_code, a.agenda_id): feeds._event(feeds.event_inputs(a, data)).to_ical() for a in data.agendas}
    for make in (whole, lambda d, agendas, name: feeds.calendar(d, agendas, name, events)):
        with pytest.raises(AssertionError, match="new line"):
            make(data, data.agendas, "Rapat\nlantai 2")
