"""What CKAN should hold: one dataset per published table, computed from <output>/data/ (nothing written)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.config import Portal
from pipeline.core.errors import PushError
from pipeline.core.naming import dataset_name, dataset_title
from pipeline.core.periods import first_day, last_day
from pipeline.core.rowcodec import json_object
from pipeline.core.settings import slug

# Tags per table on top of the common ones; CKAN tags allow letters, digits, space, - _ .
TABLE_TAGS = {
    "agendas": ["agenda", "rapat", "meetings"],
    "agenda_history": ["agenda", "rapat", "riwayat", "meetings"],
    "decisions": ["keputusan", "tindak-lanjut", "decisions"],
    "decision_history": ["keputusan", "riwayat", "decisions"],
    "performance": ["kinerja-layanan", "ikm", "survei-kepuasan-masyarakat", "performance"],
    "agency_ikm": ["ikm", "survei-kepuasan-masyarakat", "instansi", "satisfaction-index"],
    "submissions": ["kepatuhan", "penyampaian-data", "submissions"],
    "agencies": ["instansi", "agencies"],
    "services": ["layanan", "standar-pelayanan", "services"],
    "indicators": ["evaluasi", "indikator", "kolaborasi", "evaluation", "indicators"],
}
COMMON_TAGS = ["mal-pelayanan-publik", "pelayanan-publik", "public-service-mall", "data-terbuka"]
DESCRIPTOR_NAME = "datapackage.json"
# Versioned licence ids (as in portal.toml) -> the ids of CKAN's default licence list,
# used only when the portal's CKAN does not know the exact id.
LICENCE_ALIASES = {
    "cc-by-4.0": "cc-by", "cc-by-sa-4.0": "cc-by-sa", "cc0-1.0": "cc-zero", "cc0": "cc-zero",
    "odbl-1.0": "odc-odbl", "odc-by-1.0": "odc-by", "pddl-1.0": "odc-pddl", "cc-by-nc-4.0": "cc-nc",
}


@dataclass(frozen=True)
class LocalResource:
    """One file to hold in CKAN: its resource name, where it is, and its managed fields."""

    name: str
    path: Path
    fields: dict[str, Any]  # description, format, mimetype, hash, size, schema


@dataclass(frozen=True)
class LocalDataset:
    """One CKAN dataset as the published data says it should be (owner_org added later).

    ``descriptor`` is the table's own Data Package descriptor: its bytes and where the push
    writes them (``<output>/ckan/<table>/datapackage.json``) before anything is uploaded.
    """

    table: str
    name: str
    fields: dict[str, Any]
    resources: tuple[LocalResource, ...]
    descriptor: tuple[Path, bytes]


def licence_for(portal_licence: str, known: set[str] | None) -> str:
    """The portal's licence id as the CKAN at hand knows it (so CKAN shows its title)."""
    if known is None or portal_licence in known:
        return portal_licence
    alias = LICENCE_ALIASES.get(portal_licence.lower())
    return alias if alias in known else portal_licence


def load_local(portal: Portal, licences: set[str] | None = None) -> list[LocalDataset]:
    """Read <output>/data/datapackage.json and describe every table's CKAN dataset.

    Each table's own Data Package descriptor is computed here; the push writes it to
    <output>/ckan/<table>/ (``LocalDataset.descriptor``) so that every uploaded file exists on disk.
    """
    data = portal.output / "data"
    package = _read_package(data / "datapackage.json")
    resources = package.get("resources") or []
    periods = {r["name"]: _periods(data / r["path"]) for r in resources}
    everything = sorted(p for ps in periods.values() for p in ps)
    datasets = []
    for res in resources:
        table = res["name"]
        csv_path, json_path = data / res["path"], data / f"{table}.json"
        for path in (csv_path, json_path):
            if not path.is_file():
                raise PushError(f"{path}: berkas tidak ada / file is missing (jalankan / run: publish)")
        name = dataset_name(portal.ckan.dataset_prefix, table)
        descriptor = _table_descriptor(package, res, name)
        desc_path = portal.output / "ckan" / table / DESCRIPTOR_NAME
        coverage = sorted(periods[table]) or everything
        datasets.append(LocalDataset(
            table=table,
            name=name,
            fields=dataset_fields(portal, res, coverage, licence_for(portal.licence_id, licences)),
            resources=(
                _resource(f"{table}.csv", csv_path, csv_path.read_bytes(), res, "CSV", "text/csv",
                          f"{res['title']} dalam format CSV (UTF-8, dipisah koma).",
                          f"{res['title_en']} as CSV (UTF-8, comma-separated)."),
                _resource(f"{table}.json", json_path, json_path.read_bytes(), res, "JSON", "application/json",
                          f"{res['title']} sebagai larik rekaman JSON dengan tipe data.",
                          f"{res['title_en']} as a JSON array of typed records."),
                _resource(DESCRIPTOR_NAME, desc_path, descriptor, res, "JSON", "application/json",
                          "Deskriptor Frictionless Data Package tabel ini: skema, ukuran, dan "
                          "SHA-256 berkas CSV.",
                          "Frictionless Data Package descriptor of this table: schema, size and "
                          "SHA-256 of the CSV file."),
            ),
            descriptor=(desc_path, descriptor),
        ))
    return datasets


