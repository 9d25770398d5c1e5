"""The build's check made by a child while the site data is read (``build.CHECK_APART``, site/checkapart.py), with
what was read ahead (readahead.py): the site, its fingerprint record and the digests kept for the next check are
those of the check made first in the build's own process, byte for byte, and both equal a cold build's; a build with
nothing changed is skipped with nothing written; the check's child failing fails the build with the live site as it
was and no staging folder. And the store's index read ahead again once the data stage replaced it, while the word is
awaited (``ReadAhead.renew``, early_site.py); on real files.
"""

from __future__ import annotations

import errno
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import treehash
from pipeline.core.config import Portal, load_portal
from pipeline.core.errors import SiteError
from pipeline.core.templating import SITE_TEMPLATES
from pipeline.core.treehash import DigestCache
from pipeline.runner import early_site
from pipeline.site import build, build_site, fingerprint
from pipeline.site.readahead import ReadAhead, read_ahead
from pipeline.store import Store
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
from tests.site.test_site_two_processes import _started


def _copy(portal: Portal, where: Path) -> Portal:
    """The same datasets and output in another folder (the output's copy keeps no absolute path)."""
    shutil.copytree(portal.output, where / "output", symlinks=True)
    return load_portal(portal.datasets, where / "output")


def _build(portal: Portal) -> Any:
    """A build as a publish's site child makes it: with what was read ahead, its digests kept after."""
    built = build_site(portal, AS_OF, search=True, ahead=read_ahead(portal.output, SITE_TEMPLATES), remember=True)
    if not built.skipped and not built.remembered:
        fingerprint.remember_digests(portal, SITE_TEMPLATES)
    return built


def test_the_check_apart_gives_the_site_and_kept_digests_of_the_check_first(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every file settled when read (none kept otherwise): the copy is made just before the builds, and which of its
    # files were 2 s old when each build read them followed the host's speed (the fresh clone's run failed on it).
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    _build(fixture_portal)  # the digests of a build that ran kept, as after a publish
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    first = _copy(fixture_portal, tmp_path / "first")
    children = _started(monkeypatch)
    assert not _build(fixture_portal).skipped
    assert "site check" in {child.stage for child in children}
    monkeypatch.setattr(build, "CHECK_APART", False)
    children.clear()
    assert not _build(first).skipped
    assert "site check" not in {child.stage for child in children}
    site, other = fixture_portal.output / "site", first.output / "site"
    assert_same_site(site, other)
    assert (site / fingerprint.FILE_NAME).read_bytes() == (other / fingerprint.FILE_NAME).read_bytes()
    # The same files' digests kept for the next check (their stats differ: other copies).
    assert _kept(fixture_portal) == _kept(first) != set()
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF, search=True))


def _kept(portal: Portal) -> set[str]:
    """The digests the last build kept for the next build's check."""
    return {entry[-1] for entry in DigestCache(portal.output.joinpath(*fingerprint.DIGESTS)).kept.values()}


def test_a_build_with_nothing_changed_is_skipped_after_the_data_is_read(
        fixture_portal: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _build(fixture_portal)
    site = fixture_portal.output / "site"
    before, files = mtimes(site), snapshot(site)
    children = _started(monkeypatch)
    capsys.readouterr()
    assert _build(fixture_portal).skipped
    assert "site check" in {child.stage for child in children}
    assert "build skipped" in capsys.readouterr().out
    assert mtimes(site) == before and snapshot(site) == files
    assert sorted(p.name for p in fixture_portal.output.iterdir() if p.name.startswith(".site")) == []


def test_the_check_s_child_failing_fails_the_build_and_leaves_the_live_site(
        fixture_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    before, files = mtimes(site), snapshot(site)
    real = fingerprint.inputs_fingerprint

    def full(*args: Any, **kwargs: Any) -> str:  # only the check's child reaches it (the build's own: CHECK_APART)
        raise OSError(errno.ENOSPC, "No space left on device", str(site))
    monkeypatch.setattr(fingerprint, "inputs_fingerprint", full)
    with pytest.raises(SiteError, match="disk full"):
        build_site(fixture_portal, AS_OF, search=True, ahead=read_ahead(fixture_portal.output, SITE_TEMPLATES))
    assert mtimes(site) == before and snapshot(site) == files
    assert sorted(p.name for p in fixture_portal.output.iterdir() if p.name.startswith(".site")) == []
    monkeypatch.setattr(fingerprint, "inputs_fingerprint", real)
    assert not _build(fixture_portal).skipped  # the next build succeeds


def test_the_store_s_index_is_read_again_while_the_word_is_awaited(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "index.json").write_bytes(b'{"format": 1, "reference": {"agencies.csv": "one"}}\n')
    ahead = ReadAhead()
    ahead.renewable((store / "index.json",), lambda: Store.load(store))
    assert not ahead.renew()  # as read: nothing read again
    time.sleep(0.05)
    # The data stage's commit after it was read: a rename of the index written whole (as store/journal.py writes).
    (store / "new.json").write_bytes(b'{"format": 1, "reference": {"agencies.csv": "two"}}\n')
    (store / "new.json").replace(store / "index.json")
    words = iter([False, False, True])  # the word comes on the third look
    early_site._renew(ahead, lambda wait: next(words))
    assert ahead.store(store).reference == {"agencies.csv": "two"}  # taken as read again, not read by the build
    assert ahead.take((store / "index.json",)) is None  # (taken once)
