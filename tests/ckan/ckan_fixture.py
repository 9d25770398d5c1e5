"""A small published-output folder (what the publish stage writes) for the push tests.

Three tables keep the CKAN tests fast while covering what matters: a table with a
``period`` column (temporal coverage), one whose name has an underscore (dataset name
mapping), and one without periods (coverage taken from the whole package).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

PORTAL_TOML = """\
name = "Data Terbuka MPP Uji"
name_en = "Test MPP Open Data"
city = "Kota Uji"
organizer = "dpmptsp"
licence_id = "cc-by-4.0"
deadline_day = 10
site_url = "https://data.mpp.example.go.id"
publisher = "Dinas Uji"
contact_email = "data@example.go.id"

[ckan]
url = ""
organization = "{org}"
organization_title = "MPP Uji"
# every test has its own organization; names <organization>-<table> keep the tests apart in one CKAN
dataset_prefix = "{org}"
timeout_seconds = 20
"""

TABLES: dict[str, dict[str, Any]] = {
    "agendas": {
        "title": "Agenda", "title_en": "Agendas",
        "fields": [("agenda_id", "string"), ("agency_code", "string"), ("period", "string"), ("title", "string")],
        "rows": [["A-1", "disdukcapil", "2026-09", "Rapat koordinasi"],
                 ["A-2", "dpmptsp", "2026-10", "Forum konsultasi publik, tahap \"1\""]],
    },
    "decision_history": {
        "title": "Riwayat keputusan", "title_en": "Decision history",
        "fields": [("agency_code", "string"), ("decision_id", "string"), ("period", "string"), ("status", "string")],
        "rows": [["dpmptsp", "K-1", "2026-08", "open"], ["dpmptsp", "K-1", "2026-10", "done"]],
    },
    "agencies": {
        "title": "Instansi", "title_en": "Agencies",
        "fields": [("agency_code", "string"), ("name", "string"), ("active", "boolean")],
        "rows": [["dpmptsp", "Dinas Penanaman Modal dan PTSP", "true"], ["disdukcapil", "Dukcapil", "true"]],
    },
}


def _schema(table: str) -> dict[str, Any]:
    spec = TABLES[table]
    return {
        "fields": [{"name": n, "type": t, "title": n, "description": f"Kolom {n}",
                    "title_en": n, "description_en": f"Column {n}"} for n, t in spec["fields"]],
        "title": spec["title"], "title_en": spec["title_en"],
        "description": f"Tabel {spec['title'].lower()} yang diterbitkan.",
        "description_en": f"The published {spec['title_en'].lower()} table.",
    }


def write_table(data: Path, table: str, rows: list[list[str]]) -> None:
    """Write one table's CSV and JSON and refresh its entry in datapackage.json."""
    spec = TABLES[table]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([n for n, _ in spec["fields"]])
    writer.writerows(rows)
    body = buf.getvalue().encode("utf-8")
    (data / f"{table}.csv").write_bytes(body)
    records = [dict(zip([n for n, _ in spec["fields"]], r)) for r in rows]
    (data / f"{table}.json").write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    package_path = data / "datapackage.json"
    package = json.loads(package_path.read_text()) if package_path.exists() else {
        "name": "mpp-uji", "title": "Data Terbuka MPP Uji", "licenses": [{"name": "cc-by-4.0"}], "resources": []}
    schema = _schema(table)
    entry = {"name": table, "path": f"{table}.csv", "format": "csv", "mediatype": "text/csv",
             "title": schema["title"], "description": schema["description"],
             "title_en": schema["title_en"], "description_en": schema["description_en"],
             "bytes": len(body), "hash": "sha256:" + hashlib.sha256(body).hexdigest(), "schema": schema}
    others = [r for r in package["resources"] if r["name"] != table]
    package["resources"] = sorted(others + [entry], key=lambda r: list(TABLES).index(r["name"]))
    package_path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def make_site(root: Path, org: str) -> tuple[Path, Path]:
    """A datasets folder (portal.toml only) and an output folder with data/ filled in."""
    datasets, output = root / "datasets", root / "output"
    datasets.mkdir(parents=True)
    (datasets / "portal.toml").write_text(PORTAL_TOML.format(org=org), encoding="utf-8")
    (output / "data").mkdir(parents=True)
    for table, spec in TABLES.items():
        write_table(output / "data", table, spec["rows"])
    return datasets, output