def dataset_fields(portal: Portal, res: dict[str, Any], coverage: list[str], licence: str) -> dict[str, Any]:
    """The dataset metadata this project manages in CKAN (Indonesian first, then English)."""
    table = res["name"]
    page = f"{portal.site_url}/data/{table}/" if portal.site_url else ""
    page_en = f"{portal.site_url}/en/data/{table}/" if portal.site_url else ""
    lines = [res["description"], "", res["description_en"], ""]
    if page:
        lines += [f"Halaman data / Data page: [{page}]({page}) · English: [{page_en}]({page_en})", ""]
    if coverage:
        lines.append(f"Cakupan waktu / Temporal coverage: {coverage[0]} – {coverage[-1]}. "
                     "Diperbarui bulanan / Updated monthly.")
    extras = {
        "title_en": dataset_title(res["title_en"], portal.city, "en"),
        "notes_en": res["description_en"],
        "publisher_name": portal.publisher,
        "contact_email": portal.contact_email,
        "frequency": "monthly",
        "language": ",".join(portal.languages),
        "url_en": page_en,
    }
    if coverage:
        extras["temporal_start"] = first_day(coverage[0]).isoformat()
        extras["temporal_end"] = last_day(coverage[-1]).isoformat()
    return {
        "title": f"{dataset_title(res['title'], portal.city, 'id')} / "
                 f"{dataset_title(res['title_en'], portal.city, 'en')}",
        "notes": "\n".join(lines).strip(),
        "url": page,
        "license_id": licence,
        "author": portal.publisher,
        "author_email": portal.contact_email,
        "maintainer": portal.publisher,
        "maintainer_email": portal.contact_email,
        "private": False,
        "state": "active",
        "tags": sorted(set(COMMON_TAGS + [slug(portal.city)] + TABLE_TAGS.get(table, [slug(table)]))),
        "extras": {k: v for k, v in extras.items() if v},
    }


def _resource(name: str, path: Path, body: bytes, res: dict[str, Any], fmt: str, mimetype: str,
              text_id: str, text_en: str) -> LocalResource:
    """A file with the fields CKAN keeps for it (hash and size of ``body``, the bytes uploaded from ``path``)."""
    return LocalResource(name=name, path=path, fields={
        "description": f"{text_id}\n\n{text_en}",
        "format": fmt,
        "mimetype": mimetype,
        "hash": "sha256:" + hashlib.sha256(body).hexdigest(),
        "size": len(body),
        "schema": res["schema"],
    })


def _read_package(path: Path) -> dict[str, Any]:
    """The published Data Package descriptor, or a PushError saying to publish first."""
    try:
        package = json_object(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PushError(f"{path}: tidak ada, jalankan publish dulu / missing, run publish first") from None
    except (OSError, ValueError) as exc:
        raise PushError(f"{path}: tidak terbaca / unreadable ({exc})") from None
    for res in package.get("resources") or []:
        missing = [k for k in ("name", "path", "schema", "title", "title_en", "description",
                               "description_en") if k not in res]
        if missing:
            raise PushError(f"{path}: sumber daya / resource {res.get('name')!r} tanpa / lacks {missing}")
    return package


def _table_descriptor(package: dict[str, Any], res: dict[str, Any], name: str) -> bytes:
    """A Data Package of this one table: it changes only when this table does."""
    single = {k: v for k, v in package.items() if k != "resources"}
    single["name"] = name
    single["resources"] = [res]
    return (json.dumps(single, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _periods(path: Path) -> set[str]:
    """The ``YYYY-MM`` values of a table's ``period`` column (none if it has no such column)."""
    if not path.is_file():
        return set()
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    if "period" not in (reader.fieldnames or []):
        return set()
    return {row["period"] for row in reader if re.match(r"^\d{4}-\d{2}$", row.get("period") or "")}
