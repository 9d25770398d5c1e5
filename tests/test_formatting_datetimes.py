"""A receipt time's text (``Formatter.datetime``, ``long_datetime``), made of the cached texts of its
day, its minute and its zone, is Babel's format of the whole date-time pattern, in any zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.formatting import LOCALES, Formatter

ZONES = [ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura"), ZoneInfo("Europe/Berlin"),
         ZoneInfo("America/New_York"), dt.UTC, dt.timezone(dt.timedelta(hours=7)),
         dt.timezone(dt.timedelta(hours=5, minutes=30), "IST")]
MOMENTS = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31))


@settings(max_examples=400, deadline=None)
@given(value=MOMENTS, zone=st.one_of(st.none(), st.sampled_from(ZONES)), lang=st.sampled_from(["id", "en"]))
def test_datetime_is_babels(value: dt.datetime, zone: dt.tzinfo | None, lang: str) -> None:
    """``Formatter.datetime`` of a naive or zoned time: Babel's pattern in the value's own zone."""
    moment = value.replace(tzinfo=zone)
    pattern = "d MMM y, HH.mm" if lang == "id" else "d MMM y, HH:mm"
    want = format_datetime(moment, pattern, tzinfo=zone, locale=LOCALES[lang])
    assert Formatter(lang).datetime(moment) == want


@settings(max_examples=400, deadline=None)
@given(value=MOMENTS, zone=st.sampled_from(ZONES), shown=st.sampled_from(ZONES), lang=st.sampled_from(["id", "en"]))
def test_long_datetime_is_babels(value: dt.datetime, zone: dt.tzinfo, shown: dt.tzinfo, lang: str) -> None:
    """``long_datetime``: Babel's date, time and short zone name of the instant in the portal's zone
    (daylight time, historic offsets and unnamed zones included)."""
    moment = value.replace(tzinfo=zone)
    local = moment.astimezone(shown)
    pattern = "d MMMM y HH.mm" if lang == "id" else "d MMMM y HH:mm"
    want = (f"{format_datetime(local, pattern, tzinfo=shown, locale=LOCALES[lang])} "
            f"{format_datetime(local, 'z', tzinfo=shown, locale=LOCALES['id'])}")
    assert Formatter(lang).long_datetime(moment, shown) == want


def test_long_datetime_by_hand() -> None:
    """A receipt in Jakarta's zone, as the agencies' feedback pages show it."""
    moment = dt.datetime(2026, 11, 5, 14, 5, 33, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert Formatter("id").long_datetime(moment, ZoneInfo("Asia/Jakarta")) == "5 November 2026 14.05 WIB"
    assert Formatter("en").datetime(moment) == "5 Nov 2026, 14:05"
