"""What an uploaded file is, whatever its name: its format from its bytes, its table from its header."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline.core.config import Limits
from pipeline.core.models import TABLES
from pipeline.validate.reading import read_file
from pipeline.validate.schemas import TableSchema

# A workbook (.xlsx) is a zip archive; anything else is judged as CSV (the validator then
# says clearly when it is neither).
_ZIP_MAGIC = b"PK\x03\x04"


def detect_format(data: bytes) -> str:
    """``xlsx`` for a zip archive, ``csv`` otherwise."""
    return "xlsx" if data.startswith(_ZIP_MAGIC) else "csv"


def recognise_table(data: bytes, fmt: str, limits: Limits, schemas: dict[str, TableSchema]) -> str | None:
    """The table whose columns the header names most (None when no header or a tie)."""
    with tempfile.TemporaryDirectory(prefix="intake-header-") as tmp:
        (Path(tmp) / f"file.{fmt}").write_bytes(data)
        try:
            labels = read_file(Path(tmp), f"file.{fmt}", fmt, "agendas", limits).labels
        except OSError:
            return None
    found = {label.strip().lower() for label in labels}
    scores = sorted(((len(found & {n.lower() for n in schemas[t].field_names}), t) for t in TABLES), reverse=True)
    best, second = scores[0], scores[1]
    return best[1] if best[0] > 0 and best[0] > second[0] else None
