"""The published workbooks' rows written directly (sheet_xml.py) equal openpyxl's, byte for byte."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from pipeline.publish.sheet_xml import rows_xml
from pipeline.publish.table_files import _xlsx_value, openpyxl_xlsx_bytes, xlsx_bytes

SCHEMA = {"name": "mixed", "fields": [
    {"name": "code", "type": "string"}, {"name": "day", "type": "date"}, {"name": "at", "type": "time"},
    {"name": "count", "type": "integer"}, {"name": "share", "type": "number"}, {"name": "ok", "type": "boolean"},
    {"name": "stamp", "type": "datetime"}, {"name": "note", "type": "string"},
]}
# Characters openpyxl or lxml refuse (tested apart: a refused write leaves noisy half-closed writers).
REFUSED = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF))
# Text as agencies type it: markup characters, spaces at the ends, line ends, formulas, error codes.
TEXT = st.one_of(
    st.sampled_from(["", " ", "held", " padded ", "a & b < c > d", "line\r\nend", "=HYPERLINK(\"x\")", "#N/A",
                     "tab\there", "\u00e9t\u00e9 \U0001f600", "'quoted' \"double\""]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=REFUSED), max_size=30),
)
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-10**20, max_value=10**20)
RECORD = st.fixed_dictionaries({}, optional={
    "code": TEXT, "note": TEXT,
    "day": st.one_of(st.dates(), TEXT),
    "at": st.times(),
    "count": st.one_of(st.integers(min_value=-2**60, max_value=2**60), DECIMALS),
    "share": st.one_of(DECIMALS, st.floats(allow_nan=True, allow_infinity=True)),
    "ok": st.booleans(),
    "stamp": st.datetimes(timezones=st.just(timezone(timedelta(hours=7)))),
})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), RECORD), max_size=8))
def test_direct_rows_equal_openpyxl(records: list[dict | None]) -> None:
    """Any mix of the published value kinds gives the workbook openpyxl gives, to the byte."""
    rows = [r or {} for r in records]
    assert xlsx_bytes(SCHEMA, rows) == openpyxl_xlsx_bytes(SCHEMA, rows)


@pytest.mark.parametrize("text", ["bell\x07", "\x00", "\ud800", "\uffff"])
def test_a_refused_character_is_refused_as_openpyxl_refuses_it(text: str) -> None:
    """A character Excel cannot hold raises openpyxl's own error on the direct path too."""
    with pytest.raises((IllegalCharacterError, ValueError)) as openpyxl_error:
        openpyxl_xlsx_bytes(SCHEMA, [{"code": text}])
    with pytest.raises(openpyxl_error.type):
        xlsx_bytes(SCHEMA, [{"code": text}])


def test_rows_written_directly_by_hand() -> None:
    """The common values go through the direct path (not openpyxl's), written as Excel expects."""
    record = {"code": "a&b", "day": date(2024, 11, 13), "at": time(14, 0), "count": Decimal("12"),
              "share": Decimal("0.5"), "ok": True, "note": " x"}
    names = [f["name"] for f in SCHEMA["fields"]]
    styles = [None, 2, 3, None, None, None, None, None]
    got = rows_xml([record], names, styles, _xlsx_value)
    assert got == (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>a&amp;b</t></is></c>'
        '<c r="B2" s="2" t="n"><v>45609</v></c>'  # 2024-11-13 is day 45,609 counted from 1899-12-30
        '<c r="C2" s="3" t="n"><v>0.5833333333333334</v></c>'  # 14:00 is 7/12 of a day
        '<c r="D2" t="n"><v>12</v></c><c r="E2" t="n"><v>0.5</v></c><c r="F2" t="b"><v>1</v></c>'
        '<c r="H2" t="inlineStr"><is><t xml:space="preserve"> x</t></is></c></row>'
    ).encode()


def test_unusual_values_are_left_to_openpyxl() -> None:
    """A datetime in a date column, a control character or an over-long text: None (openpyxl's path)."""
    names, styles = ["day"], [2]
    assert rows_xml([{"day": datetime(2024, 1, 1, 8)}], names, styles, lambda v: v) is None
    assert rows_xml([{"day": "bell\x07"}], names, styles, _xlsx_value) is None
    assert rows_xml([{"day": "x" * 32_768}], names, styles, _xlsx_value) is None


def test_every_character_is_written_as_openpyxl_writes_it() -> None:
    """Each Unicode character that openpyxl accepts, in text cells of 1,000 characters: same bytes."""
    refused = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF}
    chars = [chr(c) for c in range(0x110000) if c not in refused]
    records = [{"code": "".join(chars[i:i + 1000])} for i in range(0, len(chars), 1000)]
    schema = {"name": "chars", "fields": [{"name": "code", "type": "string"}]}
    assert rows_xml(records, ["code"], [None], _xlsx_value) is not None  # the direct path wrote them
    assert xlsx_bytes(schema, records) == openpyxl_xlsx_bytes(schema, records)
