"""A short report of what the generator wrote: counts, formats, grades, mistakes, missing and late files."""

from __future__ import annotations

from decimal import Decimal

from pipeline.core.ikm import ELEMENTS, row_ikm
from pipeline.core.models import TABLES
from tools.sample.clerk_errors import surveyed
from tools.sample.files import file_name
from tools.sample.generate import Sample
from tools.sample.records import Row
from tools.sample.world import World


def ikm_grade(row: Row) -> str:
    """The IKM grade of a performance row by the pipeline's rule ('-' without a survey)."""
    if not surveyed(row):
        return "-"
    _, grade = row_ikm({name: Decimal(row[name]) for name in ELEMENTS})
    return grade or "-"


def summary(world: World, sample: Sample) -> str:
    """What was written, in a few lines."""
    intake = world.source.intake
    written, intended = sample.written, sample.intended
    late_files = [k for k in written if (k[0], k[1]) in sample.late]
    mistaken = {i.key for i in intended}
    grades: dict[str, int] = {}
    for key, table in sample.contents.items():
        if key[2] == "performance" and key not in mistaken:
            for row in table.rows:
                grade = ikm_grade(row)
                grades[grade] = grades.get(grade, 0) + 1
    counts = ", ".join(f"{t} {sum(1 for k in written if k[2] == t)}" for t in TABLES)
    lines = [
        f"files written: {len(written)} ({counts}), receipts: {len(sample.receipts)}",
        (
            f"formats: ';' {len(intake.semicolon)}, BOM {len(intake.bom)}, xlsx {len(intake.xlsx)}, "
            f"windows-1252 {len(intake.cp1252)}"
        ),
        f"IKM grades of accepted performance rows: {dict(sorted(grades.items()))}",
        f"intended rejections ({len(intended)}, {100 * len(intended) / len(written):.1f}% of files):",
    ]
    lines += [
        f"  {file_name(intake, i.key)}  {i.kind}  row={i.row} field={i.field} value={i.value!r}" for i in intended
    ]
    missing = sorted(intake.missing)
    lines.append(f"missing ({len(missing)}): " + ", ".join("/".join(k) for k in missing))
    lines.append(
        f"late files: {len(late_files)} ({100 * len(late_files) / len(written):.1f}%) in "
        f"{len(sample.late)} submissions: " + ", ".join(f"{p}/{a}" for p, a in sorted(sample.late))
    )
    lines.append(
        "rejected then corrected (history/): "
        + ", ".join(f"{'/'.join(key)} ({kind})" for key, kind, _ in intake.corrected)
    )
    return "\n".join(lines)
