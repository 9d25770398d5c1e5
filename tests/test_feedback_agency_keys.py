"""Feedback pages kept by their agency's key (publish/feedback_keys.py): an agency whose inputs are unchanged has
none of its pages keyed, and every input its pages show changes its key (the folder then equals a fresh publish's)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import treehash
from pipeline.publish import feedback, reuse
from pipeline.publish import run as publish
from tests.publish_support import AGENCIES_CSV, PORTAL_TOML, Fixture, agenda, make_fixture, tree_bytes

AS_OF = date(2026, 11, 28)
NOW = datetime.fromisoformat("2026-11-28T06:15:00+07:00")


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """The (period, agency, table) of every file page keyed one by one (its version and report looked at)."""
    seen: list[tuple[str, str, str]] = []
    real = feedback._version_inputs

    def counted(store: Any, row: Any, digests: Any = None) -> tuple[object, ...]:
        seen.append((row["period"], row["agency_code"], row["table"]))
        return real(store, row, digests)

    monkeypatch.setattr(feedback, "_version_inputs", counted)
    monkeypatch.setattr(publish, "FORK", False)  # keyed in this process, where ``seen`` is
    # Every report and page lasts at once (else: 2 s after it was written), so that stats vouch for them.
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    monkeypatch.setattr(reuse, "RACY_NS", 0)
    return seen


def _warm(tmp_path: Path, keyed: list[tuple[str, str, str]]) -> Fixture:
    """Two agencies' files published, then published again: every agency's key recorded with its pages."""
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-09-02")])
    fx.put("2026-10", "disdukcapil", "agendas", [agenda("A-2", "planned", "2026-10-02")])
    fx.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    publish.publish_data(fx.portal, AS_OF, NOW)  # its reports written by it: no agency key yet
    publish.publish_data(fx.portal, AS_OF, NOW)
    keyed.clear()
    return fx


def _fresh(fx: Fixture, root: Path, as_of: date = AS_OF) -> dict[str, bytes]:
    """The feedback folder a publish of the same datasets into an empty output folder writes."""
    fresh = Fixture(fx.datasets, root)
    publish.publish_data(fresh.portal, as_of, NOW)
    return tree_bytes(root / "feedback")


def _nothing_kept(fx: Fixture, again: Path) -> dict[str, bytes]:
    """The feedback folder a publish from a copy of the output without the pages and their records writes."""
    shutil.copytree(fx.output, again)
    for record in ("feedback-inputs.json", "feedback-digests.json"):
        (again / "store" / record).unlink()
    shutil.rmtree(again / "feedback")
    publish.publish_data(Fixture(fx.datasets, again).portal, AS_OF, NOW)
    return tree_bytes(again / "feedback")


def test_an_unchanged_agencys_pages_are_not_keyed(tmp_path: Path, keyed: list[tuple[str, str, str]]) -> None:
    """A new file of dpmptsp keys dpmptsp's pages only; disdukcapil's are kept by their stat, and the folder is a
    fresh publish's."""
    fx = _warm(tmp_path, keyed)
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert keyed == []  # nothing new: no page keyed
    fx.put("2026-10", "dpmptsp", "decisions", [])
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert keyed and {agency for _, agency, _ in keyed} == {"dpmptsp"}
    assert tree_bytes(fx.output / "feedback") == _fresh(fx, tmp_path / "fresh")


def test_a_kept_agencys_page_changed_by_hand_is_rendered_again(tmp_path: Path,
                                                              keyed: list[tuple[str, str, str]]) -> None:
    """An agency's key vouches for its inputs, never for its pages: each is still checked in place."""
    fx = _warm(tmp_path, keyed)
    page = fx.output / "feedback" / "2026-09" / "disdukcapil" / "agendas.html"
    good = page.read_bytes()
    page.write_bytes(b"<p>tampered</p>")
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert keyed == [("2026-09", "disdukcapil", "agendas")] and page.read_bytes() == good


def _rename(fx: Fixture) -> None:
    (fx.datasets / "reference" / "agencies.csv").write_text(
        AGENCIES_CSV.replace("Disdukcapil <Kota>", "Dinas Kependudukan"), encoding="utf-8")


def _misplace(fx: Fixture) -> None:
    (fx.datasets / "submissions" / "2026-09" / "disdukcapil" / "agenda-lama.csv").write_text("x\n", encoding="utf-8")


def _receive(fx: Fixture) -> None:
    sent = (fx.datasets / "submissions" / "2026-09" / "disdukcapil" / "agendas.csv").read_bytes()
    import hashlib
    fx.receipt("submissions/2026-09/disdukcapil/agendas.csv", hashlib.sha256(sent).hexdigest(),
               "2026-10-03T08:00:00+07:00")


def _deadline(fx: Fixture) -> None:
    (fx.datasets / "portal.toml").write_text(PORTAL_TOML.replace("deadline_day = 10", "deadline_day = 5"),
                                             encoding="utf-8")


@pytest.mark.parametrize("change", [_rename, _misplace, _receive, _deadline])
def test_what_an_agencys_pages_show_changes_its_key(tmp_path: Path, keyed: list[tuple[str, str, str]],
                                                   change: Callable[[Fixture], None]) -> None:
    """The agency's name, a misplaced file in its folder, a receipt time, the settings: whatever changes, the
    folder is the one a fresh publish of the same inputs writes."""
    fx = _warm(tmp_path, keyed)
    before = tree_bytes(fx.output / "feedback")
    change(fx)
    publish.publish_data(fx.portal, AS_OF, NOW)
    after = tree_bytes(fx.output / "feedback")
    assert after != before and after == _fresh(fx, tmp_path / "fresh")


def test_a_file_gone_from_the_datasets_stays_shown(tmp_path: Path, keyed: list[tuple[str, str, str]]) -> None:
    """A file taken out of the datasets stays current in the store (a fresh publish never saw it): the pages are
    those a publish with nothing kept makes from the same store."""
    fx = _warm(tmp_path, keyed)
    fx.remove("2026-10", "disdukcapil", "agendas")
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert tree_bytes(fx.output / "feedback") == _nothing_kept(fx, tmp_path / "again")


def test_a_later_as_of_date_owes_new_months(tmp_path: Path, keyed: list[tuple[str, str, str]]) -> None:
    """A later date owes more months (new missing rows): the folder is a fresh publish's of that date."""
    fx = _warm(tmp_path, keyed)
    later = date(2027, 2, 20)
    publish.publish_data(fx.portal, later, NOW)
    assert tree_bytes(fx.output / "feedback") == _fresh(fx, tmp_path / "fresh", later)


def test_a_report_rewritten_in_the_store_is_shown(tmp_path: Path, keyed: list[tuple[str, str, str]]) -> None:
    """A store report changed since the agency's key was taken (its stat differs) is read again: the file page
    shows it, as a publish with nothing kept shows it from the same store."""
    fx = _warm(tmp_path, keyed)
    report = fx.output / "store" / "reports" / "2026-09" / "disdukcapil" / "agendas" / "r001.json"
    data = report.read_bytes()
    assert b"A-1" not in data
    report.write_bytes(data.replace(b'"file":"', b'"file":"A-1 '))
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert ("2026-09", "disdukcapil", "agendas") in keyed and {agency for _, agency, _ in keyed} == {"disdukcapil"}
    assert tree_bytes(fx.output / "feedback") == _nothing_kept(fx, tmp_path / "again")
