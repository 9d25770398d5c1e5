"""One upload from the service: judged as publish judges, kept byte for byte, placed when accepted.

Every upload becomes a revision in the intake's own storage
(``<output>/store/intake/<period>/<agency>/<table>/u<NNN>-<sha256[:12]>.<ext>``), accepted
or not, with its report.  An accepted one is written atomically into
``submissions/<period>/<agency>/<table>.<ext>`` and its receipt line appended to the receipts
log, so the time on the receipt is the time publish counts for lateness.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.core.atomic import write_bytes
from pipeline.core.config import Portal
from pipeline.intake.db import audit
from pipeline.intake.judge import judge_upload
from pipeline.intake.placing import place_file
from pipeline.intake.recognise import detect_format, recognise_table
from pipeline.store import Store, report_record
from pipeline.store.receipts import local_iso

INTAKE_FILES = "intake"  # under <output>/store/


@dataclass(frozen=True)
class Upload:
    """One upload as recorded (a row of the ``uploads`` table)."""

    id: int
    agency: str
    period: str
    table: str
    revision: int
    fmt: str
    sha256: str
    size: int
    status: str
    errors: int
    warnings: int
    received_at: str
    username: str
    original_name: str
    placed: str | None
    report: dict[str, Any]


def from_row(row: sqlite3.Row) -> Upload:
    """An Upload from its database row."""
    return Upload(row["id"], row["agency"], row["period"], row["table_name"], row["revision"], row["fmt"],
                  row["sha256"], row["size"], row["status"], row["errors"], row["warnings"], row["received_at"],
                  row["username"], row["original_name"], row["placed"], json.loads(row["report"]))


def which_table(portal: Portal, data: bytes, fmt: str) -> str | None:
    """The table the file's header names (None: the clerk must choose)."""
    from pipeline.validate.schemas import load_schemas

    return recognise_table(data, fmt, portal.limits, load_schemas(portal.datasets))


def record_upload(portal: Portal, conn: sqlite3.Connection, username: str, agency: str, period: str,
                  table: str, data: bytes, original_name: str, now: datetime, ip: str = "") -> Upload:
    """Judge, keep and (when accepted) place one upload; the recorded Upload."""
    fmt = detect_format(data)
    received_at = local_iso(now, portal.tz)
    report = judge_upload(portal, Store.load(portal.output / "store"), period, agency, table, fmt, data)
    sha = hashlib.sha256(data).hexdigest()
    conn.execute("BEGIN IMMEDIATE")  # one revision number per upload, even with two workers
    try:
        revision = 1 + conn.execute("SELECT count(*) FROM uploads WHERE agency = ? AND period = ? AND table_name = ?",
                                    (agency, period, table)).fetchone()[0]
        blob = f"{INTAKE_FILES}/{period}/{agency}/{table}/u{revision:03d}-{sha[:12]}.{fmt}"
        write_bytes(portal.output / "store" / blob, data)
        placed = None
        if report.accepted:
            placed = place_file(portal, data, period, agency, table, fmt, received_at).file
        cursor = conn.execute(
            "INSERT INTO uploads (agency, period, table_name, revision, fmt, sha256, size, status, errors, warnings, "
            "received_at, username, original_name, blob, report, placed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (agency, period, table, revision, fmt, sha, len(data), report.status, report.error_count,
             report.warning_count, received_at, username, original_name[:200], blob,
             json.dumps(report_record(report), ensure_ascii=False), placed))
        audit(conn, received_at, "upload", username, agency, ip,
              f"{period} {table} r{revision} {report.status} {sha[:12]}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    row = conn.execute("SELECT * FROM uploads WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return from_row(row)


def find(conn: sqlite3.Connection, upload_id: int) -> Upload | None:
    """An upload by id."""
    row = conn.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
    return from_row(row) if row else None


def history(conn: sqlite3.Connection, agency: str | None) -> list[Upload]:
    """Uploads newest first: one agency's, or (None) every agency's."""
    if agency is None:
        rows = conn.execute("SELECT * FROM uploads ORDER BY id DESC LIMIT 500")
    else:
        rows = conn.execute("SELECT * FROM uploads WHERE agency = ? ORDER BY id DESC LIMIT 500", (agency,))
    return [from_row(r) for r in rows]
