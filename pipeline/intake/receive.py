"""``python -m pipeline receive``: a file that arrived by e-mail or on a stick, copied in with its receipt.

Nobody computes a SHA-256 by hand: the command recognises the table (or takes ``--table``),
judges the file as publish will, writes it into ``submissions/<period>/<agency>/`` and
appends its line to the receipts log.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipeline.core.config import Portal
from pipeline.core.errors import PipelineError
from pipeline.core.models import FileReport
from pipeline.core.periods import PERIOD_RE
from pipeline.intake.judge import judge_upload
from pipeline.intake.placing import Placed, place_file
from pipeline.intake.recognise import detect_format, recognise_table
from pipeline.store import Store
from pipeline.store.receipts import local_iso


def read_upload(path: Path, limit: int) -> bytes:
    """The file's bytes; PipelineError when it is missing or larger than ``max_file_mb``."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise PipelineError(f"{path}: tidak dapat dibaca / cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise PipelineError(f"{path}: lebih besar dari batas max_file_mb / larger than max_file_mb")
    return data


def check_target(portal: Portal, agency: str, period: str) -> None:
    """PipelineError unless ``agency`` is in agencies.csv and ``period`` is ``YYYY-MM``."""
    from pipeline.validate import load_reference

    if not PERIOD_RE.match(period):
        raise PipelineError(f"periode tidak sah / invalid period: {period!r} (TAHUN-BULAN / YEAR-MONTH)")
    if agency not in load_reference(portal).agencies:
        raise PipelineError(f"instansi tidak dikenal / unknown agency: {agency!r} (reference/agencies.csv)")


def which_table(portal: Portal, data: bytes, fmt: str, table: str | None) -> str:
    """The table chosen, or the one the header names; PipelineError when it cannot be told."""
    from pipeline.validate.schemas import load_schemas

    if table:
        return table
    found = recognise_table(data, fmt, portal.limits, load_schemas(portal.datasets))
    if found is None:
        raise PipelineError("tabel tidak dapat dikenali dari baris judul; sebutkan --table / the table cannot be "
                            "recognised from the header row; give --table")
    return found


def receive_file(portal: Portal, path: Path, agency: str, period: str, table: str | None,
                 received_at: datetime | None) -> str:
    """Copy the file in, log its receipt, and describe what was done (with the verdict)."""
    check_target(portal, agency, period)
    data = read_upload(path, portal.limits.max_file_bytes)
    fmt = detect_format(data)
    chosen = which_table(portal, data, fmt, table)
    report = judge_upload(portal, Store.load(portal.output / "store"), period, agency, chosen, fmt, data)
    when = local_iso(received_at or datetime.now(portal.tz), portal.tz)
    placed = place_file(portal, data, period, agency, chosen, fmt, when)
    return receipt_text(placed, report)


def receipt_text(placed: Placed, report: FileReport) -> str:
    """The receipt as terminal text."""
    verdict = ("DITERIMA / ACCEPTED" if report.accepted
               else f"DITOLAK / REJECTED ({report.error_count} galat / errors)")
    lines = [f"Tanda terima / Receipt: {placed.file}",
             f"  SHA-256: {placed.sha256}",
             f"  ukuran / size: {placed.size} bytes",
             f"  diterima / received: {placed.received_at}",
             f"  hasil / verdict: {verdict}"]
    for p in report.errors[:5]:
        lines.append(f"  - {p.cell or ''} {p.message.id} / {p.message.en}".replace("  -  ", "  - "))
    return "\n".join(lines)
