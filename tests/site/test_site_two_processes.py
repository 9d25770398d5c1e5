"""The languages' pages written by two processes at once (the English ones by a forked child).

The site comes out byte for byte as the one-process build's, cold and incremental, search
index included; a child's failure (a full disk, a bug of a template, a kill) is the build's
error, with the staging folder removed and the live site as it was; a parent that fails
kills its child first; the child dies with its parent.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.runner import isolate
from pipeline.site import build, build_site, fingerprint, manifest, rowcache
from pipeline.site.build import TEMPLATES, kits
from pipeline.site.casting import read_table
from pipeline.site.loader import load_site_data
from pipeline.site.pages import all_pages
from pipeline.site.render import Renderer, preloaded
from pipeline.site.writer import Writer
from tests.site.test_site_incremental import (
    AS_OF,
    _rename_agency,
    assert_same_site,
    cold_copy,
    edit_csv,
    mtimes,
    snapshot,
)
from tests.site.test_site_incremental import fixture_portal as fixture_portal  # the fixture, used by name

ROOT = Path(__file__).resolve().parents[2]


def _one_process_copy(portal: Portal, where: Path, monkeypatch: pytest.MonkeyPatch, search: bool) -> Path:
    """The site of a cold build of the same inputs without forking."""
    with monkeypatch.context() as patch:
        patch.setattr(build, "FORK", False)
        return cold_copy(portal, where, AS_OF, search=search)


def _started(monkeypatch: pytest.MonkeyPatch) -> list[isolate.Child[Any]]:
    """The children that the build starts, recorded."""
    children: list[isolate.Child[Any]] = []
    real = isolate.start

    def start(*args: Any, **kwargs: Any) -> isolate.Child[Any]:
        children.append(real(*args, **kwargs))
        return children[-1]

    monkeypatch.setattr(isolate, "start", start)
    return children


def test_two_processes_build_the_one_process_sites_bytes_cold_and_incremental(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build.FORK
    children = _started(monkeypatch)
    cold = cold_copy(fixture_portal, tmp_path / "two", AS_OF, search=True)
    # English pages (and their index) in one child; a first build writes the Indonesian index itself, then the
    # calendars and files, while that child works (``COLD_AHEAD``, test_site_cold_order.py).
    # The copies by a child of their own forked before the site data is read (``COPIES_APART``).
    assert [child.stage for child in children] == ["site copies", "site (en)"]
    assert_same_site(cold, _one_process_copy(fixture_portal, tmp_path / "one", monkeypatch, search=True))
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped  # the live site, two processes
    # Every language's own files written by a child of their own (``_files_apart``), the changed table's rows kept
    # by another (``_keep_apart``), the English pages by a third; no search index: no child for it.
    assert [child.stage for child in children][2:] == ["site copies", "site files", "site rows", "site (en)"]
    site = fixture_portal.output / "site"
    assert_same_site(site, _one_process_copy(fixture_portal, tmp_path / "one-after", monkeypatch, search=False))
    # What that child kept are the changed table's rows, under the key of its CSV as it is now.
    data = fixture_portal.output / "data"
    schema = next(r["schema"] for r in json.loads((data / "datapackage.json").read_text(encoding="utf-8"))["resources"]
                  if r["name"] == "agencies")
    key = rowcache.cache_key(hashlib.sha256((data / "agencies.csv").read_bytes()).hexdigest(), schema)
    kept = fixture_portal.output / rowcache.FOLDER / "agencies.rows"
    assert rowcache.load(kept, key) == read_table(data / "agencies.csv", schema)


def _fail_in_english(monkeypatch: pytest.MonkeyPatch, fault: Any) -> None:
    """``fault()`` when an English page is rendered (in the child), after the child's first page."""
    real = Renderer.render
    seen: list[str] = []

    def render(self: Renderer, page: Any, kit: Any) -> str:
        if kit.lang == "en":
            seen.append(page.path)
            if len(seen) == 2:
                fault()
        return real(self, page, kit)

    monkeypatch.setattr(Renderer, "render", render)


def _full_disk() -> None:
    raise OSError(errno.ENOSPC, "No space left on device", "/somewhere/en/page.html")


