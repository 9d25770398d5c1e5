"""Small fixture datasets for the publish tests, with stand-ins for the validate stage."""

from __future__ import annotations

import hashlib
import shutil
import sys
import types
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.core.config import Portal, load_portal
from pipeline.core.models import FileReport, Message, Problem
from pipeline.core.records import Agency, Service

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
AGENCIES: list[dict[str, Any]] = [
    {"agency_code": "dpmptsp", "name": "DPMPTSP", "name_en": None, "sector": "regional-government",
     "counter": "1", "joined_on": None, "website": None, "active": True},
    {"agency_code": "disdukcapil", "name": "Disdukcapil <Kota>", "name_en": "Civil registry",
     "sector": "regional-government", "counter": "2", "joined_on": date(2026, 9, 15),
     "website": "https://dukcapil.example.go.id", "active": True},
    {"agency_code": "bank-x", "name": "Bank X", "name_en": None, "sector": "private",
     "counter": None, "joined_on": None, "website": None, "active": False},
]
SERVICES: list[dict[str, Any]] = [
    {"service_code": "ktp", "agency_code": "disdukcapil", "name": "KTP-el",
     "standard_time": "1 hari kerja", "fee_idr": 0, "requirements": None, "legal_basis": None},
    {"service_code": "izin", "agency_code": "dpmptsp", "name": "Izin usaha",
     "standard_time": "3 hari kerja", "fee_idr": 0, "requirements": "KTP", "legal_basis": None},
]


@dataclass
class Reference:
    """Stand-in for pipeline.validate.reference.Reference."""

    agencies: dict[str, Agency]
    services: dict[str, Service]


@dataclass
class Fixture:
    """A datasets folder in tmp_path plus the reports the fake validator returns."""

    datasets: Path
    output: Path
    reports: dict[str, FileReport] = field(default_factory=dict)
    agencies: list[dict[str, Any]] = field(default_factory=lambda: [dict(a) for a in AGENCIES])
    calls: list[Any] = field(default_factory=list)

    @property
    def portal(self) -> Portal:
        return load_portal(self.datasets, self.output)

    def put(self, period: str, agency: str, table: str, rows: list[dict[str, Any]],
            status: str = "accepted", errors: list[Problem] | None = None,
            warnings: list[Problem] | None = None, content: bytes | None = None) -> FileReport:
        """Write a submitted file and the report the validator gives it."""
        rel = f"submissions/{period}/{agency}/{table}.csv"
        data = content if content is not None else repr(rows).encode("utf-8")
        path = self.datasets / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        report = FileReport(rel, period, agency, table, status, errors or [], warnings or [],
                            hashlib.sha256(data).hexdigest(), rows)
        self.reports[rel] = report
        return report

    def remove(self, period: str, agency: str, table: str) -> None:
        rel = f"submissions/{period}/{agency}/{table}.csv"
        (self.datasets / rel).unlink()
        del self.reports[rel]

    def receipt(self, rel: str, sha256: str, when: str) -> None:
        with (self.datasets / "receipts.csv").open("a", encoding="utf-8") as fh:
            fh.write(f"{rel},{sha256},{when}\n")

    def validate_datasets(self, portal: Portal, previous_agenda_ids: Any = None, cache: Any = None) -> list[FileReport]:
        self.calls.append(previous_agenda_ids)
        return [self.reports[k] for k in sorted(self.reports)]

    def load_reference(self, portal: Portal) -> Reference:
        return Reference({a["agency_code"]: Agency(**a) for a in self.agencies},
                         {s["service_code"]: Service(**s) for s in SERVICES})


def make_fixture(tmp_path: Path) -> Fixture:
    """A datasets folder with portal.toml, the project's schemas and small reference tables."""
    datasets = tmp_path / "datasets"
    (datasets / "reference").mkdir(parents=True)
    (datasets / "portal.toml").write_text(PORTAL_TOML, encoding="utf-8")
    shutil.copytree(ROOT / "datasets" / "schemas", datasets / "schemas")
    (datasets / "reference" / "agencies.csv").write_text("agency_code\nstand-in\n", encoding="utf-8")
    (datasets / "reference" / "services.csv").write_text("service_code\nstand-in\n", encoding="utf-8")
    (datasets / "receipts.csv").write_text("file,sha256,received_at\n", encoding="utf-8")
    return Fixture(datasets, tmp_path / "output")


def install_fakes(fixture: Fixture, monkeypatch: Any) -> None:
    """Route publish's validate stage (files and reference tables) to the fixture."""
    import pipeline.validate as real
    import pipeline.validate.report_text  # noqa: F401 - loaded under the real package, not the stand-in
    from pipeline.validate.cache import ValidationCache

    validate = types.ModuleType("pipeline.validate")
    validate.__path__ = real.__path__  # its other modules (the summary text) stay importable
    # A bare module holds only what publish imports from the stage; mypy knows no such attributes.
    validate.validate_datasets = fixture.validate_datasets  # type: ignore[attr-defined]
    validate.load_reference = fixture.load_reference  # type: ignore[attr-defined]
    validate.ValidationCache = ValidationCache  # type: ignore[attr-defined]  # real: kept judgements unused by the fake
    monkeypatch.setitem(sys.modules, "pipeline.validate", validate)


def problem(code: str, row: int, field_name: str, value: str, cell: str) -> Problem:
    """A problem as the validator reports it."""
    return Problem(code, Message(f"Perbaiki {field_name}", f"Fix {field_name}"), row, field_name,
                   value, cell)


def perf_row(period: str, agency: str, service: str, u: list[str] | None = None) -> dict[str, Any]:
    """A typed performance row."""
    from decimal import Decimal

    row: dict[str, Any] = {
        "period": period, "agency_code": agency, "service_code": service,
        "applications_received": 100, "applications_completed": 90, "completed_within_standard": 80,
        "avg_wait_minutes": Decimal("12.5"), "avg_service_minutes": None, "complaints_received": 2,
        "complaints_resolved": 2, "survey_respondents": 30 if u else None, "notes": None,
    }
    for i in range(1, 10):
        row[f"u{i}"] = Decimal(u[i - 1]) if u else None
    return row


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def update_store(fx: Fixture, now: str, day: date = date(2026, 11, 28)) -> tuple[Any, Any]:
    """One store update and commit, as publish does it; returns the reloaded store and changes."""
    from pipeline.store import Store
    from pipeline.store.receipts import load_receipts

    store = Store.load(fx.output / "store")
    receipts = load_receipts(fx.datasets / "receipts.csv", fx.portal.tz)
    new, changes = store.update(fx.validate_datasets(fx.portal), lambda f: (fx.datasets / f).read_bytes(),
                                receipts, {"agencies": "a", "services": "s"}, now, day)
    new.commit()
    return Store.load(fx.output / "store"), changes
