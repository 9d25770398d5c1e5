"""Words and formats per language: the strings table and Babel-based date and number formats."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import parse_pattern

from pipeline.core.errors import SiteError

LANGS = ("id", "en")
LOCALES = {"id": "id_ID", "en": "en"}


def load_strings(path: Path) -> dict[str, dict[str, str]]:
    """strings.toml (``key = ["Indonesian", "English"]``) as {lang: {key: text}}."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SiteError(f"{path}: {exc}") from None
    flat: dict[str, list[str]] = {}
    _flatten(table, "", flat)
    bad = [k for k, v in flat.items() if not (isinstance(v, list) and len(v) == 2)]
    if bad:
        raise SiteError(f"{path}: harus [id, en] / must be [id, en]: {', '.join(bad)}")
    return {lang: {k: v[i] for k, v in flat.items()} for i, lang in enumerate(LANGS)}


def _flatten(table: dict, prefix: str, out: dict[str, list[str]]) -> None:
    """Dotted keys for nested TOML tables (``[status]`` + ``open`` -> ``status.open``)."""
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(value, f"{prefix}{key}.", out)
        else:
            out[f"{prefix}{key}"] = value


class Translator:
    """``t("key", n=3)``: the text of a key in one language, with str.format fields filled."""

    def __init__(self, strings: dict[str, str], lang: str):
        self.strings, self.lang = strings, lang

    def __call__(self, key: str, **fields: object) -> str:
        """Look up ``key``; a missing key is a bug in the site, so it fails the build."""
        try:
            text = self.strings[key]
        except KeyError:
            raise SiteError(f"strings.toml: kunci tidak ada / missing key {key!r}") from None
        return text.format(**fields) if fields else text


def round2(value: float | Decimal) -> Decimal:
    """Round half up to 2 decimals, as the IKM rules do (not Python's banker's rounding).

    Infinity (a valid ``1E+400`` read as a float) stays as it is, and the decimal context
    grows with the number, so no valid figure makes the rounding itself fail.
    """
    number = Decimal(str(value))
    if not number.is_finite():
        return number
    with localcontext() as ctx:
        ctx.prec = max(28, number.adjusted() + 4)
        return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Formatter:
    """Dates, months and numbers in one language's conventions (Babel)."""

    def __init__(self, lang: str):
        self.lang, self.locale = lang, LOCALES[lang]
        self._locale = Locale.parse(self.locale)

    def date(self, value: date | None) -> str:
        """``5 Oktober 2026`` / ``5 October 2026``."""
        return _date(value, "d MMMM y", self.locale) if value else ""

    def short_date(self, value: date | None) -> str:
        """``5 Okt 2026`` / ``5 Oct 2026``."""
        return _date(value, "d MMM y", self.locale) if value else ""

    def weekday_date(self, value: date | None) -> str:
        """``Senin, 5 Oktober 2026``."""
        return _date(value, "EEEE, d MMMM y", self.locale) if value else ""

    def datetime(self, value: datetime | None) -> str:
        """A receipt time, in the time zone it was recorded in."""
        if not value:
            return ""
        pattern = "d MMM y, HH.mm" if self.lang == "id" else "d MMM y, HH:mm"
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=self.locale)

    def time(self, value: time | None) -> str:
        """``09.30`` (Indonesian) / ``09:30``."""
        return format_time(value, "HH.mm" if self.lang == "id" else "HH:mm", locale=self.locale) if value else ""

    def month(self, period: str | None) -> str:
        """``Oktober 2026`` from ``2026-10``."""
        return _date(_first_day(period), "LLLL y", self.locale) if period else ""

    def month_abbr(self, period: str) -> str:
        """``Okt 2026``: for the first column of chart data tables."""
        return _date(_first_day(period), "LLL y", self.locale)

    def short_month(self, period: str) -> str:
        """``Okt 26``: for chart axes and narrow table headers."""
        return _date(_first_day(period), "LLL yy", self.locale)

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """``12.345`` / ``12,345``; ``digits`` fixed decimals."""
        if value is None:
            return "–"
        # Babel rounds in the current decimal context (28 digits); counts may be longer.
        with localcontext() as ctx:
            ctx.prec = max(28, Decimal(str(value)).adjusted() + digits + 4)
            return _pattern(digits).apply(value, self._locale)

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


@lru_cache(maxsize=4096)
def _date(value: date, pattern: str, locale: str) -> str:
    """Babel's date format, cached: the same months and days recur on hundreds of pages."""
    return format_date(value, pattern, locale=locale)


@lru_cache(maxsize=None)
def _pattern(digits: int):
    """The parsed Babel number pattern with ``digits`` fixed decimals (parsing is the slow part)."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


def _first_day(period: str) -> date:
    """The first day of a ``YYYY-MM`` period."""
    year, month = period.split("-")
    return date(int(year), int(month), 1)
