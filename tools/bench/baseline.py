"""The baseline: frictionless alone validating every submitted file, one file after another, in one process.

This is what a data officer would run without the pipeline: each file against its table's
Table Schema, with the header on the first row (frictionless otherwise guesses it). The
findings are (file, row, field, error type) of frictionless' own checks, which the
differential test compares with the pipeline's report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from frictionless import Dialect, Resource, Schema, formats, system

from pipeline.core.models import TABLES

Finding = tuple[str, int | None, str | None, str]  # (file, row, field, frictionless error type)


def submitted(datasets: Path) -> list[Path]:
    """Every monthly file under ``submissions/``, sorted."""
    return sorted(p for p in (datasets / "submissions").rglob("*") if p.suffix in (".csv", ".xlsx"))


def findings(datasets: Path) -> list[Finding]:
    """frictionless' findings on every submitted file, file by file."""
    # Columns matched by name: an optional column a file leaves out (agendas' attendees) is not
    # there, and matching by position would judge the next column against its rules. "partial" is
    # what frictionless' deprecated ``schema_sync`` option resolves to, declared the standard way.
    schemas = {table: Schema.from_descriptor({**json.loads((datasets / "schemas" / f"{table}.json").read_text()),
                                              "fieldsMatch": "partial"})
               for table in TABLES}
    found: list[Finding] = []
    with system.use_context(trusted=True):
        for path in submitted(datasets):
            rel = path.relative_to(datasets).as_posix()
            resource = Resource(path=str(path), schema=schemas[path.stem], dialect=_dialect(path))
            report = resource.validate()
            for task in report.tasks:
                for error in task.errors:
                    found.append((rel, getattr(error, "row_number", None), getattr(error, "field_name", None),
                                  error.type))
    return found


def _dialect(path: Path) -> Dialect:
    """Header on the first row; the delimiter a spreadsheet used (``;`` where Excel saves it so)."""
    dialect = Dialect(header=True, header_rows=[1])
    if path.suffix == ".csv" and b";" in path.read_bytes().split(b"\n", 1)[0]:
        dialect.add_control(formats.CsvControl(delimiter=";"))
    return dialect


def main(argv: list[str]) -> int:
    """``python -m tools.bench.baseline DATASETS``: validate and print how many files and findings."""
    datasets = Path(argv[0])
    found = findings(datasets)
    print(f"frictionless: {len(submitted(datasets))} files, {len(found)} findings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
