"""Agency keys recorded by the run that wrote their reports (publish/feedback_keys.py ``save``, ``settle_later``): a
first publish keys no agency while keying its pages, yet the run after it keys only the changed agency's pages; a key
is recorded only for reports found holding the bytes their pages were made from, lasting, under the record it
completes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.core import treehash
from pipeline.core.treehash import DigestCache, entry_name, stat_fields
from pipeline.publish import reuse
from pipeline.publish import run as publish
from pipeline.publish.feedback_keys import settle
from pipeline.publish.feedback_pending import LATER, Pending, Settler, joined, settle_later
from tests.publish_support import Fixture, agenda, make_fixture, tree_bytes
from tests.test_feedback_agency_keys import AS_OF, NOW, _fresh, _nothing_kept
from tests.test_feedback_agency_keys import keyed as keyed  # the fixture, used by name

LONG = 3_600_000_000_000  # a racy window no report leaves during a test


def _city(tmp_path: Path) -> Fixture:
    """Two agencies' files, not published yet."""
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-09-02")])
    fx.put("2026-10", "disdukcapil", "agendas", [agenda("A-2", "planned", "2026-10-02")])
    fx.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    return fx


def _groups(fx: Fixture) -> dict[str, str]:
    """The agencies' keys in the feedback record."""
    record = json.loads((fx.output / "store" / "feedback-inputs.json").read_bytes())
    return {name: key for name, key in record.items() if name.startswith(reuse.GROUP)}


def test_a_first_publish_keys_its_agencies(tmp_path: Path, keyed: list[tuple[str, str, str]]) -> None:
    """The first publish writes every report and keys every page; once its reports last it records both agencies'
    keys, and the next run, after a new file of dpmptsp, keys dpmptsp's pages only."""
    fx = _city(tmp_path)
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert len(keyed) == 3 and set(_groups(fx)) == {"@group disdukcapil", "@group dpmptsp"}
    assert not (fx.output / "store" / LATER).exists()
    keyed.clear()
    fx.put("2026-10", "dpmptsp", "decisions", [])
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert keyed and {agency for _, agency, _ in keyed} == {"dpmptsp"}
    assert tree_bytes(fx.output / "feedback") == _fresh(fx, tmp_path / "fresh")


