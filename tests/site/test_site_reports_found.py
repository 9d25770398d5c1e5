"""The report pages take each stored report's digest from the build's own check (``DigestCache.found``): the
store's reports the check digested are not stat'ed again, and a report edited by hand since the last build is
found by that check (its stat changed) and read again. On a real published town."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import treehash
from pipeline.core.config import load_portal
from pipeline.core.templating import SITE_TEMPLATES
from pipeline.site import fingerprint, reportcache
from pipeline.site.build import build_site
from pipeline.site.feedback_data import load_reports
from pipeline.site.loader import load_site_data
from pipeline.store import Store
from tests.town_support import published_town

AS_OF = date(2026, 11, 28)


def test_the_checks_digests_stand_for_the_reports_without_a_second_stat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # the town's files stand for files written long ago
    _, datasets, output = published_town(tmp_path)
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    fingerprint.inputs_fingerprint(portal, AS_OF, SITE_TEMPLATES, False)
    digests = fingerprint.checked(portal, SITE_TEMPLATES)
    submissions = load_site_data(portal, AS_OF).submissions
    stated: list[str] = []
    real = os.lstat

    def spy(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        stated.append(str(path))
        return real(path, *args, **kwargs)
    monkeypatch.setattr(os, "lstat", spy)
    kept = reportcache.KeptReports(output / "site-cache")
    found = load_reports(output, submissions, digests, kept)
    monkeypatch.setattr(os, "lstat", real)
    reports = str(output / "store" / "reports")
    assert found and not [p for p in stated if p.startswith(reports)]
    assert found == load_reports(output, submissions)  # as read from the store itself


def test_a_report_edited_by_hand_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    _, datasets, output = published_town(tmp_path)
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    submissions = load_site_data(portal, AS_OF).submissions
    before = load_reports(output, submissions)
    key, view = next((k, v) for k, v in before.items() if v.errors)
    store = Store.load(output / "store")
    version = store.version(key, store.pointers[key].current)
    assert version is not None
    path = store.root / version.report_path
    body = path.read_text(encoding="utf-8")
    shown = view.errors[0]["id"]
    path.write_text(body.replace(shown.replace('"', '\\"'), "DIUBAH TANGAN"), encoding="utf-8")
    fingerprint.inputs_fingerprint(portal, AS_OF, SITE_TEMPLATES, False)
    found = load_reports(output, submissions, fingerprint.checked(portal, SITE_TEMPLATES),
                         reportcache.KeptReports(output / "site-cache"))
    assert found[key].errors[0]["id"] == "DIUBAH TANGAN"
    assert found == load_reports(output, submissions)
