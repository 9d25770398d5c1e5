"""Groups of lazy pages (``page.Group``): one key for an agency's agendas, decisions or file reports.

An unchanged group is taken from the live manifest without making its pages; a group whose
inputs changed makes every page of it again (each kept or rendered by its own key); either way
the site comes out as a cold build's. A group's pages are the very pages (same paths, same
inputs) that the per-page functions give.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.site import build_site, manifest, urls
from pipeline.site.build import TEMPLATES, LangPages, _write_group, kits
from pipeline.site.loader import load_site_data
from pipeline.site.page import Group, Kit, Lazy, Page
from pipeline.site.pages import agencies, agendas, all_items, all_pages, decisions, reports
from pipeline.site.render import Renderer
from pipeline.site.writer import Writer
from tests.site.test_site_incremental import (
    AS_OF,
    _decision_done,
    _rename_agency,
    assert_same_site,
    built_fixture,
    cold_copy,
    edit_csv,
    mtimes,
)


@pytest.fixture()
def portal(tmp_path: Path) -> Portal:
    """The small published fixture with its site built once."""
    return built_fixture(tmp_path / "live")


def name_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, owner: type, method: str, file_name: str) -> Path:
    """A file naming each object (by its ``name``) whose ``owner.method`` is called (a file: the English pages
    are made in a forked child)."""
    log = tmp_path / file_name
    log.touch()
    real = getattr(owner, method)

    def logged(self: Any) -> Any:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(self.name + "\n")
        return real(self)

    monkeypatch.setattr(owner, method, logged)
    return log


def _expanded_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file naming each group whose pages are made."""
    return name_log(tmp_path, monkeypatch, Group, "pages", "expanded.txt")


