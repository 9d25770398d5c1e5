"""A build with no changed input is skipped and leaves the site as it was; any change rebuilds."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pipeline.core import treehash
from pipeline.core.config import Portal, load_portal
from pipeline.core.treehash import entry_name
from pipeline.site import build_site, fingerprint, loader
from pipeline.site.build import TEMPLATES
from pipeline.site.loader import load_site_data
from tests.shared_fixture import read_only
from tests.site.fixture_data import write_fixture

AS_OF = date(2026, 11, 28)


def _tree(site: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the site with its bytes and modification time (a skipped build touches neither)."""
    return {p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The small published fixture with its site built once (each test works on a copy)."""
    root = tmp_path_factory.mktemp("built")
    datasets, output = write_fixture(root)
    assert not build_site(load_portal(datasets, output), AS_OF, search=False).skipped
    with read_only(root):
        yield root


@pytest.fixture()
def portal(built: Path, tmp_path: Path) -> Portal:
    """A copy of the built fixture of this test's own."""
    shutil.copytree(built, tmp_path / "copy")
    return load_portal(tmp_path / "copy" / "datasets", tmp_path / "copy" / "output")


def test_same_inputs_skip_the_build_and_leave_every_byte(portal: Portal, capsys: pytest.CaptureFixture[str]) -> None:
    site = portal.output / "site"
    before = _tree(site)
    capsys.readouterr()
    again = build_site(portal, AS_OF, search=False)
    out = capsys.readouterr().out.strip().splitlines()
    assert again.skipped and again.root == site
    assert len(out) == 1 and "build skipped" in out[0] and "dilewati" in out[0]
    # What a skipped build reports is what is there, counted here: the pages (the reports under
    # /laporan/ are pages of the site too), and every file but the fingerprint itself.
    files = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    pages = [f for f in files if f.endswith(".html")]
    assert len(pages) > 50 and (again.pages, again.files) == (len(pages), len(files) - 1)
    assert _tree(site) == before
    assert [p.name for p in site.parent.iterdir() if p.name.startswith(".site")] == []


def test_a_changed_data_file_rebuilds(portal: Portal) -> None:
    site = portal.output / "site"
    agendas = portal.output / "data" / "agendas.csv"
    agendas.write_text(agendas.read_text(encoding="utf-8").replace("Aula", "Aula Besar"), encoding="utf-8")
    result = build_site(portal, AS_OF, search=False)
    assert not result.skipped
    assert "Aula Besar" in (site / "agenda/disdukcapil/FKP-12/index.html").read_text(encoding="utf-8")
    assert (site / "data/agendas.csv").read_bytes() == agendas.read_bytes()
    assert build_site(portal, AS_OF, search=False).skipped  # and the new fingerprint is kept


def test_another_as_of_date_rebuilds(portal: Portal) -> None:
    before = fingerprint.read_record(portal.output / "site")
    assert not build_site(portal, date(2026, 12, 15), search=False).skipped
    assert fingerprint.read_record(portal.output / "site")["inputs"] != before["inputs"]


@pytest.mark.parametrize("change", ["feedback", "store", "templates", "site_templates", "settings", "schemas",
                                    "search"])
def test_every_other_input_changes_the_fingerprint(portal: Portal, tmp_path: Path, change: str) -> None:
    templates = tmp_path / "site_templates"
    shutil.copytree(TEMPLATES, templates)
    assert build_site(portal, AS_OF, templates=templates, search=False).skipped  # a copy is the same input
    before = fingerprint.inputs_fingerprint(portal, AS_OF, templates, False)
    search = False
    if change == "feedback":
        next((portal.output / "feedback").rglob("*.html")).write_text("<p>baru</p>", encoding="utf-8")
    elif change == "store":  # the report pages read the store's index and reports
        (portal.output / "store" / "reports").mkdir(parents=True, exist_ok=True)
        (portal.output / "store" / "reports" / "r001.json").write_text("{}", encoding="utf-8")
    elif change == "templates":
        (portal.output / "templates" / "agendas.csv").write_text("agenda_id,date\n", encoding="utf-8")
    elif change == "site_templates":
        strings = templates / "strings.toml"
        strings.write_text(strings.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "settings":
        toml = portal.datasets / "portal.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("Kota Contoh", "Kota Lain"), encoding="utf-8")
        portal = load_portal(portal.datasets, portal.output)
    elif change == "schemas":  # the data dictionary of what agencies send
        # The fixture brings no schemas/ (the project's are read then): give the copy its own,
        # the same bytes first, so that only the edit below changes the input.
        shutil.copytree(portal.schemas_dir, portal.datasets / "schemas")
        portal = load_portal(portal.datasets, portal.output)
        assert portal.schemas_dir == portal.datasets / "schemas" and portal.schemas_dir.is_relative_to(tmp_path)
        assert fingerprint.inputs_fingerprint(portal, AS_OF, templates, False) == before
        (portal.schemas_dir / "agendas.json").write_text('{"fields": []}', encoding="utf-8")
    else:
        search = True
    assert fingerprint.inputs_fingerprint(portal, AS_OF, templates, search) != before


def test_the_fingerprint_does_not_depend_on_where_the_output_is(portal: Portal, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "output"
    for name in ("data", "feedback", "templates", "store"):
        if (portal.output / name).exists():  # the fixture has no store
            shutil.copytree(portal.output / name, other / name)
    moved = load_portal(portal.datasets, other)
    assert (fingerprint.inputs_fingerprint(moved, AS_OF, TEMPLATES, False)
            == fingerprint.inputs_fingerprint(portal, AS_OF, TEMPLATES, False))


def test_a_site_without_a_fingerprint_is_rebuilt(portal: Portal) -> None:
    (portal.output / "site" / fingerprint.FILE_NAME).unlink()
    assert not build_site(portal, AS_OF, search=False).skipped
    assert (portal.output / "site" / fingerprint.FILE_NAME).is_file()


def test_the_digests_kept_after_a_build_are_those_of_its_own_check_without_a_second_walk(
        portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = portal.output.joinpath(*fingerprint.DIGESTS)
    agendas = portal.output / "data" / "agendas.csv"
    agendas.write_text(agendas.read_text(encoding="utf-8").replace("Aula", "Aula Besar"), encoding="utf-8")
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # the copy's files are seconds old: keep them all the same
    assert not build_site(portal, AS_OF, search=False).skipped
    walks: list[object] = []
    real = fingerprint._hash_trees
    monkeypatch.setattr(fingerprint, "_hash_trees", lambda *args: walks.append(args) or real(*args))
    fingerprint.remember_digests(portal, TEMPLATES)
    assert walks == []  # the build's check is kept: the trees are not walked again
    after_check = kept.read_bytes()
    # A walk now (what the build's check kept is not at hand: another process) keeps the very same
    # digests, and writes nothing.
    kept.unlink()
    fingerprint.remember_digests(portal, TEMPLATES)
    assert len(walks) == 1 and kept.read_bytes() == after_check
    assert entry_name(str(agendas.resolve())) in json.loads(after_check)["files"]


def test_a_build_asked_to_remember_keeps_its_checks_digests_beside_its_swap(
        portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ``build.REMEMBER_APART``: a child forked once the pages are written keeps the digests the serial
    # ``remember_digests`` after the build would keep; the caller is told not to keep them again.
    kept = portal.output.joinpath(*fingerprint.DIGESTS)
    agendas = portal.output / "data" / "agendas.csv"
    agendas.write_text(agendas.read_text(encoding="utf-8").replace("Aula", "Aula Besar"), encoding="utf-8")
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # the copy's files are seconds old: keep them all the same
    twin = tmp_path / "twin"
    shutil.copytree(portal.datasets.parent, twin)
    other = load_portal(twin / "datasets", twin / "output")
    kept.unlink(missing_ok=True)
    built = build_site(portal, AS_OF, search=False, remember=True)
    assert built.remembered and not built.skipped
    apart = json.loads(kept.read_bytes())["files"]
    assert entry_name(str(agendas.resolve())) in apart
    # The same inputs built and remembered the serial way keep as many files' digests (their names are their paths').
    other.output.joinpath(*fingerprint.DIGESTS).unlink(missing_ok=True)
    serial = build_site(other, AS_OF, search=False)
    assert not serial.remembered
    fingerprint.remember_digests(other, TEMPLATES)
    alone = json.loads(other.output.joinpath(*fingerprint.DIGESTS).read_bytes())["files"]
    assert len(alone) == len(apart) and entry_name(str((other.output / "data" / "agendas.csv").resolve())) in alone
    # A first build has no live site to swap beside: its caller keeps them.
    shutil.rmtree(portal.output / "site")
    assert not build_site(portal, AS_OF, search=False, remember=True).remembered


def test_a_file_read_too_soon_by_the_check_is_kept_once_it_has_settled(
        portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    agendas = portal.output / "data" / "agendas.csv"
    agendas.write_text(agendas.read_text(encoding="utf-8").replace("Aula", "Aula Besar"), encoding="utf-8")
    monkeypatch.setattr(treehash, "RACY_NS", 10**12)  # every file is too recent for the check
    assert not build_site(portal, AS_OF, search=False).skipped
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # and settled by the time the build is done
    fingerprint.remember_digests(portal, TEMPLATES)
    names = set(json.loads(portal.output.joinpath(*fingerprint.DIGESTS).read_bytes())["files"])
    assert entry_name(str(agendas.resolve())) in names
    assert entry_name(str((portal.output / "data" / "datapackage.json").resolve())) in names


def test_the_build_takes_the_digests_of_its_check_for_the_files_it_does_not_change(
        portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # the copy's files are seconds old: keep them all the same
    data_dir = portal.output / "data"
    agendas = data_dir / "agendas.csv"
    agendas.write_text(agendas.read_text(encoding="utf-8").replace("Aula", "Aula Besar"), encoding="utf-8")
    hashed: list[str] = []
    file_info = loader._file_info
    monkeypatch.setattr(loader, "_file_info", lambda path: hashed.append(path) or file_info(path))
    read: list[str] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda path: (read.append(path.name) if path.parent == data_dir else None) or read_bytes(path))
    assert not build_site(portal, AS_OF, search=False).skipped
    # Sizes and digests of the downloads come from the check; of the published files only the
    # changed one is copied (by the kernel, writer.copy_file: not read into memory); the others
    # are the live site's bytes already, neither read nor copied.
    # (the agencies' templates are hashed, and the absent formats asked for)
    assert hashed and not [p for p in hashed if p.parent == data_dir and p.exists()]
    assert read == []
    site = portal.output / "site"
    assert (site / "data/agendas.csv").read_bytes() == read_bytes(agendas)
    monkeypatch.undo()
    # What the check's digests stand for is what reading gives.
    fingerprint.inputs_fingerprint(portal, AS_OF, TEMPLATES, False)
    digests = fingerprint.checked(portal, TEMPLATES)
    assert digests is not None
    assert load_site_data(portal, AS_OF, digests=digests).tables == load_site_data(portal, AS_OF).tables
    for path in data_dir.iterdir():
        assert fingerprint.known_digest(digests, path) in (None, hashlib.sha256(path.read_bytes()).hexdigest())
