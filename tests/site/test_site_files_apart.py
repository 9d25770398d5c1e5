"""Every language's own files (feeds, names index, downloads) written by a child forked once the site data is read
(``build.FILES_APART``), with a live site: the site and its manifest are the one-process build's byte for byte;
neither language's process writes them; the child failing fails the build with the live site as it was and no
staging folder, and the next build succeeds. A first build has no such child.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.site import build, build_site, fingerprint, manifest
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
from tests.site.test_site_two_processes import _files_where, _one_process_copy, _started


def test_the_files_child_writes_every_languages_files_and_the_site_is_the_one_process_builds(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    before = mtimes(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)  # every download names the agency
    children = _started(monkeypatch)
    notes = tmp_path / "files.pids"
    _files_where(monkeypatch, notes)
    assert not build_site(fixture_portal, AS_OF, search=True).skipped
    stages = {child.stage: str(child.pid) for child in children}
    assert "site files" in stages and "site (en)" in stages
    # Both languages' files by that child: neither this process nor the English pages' one wrote any.
    written = notes.read_text().split()
    assert sorted(entry for entry in written if entry.startswith(("en:", "id:"))) == [
        f"en:{stages['site files']}", f"id:{stages['site files']}"]
    monkeypatch.undo()
    one = _one_process_copy(fixture_portal, tmp_path / "one", monkeypatch, search=True)
    assert_same_site(site, one)
    # The downloads' keys came back into the manifest: those the one-process build keeps.
    kept = manifest.read(site, fingerprint.read_record(site))
    alone = manifest.read(one, fingerprint.read_record(one))
    assert kept is not None and alone is not None
    assert any(rel.endswith(".xlsx") for rel in alone.keys)
    assert kept.keys == alone.keys and kept.files == alone.files
    # Unchanged files were left as they were.
    after = mtimes(site)
    assert [after[rel] == before[rel] for rel in ("favicon.ico", "robots.txt", "data/agencies.csv")] == [
        True, True, False]


def test_a_first_build_starts_no_files_child(fixture_portal: Portal, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    children = _started(monkeypatch)
    cold_copy(fixture_portal, tmp_path / "cold", AS_OF, search=False)
    assert "site files" not in [child.stage for child in children]


def test_the_files_child_failing_leaves_the_live_site_and_the_next_build_succeeds(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    files, stamps = snapshot(site), mtimes(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    parent = os.getpid()
    real = build._write_language_files

    def full(*args: Any, **kwargs: Any) -> None:
        if os.getpid() == parent:
            real(*args, **kwargs)
            return
        raise OSError(errno.ENOSPC, "No space left on device", "/somewhere/en/unduh/keputusan.xlsx")

    children = _started(monkeypatch)
    monkeypatch.setattr(build, "_write_language_files", full)
    with pytest.raises(SiteError, match=r"disk full: /somewhere/en/unduh/keputusan\.xlsx"):
        build_site(fixture_portal, AS_OF, search=False)
    assert "site files" in [child.stage for child in children]
    assert all(not Path(f"/proc/{child.pid}").exists() for child in children)  # none left behind
    assert snapshot(site) == files and mtimes(site) == stamps
    assert not site.with_name(".site.new").exists()
    monkeypatch.undo()
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "again", AS_OF, search=False))


def test_off_each_languages_process_writes_its_own_files(fixture_portal: Portal, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    monkeypatch.setattr(build, "FILES_APART", False)
    children = _started(monkeypatch)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert "site files" not in [child.stage for child in children]
    site = fixture_portal.output / "site"
    monkeypatch.undo()
    assert_same_site(site, _one_process_copy(fixture_portal, tmp_path / "one", monkeypatch, search=False))
