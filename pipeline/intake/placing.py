"""Put a received file where publish reads it, atomically, and log its receipt.

The path is built only from checked parts (a known agency code, a ``YYYY-MM`` period, one of
the three tables, csv or xlsx), never from a name a sender chose, so nothing can be written
outside the agency's folder.  No folder on the way may be a link.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pipeline.core.atomic import write_bytes
from pipeline.core.config import Portal
from pipeline.core.errors import PipelineError
from pipeline.core.models import TABLES
from pipeline.core.oserrors import naming
from pipeline.core.periods import PERIOD_RE
from pipeline.core.safe_open import DIR, kind_of
from pipeline.store.receipts import append_receipt

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Placed:
    """Where a file now lies (relative to the datasets folder) and what was logged."""

    file: str
    sha256: str
    size: int
    received_at: str


def submission_file(period: str, agency: str, table: str, fmt: str) -> str:
    """``submissions/<period>/<agency>/<table>.<fmt>``, after checking every part."""
    if not PERIOD_RE.match(period) or table not in TABLES or fmt not in FORMATS or not _is_code(agency):
        raise PipelineError(f"tujuan tidak sah / invalid destination: {period}/{agency}/{table}.{fmt}")
    return f"submissions/{period}/{agency}/{table}.{fmt}"


def _is_code(agency: str) -> bool:
    """An agency code as agencies.csv allows it: lowercase letters, digits and hyphens."""
    return bool(agency) and all(c.islower() or c.isdigit() or c == "-" for c in agency) and agency.isascii()


def place_file(portal: Portal, data: bytes, period: str, agency: str, table: str, fmt: str,
               received_at: str) -> Placed:
    """Write ``data`` as the agency's file for ``table`` (the other format removed) and log its receipt."""
    rel = submission_file(period, agency, table, fmt)
    folder = rel.rsplit("/", 1)[0]
    for step in ("submissions", f"submissions/{period}", folder):
        if kind_of(portal.datasets, step) not in (None, DIR):
            raise PipelineError(f"{portal.datasets / step}: bukan folder biasa (tautan?) / not a plain "
                                "folder (a link?); tidak ditulis / nothing written")
    write_bytes(portal.datasets / rel, data)
    other = portal.datasets / f"{folder}/{table}.{'xlsx' if fmt == 'csv' else 'csv'}"
    with naming(other):
        other.unlink(missing_ok=True)  # one file per table: the new one replaces the other format
    sha = hashlib.sha256(data).hexdigest()
    append_receipt(portal.datasets, portal.receipts, rel, sha, received_at)
    return Placed(rel, sha, len(data), received_at)

