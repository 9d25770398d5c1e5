"""A first build (no live site): this process writes the first language's search index, its language's files, the
sitemaps and the tasks of no language while the other language's child still writes its pages (``build.COLD_AHEAD``,
``build.COLD_SIDE``); that child writes its own language's files after its index; the copies are a child's of their
own, forked before the site data is read (``build.COPIES_APART``).

The site is the one-process build's and the ordered build's byte for byte; a child that fails or dies while
this process writes them fails the build with nothing left (no site, no staging folder) and the next build
succeeds; this process failing meanwhile kills the child first.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.runner import isolate
from pipeline.site import build, build_site
from tests.site.test_site_incremental import AS_OF, assert_same_site, cold_copy
from tests.site.test_site_incremental import fixture_portal as fixture_portal  # the fixture, used by name


def _cold(portal: Portal) -> Portal:
    """The fixture's portal without its live site (a first build comes next)."""
    site = portal.output / "site"
    for path in sorted(site.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
    site.rmdir()
    return portal


def _slow_child(monkeypatch: pytest.MonkeyPatch, marker: Path, seconds: float) -> None:
    """The other language's child sleeps before its pages and touches ``marker`` once they are written."""
    parent, real = os.getpid(), build._write_language

    def slow(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            time.sleep(seconds)
            part = real(*args, **kwargs)
            marker.touch()
            return part
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "_write_language", slow)


def test_a_first_build_writes_calendars_and_files_while_the_child_works_and_the_site_is_the_same(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portal = _cold(fixture_portal)
    marker = tmp_path / "child-done"
    seen: list[tuple[str, bool]] = []
    calendars, files, search = build._write_calendars, build._write_files, build._search
    language, sitemaps, machine = build._write_language_files, build._write_sitemaps, build._write_machine_files
    copied = tmp_path / "copied"
    copies = build._write_copies

    def copies_noted(*args: Any, **kwargs: Any) -> None:
        copied.write_text(f"{os.getpid()} {marker.exists()}")
        copies(*args, **kwargs)

    def noted(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            what = f"{name} {args[2].lang}" if name == "language" else name
            if os.getpid() == parent:
                seen.append((what, marker.exists()))
            elif name == "language":  # a language's own files written by the child
                (tmp_path / "child-language").write_text(what)
            return real(*args, **kwargs)
        return call

    parent = os.getpid()
    children: list[str] = []
    start = isolate.start

    def started(stage: str, *args: Any, **kwargs: Any) -> isolate.Child[Any]:
        children.append(stage)
        return start(stage, *args, **kwargs)

    monkeypatch.setattr(isolate, "start", started)
    _slow_child(monkeypatch, marker, 1.5)
    monkeypatch.setattr(build, "_write_calendars", noted("calendars", calendars))
    monkeypatch.setattr(build, "_write_files", noted("files", files))
    monkeypatch.setattr(build, "_search", noted("index", search))
    monkeypatch.setattr(build, "_write_language_files", noted("language", language))
    monkeypatch.setattr(build, "_write_sitemaps", noted("sitemaps", sitemaps))
    monkeypatch.setattr(build, "_write_machine_files", noted("machine", machine))
    monkeypatch.setattr(build, "_write_copies", copies_noted)
    assert not build_site(portal, AS_OF, search=True).skipped
    # In this process, in that order, before the child was done: the index, the sitemaps, the calendars, each
    # language's files and the machine files; after it nothing left for ``_write_files``; no index child. The
    # child, late, found no task left.
    assert seen == [("index", False), ("sitemaps", False), ("calendars", False), ("language id", False),
                    ("language en", False), ("machine", False), ("files", True)]
    assert not (tmp_path / "child-language").exists()
    assert children == ["site copies", "site (en)"]
    pid, child_done = copied.read_text().split()
    assert int(pid) != parent and child_done == "False"  # by the copies' child, while the pages were written
    monkeypatch.undo()
    site = portal.output / "site"
    with monkeypatch.context() as patch:  # the order of a build with a live site, and one process
        patch.setattr(build, "COLD_AHEAD", False)
        ordered = cold_copy(portal, tmp_path / "ordered", AS_OF, search=True)
    with monkeypatch.context() as patch:  # the files after the child is joined, the copies a task of no language
        patch.setattr(build, "COLD_SIDE", False)
        patch.setattr(build, "COPIES_APART", False)
        joined = cold_copy(portal, tmp_path / "joined", AS_OF, search=True)
    with monkeypatch.context() as patch:
        patch.setattr(build, "FORK", False)
        alone = cold_copy(portal, tmp_path / "alone", AS_OF, search=True)
    assert_same_site(site, ordered)
    assert_same_site(site, joined)
    assert_same_site(site, alone)


def _full_disk() -> None:
    raise OSError(errno.ENOSPC, "No space left on device", "/somewhere/en/page.html")


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(("fault", "words"), [
    (_full_disk, r"disk full: /somewhere/en/page\.html"),
    (_killed, r"tahap site \(en\) berhenti tanpa hasil karena sinyal SIGKILL"),
])
def test_a_child_failing_while_this_process_writes_the_calendars_leaves_nothing_and_the_next_succeeds(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: Any, words: str) -> None:
    portal = _cold(fixture_portal)
    parent, search, calendars = os.getpid(), build._search, build._write_calendars
    go = tmp_path / "go"

    def child_index(*args: Any, **kwargs: Any) -> None:
        if os.getpid() != parent:  # the child, its pages written: fails once this process wrote the calendars
            waited = time.monotonic()
            while not go.exists() and time.monotonic() - waited < 30:
                time.sleep(0.01)
            fault()
        search(*args, **kwargs)

    def noted_calendars(*args: Any, **kwargs: Any) -> None:
        calendars(*args, **kwargs)
        go.touch()

    monkeypatch.setattr(build, "_search", child_index)
    monkeypatch.setattr(build, "_write_calendars", noted_calendars)
    with pytest.raises(SiteError, match=words):
        build_site(portal, AS_OF, search=True)
    assert go.exists()
    site = portal.output / "site"
    assert not site.exists() and not site.with_name(".site.new").exists()
    monkeypatch.undo()
    assert not build_site(portal, AS_OF, search=True).skipped
    assert_same_site(site, cold_copy(portal, tmp_path / "again", AS_OF, search=True))


def test_this_process_failing_at_the_calendars_kills_the_child_and_leaves_nothing(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portal = _cold(fixture_portal)
    children: list[isolate.Child[Any]] = []
    start = isolate.start

    def started(*args: Any, **kwargs: Any) -> isolate.Child[Any]:
        children.append(start(*args, **kwargs))
        return children[-1]

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/somewhere/feed.ics")

    monkeypatch.setattr(isolate, "start", started)
    _slow_child(monkeypatch, tmp_path / "child-done", 60)  # the child would still work when this process fails
    monkeypatch.setattr(build, "_write_calendars", broken)
    began = time.monotonic()
    with pytest.raises(SiteError, match="disk full"):
        build_site(portal, AS_OF, search=True)
    assert time.monotonic() - began < 30
    copies, child = children  # the copies' child (``COPIES_APART``), the other language's
    assert not Path(f"/proc/{child.pid}").exists()  # killed and reaped
    assert not Path(f"/proc/{copies.pid}").exists()  # reaped
    site = portal.output / "site"
    assert not site.exists() and not site.with_name(".site.new").exists()
    monkeypatch.undo()
    assert not build_site(portal, AS_OF).skipped


def test_a_first_builds_child_free_first_takes_the_tasks_and_the_site_is_the_same(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portal = _cold(fixture_portal)
    parent, search = os.getpid(), build._search
    language, calendars, machine = build._write_language_files, build._write_calendars, build._write_machine_files
    notes = tmp_path / "where"

    def late_index(*args: Any, **kwargs: Any) -> None:
        if os.getpid() == parent:
            time.sleep(3)  # this process's index late: the other language's process is free first
        search(*args, **kwargs)

    def noted(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            what = f"{name}-{args[2].lang}" if name == "language" else name
            with notes.open("a") as file:
                file.write(f"{what}:{'here' if os.getpid() == parent else 'child'}\n")
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(build, "_search", late_index)
    monkeypatch.setattr(build, "_write_language_files", noted("language", language))
    monkeypatch.setattr(build, "_write_calendars", noted("calendars", calendars))
    monkeypatch.setattr(build, "_write_machine_files", noted("machine", machine))
    assert not build_site(portal, AS_OF, search=True).skipped
    # The child took every task (each language's files among them): this process wrote only the sitemaps.
    assert sorted(notes.read_text().split()) == ["calendars:child", "language-en:child", "language-id:child",
                                                 "machine:child"]
    monkeypatch.undo()
    with monkeypatch.context() as patch:
        patch.setattr(build, "FORK", False)
        alone = cold_copy(portal, tmp_path / "alone", AS_OF, search=True)
    assert_same_site(portal.output / "site", alone)
