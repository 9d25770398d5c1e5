"""Contract revision 2 in the reference tables: agencies' ``aliases`` and services' ``name_en``.

Read, checked (personal data included), published with their schemas; files of revision 1,
without the new columns, stay valid.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date

import pytest
from validate_helpers import REPO, make_datasets

from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError
from pipeline.publish.datapackage import data_files
from pipeline.publish.tables import build_tables
from pipeline.store import Store
from pipeline.validate.reference import load_reference

AGENCIES = (
    "agency_code,name,name_en,sector,counter,joined_on,website,active,aliases\n"
    "disdukcapil,Dinas Kependudukan dan Pencatatan Sipil,Population Office,regional-government,A-01,"
    "2024-01-15,,true,dukcapil; capil\n"
    "dpmptsp,Dinas Penanaman Modal dan PTSP,,regional-government,A-02,,,true,\n"
    "bpjs-kesehatan,BPJS Kesehatan,,state-enterprise,B-01,,,true,\n"
    "kantor-pajak,Kantor Pelayanan Pajak Pratama,,central-government,C-01,,,true,\n"
)
SERVICES = (
    "service_code,agency_code,name,name_en,standard_time,fee_idr,requirements,legal_basis\n"
    "ktp-el,disdukcapil,Penerbitan KTP-el,Electronic identity card,1 hari kerja,0,,\n"
    "kk,disdukcapil,Penerbitan Kartu Keluarga,,1 hari kerja,0,,\n"
)


def _datasets(tmp_path, agencies: str | None = None, services: str | None = None):
    ds = make_datasets(tmp_path)
    if agencies is not None:
        (ds / "reference" / "agencies.csv").write_text(agencies, encoding="utf-8")
    if services is not None:
        (ds / "reference" / "services.csv").write_text(services, encoding="utf-8")
    return ds


def test_revision_one_tables_without_the_new_columns_stay_valid(tmp_path):
    ds = _datasets(tmp_path)
    header = (ds / "reference" / "agencies.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "aliases" not in header  # the fixture is a revision-1 table
    ref = load_reference(load_portal(ds, tmp_path / "out"))
    assert ref.agencies["disdukcapil"].aliases is None
    assert ref.agencies["disdukcapil"].alias_list == ()
    assert ref.services["ktp-el"].name_en is None


def test_aliases_and_english_service_names_are_read(tmp_path):
    ref = load_reference(load_portal(_datasets(tmp_path, AGENCIES, SERVICES), tmp_path / "out"))
    assert ref.agencies["disdukcapil"].alias_list == ("dukcapil", "capil")
    assert ref.agencies["dpmptsp"].alias_list == ()
    assert ref.services["ktp-el"].name_en == "Electronic identity card"
    assert ref.services["kk"].name_en is None


@pytest.mark.parametrize("table, text", [
    ("agencies", AGENCIES.replace("dukcapil; capil", "dukcapil;kontak budi@example.com")),
    ("services", SERVICES.replace("Electronic identity card", "Call 0812-3456-7890")),
])
def test_personal_data_in_the_new_columns_stops_the_run(tmp_path, table, text):
    ds = _datasets(tmp_path, **{table: text})
    with pytest.raises(ConfigError) as err:
        load_reference(load_portal(ds, tmp_path / "out"))
    problems = " ".join(err.value.problems)
    field = "aliases" if table == "agencies" else "name_en"
    assert f"reference/{table}.csv" in problems and field in problems
    assert "budi@example.com" not in problems and "0812-3456-7890" not in problems  # masked


def test_the_new_columns_are_published_with_their_schemas(tmp_path):
    ds = _datasets(tmp_path, AGENCIES, SERVICES)
    shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    portal = load_portal(ds, tmp_path / "out")
    ref = load_reference(portal)
    tables = build_tables(Store.load(tmp_path / "store"), ref.agencies.values(), ref.services.values(),
                          date(2026, 11, 28), 10, portal.tz)
    folder = tmp_path / "data"
    folder.mkdir()
    data_files(portal, tables, b"[]", folder)
    files = {name: (folder / name).read_bytes() for name in ("agencies.csv", "services.csv")}
    agencies = list(csv.DictReader(io.StringIO(files["agencies.csv"].decode("utf-8"))))
    assert {a["agency_code"]: a["aliases"] for a in agencies}["disdukcapil"] == "dukcapil; capil"
    services = list(csv.DictReader(io.StringIO(files["services.csv"].decode("utf-8"))))
    assert {s["service_code"]: s["name_en"] for s in services} == {"kk": "", "ktp-el": "Electronic identity card"}

