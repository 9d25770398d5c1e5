"""The published workbooks' rows written directly (sheet_xml.py) equal openpyxl's, byte for byte."""

from __future__ import annotations

import gc
import re
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from pipeline.core.errors import PublishError
from pipeline.publish import sheet_xml, table_files
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


# A refused write leaves openpyxl's write-only sheet writer (a generator inside lxml's element
# context) suspended; when it is collected, lxml reports "inconsistent exit action" as an
# unraisable exception. That is openpyxl's clean-up, not this test's subject: collected here, and
# its warning ignored here only.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("text", ["bell\x07", "\x00", "\ud800", "\uffff"])
def test_a_refused_character_is_refused_as_openpyxl_refuses_it(text: str) -> None:
    """A character Excel cannot hold raises openpyxl's own error on the direct path too."""
    with pytest.raises((IllegalCharacterError, ValueError)) as openpyxl_error:
        openpyxl_xlsx_bytes(SCHEMA, [{"code": text}])
    with pytest.raises(openpyxl_error.type):
        xlsx_bytes(SCHEMA, [{"code": text}])
    gc.collect()  # the abandoned writers go now, within this test (see above)


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


def test_rows_streamed_in_many_blocks_give_the_same_workbook(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows compressed block by block as they are made (never held whole) give openpyxl's bytes."""
    monkeypatch.setattr(sheet_xml, "_BLOCK", 3)
    records = [{"code": f"c{i}", "day": date(2024, 1, 1 + i % 28), "count": i, "note": "x" * i} for i in range(20)]
    assert len(list(sheet_xml.row_blocks(records, ["code"], [None], _xlsx_value))) == 7  # 3+3+3+3+3+3+2 rows
    assert xlsx_bytes(SCHEMA, records) == openpyxl_xlsx_bytes(SCHEMA, records)


def test_a_value_for_openpyxl_after_blocks_were_streamed_still_gives_openpyxls_workbook(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A value only openpyxl writes, met after several blocks went into the zip: the whole sheet is openpyxl's."""
    monkeypatch.setattr(sheet_xml, "_BLOCK", 2)
    # A date in a text column has no number format: only openpyxl knows how it writes it.
    records: list[dict] = [{"code": f"c{i}"} for i in range(9)] + [{"code": date(2024, 1, 1)}]
    assert rows_xml(records, ["code"], [None], _xlsx_value) is None
    assert xlsx_bytes(SCHEMA, records) == openpyxl_xlsx_bytes(SCHEMA, records)


def test_a_formula_in_a_streamed_block_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The formula check covers the rows given as blocks, not only the entries held whole."""
    def with_formula(*args: object, **kwargs: object) -> Iterator[bytes]:
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>ok</t></is></c></row>'
        yield b'<row r="3"><c r="A3"><f>1+1</f></c></row>'

    monkeypatch.setattr(table_files, "row_blocks", with_formula)
    with pytest.raises(PublishError, match=re.escape("a formula was found in a worksheet about to be published: "
                                                     "xl/worksheets/sheet1.xml;")):
        xlsx_bytes(SCHEMA, [{"code": "ok"}, {"code": "x"}])


def test_a_large_sheet_is_never_held_whole() -> None:
    """The rows of a big table go into the zip as they are made: the writer's peak stays far below the
    sheet's own size (as text, joined and encoded, a sheet took three times its size)."""
    note = "baris panjang dengan teks yang berulang / a long row of repeated text " * 6
    records = [{"code": f"kode-{i}", "count": i, "note": note} for i in range(40_000)]
    sheet = len(rows_xml(records, ["code", "count", "note"], [None, None, None], _xlsx_value) or b"")
    assert sheet > 20_000_000  # the XML of the rows: 20 MB and more
    tracemalloc.start()
    try:
        body = xlsx_bytes(SCHEMA, records)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < sheet / 2, (peak, sheet)  # held whole, it was at least twice the sheet
    assert len(body) < sheet / 20  # compressed: the only copy held