def _template_bug() -> None:
    raise SiteError("site_templates/page.html (/en/x/): KeyError('x')")


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(("fault", "words"), [
    (_full_disk, r"disk full: /somewhere/en/page\.html\. Situs sebelumnya tetap utuh"),
    (_template_bug, r"site_templates/page\.html \(/en/x/\): KeyError"),
    (_killed, r"tahap site \(en\) berhenti tanpa hasil karena sinyal SIGKILL.* / the site \(en\) stage ended"),
])
def test_a_failing_child_fails_the_build_and_leaves_the_live_site_untouched(
        fixture_portal: Portal, monkeypatch: pytest.MonkeyPatch, fault: Any, words: str) -> None:
    site = fixture_portal.output / "site"
    files, stamps = snapshot(site), mtimes(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    _fail_in_english(monkeypatch, fault)
    with pytest.raises(SiteError, match=words) as failed:
        build_site(fixture_portal, AS_OF, search=False)
    if fault is _template_bug:  # raised in the child, told with the child's traceback
        assert "(in the child process of this stage)" in "".join(failed.value.__notes__)
    assert snapshot(site) == files and mtimes(site) == stamps
    assert not site.with_name(".site.new").exists()


def test_a_failing_parent_kills_its_child_before_removing_the_staging_folder(
        fixture_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    files = snapshot(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    children = _started(monkeypatch)
    real = Renderer.render

    def render(self: Renderer, page: Any, kit: Any) -> str:
        if kit.lang == "en":
            time.sleep(60)  # the child would still be writing when the parent gives up
        else:
            raise SiteError("site_templates/page.html (/x/): KeyError('x')")
        return real(self, page, kit)

    monkeypatch.setattr(Renderer, "render", render)
    started = time.monotonic()
    with pytest.raises(SiteError, match="KeyError"):
        build_site(fixture_portal, AS_OF, search=False)
    assert time.monotonic() - started < 30
    # The copies by a child, the languages' own files by another, the changed table's rows kept by a child of their
    # own, the English pages by another.
    copies, files_child, rows, child = children
    assert not Path(f"/proc/{copies.pid}").exists()  # reaped
    assert files_child.stage == "site files" and not Path(f"/proc/{files_child.pid}").exists()  # reaped
    assert rows.stage == "site rows"
    assert not Path(f"/proc/{child.pid}").exists()  # killed and reaped
    assert not Path(f"/proc/{rows.pid}").exists()  # waited for (its copies made whole)
    assert not list((fixture_portal.output / rowcache.FOLDER).glob(".*.tmp"))
    assert snapshot(site) == files and not site.with_name(".site.new").exists()


def test_a_path_written_by_both_processes_is_refused(tmp_path: Path) -> None:
    parent, child = Writer(tmp_path), Writer(tmp_path)
    parent.write_text("/en/feed.xml", "a")
    child.write_text("/en/index.html", "b")
    child.write_text("/en/feed.xml", "c")
    with pytest.raises(SiteError, match=r"path written twice: /en/feed\.xml"):
        parent.merge(child.files, child.changed)


def test_a_one_language_renderer_keeps_no_inputs_text(fixture_portal: Portal) -> None:
    data = load_site_data(fixture_portal, AS_OF)
    kit = kits(TEMPLATES)["en"]
    alone, paired = Renderer(TEMPLATES, data, pair=False), Renderer(TEMPLATES, data)
    pages = list(all_pages(data, kit))
    assert [alone.key(p, kit, "c") for p in pages] == [paired.key(p, kit, "c") for p in pages]
    assert alone._texts == {} and paired._texts


def test_the_child_dies_with_its_parent(tmp_path: Path) -> None:
    script = ("import sys, time\nfrom pipeline.runner import isolate\n"
              "child = isolate.start('site (en)', lambda: time.sleep(120))\n"
              "print(child.pid, flush=True)\ntime.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """The process runs (a zombie left for its new parent to reap does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_after_a_change_calendars_and_files_wait_for_the_pages(fixture_portal: Portal, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The calendars and files are made after every language's pages, beside the search index's
    child, even while the other language's child is slow: three processes at once took a large
    city past 1 GB (build.py); the site is the cold build's, byte for byte."""
    parent, marker = os.getpid(), tmp_path / "child-done"
    write_language, calendars = build._write_language, build._write_calendars
    child_done_at_calendars: list[bool] = []

    def slow_child(*args: Any, **kwargs: Any) -> Any:
        in_child = os.getpid() != parent
        if in_child:
            time.sleep(1.5)
        part = write_language(*args, **kwargs)
        if in_child:
            marker.touch()
        return part

    def noted_calendars(*args: Any, **kwargs: Any) -> None:
        child_done_at_calendars.append(marker.exists())
        calendars(*args, **kwargs)

    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    monkeypatch.setattr(build, "_write_language", slow_child)
    monkeypatch.setattr(build, "_write_calendars", noted_calendars)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert child_done_at_calendars == [True]
    monkeypatch.undo()
    assert_same_site(fixture_portal.output / "site", cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def test_templates_compiled_once_for_every_language(fixture_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    # ``preloaded`` compiles every page and macro template before the languages' processes are
    # forked: a renderer over it renders the same bytes without compiling any template again.
    env = preloaded(TEMPLATES)
    compiled: list[str] = []
    compile_template = env.compile

    def counted(source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(name))
        return compile_template(source, name, *args, **kwargs)

    monkeypatch.setattr(env, "compile", counted)
    data = load_site_data(fixture_portal, AS_OF)
    kit = kits(TEMPLATES)["en"]
    renderer, plain = Renderer(TEMPLATES, data, pair=False, env=env), Renderer(TEMPLATES, data, pair=False)
    seen: set[str] = set()
    for page in all_pages(data, kit):
        if page.template not in seen:  # one page of each template
            seen.add(page.template)
            assert renderer.render(page, kit) == plain.render(page, kit), page.path
    assert len(seen) > 20 and compiled == []


def test_a_template_that_does_not_compile_is_named(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    (tmp_path / "templates" / "guide.html").write_text("{% block main %}{% endfor %}", encoding="utf-8")
    with pytest.raises(SiteError, match=r"site_templates/guide\.html"):
        preloaded(tmp_path / "templates")


def _kept_key(output: Path, table: str) -> bytes:
    """The key line of a table's kept rows (``rowcache.dump``)."""
    return (output / rowcache.FOLDER / f"{table}.rows").read_bytes().split(b"\n")[1]


@pytest.mark.parametrize("apart", [True, False])
def test_changed_rows_are_kept_once_this_process_pages_are_written(fixture_portal: Portal,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    apart: bool) -> None:
    # With a live site, the rows of a changed table are kept for the next build by a child forked once
    # the data is read (``KEEP_APART``), or else after the first language's pages (while the other's
    # process works), not while the data is loaded; the kept copy is then the one the next build reads
    # instead of the CSV.
    monkeypatch.setattr(build, "KEEP_APART", apart)
    children = _started(monkeypatch)
    output, parent = fixture_portal.output, os.getpid()
    before = _kept_key(output, "agencies")
    write_language = build._write_language
    at_pages: list[bytes] = []

    def noted(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() == parent:
            at_pages.append(_kept_key(output, "agencies"))
        return write_language(*args, **kwargs)

    edit_csv(output / "data" / "agencies.csv", _rename_agency)
    monkeypatch.setattr(build, "_write_language", noted)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert ("site rows" in [child.stage for child in children]) == apart
    if not apart:
        assert at_pages == [before]
    after = _kept_key(output, "agencies")
    assert after != before
    schema = next(r["schema"] for r in json.loads((output / "data" / "datapackage.json").read_bytes())["resources"]
                  if r["name"] == "agencies")
    sha = hashlib.sha256((output / "data" / "agencies.csv").read_bytes()).hexdigest()
    assert after == rowcache.cache_key(sha, schema).encode()
    kept = rowcache.load(output / rowcache.FOLDER / "agencies.rows", after.decode())
    assert kept is not None and kept == read_table(output / "data" / "agencies.csv", schema)


def _calendars_where(monkeypatch: pytest.MonkeyPatch, note: Path) -> None:
    """Each ``_write_calendars`` call notes its process id in ``note`` (a child's list would stay in the child)."""
    real = build._write_calendars

    def calendars(*args: Any, **kwargs: Any) -> None:
        with note.open("a") as file:
            file.write(f"{os.getpid()}\n")
        real(*args, **kwargs)

    monkeypatch.setattr(build, "_write_calendars", calendars)


def _files_where(monkeypatch: pytest.MonkeyPatch, note: Path) -> None:
    """Each language's files (``_write_language_files``) and the files of no language (``_write_copies``) note
    the language (or "copies") and the process id that wrote them in ``note``."""
    language_files, copies = build._write_language_files, build._write_copies

    def noted(what: str) -> None:
        with note.open("a") as file:
            file.write(f"{what}:{os.getpid()}\n")

    def language(*args: Any, **kwargs: Any) -> None:
        noted(args[2].lang)
        language_files(*args, **kwargs)

    def copied(*args: Any, **kwargs: Any) -> None:
        noted("copies")
        copies(*args, **kwargs)

    monkeypatch.setattr(build, "_write_language_files", language)
    monkeypatch.setattr(build, "_write_copies", copied)


def _machine_where(monkeypatch: pytest.MonkeyPatch, note: Path) -> None:
    """Each ``_write_machine_files`` call notes "machine" and its process id in ``note``."""
    real = build._write_machine_files

    def machine(*args: Any, **kwargs: Any) -> None:
        with note.open("a") as file:
            file.write(f"machine:{os.getpid()}\n")
        real(*args, **kwargs)

    monkeypatch.setattr(build, "_write_machine_files", machine)


def _slow_side_in_child(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The forked language's own files (its side work's first step) start ``seconds`` late: this process,
    done with its own, is free first."""
    parent, real = os.getpid(), build._write_language_files

    def slow(*args: Any, **kwargs: Any) -> None:
        if os.getpid() != parent:
            time.sleep(seconds)
        real(*args, **kwargs)

    monkeypatch.setattr(build, "_write_language_files", slow)


def _side_work_build(fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     child_late: float) -> tuple[str, str, list[str], list[str]]:
    """After one agency renamed (few pages of each language rendered again), a build whose side work both
    processes may take (the child's ``child_late`` seconds late): this process's id, the child's, the ids of the
    processes that wrote the calendars and the notes of who wrote which files. The site is checked the same
    as a one-process build's, its unchanged files untouched, its keys those of that build."""
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    children = _started(monkeypatch)
    monkeypatch.setattr(build, "COPIES_APART", False)  # the copies a task of no language too (shares.py)
    monkeypatch.setattr(build, "FILES_APART", False)  # each language's own files by its process (``side``)
    note, files = tmp_path / "calendars.pids", tmp_path / "files.pids"
    _calendars_where(monkeypatch, note)
    _files_where(monkeypatch, files)
    _machine_where(monkeypatch, files)
    if child_late:
        _slow_side_in_child(monkeypatch, child_late)
    monkeypatch.setattr(build, "SIDE_SHARE", 1.0)  # the fixture is small: every share of pages counts as few
    before = mtimes(fixture_portal.output / "site")
    assert not build_site(fixture_portal, AS_OF, search=True).skipped
    # The Indonesian index written by this process at once: no child for it, two processes for the pages
    # (the changed table's rows kept by a child forked before them, ``_keep_apart``).
    assert [child.stage for child in children] == ["site rows", "site (en)"]
    here, child = str(os.getpid()), str(children[1].pid)
    written = note.read_text().split(), files.read_text().split()  # before the one-process build notes its own
    site = fixture_portal.output / "site"
    one = _one_process_copy(fixture_portal, tmp_path / "one", monkeypatch, search=True)
    assert_same_site(site, one)
    # Unchanged files were not touched (whichever process took them); the changed table's copy was written again.
    after = mtimes(site)
    assert [after[rel] == before[rel] for rel in ("favicon.ico", "robots.txt", "data/agencies.csv")] == [
        True, True, False]
    # The keys of the calendars and English downloads came back into the manifest (from the process that
    # wrote them): those the one-process build keeps.
    kept = manifest.read(site, fingerprint.read_record(site))
    alone = manifest.read(one, fingerprint.read_record(one))
    assert kept is not None and alone is not None
    calendars = {rel: key for rel, key in alone.keys.items() if rel.endswith(".ics")}
    assert calendars and {rel: kept.keys.get(rel) for rel in calendars} == calendars
    assert kept.keys == alone.keys and kept.files == alone.files
    return here, child, *written


def test_with_few_pages_rendered_each_task_of_no_language_is_written_once_by_either_process(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here, child, calendars, files = _side_work_build(fixture_portal, tmp_path, monkeypatch, 0.0)
    assert len(calendars) == 1 and calendars[0] in (here, child)  # by whichever was free first, once
    assert sorted(entry for entry in files if entry.startswith(("en:", "id:"))) == [f"en:{child}", f"id:{here}"]
    assert [entry.split(":")[0] for entry in files if entry.startswith(("copies:", "machine:"))] in (
        ["copies", "machine"], ["machine", "copies"])
    assert all(entry.split(":")[1] in (here, child) for entry in files)


def test_with_few_pages_rendered_this_process_free_first_takes_the_tasks_of_no_language(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The other language's process starts its side work 1.5 s late: this one, done with its own files and the
    # sitemaps, takes every task of no language meanwhile; the other finds none left.
    here, child, calendars, files = _side_work_build(fixture_portal, tmp_path, monkeypatch, 1.5)
    assert calendars == [here]
    assert sorted(files) == sorted([f"copies:{here}", f"machine:{here}", f"en:{child}", f"id:{here}"])


def test_with_many_pages_rendered_this_process_writes_the_calendars(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    note = tmp_path / "calendars.pids"
    _calendars_where(monkeypatch, note)
    monkeypatch.setattr(build, "SIDE_SHARE", 0.0)  # any page rendered is too many
    assert not build_site(fixture_portal, AS_OF, search=True).skipped
    assert note.read_text().split() == [str(os.getpid())]
