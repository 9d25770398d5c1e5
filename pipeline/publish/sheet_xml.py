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
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from pipeline.core.xlsx_cells import MAX_CELL_CHARS

Converter = Callable[[Any], Any]  # a record's value -> the value the cell holds
_BLOCK = 1024  # rows encoded together
# Texts up to this long have their cell remembered; longer ones rarely repeat, and remembering
# each (the gaps of 414,000 indicator rows) would hold them all while the sheet is written.
_CACHED_TEXT = 64


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
    if kind is int or kind is float:
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
    write = RowWriter(names, styles, convert)
    out: list[str] = []
    for number, record in enumerate(records, start=first_row):
        out.append(write(record, number))
        if len(out) == _BLOCK:
            yield "".join(out).encode("ascii")
            out.clear()
    if out:
        yield "".join(out).encode("ascii")


class RowWriter:
    """One record's ``<row>`` element at a given row number; NeedsOpenpyxl for a value it cannot write."""

    def __init__(self, names: Sequence[str], styles: Sequence[int | None], convert: Converter) -> None:
        self.columns = [(name, f'<c r="{get_column_letter(i)}', style)
                        for i, (name, style) in enumerate(zip(names, styles, strict=True), 1)]
        self.convert = convert
        # A text's cell is the same in every row: codes, periods, statuses repeat.
        self.texts: dict[str, str | None] = {}

    def __call__(self, record: Any, number: int) -> str:
        """The row's XML (ASCII text)."""
        texts, convert = self.texts, self.convert
        row = str(number)
        parts = [f'<row r="{row}">']
        for name, start, style in self.columns:
            value = record.get(name)
            if value is None:
                continue
            if type(value) is str:
                rest = texts.get(value, "")
                if rest == "":
                    rest = _text(value)
                    if len(value) <= _CACHED_TEXT:
                        texts[value] = rest
            else:
                value = convert(value)
                if value is None:
                    continue
                rest = _rest(value, style if type(value) is not str else None)
            if rest is None:
                raise NeedsOpenpyxl(name)
            parts.append(f'{start}{row}"{rest}')
        parts.append("</row>")
        return "".join(parts)
