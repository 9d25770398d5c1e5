"""Groups known by their sources (sources.py): an unchanged group is neither gathered nor keyed.

Each audited family's source holds every record its groups' inputs may be gathered from and the
values they take from the whole data; changing one of those values alone changes the source of every
group of the family. A build takes a group by its source only when the kept key is the live one and
its pages are there; either way the site comes out as a cold build's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.site import build_site, rowcache, sources
from pipeline.site.build import TEMPLATES, kits
from pipeline.site.inputs_text import InputsText
from pipeline.site.loader import load_site_data
from pipeline.site.models import SiteData
from pipeline.site.page import Group, Sourced
from pipeline.site.pages import all_items, group_sources
from tests.site.test_site_groups import name_log
from tests.site.test_site_incremental import (
    AS_OF,
    _decision_done,
    _rename_agency,
    assert_same_site,
    built_fixture,
    cold_copy,
    edit_csv,
)

FAMILIES = ("agencies/", "agendas/", "decisions/", "reports/")


@pytest.fixture()
def portal(tmp_path: Path) -> Portal:
    """The small published fixture with its site built once (its groups' keys kept by their sources)."""
    return built_fixture(tmp_path / "live")


def _sources(data: SiteData) -> dict[str, str]:
    """Every audited group's source of ``data``."""
    return group_sources(data, InputsText(digests=True).each)


def _groups(data: SiteData) -> set[str]:
    """The names of the audited families' groups of ``data``."""
    data.lookup.group_sources = _sources(data)
    return {item.name for item in all_items(data, kits(TEMPLATES)["id"]) if isinstance(item, Sourced)}


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """The families whose every group's source changed; a family with some groups changed is an error."""
    families = set()
    for family in FAMILIES:
        names = [n for n in before if n.startswith(family)]
        assert names and sorted(names) == sorted(n for n in after if n.startswith(family))
        moved = [n for n in names if before[n] != after[n]]
        assert moved in ([], names), moved
        if moved:
            families.add(family)
    return families


def test_every_audited_family_gives_a_source_to_each_of_its_groups(portal: Portal) -> None:
    data = load_site_data(portal, AS_OF)
    found = _sources(data)
    data.lookup.group_sources = found
    for kit in kits(TEMPLATES).values():
        items = list(all_items(data, kit))
        groups = {item.name for item in items if isinstance(item, Group)}
        sourced = {item.name for item in items if isinstance(item, Sourced)}
        # A source for every group (and perhaps for a code with records but no group of the family).
        assert groups == set() and sourced <= set(found)
        assert {name.split("/")[0] + "/" for name in sourced} == set(FAMILIES)
    assert found == _sources(load_site_data(portal, AS_OF))  # the same data, the same sources


@pytest.mark.parametrize(("value", "families"), [
    ("agencies", set(FAMILIES)),  # every family names agencies
    ("as_of", {"decisions/"}),  # a decision page shows the build date
    ("timezone", {"reports/"}),  # a file page shows when it arrived, in the portal's time zone
    ("deadline_day", {"reports/"}),
    ("chart_periods", {"agencies/"}),  # an agency page's charts
    ("scored", {"agencies/"}),  # an agency page links its scorecard
])
def test_a_shared_value_changed_alone_changes_every_source_of_the_families_showing_it(
        portal: Portal, value: str, families: set[str]) -> None:
    data = load_site_data(portal, AS_OF)
    before = _sources(data)
    if value == "agencies":
        code = next(iter(data.agencies))
        agencies = {**data.agencies, code: dataclasses.replace(data.agencies[code], name="Nama Baru")}
        other = dataclasses.replace(data, agencies=agencies)
    elif value == "as_of":
        other = dataclasses.replace(data, as_of=date_after(data))
        other.lookup.chart_periods = data.lookup.chart_periods  # the build date alone
    elif value in ("timezone", "deadline_day"):
        changed: Any = "Asia/Makassar" if value == "timezone" else data.portal.deadline_day + 1
        other = dataclasses.replace(data, portal=dataclasses.replace(data.portal, **{value: changed}))
    else:
        other = dataclasses.replace(data)
        if value == "chart_periods":
            other.lookup.chart_periods = (*data.lookup.chart_periods, "2099-01")
        else:
            other.lookup.scored = data.lookup.scored ^ {next(iter(data.agencies))}  # one scorecard more or less
    assert _changed(before, _sources(other)) == families


def date_after(data: SiteData) -> Any:
    """The day after the data's build date."""
    return data.as_of.replace(day=data.as_of.day + 1)


def _gathered_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file naming each sourced group gathered."""
    return name_log(tmp_path, monkeypatch, Sourced, "group", "gathered.txt")


def test_only_the_groups_whose_sources_changed_are_gathered(portal: Portal, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert (portal.output / rowcache.FOLDER / sources.FILE_NAME).is_file()
    log = _gathered_log(tmp_path, monkeypatch)
    # K-01 (dpmptsp's, from its meeting RK-2026-09, disdukcapil responsible) is done.
    edit_csv(portal.output / "data" / "decisions.csv", _decision_done)
    assert not build_site(portal, AS_OF, search=False).skipped
    gathered = log.read_text(encoding="utf-8").split()
    assert sorted(set(gathered)) == ["agencies/disdukcapil", "agendas/dpmptsp", "decisions/dpmptsp"]
    assert len(gathered) == 6  # in each language
    assert_same_site(portal.output / "site", cold_copy(portal, tmp_path / "cold", AS_OF))


def test_an_agency_renamed_gathers_every_group_and_builds_as_cold(portal: Portal, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    log = _gathered_log(tmp_path, monkeypatch)
    edit_csv(portal.output / "data" / "agencies.csv", _rename_agency)
    assert not build_site(portal, AS_OF, search=False).skipped
    data = load_site_data(portal, AS_OF)
    assert set(log.read_text(encoding="utf-8").split()) == _groups(data)
    assert_same_site(portal.output / "site", cold_copy(portal, tmp_path / "cold", AS_OF))


def test_a_new_build_date_builds_as_cold(portal: Portal, tmp_path: Path) -> None:
    later = AS_OF.replace(day=AS_OF.day + 1)
    assert not build_site(portal, later, search=False).skipped
    assert_same_site(portal.output / "site", cold_copy(portal, tmp_path / "cold", later))


def test_a_page_of_a_group_taken_by_its_source_deleted_or_its_keys_lost_is_made_again(
        portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = portal.output / "site"
    gone = next(site.glob("agenda/disdukcapil/*/index.html"))
    body = gone.read_bytes()
    gone.unlink()
    log = _gathered_log(tmp_path, monkeypatch)
    edit_csv(portal.output / "data" / "decisions.csv", _decision_done)  # so that the build runs
    assert not build_site(portal, AS_OF, search=False).skipped
    assert gone.read_bytes() == body
    assert "agendas/disdukcapil" in log.read_text(encoding="utf-8").split()
    assert_same_site(site, cold_copy(portal, tmp_path / "cold", AS_OF))
    # Without the kept file every group is gathered, and the site is the same.
    (portal.output / rowcache.FOLDER / sources.FILE_NAME).write_bytes(b"damaged")
    log.write_text("", encoding="utf-8")
    edit_csv(portal.output / "data" / "agencies.csv", _rename_agency)
    assert not build_site(portal, AS_OF, search=False).skipped
    assert set(log.read_text(encoding="utf-8").split()) == _groups(load_site_data(portal, AS_OF))
    assert_same_site(site, cold_copy(portal, tmp_path / "cold2", AS_OF))


def test_a_kept_key_is_known_only_under_its_code_group_and_source(tmp_path: Path) -> None:
    kept = sources.Sources({"agendas/a": "s1", "reports/a": "s2"}, "code-1", tmp_path)
    assert kept.key("id:agendas/a", "s1") is None  # nothing kept yet
    kept.save({"id:agendas/a": ("k1", ()), "en:agendas/a": ("k2", ()), "id:agencies/a": ("k3", ())})
    again = sources.Sources({}, "code-1", tmp_path)
    assert again.key("id:agendas/a", "s1") == "k1" and again.key("en:agendas/a", "s1") == "k2"
    assert again.key("id:agendas/a", "s2") is None  # another source
    assert again.key("id:agencies/a", "s1") is None  # not a sourced group: not kept
    assert sources.Sources({}, "code-2", tmp_path).key("id:agendas/a", "s1") is None  # another code
    path = tmp_path / sources.FILE_NAME
    path.write_bytes(path.read_bytes()[:-3])  # cut short: nothing kept
    assert sources.Sources({}, "code-1", tmp_path).key("id:agendas/a", "s1") is None


def test_a_kind_s_texts_go_to_their_codes_groups_in_order_whatever_the_runs_of_codes() -> None:
    codes = ["b", "a", "a", None, "b", "c", "a", None]
    texts = [f"#{n}" for n in range(len(codes))]
    parts = sources.Parts("f/", ["shared"])
    parts.add("rows", codes, texts)
    assert parts._kinds == [("@rows", {"b": ["#0", "#4"], "a": ["#1", "#2", "#6"], "c": ["#5"]})]
    ordered = sources.Parts("f/", ["shared"])  # the same records, each code's in one run
    ordered.add("rows", ["a", "a", "a", "b", "b", "c"], ["#1", "#2", "#6", "#0", "#4", "#5"])
    assert ordered.digests() == parts.digests()
    with pytest.raises(ValueError):
        sources.Parts("f/", []).add("rows", ["a", "b"], ["#0"])  # a text for each code, or a bug
