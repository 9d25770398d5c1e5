"""The problems each stored report shows are kept by the report's SHA-256 (reportcache.py): a build
after a late file reads only the reports that changed, and its site is byte for byte a cold build's;
a damaged, foreign or other code's kept file counts as nothing kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import treehash
from pipeline.core.config import load_portal
from pipeline.site import build_site, reportcache
from pipeline.site.keptpickle import save_plain
from tests.site.test_site_incremental import assert_same_site, cold_copy
from tests.town_support import publish, published_town
from tools.bench import city

AS_OF = date(2026, 11, 28)
SHOWN = ([{"cell": "B2", "row": 2, "field": "date", "value": "x", "code": "type-error", "id": "salah", "en": "bad"}],
         [])


def test_a_late_file_reads_only_the_changed_reports_and_builds_the_cold_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # the town's files stand for files written long ago
    town, datasets, output = published_town(tmp_path / "live")
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    kept = reportcache.load(output / "site-cache" / reportcache.FILE_NAME)
    assert len(kept) > 20  # every report of the town kept, by digest
    read: list[dict[str, Any]] = []
    real = reportcache.shown

    def spy(report: dict[str, Any]) -> reportcache.Shown:
        read.append(report)
        return real(report)
    monkeypatch.setattr(reportcache, "shown", spy)
    city.correct_old_file(town, datasets)
    publish(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    assert 1 <= len(read) <= 3, len(read)  # the corrected file's new report, not the town's dozens
    assert_same_site(output / "site", cold_copy(portal, tmp_path / "cold", AS_OF))


def test_kept_problems_are_used_by_their_digest_and_written_only_when_they_change(tmp_path: Path) -> None:
    kept = reportcache.KeptReports(tmp_path)
    assert kept.get("a" * 64) is None
    kept.put("a" * 64, SHOWN)
    kept.save()
    again = reportcache.KeptReports(tmp_path)
    assert again.get("a" * 64) == SHOWN and again.get("b" * 64) is None
    stat = (tmp_path / reportcache.FILE_NAME).stat()
    again.save()  # the same reports: not written again
    assert (tmp_path / reportcache.FILE_NAME).stat().st_mtime_ns == stat.st_mtime_ns
    emptied = reportcache.KeptReports(tmp_path)
    emptied.save()  # no report of this build: the old ones go
    assert reportcache.load(tmp_path / reportcache.FILE_NAME) == {}


@pytest.mark.parametrize("value", [
    ("other code", {"a" * 64: SHOWN}),
    [None, {}],
    ("", {"a" * 64: (["not a problem list"],)}),
    ("", {1: SHOWN}),
])
def test_a_kept_file_of_another_code_or_shape_counts_as_nothing_kept(tmp_path: Path, value: Any) -> None:
    path = tmp_path / reportcache.FILE_NAME
    if isinstance(value, tuple) and value[0] == "":
        value = (reportcache._code(), value[1])
    save_plain(path, reportcache.MAGIC, value)
    assert reportcache.load(path) == {}
    path.write_bytes(path.read_bytes()[:-3])  # cut short: its payload's digest no longer holds
    assert reportcache.load(path) == {}
