"""Cells of the workbooks the project writes: text stays text, never a formula.

openpyxl decides a cell's type from its value: a string of two or more characters that
starts with ``=`` becomes a formula (``<f>`` in the sheet XML, run by Excel when the file
is opened: ``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``), and a string equal to an error
code (``#N/A``) becomes an error cell.  Agencies type free text, so every string written
goes through ``text_cell`` or ``force_text``, which set the type back to text after the
value is bound; ``assert_no_formulas`` then checks the written sheets, so a writer that
forgets to do so fails loudly instead of publishing a formula.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from openpyxl.cell import WriteOnlyCell

from pipeline.core.errors import PublishError

# Excel's limit on the characters of one cell; openpyxl would silently cut longer text.
MAX_CELL_CHARS = 32_767
# Any element named f (a formula), with or without a namespace prefix. In XML a "<" in
# text is always escaped, so every "<" in a sheet starts markup: this cannot match text.
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
# A cell of the error type (t="e"): text such as "#N/A" that openpyxl took for an error.
_ERROR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*\bt=[\"']e[\"']")
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def _has_formula(data: bytes) -> bool:
    """True when ``data`` holds a formula or an error cell (the two patterns above).

    The substring tests come first: each pattern can match only where one of them occurs, and
    they are found many times faster than the patterns, which are tried at every tag (2 s of a
    publish on the rows of 20 agencies over 24 months).
    """
    return (((b"<f" in data or b":f" in data) and _FORMULA.search(data) is not None)
            or ((b't="e"' in data or b"t='e'" in data) and _ERROR_CELL.search(data) is not None))


class CellTooLong(ValueError):
    """A text longer than Excel can hold; the caller names the table, row and field."""

    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(f"{length} characters")


def text_cell(sheet: Any, text: str) -> WriteOnlyCell:
    """A write-only cell holding ``text`` as text, whatever it starts with."""
    if len(text) > MAX_CELL_CHARS:
        raise CellTooLong(len(text))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # after binding: openpyxl made "=..." a formula and "#N/A" an error
    return cell


def force_text(sheet: Any) -> None:
    """Set every string cell of a (normal, not write-only) sheet to the text type."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                if len(cell.value) > MAX_CELL_CHARS:
                    raise PublishError(too_long_message(sheet.title, cell.row, cell.coordinate,
                                                        len(cell.value)))
                cell.data_type = "s"


def too_long_message(table: str, row: int, field: str, length: int) -> str:
    """The PublishError text for a cell over Excel's limit (Indonesian first)."""
    return (
        f"tabel {table}, baris {row}, kolom {field}: teks {length} karakter melebihi batas Excel "
        f"{MAX_CELL_CHARS} karakter; berkas XLSX tidak dibuat (teks tidak dipotong diam-diam) / "
        f"table {table}, row {row}, field {field}: text of {length} characters exceeds Excel's "
        f"limit of {MAX_CELL_CHARS}; the XLSX file was not written (text is never cut silently)"
    )


def formula_sheets(entries: dict[str, bytes]) -> list[str]:
    """Names of the worksheets of a workbook's zip entries that hold a formula or an error cell."""
    return [name for name, data in sorted(entries.items())
            if _SHEET.match(name) and _has_formula(data)]


def workbook_has_formula(data: bytes) -> bool:
    """True when a workbook's bytes hold a formula (or cannot be read to tell)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = {n: archive.read(n) for n in archive.namelist() if _SHEET.match(n)}
            calc_chain = "xl/calcChain.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return True
    return calc_chain or bool(formula_sheets(entries))


def workbook_file_has_formula(path: Path, block: int = 1 << 20) -> bool:
    """``workbook_has_formula`` of the workbook file ``path``, its sheets inflated a block at a time
    (a large table's sheet is hundreds of MB inflated).

    Each block is checked up to its last ``>``: both patterns match within one tag, which holds
    no ``>``, so no match is cut in two; the rest is checked with the next block.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "xl/calcChain.xml" in names:
                return True
            for name in filter(_SHEET.match, names):
                with archive.open(name) as sheet:
                    rest = b""
                    while data := sheet.read(block):
                        data = rest + data
                        cut = data.rfind(b">") + 1
                        if _has_formula(data[:cut]):
                            return True
                        rest = data[cut:]
                    if _has_formula(rest):
                        return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return True
    return False


def assert_no_formulas(entries: dict[str, bytes]) -> None:
    """Raise PublishError when any worksheet holds a formula (a writer skipped text_cell)."""
    found = formula_sheets(entries)
    if found or "xl/calcChain.xml" in entries:
        raise _formula_found(", ".join(found) or "xl/calcChain.xml")


def is_sheet(name: str) -> bool:
    """True for a workbook's entry that is a worksheet (the entries checked for formulas)."""
    return bool(_SHEET.match(name))


def sheet_check(name: str) -> Callable[[bytes], None]:
    """A check of a piece of worksheet ``name`` holding whole elements: PublishError at a formula."""
    def check(data: bytes) -> None:
        if _has_formula(data):
            raise _formula_found(name)
    return check


def checked_blocks(name: str, blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The blocks of entry ``name`` as they come, each checked like ``assert_no_formulas`` checks a sheet.

    Each block must hold whole elements (the sheet's head, whole rows, its tail), so no tag
    is split between two blocks.
    """
    sheet = bool(_SHEET.match(name))
    for block in blocks:
        if sheet and _has_formula(block):
            raise _formula_found(name)
        yield block


def _formula_found(where: str) -> PublishError:
    """The failure of a workbook about to be published with a formula in it."""
    return PublishError(
        f"rumus ditemukan di lembar kerja yang akan diterbitkan / a formula was found in a "
        f"worksheet about to be published: {where}; "
        "ini galat pipeline, laporkan / this is a pipeline bug, report it"
    )
