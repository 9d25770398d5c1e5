"""A small real datasets folder for the publish tests: agency CSV files judged by the real validate stage."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import treehash
from pipeline.core.config import Portal, load_portal
from pipeline.validate.schemas import CONTRACT
from tests.validate_helpers import csv_text, write_raw

ROOT = Path(__file__).resolve().parent.parent
PORTAL_TOML = """\
name = "Mal Pelayanan Publik Kota Uji"
name_en = "Public Service Mall of Test City"
city = "Kota Uji"
organizer = "dpmptsp"
licence_id = "CC-BY-4.0"
licence_title = "Creative Commons Attribution 4.0"
licence_url = "https://creativecommons.org/licenses/by/4.0/"
deadline_day = 10
timezone = "Asia/Jakarta"
site_url = "https://data.example.go.id"
publisher = "DPMPTSP Kota Uji"
contact_email = "data@example.go.id"
receipts = "receipts.csv"

[ckan]
organization = "mpp-kota-uji"
"""
# dpmptsp has no joining date (owes from the first period of the data), disdukcapil joined
# in September 2026, bank-x is inactive (owes nothing).
AGENCIES_CSV = """\
agency_code,name,name_en,sector,counter,joined_on,website,active
dpmptsp,DPMPTSP,,regional-government,1,,,true
disdukcapil,Disdukcapil <Kota>,Civil registry,regional-government,2,2026-09-15,https://dukcapil.example.go.id,true
bank-x,Bank X,,private,,,,false
"""
SERVICES_CSV = """\
service_code,agency_code,name,standard_time,fee_idr,requirements,legal_basis
ktp,disdukcapil,KTP-el,1 hari kerja,0,,
izin,dpmptsp,Izin usaha,3 hari kerja,0,KTP,
"""


@dataclass(frozen=True)
class Sent:
    """A file written into the datasets folder: its path there and the SHA-256 of its bytes."""

    file: str
    sha256: str


@dataclass
class Fixture:
    """A datasets folder in tmp_path and the output folder the tests publish into."""

    datasets: Path
    output: Path

    @property
    def portal(self) -> Portal:
        return load_portal(self.datasets, self.output)

    def put(self, period: str, agency: str, table: str, rows: list[dict[str, str]]) -> Sent:
        """Write ``submissions/<period>/<agency>/<table>.csv`` as a clerk would (the contract's header)."""
        return self.put_bytes(period, agency, table, csv_text(rows, list(CONTRACT[table])).encode("utf-8"))

    def put_bytes(self, period: str, agency: str, table: str, data: bytes) -> Sent:
        """Write any bytes as ``submissions/<period>/<agency>/<table>.csv``."""
        rel = f"{period}/{agency}/{table}.csv"
        write_raw(self.datasets, rel, data)
        return Sent(f"submissions/{rel}", hashlib.sha256(data).hexdigest())

    def remove(self, period: str, agency: str, table: str) -> None:
        (self.datasets / "submissions" / period / agency / f"{table}.csv").unlink()

    def receipt(self, rel: str, sha256: str, when: str) -> None:
        """A line of the intake log: when the file with these bytes arrived."""
        with (self.datasets / "receipts.csv").open("a", encoding="utf-8") as fh:
            fh.write(f"{rel},{sha256},{when}\n")

    def copy(self, root: Path) -> Fixture:
        """A private copy of the datasets folder under ``root``, publishing into ``root/output``."""
        shutil.copytree(self.datasets, root / "datasets")
        return Fixture(root / "datasets", root / "output")


def make_fixture(tmp_path: Path) -> Fixture:
    """A datasets folder with portal.toml, the project's schemas, three agencies and two services."""
    datasets = tmp_path / "datasets"
    (datasets / "reference").mkdir(parents=True)
    (datasets / "submissions").mkdir()
    (datasets / "portal.toml").write_text(PORTAL_TOML, encoding="utf-8")
    shutil.copytree(ROOT / "datasets" / "schemas", datasets / "schemas")
    (datasets / "reference" / "agencies.csv").write_text(AGENCIES_CSV, encoding="utf-8")
    (datasets / "reference" / "services.csv").write_text(SERVICES_CSV, encoding="utf-8")
    (datasets / "receipts.csv").write_text("file,sha256,received_at\n", encoding="utf-8")
    return Fixture(datasets, tmp_path / "output")


# --- rows as an agency writes them (text cells) ------------------------------------------------

def agenda(aid: str, status: str, day: str, **kw: str) -> dict[str, str]:
    """An agenda of disdukcapil with dpmptsp (override any column)."""
    return {"agenda_id": aid, "date": day, "start_time": "09:00", "end_time": "", "title": f"Rapat {aid}",
            "type": "coordination", "participants": "disdukcapil;dpmptsp", "location": "", "status": status,
            "summary": "", "minutes_url": "", **kw}


def decision(did: str, status: str, due: str, done: str = "", step: str = "Tindak", **kw: str) -> dict[str, str]:
    """A decision of 20 September 2026 taken at agenda A-1, disdukcapil responsible."""
    return {"decision_id": did, "date": "2026-09-20", "agenda_id": "A-1", "title": f"Keputusan {did}",
            "description": "", "responsible": "disdukcapil", "follow_up": step, "due_date": due, "status": status,
            "completed_on": done, "evidence_url": "", **kw}


def perf_row(period: str, agency: str, service: str, u: list[str] | None = None, **kw: str) -> dict[str, str]:
    """A performance row: 100 received, 90 completed, 80 within the standard; surveyed (30) when ``u`` is given."""
    row = {
        "period": period, "agency_code": agency, "service_code": service, "applications_received": "100",
        "applications_completed": "90", "completed_within_standard": "80", "avg_wait_minutes": "12.5",
        "avg_service_minutes": "", "complaints_received": "2", "complaints_resolved": "2",
        "survey_respondents": "30" if u else "", "notes": "",
    }
    for i in range(1, 10):
        row[f"u{i}"] = u[i - 1] if u else ""
    row.update(kw)
    return row


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def update_store(fx: Fixture, now: str, day: date = date(2026, 11, 28)) -> tuple[Any, Any]:
    """Validate the datasets folder for real, then one store update and commit as publish does them.

    Returns the reloaded store and the changes.
    """
    from pipeline.store import Store
    from pipeline.store.receipts import load_receipts
    from pipeline.validate import validate_datasets

    portal = fx.portal
    store = Store.load(fx.output / "store")
    reports = validate_datasets(portal, store.previous_agenda_ids)
    receipts = load_receipts(fx.datasets / "receipts.csv", portal.tz)
    new, changes = store.update(reports, lambda f: (fx.datasets / f).read_bytes(),
                                receipts, {"agencies": "a", "services": "s"}, now, day)
    new.commit()
    return Store.load(fx.output / "store"), changes


def digest_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths ``treehash`` reads and hashes from now on (the real read, each path listed)."""
    read: list[str] = []
    real = treehash._read

    def counted(path: str) -> tuple[str, list[int], list[int]]:
        read.append(path)
        return real(path)

    monkeypatch.setattr(treehash, "_read", counted)
    return read
