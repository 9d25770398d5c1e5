"""The downloads of what pages show (downloads.py ``export_files``) are keyed by their schema and
records: an incremental build writes again only those whose records changed, and the site still
comes out byte for byte as a cold build's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.site import build_site, downloads
from tests.site.test_site_incremental import (
    AS_OF,
    _decision_done,
    _drop_first,
    _keys,
    assert_same_site,
    cold_copy,
    edit_csv,
    fixture_portal,
    mtimes,
)

__all__ = ["fixture_portal"]  # the fixture, used by name


@pytest.fixture()
def written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], list[str]]:
    """The formats of the export files written so far (their writers still run), noted in a file: with a live
    site a forked child writes them (``build.FILES_APART``), whose list would stay in the child."""
    notes = tmp_path / "exports-written.txt"
    notes.touch()

    def counted(fmt: str) -> Any:
        real = downloads._WRITERS[fmt]

        def write(schema: dict[str, Any], records: list[Any]) -> bytes:
            with notes.open("a") as file:
                file.write(f"{schema['name']}.{fmt}\n")
            return real(schema, records)
        return write

    monkeypatch.setattr(downloads, "_WRITERS", {fmt: counted(fmt) for fmt in downloads._WRITERS})
    return lambda: notes.read_text().split()


def _exports(site: Path) -> list[str]:
    """The site's export files (CSV and XLSX beside their pages, not the published data)."""
    return sorted(p for p in mtimes(site) if p.endswith((".csv", ".xlsx")) and not p.startswith(("data/", "templat/")))


def test_exports_whose_records_did_not_change_are_kept_as_they_are(fixture_portal: Portal, tmp_path: Path,
                                                                   written: Callable[[], list[str]]) -> None:
    site = fixture_portal.output / "site"
    exports = _exports(site)
    assert len(exports) == 16 and all(p in _keys(site) for p in exports)  # 4 tables x 2 formats x 2 languages
    before = mtimes(site)
    edit_csv(fixture_portal.output / "data" / "agendas.csv", _drop_first)  # no export shows an agenda
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert written() == []
    after = mtimes(site)
    assert [p for p in exports if after[p] != before[p]] == []
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def test_an_export_whose_records_changed_is_written_again_like_a_cold_build(fixture_portal: Portal, tmp_path: Path,
                                                                            written: Callable[[], list[str]]) -> None:
    site = fixture_portal.output / "site"
    before = mtimes(site)
    edit_csv(fixture_portal.output / "data" / "decisions.csv", _decision_done)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert "decisions.csv" in written() and "decisions.xlsx" in written()
    assert "performance.csv" not in written() and "compliance.xlsx" not in written()
    after = mtimes(site)
    assert "keputusan/keputusan.csv" in [p for p in _exports(site) if after[p] != before[p]]
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def test_an_export_deleted_by_hand_is_made_again(fixture_portal: Portal, tmp_path: Path,
                                                written: Callable[[], list[str]]) -> None:
    site = fixture_portal.output / "site"
    gone = site / "kepatuhan" / "kepatuhan.xlsx"
    body = gone.read_bytes()
    gone.unlink()
    edit_csv(fixture_portal.output / "data" / "agendas.csv", _drop_first)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert written() == ["compliance.xlsx"] and gone.read_bytes() == body
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))
