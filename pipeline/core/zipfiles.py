"""Zip archives (and so XLSX workbooks) whose bytes depend only on their contents."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from pipeline.core.xlsx_cells import assert_no_formulas

# The earliest time a zip entry can carry; any fixed value would do.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Workbook properties are shown by Excel; a fixed date keeps the bytes stable.
WORKBOOK_EPOCH = datetime(2000, 1, 1)


def zip_bytes(entries: dict[str, bytes], sort: bool = True) -> bytes:
    """A deflated zip of ``entries`` with fixed timestamps and permissions."""
    buffer = io.BytesIO()
    names = sorted(entries) if sort else list(entries)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever machine builds it
            archive.writestr(info, entries[name], compresslevel=9)
    return buffer.getvalue()


def workbook_bytes(workbook: Workbook) -> bytes:
    """Save ``workbook`` with fixed properties, check it holds no formula, rewrite its zip deterministically."""
    props = workbook.properties
    props.created = props.modified = WORKBOOK_EPOCH
    props.creator = props.lastModifiedBy = "pipeline"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter (unlike Workbook.save) leaves ``modified`` as set above.
        ExcelWriter(workbook, archive).write_data()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as archive:
        # Keep openpyxl's entry order: [Content_Types].xml must stay where Excel expects it.
        entries = {name: archive.read(name) for name in archive.namelist()}
    assert_no_formulas(entries)  # every workbook the project writes passes here
    return zip_bytes(entries, sort=False)
