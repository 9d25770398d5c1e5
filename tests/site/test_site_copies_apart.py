"""The copies of the assets, published files and templates made by a child forked before the site data is read
(``build.COPIES_APART``): the site is the one-process build's byte for byte, cold and after a change; the child
failing fails the build with the live site as it was and no staging folder; the build failing meanwhile kills it.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.site import build, build_site
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


def test_the_copies_child_builds_the_one_process_sites_bytes_and_keeps_unchanged_copies(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    before = mtimes(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    children = _started(monkeypatch)
    assert not build_site(fixture_portal, AS_OF, search=True).skipped
    assert children[0].stage == "site copies"
    after = mtimes(site)
    # The changed table's copy written again, the unchanged ones (and the assets) left as they were.
    assert [after[rel] == before[rel] for rel in ("favicon.ico", "data/services.csv", "data/agencies.csv")] == [
        True, True, False]
    assert (site / "data" / "agencies.csv").read_bytes() == (fixture_portal.output / "data" / "agencies.csv").read_bytes()
    monkeypatch.undo()
    with monkeypatch.context() as patch:
        patch.setattr(build, "FORK", False)
        alone = cold_copy(fixture_portal, tmp_path / "alone", AS_OF, search=True)
    assert_same_site(site, alone)


def test_the_copies_child_failing_leaves_the_live_site_and_the_next_build_succeeds(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    files, stamps = snapshot(site), mtimes(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    parent = os.getpid()

    def full(*args: Any, **kwargs: Any) -> None:
        assert os.getpid() != parent  # only ever in the copies' child
        raise OSError(errno.ENOSPC, "No space left on device", "/somewhere/data/agencies.csv")

    monkeypatch.setattr(build, "_write_copies", full)
    with pytest.raises(SiteError, match=r"disk full: /somewhere/data/agencies\.csv"):
        build_site(fixture_portal, AS_OF, search=False)
    assert snapshot(site) == files and mtimes(site) == stamps
    assert not site.with_name(".site.new").exists()
    monkeypatch.undo()
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "again", AS_OF, search=False))


def test_the_build_failing_while_the_copies_child_works_kills_it_and_leaves_the_live_site(
        fixture_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    files = snapshot(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    children = _started(monkeypatch)

    def slow(*args: Any, **kwargs: Any) -> None:
        time.sleep(60)  # the child would still be copying when the build gives up

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/somewhere/site-cache/agencies.rows")

    monkeypatch.setattr(build, "_write_copies", slow)
    monkeypatch.setattr(build, "load_site_data", broken)
    began = time.monotonic()
    with pytest.raises(SiteError, match="disk full"):
        build_site(fixture_portal, AS_OF, search=False)
    assert time.monotonic() - began < 30
    (copies,) = children
    assert copies.stage == "site copies" and not Path(f"/proc/{copies.pid}").exists()  # killed and reaped
    assert snapshot(site) == files and not site.with_name(".site.new").exists()
