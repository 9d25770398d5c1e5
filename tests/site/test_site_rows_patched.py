"""After a new month and a late file, the site reads the changed tables' rows line by line from the rows
kept by the last build and the live site's copies of the CSVs they were read from (rowcache.py), and
comes out byte for byte as a cold build of the same data."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import load_portal
from pipeline.site import build_site, rowcache
from tests.site.test_site_incremental import assert_same_site, cold_copy
from tests.town_support import publish, published_town
from tools.bench import city

AS_OF = date(2026, 11, 28)


def test_a_new_month_and_a_late_file_patch_the_changed_tables_and_build_the_cold_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    town, datasets, output = published_town(tmp_path / "live")
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    patched: list[tuple[str, bool]] = []
    real = rowcache._patched

    def spy(path: Path, sha256: str, kept: Path, schema: dict[str, Any], previous: Path, *ahead: Any) -> Any:
        rows = real(path, sha256, kept, schema, previous, *ahead)
        patched.append((path.stem, rows is not None))
        return rows
    monkeypatch.setattr(rowcache, "_patched", spy)
    for step, change in enumerate((city.add_late_month, city.correct_old_file)):
        patched.clear()
        change(town, datasets)
        publish(datasets, output)
        assert not build_site(portal, AS_OF, search=False).skipped
        # The tables without quoted cells that changed took their kept rows (the indicators always change).
        assert ("indicators", True) in patched and ("submissions", True) in patched, patched
        assert_same_site(output / "site", cold_copy(portal, tmp_path / f"cold{step}", AS_OF))
