"""A small published output (the contract's tables) for fast unit tests of the site stage."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

PORTAL_TOML = """\
name = "Mal Pelayanan Publik Kota Contoh"
name_en = "Public Service Mall of Contoh City"
city = "Kota Contoh"
organizer = "dpmptsp"
languages = ["id", "en"]
licence_id = "CC-BY-4.0"
licence_title = "Creative Commons Attribution 4.0"
licence_url = "https://creativecommons.org/licenses/by/4.0/"
deadline_day = 10
timezone = "Asia/Jakarta"
site_url = "https://data.mpp.contoh.go.id"
publisher = "DPMPTSP Kota Contoh"
contact_email = "data@mpp.contoh.go.id"

[ckan]
organization = "mpp-contoh"
"""

U = ["3.4"] * 9
TABLES: dict[str, tuple[list[tuple[str, str]], list[list[str]]]] = {
    "agencies": (
        [("agency_code", "string"), ("name", "string"), ("name_en", "string"), ("sector", "string"),
         ("counter", "string"), ("joined_on", "date"), ("website", "string"), ("active", "boolean")],
        [["dpmptsp", "Dinas Penanaman Modal dan PTSP", "Investment and One-Stop Service Office",
          "regional-government", "1", "2025-01-02", "https://dpmptsp.contoh.go.id", "true"],
         ["disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "Population and Civil Registry Office",
          "regional-government", "2", "2025-01-02", "javascript:alert(1)", "true"],
         ["bpjs-kes", "BPJS Kesehatan", "", "state-enterprise", "5", "2025-03-01", "", "true"]],
    ),
    "services": (
        [("service_code", "string"), ("agency_code", "string"), ("name", "string"), ("standard_time", "string"),
         ("fee_idr", "integer"), ("requirements", "string"), ("legal_basis", "string")],
        [["ktp-el", "disdukcapil", "Perekaman KTP-el", "15 menit", "0", "Kartu Keluarga", ""],
         ["akta-lahir", "disdukcapil", "Akta kelahiran", "1 hari kerja", "0", "", ""],
         ["nib", "dpmptsp", "Nomor Induk Berusaha", "1 hari kerja", "0", "", ""],
         ["bpjs-daftar", "bpjs-kes", "Pendaftaran peserta", "30 menit", "25000", "", ""]],
    ),
    "performance": (
        [("period", "string"), ("agency_code", "string"), ("service_code", "string"),
         ("applications_received", "integer"), ("applications_completed", "integer"),
         ("completed_within_standard", "integer"), ("avg_wait_minutes", "number"),
         ("avg_service_minutes", "number"), ("complaints_received", "integer"),
         ("complaints_resolved", "integer"), ("survey_respondents", "integer"),
         *[(f"u{i}", "number") for i in range(1, 10)], ("notes", "string"), ("ikm", "number"),
         ("ikm_grade", "string")],
        [[p, a, s, str(100 + k), str(90 + k), str(80 + k), "12.5", "9", "3", "2", "40", *U, "", "85", "B"]
         for k, p in enumerate(["2026-08", "2026-09", "2026-10"])
         for a, s in [("disdukcapil", "ktp-el"), ("disdukcapil", "akta-lahir"), ("dpmptsp", "nib")]],
    ),
    "agency_ikm": (
        [("period", "string"), ("agency_code", "string"), ("services_reported", "integer"),
         ("services_surveyed", "integer"), ("survey_respondents", "integer"), ("ikm", "number"),
         ("ikm_grade", "string")],
        [[p, a, n, n, str(40 * int(n)), "85", "B"] for p in ["2026-08", "2026-09", "2026-10"]
         for a, n in [("disdukcapil", "2"), ("dpmptsp", "1")]],
    ),
    "agendas": (
        [("agenda_id", "string"), ("date", "date"), ("start_time", "time"), ("end_time", "time"),
         ("title", "string"), ("type", "string"), ("participants", "string"), ("location", "string"),
         ("status", "string"), ("summary", "string"), ("minutes_url", "string"), ("agency_code", "string"),
         ("period", "string")],
        [["RK-2026-09", "2026-09-15", "09:00", "11:00", "Rapat koordinasi layanan", "coordination",
          "dpmptsp;disdukcapil", "Ruang rapat MPP", "held",
          "Dibahas **antrean**. <script>alert(1)</script> [x](javascript:alert(1))", "https://dpmptsp.contoh.go.id/notulen",
          "dpmptsp", "2026-09"],
         ["FKP-12", "2026-12-03", "13:00", "", "Forum konsultasi publik", "public-consultation",
          "disdukcapil", "Aula", "planned", "", "", "disdukcapil", "2026-10"]],
    ),
    "agenda_history": (
        [("agency_code", "string"), ("agenda_id", "string"), ("period", "string"), ("date", "date"),
         ("start_time", "time"), ("location", "string"), ("status", "string"), ("title", "string")],
        [["disdukcapil", "FKP-12", "2026-08", "2026-11-26", "09:00", "Ruang rapat", "planned", "Forum konsultasi"],
         ["disdukcapil", "FKP-12", "2026-10", "2026-12-03", "13:00", "Aula", "planned", "Forum konsultasi publik"],
         ["dpmptsp", "RK-2026-09", "2026-09", "2026-09-15", "09:00", "Ruang rapat MPP", "held",
          "Rapat koordinasi layanan"]],
    ),
    "decisions": (
        [("decision_id", "string"), ("date", "date"), ("agenda_id", "string"), ("title", "string"),
         ("description", "string"), ("responsible", "string"), ("follow_up", "string"), ("due_date", "date"),
         ("status", "string"), ("completed_on", "date"), ("evidence_url", "string"), ("agency_code", "string"),
         ("period", "string"), ("overdue", "boolean")],
        [["K-01", "2026-09-15", "RK-2026-09", "Tambah loket KTP-el", "Loket **ketiga**.", "disdukcapil",
          "Menyiapkan petugas", "2026-10-31", "in-progress", "", "", "dpmptsp", "2026-10", "true"],
         ["K-02", "2026-09-15", "RK-2026-09", "Papan informasi", "", "dpmptsp", "Memasang papan",
          "2026-12-31", "done", "2026-10-20", "https://dpmptsp.contoh.go.id/bukti", "dpmptsp", "2026-10", "false"]],
    ),
    "decision_history": (
        [("agency_code", "string"), ("decision_id", "string"), ("period", "string"), ("status", "string"),
         ("follow_up", "string"), ("completed_on", "date")],
        [["dpmptsp", "K-01", "2026-09", "open", "Menyiapkan petugas", ""],
         ["dpmptsp", "K-01", "2026-10", "in-progress", "Menyiapkan petugas", ""],
         ["dpmptsp", "K-02", "2026-09", "open", "Memasang papan", ""],
         ["dpmptsp", "K-02", "2026-10", "done", "Memasang papan", "2026-10-20"]],
    ),
    "submissions": (
        [("period", "string"), ("agency_code", "string"), ("table", "string"), ("status", "string"),
         ("received_at", "datetime"), ("on_time", "boolean"), ("revision", "integer"), ("errors", "integer"),
         ("warnings", "integer"), ("sha256", "string")],
        [[p, a, t, st, "" if st == "missing" else f"{p}-28T09:00:00+07:00", "" if st == "missing" else ot,
          "" if st == "missing" else "1", "2" if st == "rejected" else "0", "0", "" if st == "missing" else "ab" * 32]
         for p in ["2026-08", "2026-09", "2026-10"] for a in ["bpjs-kes", "disdukcapil", "dpmptsp"]
         for t in ["agendas", "decisions", "performance"]
         for st, ot in [("missing" if a == "bpjs-kes" else "rejected" if (p, t) == ("2026-09", "agendas")
                         else "accepted", "false" if p == "2026-10" and a == "dpmptsp" else "true")]],
    ),
    "indicators": (
        [("indicator", "string"), ("group", "string"), ("scope_type", "string"), ("scope", "string"),
         ("period_type", "string"), ("period", "string"), ("complete", "boolean"), ("value", "number"),
         ("unit", "string"), ("direction", "string"), ("numerator", "number"), ("denominator", "integer"),
         ("agencies_covered", "integer"), ("agencies_expected", "integer"), ("target", "number"),
         ("target_met", "boolean"), ("gaps", "string")],
        [["files-on-time", "discipline", "mall", "mall", "month", "2026-10", "true", "66.67", "percent", "higher",
          "6", "9", "3", "3", "90", "false", "bpjs-kes:missing:2026-10"],
         ["files-on-time", "discipline", "mall", "mall", "quarter", "2026-Q3", "false", "50", "percent",
          "higher", "9", "18", "3", "3", "90", "false", "bpjs-kes:missing:2026-08;bpjs-kes:missing:2026-09"],
         *[["applications", "service", "mall", "mall", "month", p, "true", str(n), "count", "neutral", "", "", "2",
            "3", "", "", f"bpjs-kes:missing:{p}"] for p, n in (("2026-09", 303), ("2026-10", 306))]],
    ),
}


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    """CSV bytes as the publish stage writes them (LF, comma)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_fixture(root: Path) -> tuple[Path, Path]:
    """Write datasets/portal.toml and output/{data,feedback,templates}; return (datasets, output)."""
    datasets, output = root / "datasets", root / "output"
    datasets.mkdir(parents=True)
    (datasets / "portal.toml").write_text(PORTAL_TOML, encoding="utf-8")
    data = output / "data"
    data.mkdir(parents=True)
    resources = []
    for name, (fields, rows) in TABLES.items():
        header = [f for f, _ in fields]
        body = _csv(header, rows)
        (data / f"{name}.csv").write_bytes(body)
        (data / f"{name}.json").write_text(json.dumps([dict(zip(header, r)) for r in rows]), encoding="utf-8")
        resources.append({
            "name": name, "path": f"{name}.csv", "title": f"Tabel {name}", "title_en": f"Table {name}",
            "description": "Keterangan", "description_en": "Description", "bytes": len(body),
            "hash": "sha256:" + hashlib.sha256(body).hexdigest(),
            "schema": {"fields": [{"name": f, "type": t, "title": f, "title_en": f, "description": f"Isi {f}",
                                   "description_en": f"The {f}"} for f, t in fields]},
        })
    (data / "datapackage.json").write_text(json.dumps({"name": "mpp", "resources": resources}), encoding="utf-8")
    (data / "datapackage.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (data / "changelog.json").write_text(json.dumps([
        {"date": "2026-11-12", "changes": [{"table": "performance", "period": "2026-10", "agency_code": "dpmptsp",
                                            "change": "added"}]}]), encoding="utf-8")
    # As the publish stage writes them: a month page per agency of the submissions table, a page
    # per received file (bpjs-kes sent nothing).
    for period in ["2026-08", "2026-09", "2026-10"]:
        for agency in ["bpjs-kes", "disdukcapil", "dpmptsp"]:
            folder = output / "feedback" / period / agency
            folder.mkdir(parents=True)
            (folder / "index.html").write_text("<!doctype html><title>x</title><p>ringkasan", encoding="utf-8")
            for table in ["agendas", "decisions", "performance"] if agency != "bpjs-kes" else []:
                (folder / f"{table}.html").write_text("<!doctype html><title>x</title><p>umpan balik",
                                                      encoding="utf-8")
    (output / "templates").mkdir()
    for table in ["agendas", "decisions", "performance"]:
        (output / "templates" / f"{table}.csv").write_text("a,b\n", encoding="utf-8")
    return datasets, output
