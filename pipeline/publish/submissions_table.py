"""The submissions table: one row per file owed or received, with status and timeliness.

Decisions (documented in the published schema and the report to the lead):

- An agency owes its three tables from the later of the month it joined and the first
  month the portal collects (``start_period`` in portal.toml, or without it the first
  period the store holds: nobody owes files from before the portal existed), up to the
  last closed month (the last month whose deadline day has passed); see
  ``pipeline.core.obligations``.
- A received key shows its *current* version (the file as it stands in datasets/):
  its status, revision, receipt time and counts.  When that version is rejected while
  an older one was accepted, the row says ``rejected`` with the latest revision, and the
  older accepted data stays published in the other tables.
- ``on_time`` judges that same version's ``received_at`` against the deadline day of the
  next month in the portal's time zone, so every row can be checked on its own.  It is
  empty for missing files.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from pipeline.core import periods
from pipeline.core.models import TABLES, Record
from pipeline.core.obligations import collection_start, owed_periods
from pipeline.store import Store


def owed_keys(agencies: list[Record], first: str | None, last_closed: str) -> set[tuple[str, str, str]]:
    """(period, agency, table) of every file an active agency (a row of the agencies table) owes."""
    owed: set[tuple[str, str, str]] = set()
    for agency in agencies:
        for period in owed_periods(bool(agency.get("active")), agency.get("joined_on"), first, last_closed):
            owed.update((period, agency["agency_code"], table) for table in TABLES)
    return owed


def submissions_records(store: Store, agencies: list[Record], as_of: date, deadline_day: int,
                        tz: ZoneInfo, start_period: str | None = None) -> list[Record]:
    """Every owed or received file, sorted by period, agency and table."""
    last_closed = periods.last_closed(as_of, deadline_day)
    current = {v.key: v for v in store.current()}
    first = collection_start(start_period, store.first_period())
    keys = owed_keys(agencies, first, last_closed) | set(current)
    out: list[Record] = []
    for key in sorted(keys):
        period, agency, table = key
        v = current.get(key)
        if v is None:
            out.append({"period": period, "agency_code": agency, "table": table, "status": "missing",
                        "received_at": None, "on_time": None, "revision": None, "errors": None,
                        "warnings": None, "sha256": None})
            continue
        out.append({
            "period": period, "agency_code": agency, "table": table, "status": v.status,
            "received_at": v.received_at,
            "on_time": periods.on_time(v.received_at, period, deadline_day, tz),
            "revision": v.revision, "errors": v.errors, "warnings": v.warnings, "sha256": v.sha256,
        })
    return out