def test_only_the_groups_whose_inputs_changed_make_their_pages(portal: Portal, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    site = portal.output / "site"
    live = manifest.read(site, json.loads((site / ".build-fingerprint").read_bytes()))
    assert live is not None
    names = {gid.split(":", 1)[1] for gid in live.groups}
    assert {"agendas/dpmptsp", "decisions/dpmptsp", "reports/dpmptsp", "reports/disdukcapil"} <= names
    assert {gid.split(":", 1)[0] for gid in live.groups} == {"id", "en"}
    log = _expanded_log(tmp_path, monkeypatch)
    before = mtimes(site)
    # K-01 (dpmptsp's, from its meeting RK-2026-09) is done: its page and its agenda's page change.
    edit_csv(portal.output / "data" / "decisions.csv", _decision_done)
    assert not build_site(portal, AS_OF, search=False).skipped
    made = log.read_text(encoding="utf-8").split()
    # Its agency's pages and those of the agency named responsible for it list the decision too.
    assert sorted(made) == sorted(2 * ["agencies/disdukcapil", "agendas/dpmptsp", "decisions/dpmptsp"])
    assert_same_site(site, cold_copy(portal, tmp_path / "cold", AS_OF))
    after = mtimes(site)
    # The pages of a group taken whole are kept as they were (not rewritten, not renamed).
    kept = [urls.output_file(path) for path, _ in live.groups["id:reports/dpmptsp"][1]]
    assert kept and all(after[rel] == before[rel] for rel in kept)


def test_an_agency_renamed_makes_every_group_that_names_it(portal: Portal, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    log = _expanded_log(tmp_path, monkeypatch)
    edit_csv(portal.output / "data" / "agencies.csv", _rename_agency)
    assert not build_site(portal, AS_OF, search=False).skipped
    made = set(log.read_text(encoding="utf-8").split())
    assert "reports/disdukcapil" in made and "reports/dpmptsp" not in made
    assert_same_site(portal.output / "site", cold_copy(portal, tmp_path / "cold", AS_OF))


def test_a_page_of_an_unchanged_group_deleted_by_hand_is_made_again(portal: Portal, tmp_path: Path) -> None:
    site = portal.output / "site"
    gone = next(site.glob("laporan/*/dpmptsp/*.html"))
    body = gone.read_bytes()
    gone.unlink()
    # Another page's input changes, so the build runs; the group's key did not change.
    edit_csv(portal.output / "data" / "decisions.csv", _decision_done)
    assert not build_site(portal, AS_OF, search=False).skipped
    assert gone.read_bytes() == body
    assert_same_site(site, cold_copy(portal, tmp_path / "cold", AS_OF))


def test_a_group_gives_the_pages_of_the_per_page_inputs(portal: Portal) -> None:
    data = load_site_data(portal, AS_OF)
    kit = kits(TEMPLATES)["id"]
    pages = {p.path: p for p in all_pages(data, kit) if isinstance(p, Lazy)}
    for a in data.agendas:
        assert pages.pop(urls.agenda(a.agency_code, a.agenda_id)).inputs == agendas.agenda_inputs(a, data)
    for d in data.decisions:
        assert pages.pop(urls.decision(d.agency_code, d.decision_id)).inputs == \
            decisions.decision_inputs(d, data)
    months: dict[tuple[str, str], list[Any]] = {}
    for s in data.submissions:
        months.setdefault((s.period, s.agency_code), []).append(s)
    assert months
    for (period, agency), rows in months.items():
        misplaced = [m for m in data.misplaced if (m.period, m.agency) == (period, agency)]
        assert pages.pop(urls.feedback(reports.month_page(period, agency))).inputs == \
            reports.month_inputs(data, period, agency, rows, misplaced)
    scorecards = agencies.scored(data)
    for a in data.agencies.values():
        involved = agencies.Involved.of(a.agency_code, data)
        years = agencies.years_of(a.agency_code, involved, data)
        assert years
        assert pages.pop(urls.agency(a.agency_code)).inputs == \
            agencies.agency_inputs(a, data, involved, years, scorecards)
        for y in years:
            assert pages.pop(urls.agency_year(a.agency_code, int(y))).inputs == \
                agencies.year_inputs(a, y, data, involved, years)
    for s in data.submissions:
        i = reports.file_inputs(data, s)
        path = urls.feedback(reports.file_page(s.period, s.agency_code, s.table))
        assert (pages.pop(path).inputs if i is not None else pages.get(path)) == i
    # Every language's items: the same groups in the same order (the two languages go side by side).
    names = [[i.name for i in all_items(data, k) if isinstance(i, Group)] for k in kits(TEMPLATES).values()]
    assert names[0] == names[1] and len(names[0]) == len(set(names[0])) > 0


def _expand(i: int) -> Any:
    yield Lazy("/agenda/", "agenda.html", i, agendas.build_agenda)  # a top-level page: it shows the data's date


def _eager(i: int) -> Any:
    yield Page("/x/y/z/", "agenda.html", "t", "agendas")


def test_a_group_can_reach_nothing_but_its_inputs_and_shows_no_data_date(portal: Portal) -> None:
    def sneaky(i: int) -> Any:
        return iter(())

    for expand in (sneaky, lambda i: iter(())):
        with pytest.raises(SiteError, match="module-level function"):
            Group("g", 1, expand)
    with pytest.raises(SiteError, match="not a lazy page"):
        list(Group("g", 1, _eager).pages())
    data = load_site_data(portal, AS_OF)
    kit: Kit = kits(TEMPLATES)["id"]
    renderer = Renderer(TEMPLATES, data)
    part = LangPages({}, 0, 0, [], {}, [], {})
    with pytest.raises(SiteError, match="data's date"):
        _write_group(Writer(Path("/nonexistent")), renderer, Group("g", 1, _expand), kit, "code", None, part)


def test_a_group_key_holds_its_inputs_code_language_and_expand(portal: Portal) -> None:
    data = load_site_data(portal, AS_OF)
    languages = kits(TEMPLATES)
    renderer = Renderer(TEMPLATES, data, pair=False)
    group = next(i for i in all_items(data, languages["id"]) if isinstance(i, Group))
    key = renderer.group_key(group, languages["id"], "code")
    assert renderer.group_key(group, languages["id"], "code") == key
    assert renderer.group_key(group, languages["en"], "code") != key
    assert renderer.group_key(group, languages["id"], "other") != key
    assert renderer.group_key(Group(group.name, group.inputs, _expand), languages["id"], "code") != key
    assert renderer.group_key(Group(group.name + "x", group.inputs, group.expand), languages["id"], "code") != key
    assert renderer.group_key(Group(group.name, (group.inputs,), group.expand), languages["id"], "code") != key


def test_the_manifest_keeps_its_groups_and_refuses_a_malformed_one(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("a", encoding="utf-8")
    record = ("k" * 64, (("/agenda/x/1/", True), ("/agenda/x/2/", False)))
    groups = {"id:agendas/x": record, "en:agendas/x": ("e" * 64, record[1])}
    body = manifest.Manifest({"a.html": "d"}, {"a.html": "key"}, groups).to_bytes()
    # The pages of a group once for its languages, its key once for each.
    assert body.count(b"/agenda/x/1/") == 1
    (tmp_path / manifest.FILE_NAME).write_bytes(body)
    read = manifest.read(tmp_path, {"manifest": manifest.digest(body)})
    assert read is not None and read.groups == groups
    assert manifest.Manifest(read.files, read.keys, read.groups).to_bytes() == body
    assert b'"agendas/x":[{"en":"' + b"e" * 64 + b'","id":"' + b"k" * 64 + b'"},["/agenda/x/1/","/agenda/x/2/"],"10"]' \
        in body
    nested = body.replace(b'"groups":{"agendas/x":[{', b'"groups":{"agendas/x":[[{', 1).replace(b'},["', b'}],["', 1)
    short, other = body.replace(b'],"10"]', b'],"1"]'), body.replace(b'],"10"]', b'],"1x"]')
    for bad in (nested, short, other):
        assert bad != body
        (tmp_path / manifest.FILE_NAME).write_bytes(bad)
        assert manifest.read(tmp_path, {"manifest": manifest.digest(bad)}) is None


def test_the_manifest_refuses_languages_whose_pages_of_a_group_differ() -> None:
    groups = {"id:agendas/x": ("k" * 64, (("/agenda/x/1/", True),)), "en:agendas/x": ("e" * 64, ())}
    with pytest.raises(SiteError, match="pages differ"):
        manifest.Manifest({}, {}, groups).to_bytes()
