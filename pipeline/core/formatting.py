"""Dates, months and numbers in one language's conventions: the one wrapper of Babel every page uses.

The site's pages and the agencies' feedback pages format through ``Formatter``, so a date
reads the same wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import NumberPattern, parse_pattern

from pipeline.core import periods
from pipeline.core.settings import SITE_LANGUAGES

LANGS = SITE_LANGUAGES  # what portal.toml's 'languages' must name
LOCALES = {"id": "id_ID", "en": "en"}


class Formatter:
    """Dates, months and numbers in one language's conventions (Babel)."""

    def __init__(self, lang: str) -> None:
        self.lang, self.locale = lang, LOCALES[lang]
        self._locale = Locale.parse(self.locale)

    def date(self, value: dt.date | None) -> str:
        """``5 Oktober 2026`` / ``5 October 2026``."""
        return _date(value, "d MMMM y", self.locale) if value else ""

    def short_date(self, value: dt.date | None) -> str:
        """``5 Okt 2026`` / ``5 Oct 2026``."""
        return _date(value, "d MMM y", self.locale) if value else ""

    def weekday_date(self, value: dt.date | None) -> str:
        """``Senin, 5 Oktober 2026``."""
        return _date(value, "EEEE, d MMMM y", self.locale) if value else ""

    def datetime(self, value: dt.datetime | None) -> str:
        """A receipt time, in the time zone it was recorded in (``5 Nov 2026, 09.30``)."""
        if not value:
            return ""
        return _datetime(value, "d MMM y, HH.mm" if self.lang == "id" else "d MMM y, HH:mm", self.locale)

    def long_datetime(self, value: dt.datetime, zone: dt.tzinfo) -> str:
        """A receipt time in the portal's time zone, named as Indonesians name it (``5 November 2026 14.05 WIB``)."""
        local = value.astimezone(zone)
        pattern = "d MMMM y HH.mm" if self.lang == "id" else "d MMMM y HH:mm"
        return f"{_datetime(local, pattern, self.locale)} {_zone_name(local)}"

    def time(self, value: dt.time | None) -> str:
        """``09.30`` (Indonesian) / ``09:30``."""
        if not value:
            return ""
        pattern = "HH.mm" if self.lang == "id" else "HH:mm"
        if value.tzinfo is None:  # equal naive times are the same time: one text, cached
            return _time(value, pattern, self.locale)
        return format_time(value, pattern, locale=self.locale)

    def month(self, period: str | None) -> str:
        """``Oktober 2026`` from ``2026-10``."""
        return _date(periods.first_day(period), "LLLL y", self.locale) if period else ""

    def month_abbr(self, period: str) -> str:
        """``Okt 2026``: for the first column of chart data tables."""
        return _date(periods.first_day(period), "LLL y", self.locale)

    def short_month(self, period: str) -> str:
        """``Okt 26``: for chart axes and narrow table headers."""
        return _date(periods.first_day(period), "LLL yy", self.locale)

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """``12.345`` / ``12,345``; ``digits`` fixed decimals."""
        if value is None:
            return "–"
        kind = type(value)
        if (kind is int or kind is float) and value:
            # Equal ints, or equal floats, are one number (zero is left out: -0.0 equals 0.0).
            return _number(kind is float, value, digits, self.locale)
        return self._number(value, digits)

    def _number(self, value: float | int, digits: int) -> str:
        """``number`` computed by Babel."""
        # Babel rounds in the current decimal context (28 digits); counts may be longer.
        with localcontext() as ctx:
            ctx.prec = max(28, Decimal(str(value)).adjusted() + digits + 4)
            text: str = _pattern(digits).apply(value, self._locale)  # Babel leaves apply() unannotated
            return text

    def percent(self, value: float | None, digits: int = 1) -> str:
        """A share (0–1) as ``87,3%`` / ``87.3%``."""
        return "–" if value is None else f"{self.number(value * 100, digits)}%"

    def rupiah(self, value: int) -> str:
        """``Rp 50.000``."""
        return f"Rp {self.number(value)}"

    def size(self, n_bytes: int) -> str:
        """A file size in KB or MB with one decimal."""
        if n_bytes < 1024 * 1024:
            return f"{self.number(n_bytes / 1024, 1)} KB"
        return f"{self.number(n_bytes / 1024 / 1024, 1)} MB"


@lru_cache(maxsize=16384)
def _number(is_float: bool, value: float | int, digits: int, locale: str) -> str:
    """``Formatter.number`` of a non-zero int or float, cached: a city's pages show the same
    counts and shares again and again (``is_float`` keeps 1 and 1.0 apart)."""
    return _FORMATTERS[locale]._number(value, digits)


@lru_cache(maxsize=8192)
def _time(value: dt.time, pattern: str, locale: str) -> str:
    """Babel's format of a naive time, cached like ``_date``."""
    return format_time(value, pattern, locale=locale)


@lru_cache(maxsize=32768)
def _date(value: dt.date, pattern: str, locale: str) -> str:
    """Babel's date format, cached: the same months and days recur on hundreds of pages."""
    return format_date(value, pattern, locale=locale)


# The date-time patterns above, each as a date pattern, the text between and a time pattern of hours
# and minutes: Babel formats each field of a pattern on its own, so the whole is the date's text
# (cached per day) joined to the time's (cached per minute), without Babel's pattern run for each
# receipt (tens of thousands of distinct instants in a city's pages; tested against the whole).
_SPLIT = {
    "d MMM y, HH.mm": ("d MMM y", ", ", "HH.mm"), "d MMM y, HH:mm": ("d MMM y", ", ", "HH:mm"),
    "d MMMM y HH.mm": ("d MMMM y", " ", "HH.mm"), "d MMMM y HH:mm": ("d MMMM y", " ", "HH:mm"),
}


def _datetime(value: dt.datetime, pattern: str, locale: str) -> str:
    """Babel's date-time format in the value's own time zone (``pattern`` one of ``_SPLIT``'s)."""
    date_pattern, between, time_pattern = _SPLIT[pattern]
    # The fields are the wall clock's in the value's own zone (Babel converts it to that very zone).
    minute = dt.time(value.hour, value.minute)
    return _date(value.date(), date_pattern, locale) + between + _time(minute, time_pattern, locale)


def _zone_name(value: dt.datetime) -> str:
    """The zone's short Indonesian name (WIB, WITA, WIT) in both languages: English readers in
    Indonesia use the same; a zone without one is written as its offset (``+0700``)."""
    zone = value.tzinfo
    # Babel's name follows from the zone's name (its key, else its ``tzname``), whether the
    # instant is in daylight time and, for a zone it cannot name, the offset: one text for each.
    key = (zone, value.tzname(), value.dst(), value.utcoffset())
    try:
        text = _ZONE_NAMES.get(key)
    except TypeError:  # a zone that cannot be a key
        return format_datetime(value, "z", tzinfo=zone, locale=LOCALES["id"])
    if text is None:
        text = format_datetime(value, "z", tzinfo=zone, locale=LOCALES["id"])
        if len(_ZONE_NAMES) < 1024:  # a few zones in practice; never an unbounded dict
            _ZONE_NAMES[key] = text
    return text


_ZONE_NAMES: dict[tuple[dt.tzinfo | None, str | None, dt.timedelta | None, dt.timedelta | None], str] = {}


# One formatter per locale for ``_number`` (a Formatter holds no state beyond its language).
_FORMATTERS = {locale: Formatter(lang) for lang, locale in LOCALES.items()}


@cache
def _pattern(digits: int) -> NumberPattern:
    """The parsed Babel number pattern with ``digits`` fixed decimals (parsing is the slow part)."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))
