"""The sitemap files are kept as they are (not made, not written) while their key is the live one's: the
same page paths, the same date, the same code; any other change makes them again as a cold build does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.site import build_site, meta
from tests.site.test_site_incremental import AS_OF, assert_same_site, built_fixture, cold_copy, edit_csv, mtimes


def _decision_done(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**rows[0], "status": "done", "completed_on": "2026-11-01"}, *rows[1:]]


def _decision_more(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [*rows, {**rows[0], "decision_id": "K-99", "title": "Keputusan tambahan"}]


def _built(tmp_path: Path) -> Portal:
    return built_fixture(tmp_path / "live")


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each making of the sitemaps from now on (the real one, counted)."""
    made: list[int] = []
    real = meta.sitemaps

    def counted(*args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(meta, "sitemaps", counted)
    return made


def test_a_change_without_a_page_more_or_less_keeps_the_sitemap(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    portal = _built(tmp_path)
    site = portal.output / "site"
    before = mtimes(site)
    made = _counted(monkeypatch)
    edit_csv(portal.output / "data" / "decisions.csv", _decision_done)
    assert not build_site(portal, AS_OF, search=False).skipped
    assert made == []  # not even made
    after = mtimes(site)
    assert after["sitemap.xml"] == before["sitemap.xml"]
    assert after["keputusan/index.html"] != before["keputusan/index.html"]  # the build did write what changed
    assert_same_site(site, cold_copy(portal, tmp_path / "cold", AS_OF))


def test_a_page_more_makes_the_sitemap_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portal = _built(tmp_path)
    site = portal.output / "site"
    made = _counted(monkeypatch)
    edit_csv(portal.output / "data" / "decisions.csv", _decision_more)
    assert not build_site(portal, AS_OF, search=False).skipped
    assert made == [1]
    assert "/K-99/" in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert_same_site(site, cold_copy(portal, tmp_path / "cold", AS_OF))


def test_a_sitemap_missing_from_the_live_site_is_made_again(tmp_path: Path) -> None:
    portal = _built(tmp_path)
    site = portal.output / "site"
    (site / "sitemap.xml").unlink()
    edit_csv(portal.output / "data" / "decisions.csv", _decision_done)
    assert not build_site(portal, AS_OF, search=False).skipped
    assert_same_site(site, cold_copy(portal, tmp_path / "cold", AS_OF))


def test_the_numbered_sitemaps_kept_are_those_of_the_key() -> None:
    live = {"/sitemap.xml": "k", "/sitemap-1.xml": "k", "/sitemap-2.xml": "k", "/sitemap-3.xml": "old"}
    assert meta.kept_sitemaps("k", live.get) == ["/sitemap.xml", "/sitemap-1.xml", "/sitemap-2.xml"]
    assert meta.kept_sitemaps("new", live.get) is None
    assert meta.kept_sitemaps("k", {"/sitemap-1.xml": "k"}.get) is None
