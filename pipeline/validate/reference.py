"""Load the reference tables kept by the data officer (agencies, services), checked.

They are read and checked exactly like agency files (same reader, same frictionless
checks against ``schemas/agencies.json`` and ``schemas/services.json``); any problem is a
configuration error, reported all at once, because every submission is judged against them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from pipeline.core.config import Portal, read_config_file
from pipeline.core.errors import ConfigError
from pipeline.core.models import REFERENCE_TABLES, Problem
from pipeline.core.records import Agency, Service
from pipeline.validate.personal_rules import mask_problem, personal_data_problems
from pipeline.validate.reading import read_file
from pipeline.validate.schemas import CONTRACT, TableSchema, load_schemas
from pipeline.validate.tablecheck import check_table


@dataclass(frozen=True)
class Reference:
    """Agencies and services by code, in file order."""

    agencies: dict[str, Agency]
    services: dict[str, Service]

    def services_of(self, agency_code: str) -> list[str]:
        """Codes of the services an agency provides, in file order."""
        return list(self._services_by_agency.get(agency_code, ()))

    @cached_property
    def _services_by_agency(self) -> dict[str, list[str]]:
        """Service codes by agency, built once (a scan of every service per file added up at city scale)."""
        out: dict[str, list[str]] = {}
        for s in self.services.values():
            out.setdefault(s.agency_code, []).append(s.service_code)
        return out


# Published text of the reference tables where personal data would reach the public.
PERSONAL_DATA_FIELDS = {
    "agencies": ("name", "name_en", "counter", "website", "aliases"),
    "services": ("name", "name_en", "standard_time", "requirements", "legal_basis"),
}
# Checked references by (file bytes, schemas, organizer): a process validating twice reads once.
_CACHE: dict[tuple[Any, ...], Reference] = {}


def load_reference(portal: Portal, schemas: dict[str, TableSchema] | None = None) -> Reference:
    """Read and check reference/agencies.csv and services.csv; ConfigError lists every problem."""
    schemas = schemas or load_schemas(portal.datasets, REFERENCE_TABLES)
    key = (*(_bytes(portal, f"reference/{t}.csv") for t in REFERENCE_TABLES),
           id(schemas["agencies"]), id(schemas["services"]), portal.organizer, portal.public_contact_keys)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _load(portal, schemas)
    return _CACHE[key]


def _bytes(portal: Portal, rel: str) -> bytes | None:
    """A file's bytes, or None when it cannot be read (reported by ``_load``)."""
    try:
        return read_config_file(portal.datasets, rel)
    except (OSError, ConfigError):
        return None


def _load(portal: Portal, schemas: dict[str, TableSchema]) -> Reference:
    """Read, check and cross-check both reference tables."""
    problems: list[str] = []
    agency_rows = _read(portal, "agencies", schemas["agencies"], problems)
    service_rows = _read(portal, "services", schemas["services"], problems)
    agencies = {r["agency_code"]: Agency(**r) for r in agency_rows}
    services = {r["service_code"]: Service(**r) for r in service_rows}
    if not agencies and not problems:
        problems.append("reference/agencies.csv: tidak ada instansi / no agencies listed")
    for service in services.values():
        if service.agency_code is not None and agency_rows and service.agency_code not in agencies:
            problems.append(
                f"reference/services.csv: layanan {service.service_code}: kode instansi "
                f"\"{service.agency_code}\" tidak ada di agencies.csv / agency code not in agencies.csv"
            )
    if agencies and portal.organizer not in agencies:
        problems.append(
            f"portal.toml: organizer \"{portal.organizer}\" tidak ada di reference/agencies.csv"
            " / is not in reference/agencies.csv"
        )
    if problems:
        raise ConfigError(problems)
    return Reference(agencies=agencies, services=services)


def _read(portal: Portal, table: str, schema: TableSchema, problems: list[str]) -> list[dict[str, Any]]:
    """Rows of one reference table, typed; problems are appended as text."""
    name = f"reference/{table}.csv"
    # The officer's own tables may be larger than an agency's monthly file.
    limits = replace(portal.limits, max_file_mb=max(portal.limits.max_file_mb, 50.0))
    try:
        sheet = read_file(portal.datasets, name, "csv", table, limits)
    except FileNotFoundError:
        problems.append(f"{name}: berkas tidak ada / file is missing")
        return []
    except OSError as exc:  # a link, a FIFO, a device, a folder: named, never read
        problems.append(f"{exc.filename or name}: {exc.strerror or exc}")
        return []
    found = list(sheet.errors)
    rows: list[dict[str, Any]] = []
    if sheet.readable:
        checked = check_table(sheet, schema)
        found += checked.errors
        # Published as they are: personal data here would reach the site, the data and CKAN.
        found += personal_data_problems(checked, portal.public_contact_keys, PERSONAL_DATA_FIELDS[table])
        rows = [{k: row.get(k) for k in CONTRACT[table]} for row in checked.rows]
    problems.extend(_describe(name, p) for p in found)
    return rows


def _describe(name: str, p: Problem) -> str:
    """One problem as a line of the configuration error (personal data masked)."""
    p = mask_problem(p)
    where = name + (f" baris/row {p.row}" if p.row else "") + (f", {p.field}" if p.field else "")
    return f"{where}: {p.message.id} / {p.message.en}"