def _pending(fx: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first publish whose reports do not last by the time its record is saved: its keys left for later."""
    monkeypatch.setattr(treehash, "RACY_NS", LONG)
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert _groups(fx) == {} and (fx.output / "store" / LATER).is_file()
    assert settle_later(fx.output / "store") == set()  # not lasting yet: nothing recorded, kept for later
    assert _groups(fx) == {}
    monkeypatch.setattr(treehash, "RACY_NS", 0)


def test_keys_left_pending_are_recorded_after_the_run(tmp_path: Path, keyed: list[tuple[str, str, str]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports too recent when the record is saved: their agencies' keys are recorded after the site build, and the
    next run keys only the changed agency's pages."""
    fx = _city(tmp_path)
    _pending(fx, monkeypatch)
    assert settle_later(fx.output / "store") == {"disdukcapil", "dpmptsp"}
    assert not (fx.output / "store" / LATER).exists()
    keyed.clear()
    fx.put("2026-09", "disdukcapil", "decisions", [])
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert keyed and {agency for _, agency, _ in keyed} == {"disdukcapil"}
    assert tree_bytes(fx.output / "feedback") == _fresh(fx, tmp_path / "fresh")


def test_a_report_changed_before_it_lasts_gives_no_key(tmp_path: Path, keyed: list[tuple[str, str, str]],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A report no longer holding the bytes its page was made from gives its agency no key: its pages are keyed again
    (as a publish with nothing kept makes them from the same store); the other agency's key is recorded."""
    fx = _city(tmp_path)
    _pending(fx, monkeypatch)
    report = fx.output / "store" / "reports" / "2026-09" / "disdukcapil" / "agendas" / "r001.json"
    report.write_bytes(report.read_bytes().replace(b'"file":"', b'"file":"A-1 '))
    assert settle_later(fx.output / "store") == {"dpmptsp"}
    keyed.clear()
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert {agency for _, agency, _ in keyed} == {"disdukcapil"}
    assert tree_bytes(fx.output / "feedback") == _nothing_kept(fx, tmp_path / "again")


def test_a_report_replaced_by_a_link_gives_no_key(tmp_path: Path, keyed: list[tuple[str, str, str]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A report that is a link now (even to the same bytes) is never read back for a key."""
    fx = _city(tmp_path)
    _pending(fx, monkeypatch)
    report = fx.output / "store" / "reports" / "2026-10" / "dpmptsp" / "agendas" / "r001.json"
    copy = tmp_path / "copy.json"
    copy.write_bytes(report.read_bytes())
    report.unlink()
    report.symlink_to(copy)
    assert settle_later(fx.output / "store") == {"disdukcapil"}


def test_keys_for_another_record_are_not_recorded(tmp_path: Path, keyed: list[tuple[str, str, str]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys left beside a record written again since (or a damaged file of them) are dropped, never recorded."""
    fx = _city(tmp_path)
    _pending(fx, monkeypatch)
    record = fx.output / "store" / "feedback-inputs.json"
    record.write_bytes(record.read_bytes() + b" ")
    assert settle_later(fx.output / "store") == set() and not (fx.output / "store" / LATER).exists()
    assert _groups(fx) == {}
    (fx.output / "store" / LATER).write_bytes(b'{"record": ')
    assert settle_later(fx.output / "store") == set() and _groups(fx) == {}


def test_settle_trusts_only_the_digests_the_pages_were_made_from(tmp_path: Path) -> None:
    """At the record's save a pending report counts only with the stat and digest its cache kept this run, equal to
    the one its page was made from; the key is the one ``agency_key`` gives once the stat is known."""
    report = tmp_path / "reports" / "r001.json"
    report.parent.mkdir()
    report.write_bytes(b"{}")
    st = report.stat()
    digests = DigestCache(tmp_path / "digests.json")
    digests.seen[entry_name(f"{tmp_path}/reports/r001.json")] = [*stat_fields(st), "a" * 64]
    good = Pending("body", ["1:2:3:4:5", ("reports/r001.json", "a" * 64)])
    wrong = Pending("body", [("reports/r001.json", "b" * 64)])
    unseen = Pending("body", [("reports/r002.json", "a" * 64)])
    keys = settle({"good": good, "wrong": wrong, "unseen": unseen}, str(tmp_path), digests)
    assert keys == {"good": joined("body", ["1:2:3:4:5", reuse.stat_key(st)])}


def test_a_failing_record_of_pending_keys_costs_nothing(tmp_path: Path, keyed: list[tuple[str, str, str]],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """No pending agency: no file of them is left (an older one is removed)."""
    fx = _city(tmp_path)
    _pending(fx, monkeypatch)
    publish.publish_data(fx.portal, AS_OF, NOW)  # nothing new in the store, every report lasting: every key recorded
    assert not (fx.output / "store" / LATER).exists()
    assert set(_groups(fx)) == {"@group disdukcapil", "@group dpmptsp"}
    assert settle_later(fx.output / "store") == set()


def test_a_settler_records_them_as_soon_as_the_reports_last(tmp_path: Path, keyed: list[tuple[str, str, str]],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's settler waits on its thread until the reports last (here 0.3 s after they were written), then
    records the keys while the caller still waits for the site; its ``finish`` then has nothing left to do."""
    fx = _city(tmp_path)
    _pending(fx, monkeypatch)
    monkeypatch.setattr(treehash, "RACY_NS", 300_000_000)
    settler = Settler(fx.output / "store")
    assert settler.timer is not None
    settler.timer.join(10)
    assert set(_groups(fx)) == {"@group disdukcapil", "@group dpmptsp"}
    assert settler.finish() == set() and not (fx.output / "store" / LATER).exists()
    assert Settler(fx.output / "store").timer is None  # nothing waited for: no thread
