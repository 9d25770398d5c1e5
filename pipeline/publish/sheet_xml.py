"""The data rows of a published worksheet as XML, byte for byte as openpyxl's write-only mode writes them.

openpyxl builds a cell object and streams it through lxml for every cell (about 25 µs a
cell: most of a publish once a table has a million cells). The rows of a published table
hold only a few kinds of values, each written one fixed way, so they are formatted here
directly; openpyxl still writes the rest of the workbook (styles, header row, parts).
``rows_xml`` returns None (``row_blocks``, which gives the rows block by block, raises
NeedsOpenpyxl) for any value it does not know how to write exactly as openpyxl would, and
the caller then lets openpyxl write the whole sheet.
tests/test_sheet_xml.py compares both writers on generated values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, time
from functools import partial
from itertools import repeat
from math import isfinite
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from pipeline.core.xlsx_cells import MAX_CELL_CHARS
from pipeline.publish.row_batches import Texts, row_values

Converter = Callable[[Any], Any]  # a record's value -> the value the cell holds
_BLOCK = 1024  # rows encoded together


# What lxml refuses besides openpyxl's illegal characters: lone surrogates, U+FFFE and U+FFFF.
_REFUSED = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _escape(text: str) -> str:
    """Text content as openpyxl's lxml writer puts it in ASCII: ``&``, ``<``, ``>``, carriage
    return and every character beyond ASCII as references (``é`` is ``&#233;``)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if not text.isascii():
        text = text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return text


def _text(value: str) -> str | None:
    """An inline text cell after its reference (never a formula: every string is written as text)."""
    if len(value) > MAX_CELL_CHARS or ILLEGAL_CHARACTERS_RE.search(value) or (
            not value.isascii() and _REFUSED.search(value)):
        return None  # openpyxl's path names the cell or refuses it with its own error
    if value == "":
        return ' t="inlineStr"></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f' t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'


def _rest(value: Any, style: int | None) -> str | None:
    """A cell's XML after its reference, or None when openpyxl alone knows how it writes ``value``."""
    kind = type(value)
    if kind is str:
        return _text(value)
    s = "" if style is None else f' s="{style}"'
    if kind is bool:
        return f'{s} t="b"><v>{safe_string(value)}</v></c>'
    if kind is float:  # safe_string's text, without its type tests
        return f'{s} t="n"><v>{"%.16g" % value if isfinite(value) else ""}</v></c>'  # noqa: UP031  # its format
    if kind is int:
        return f'{s} t="n"><v>{safe_string(value)}</v></c>'
    if (kind is date or kind is time) and style is not None:
        return f'{s} t="n"><v>{safe_string(to_excel(value))}</v></c>'
    return None  # datetimes, dates without a format, anything else: openpyxl's path


class NeedsOpenpyxl(Exception):
    """A value that only openpyxl knows how to write (the caller writes the whole sheet with openpyxl)."""


def rows_xml(records: Sequence[Any], names: Sequence[str], styles: Sequence[int | None],
             convert: Converter, first_row: int = 2) -> bytes | None:
    """The ``<row>`` elements of ``records`` from ``first_row`` on; None when a value needs openpyxl.

    ``styles[i]`` is the style id of column ``i``'s non-empty cells (None: unstyled);
    ``convert`` turns a record's value into the cell's value (None leaves the cell out).
    """
    try:
        return b"".join(row_blocks(records, names, styles, convert, first_row))
    except NeedsOpenpyxl:
        return None


def row_blocks(records: Sequence[Any], names: Sequence[str], styles: Sequence[int | None],
               convert: Converter, first_row: int = 2) -> Iterator[bytes]:
    """The rows of ``rows_xml`` as they are made, ``_BLOCK`` rows at a time; NeedsOpenpyxl on the way
    when a value needs openpyxl.

    The workbook writer compresses each block as it comes: the rows of the indicators table of
    a large city are hundreds of MB as XML, never held whole (as text, joined, then encoded,
    they took three times that).
    """
    write = SheetRows(names, styles, convert)
    for at in range(0, len(records), _BLOCK):
        yield "".join(write(row_values(names, records[at:at + _BLOCK]), at + first_row)).encode("ascii")


# Stands for the row number in a row's XML until the row is numbered: a control character, which
# no cell written here holds (``_text`` leaves a text holding one to openpyxl, which refuses it).
_MARK = "\x00"


class SheetRows:
    """Rows' ``<row>`` elements (each with its ``</row>``), many at a time; NeedsOpenpyxl for a value it
    cannot write.

    The rows are made column by column: each column's cells once per value where a value is
    always written alike (codes, periods, statuses and counts repeat), then each row joined and
    numbered in C (one Python call a cell was most of writing a large table's sheet).
    """

    def __init__(self, names: Sequence[str], styles: Sequence[int | None], convert: Converter) -> None:
        self.refs = [f'<c r="{get_column_letter(i)}{_MARK}"' for i in range(1, len(names) + 1)]
        self.styles = list(styles)
        if len(self.styles) != len(names):
            raise ValueError(f"{len(self.styles)} styles for {len(names)} columns")
        self.convert = convert
        self.columns = [Texts(partial(self.cell, column), "") for column in range(len(names))]  # no cell for None

    def cell(self, column: int, value: Any) -> str:
        """One value's cell in ``column`` with the row number still to be put in ("" for no cell)."""
        if value is None:
            return ""
        if type(value) is not str:
            value = self.convert(value)
            if value is None:
                return ""
        rest = _rest(value, self.styles[column] if type(value) is not str else None)
        if rest is None:
            raise NeedsOpenpyxl(column)
        return self.refs[column] + rest

    def __call__(self, rows: Sequence[Sequence[Any]], first: int) -> list[str]:
        """The ``<row>`` elements of ``rows`` (each a record's values in column order) numbered from ``first``."""
        if not self.refs or not rows:
            return [f'<row r="{n}"></row>' for n in range(first, first + len(rows))]
        columns = [texts(values) for texts, values in zip(self.columns, zip(*rows, strict=True), strict=True)]
        joined = map("".join, zip(repeat(f'<row r="{_MARK}">'), *columns, repeat("</row>")))
        return list(map(str.replace, joined, repeat(_MARK), map(str, range(first, first + len(rows)))))
