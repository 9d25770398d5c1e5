"""The push against a real CKAN 2.11: mapping, byte-identical files, idempotence, changes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import ckan_fixture
import ckanapi
import pytest
import requests
from ckan_support import Site, make_site

TABLES = list(ckan_fixture.TABLES)


def _files(site: Site, table: str) -> dict[str, Path]:
    """The local file behind each resource name of a table's dataset."""
    return {f"{table}.csv": site.data / f"{table}.csv", f"{table}.json": site.data / f"{table}.json",
            "datapackage.json": site.portal.output / "ckan" / table / "datapackage.json"}


def _state(admin: ckanapi.RemoteCKAN, site: Site) -> dict[str, Any]:
    """Every dataset of the site's organization as CKAN shows it, by name."""
    return {f"{site.org}-{t.replace('_', '-')}": admin.action.package_show(id=f"{site.org}-{t.replace('_', '-')}")
            for t in TABLES}


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory, ckan_server: Any) -> tuple[Site, str]:
    """One site pushed once, shared by the read-only checks below."""
    os.environ["CKAN_API_TOKEN"] = ckan_server.token
    try:
        site = make_site(tmp_path_factory.mktemp("pushed"), ckan_server.url)
        _plan, out = site.push()
    finally:
        del os.environ["CKAN_API_TOKEN"]
    return site, out


def test_first_push_creates_organization_and_mapped_datasets(pushed: tuple[Site, str],
                                                             admin: ckanapi.RemoteCKAN) -> None:
    site, out = pushed
    assert "panggilan tulis / write calls: 13" in out  # 1 organization + 3 datasets + 9 resources
    org = admin.action.organization_show(id=site.org)
    assert org["title"] == "MPP Uji"
    agendas = admin.action.package_show(id=f"{site.org}-agendas")
    assert agendas["title"] == "Agenda MPP Kota Uji / Agendas, MPP Kota Uji"  # the mall named (issue 12)
    assert agendas["owner_org"] == org["id"]
    assert "Tabel agenda yang diterbitkan." in agendas["notes"]
    assert "The published agendas table." in agendas["notes"]
    assert agendas["url"] == "https://data.mpp.example.go.id/data/agendas/"
    assert agendas["license_id"] == "cc-by"  # cc-by-4.0 as CKAN's own licence list names it
    assert agendas["author"] == "Dinas Uji" and agendas["maintainer_email"] == "data@example.go.id"
    assert {"mal-pelayanan-publik", "kota-uji", "agenda"} <= {t["name"] for t in agendas["tags"]}
    extras = {e["key"]: e["value"] for e in agendas["extras"]}
    assert extras["frequency"] == "monthly"
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2026-09-01", "2026-10-31")
    assert extras["title_en"] == "Agendas, MPP Kota Uji"
    assert extras["url_en"] == "https://data.mpp.example.go.id/en/data/agendas/"
    # A table without periods is covered by the span of the whole package.
    agencies = admin.action.package_show(id=f"{site.org}-agencies")
    extras = {e["key"]: e["value"] for e in agencies["extras"]}
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2026-08-01", "2026-10-31")
    assert admin.action.package_show(id=f"{site.org}-decision-history")["name"] == f"{site.org}-decision-history"


def test_resources_carry_schema_size_hash_and_download_byte_identical(pushed: tuple[Site, str],
                                                                      admin: ckanapi.RemoteCKAN) -> None:
    site, _ = pushed
    package = json.loads((site.data / "datapackage.json").read_text())
    schemas = {r["name"]: r["schema"] for r in package["resources"]}
    for table in TABLES:
        pkg = admin.action.package_show(id=f"{site.org}-{table.replace('_', '-')}")
        files = _files(site, table)
        assert [r["name"] for r in pkg["resources"]] == list(files)
        for res in pkg["resources"]:
            body = files[res["name"]].read_bytes()
            assert res["schema"] == schemas[table]  # a JSON object, not text
            assert res["hash"] == "sha256:" + hashlib.sha256(body).hexdigest()
            assert res["size"] == len(body) and res["url_type"] == "upload"
            assert requests.get(res["url"], timeout=10).content == body
    descriptor = json.loads(_files(site, "agendas")["datapackage.json"].read_text())
    assert [r["name"] for r in descriptor["resources"]] == ["agendas"]
    assert descriptor["resources"][0]["hash"] == "sha256:" + hashlib.sha256(
        (site.data / "agendas.csv").read_bytes()).hexdigest()


def test_second_push_makes_no_write_calls(site: Site, admin: ckanapi.RemoteCKAN) -> None:
    site.push()
    before = _state(admin, site)
    plan, out = site.push()
    assert plan.write_calls() == 0
    assert "panggilan tulis / write calls: 0" in out
    assert _state(admin, site) == before  # metadata_modified included


def test_changed_table_updates_only_its_resources(site: Site, admin: ckanapi.RemoteCKAN) -> None:
    site.push()
    before = _state(admin, site)
    rows = ckan_fixture.TABLES["agendas"]["rows"] + [["A-3", "dpmptsp", "2026-10", "Monitoring"]]
    ckan_fixture.write_table(site.data, "agendas", rows)
    plan, out = site.push()
    assert "panggilan tulis / write calls: 3" in out
    agendas_plan = next(d for d in plan.datasets if d.table == "agendas")
    assert agendas_plan.action == "unchanged"  # same periods, so same metadata
    assert [(r.name, r.action, r.upload) for r in agendas_plan.resources] == [
        ("agendas.csv", "update", True), ("agendas.json", "update", True), ("datapackage.json", "update", True)]
    after = _state(admin, site)
    name = f"{site.org}-agendas"
    for other in set(after) - {name}:
        assert after[other] == before[other]
    assert [r["id"] for r in after[name]["resources"]] == [r["id"] for r in before[name]["resources"]]
    csv = next(r for r in after[name]["resources"] if r["name"] == "agendas.csv")
    assert requests.get(csv["url"], timeout=10).content == (site.data / "agendas.csv").read_bytes()
    assert site.push()[0].write_calls() == 0


def test_dry_run_writes_nothing_and_saves_the_plan(site: Site, admin: ckanapi.RemoteCKAN) -> None:
    _, out = site.push(dry_run=True)
    with pytest.raises(ckanapi.NotFound):
        admin.action.organization_show(id=site.org)
    saved = json.loads((site.portal.output / "ckan-plan.json").read_text())
    assert saved["organization"] == {"name": site.org, "action": "create"}
    assert saved["write_calls"] == 13 and "token" not in json.dumps(saved).lower()
    assert saved["counts"]["datasets"] == {"create": 3, "update": 0, "unchanged": 0}
    assert f"create    dataset {site.org}-decision-history" in out
    site.push()
    ckan_fixture.write_table(site.data, "agencies", [["dpmptsp", "Dinas PMPTSP", "true"]])
    before = _state(admin, site)
    site.push(dry_run=True)
    assert _state(admin, site) == before
    saved = json.loads((site.portal.output / "ckan-plan.json").read_text())
    agencies = next(d for d in saved["datasets"] if d["table"] == "agencies")
    assert agencies["resources"][0] == {"name": "agencies.csv", "action": "update", "upload": True,
                                        "changes": ["hash", "size"], "remote_id": before[f"{site.org}-agencies"]
                                        ["resources"][0]["id"]}
    assert saved["write_calls"] == 3
