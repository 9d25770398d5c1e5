"""A build that fails while its committed swap is being carried out says so (not "left intact"),
and the next run completes the site.

The fault is faked (``os.replace`` failing on the second file moved): the tests run as root,
so a real unwritable folder cannot be made; the real kill after the commit is in
``test_site_incremental.py``.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import atomic
from pipeline.core.atomic import COMMIT
from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.site import build_site
from tests.site.test_site_incremental import AS_OF, _rename_agency, assert_same_site, cold_copy, edit_csv
from tests.site.test_site_incremental import fixture_portal as fixture_portal  # the fixture, used by name


def test_a_swap_failing_after_its_commit_says_the_site_is_incomplete_and_the_next_run_completes_it(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    real, moved = os.replace, []

    def full_on_second(source: Any, dest: Any) -> None:
        if str(dest).startswith(str(site) + os.sep):
            moved.append(dest)
            if len(moved) == 2:
                raise OSError(errno.ENOSPC, "No space left on device", str(dest))
        real(source, dest)

    monkeypatch.setattr(atomic.os, "replace", full_on_second)
    with pytest.raises(SiteError) as failed:
        build_site(fixture_portal, AS_OF, search=False)
    text = str(failed.value)
    assert "disk penuh / disk full" in text and "belum lengkap" in text and "not complete" in text
    assert "tetap utuh" not in text and "left intact" not in text
    assert (site.with_name(".site.new") / COMMIT).is_file()
    monkeypatch.setattr(atomic.os, "replace", real)
    assert build_site(fixture_portal, AS_OF, search=False).skipped  # the plan finished first: complete
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))
