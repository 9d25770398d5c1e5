"""CKAN dataset names and titles carry the city (issue 12), and a portal pushed under the old names is not doubled."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import ckan_fixture
import ckanapi
import pytest
from ckan_support import Site

from pipeline.ckan.mapping import load_local
from pipeline.core.config import load_portal
from pipeline.core.errors import PushError


def test_names_default_to_mpp_and_the_city_and_titles_name_the_mall(tmp_path: Path) -> None:
    datasets, output = ckan_fixture.make_site(tmp_path, "dpmptsp")
    toml = datasets / "portal.toml"
    toml.write_text("\n".join(line for line in toml.read_text().splitlines()
                              if not line.startswith("dataset_prefix")) + "\n", encoding="utf-8")
    local = {ds.table: ds for ds in load_local(load_portal(datasets, output))}
    # organization "dpmptsp" says nothing of the city; the names still do
    assert {t: ds.name for t, ds in local.items()} == {
        "agendas": "mpp-kota-uji-agendas", "decision_history": "mpp-kota-uji-decision-history",
        "agencies": "mpp-kota-uji-agencies"}
    assert local["decision_history"].fields["title"] == \
        "Riwayat keputusan MPP Kota Uji / Decision history, MPP Kota Uji"
    assert local["decision_history"].fields["extras"]["title_en"] == "Decision history, MPP Kota Uji"


def test_a_push_under_new_names_stops_when_the_old_names_exist(site: Site, admin: ckanapi.RemoteCKAN) -> None:
    site.push()  # the fixture keeps the old names: <organization>-<table>
    assert admin.action.package_show(id=f"{site.org}-agendas")["name"] == f"{site.org}-agendas"
    renamed = dataclasses.replace(site.portal, ckan=dataclasses.replace(site.portal.ckan,
                                                                        dataset_prefix=f"{site.org}-kota-uji"))
    with pytest.raises(PushError) as err:
        Site(renamed, site.root).push()
    text = str(err.value)
    assert f"{site.org}-agendas" in text and f'dataset_prefix = "{site.org}"' in text
    assert "dataset ganda" in text and "nothing is doubled" in text
    with pytest.raises(ckanapi.NotFound):  # nothing was created beside the old datasets
        admin.action.package_show(id=f"{site.org}-kota-uji-agendas")
    plan, _ = site.push()  # with the old prefix kept, the push goes on as before
    assert plan.write_calls() == 0
