"""The datasets folder scanned with its folders' kept listings (core/input_listings.py) gives what ``scan_tree`` gives.

Real folders and files: a folder unchanged since its listing was kept is stat'ed, not listed, and every change
(a file edited in place, added, removed, replaced by a link, a subfolder added, a damaged plan) gives the same
entries as a walk without the plan. Only folders of table files are kept, by the SHA-256 of their path: no other
name reaches the kept file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import input_listings, treehash
from pipeline.core.treehash import RACY_NS, scan_tree

SETTLE = RACY_NS / 1e9 + 0.1


def _datasets(tmp_path: Path) -> Path:
    """A datasets folder: two agency-months of table files, one holding a file of another name, a reference."""
    root = tmp_path / "datasets"
    for agency in ("bpbd", "dinkes"):
        (root / "submissions" / "2026-10" / agency).mkdir(parents=True)
        for table in ("agendas.csv", "performance.xlsx"):
            (root / "submissions" / "2026-10" / agency / table).write_bytes(f"{agency} {table}\n".encode())
    (root / "submissions" / "2026-10" / "dinkes" / "Laporan Budi.csv").write_bytes(b"x\n")
    (root / "reference").mkdir()
    (root / "reference" / "agencies.csv").write_bytes(b"agency\nbpbd\n")
    (root / "portal.toml").write_bytes(b'city = "Kota"\n')
    return root


def _scan(root: Path, kept: dict[str, list[Any]]) -> tuple[list[Any], dict[str, list[Any]]]:
    plan: dict[str, list[Any]] = {}
    return input_listings.scan("datasets", root, kept, plan), plan


def _listed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders listed from now on (``treehash.walk_listing``, which ``input_listings`` calls)."""
    seen: list[str] = []
    real = treehash.walk_listing

    def listing(folder: str, suffix: str | None) -> Any:
        seen.append(folder)
        return real(folder, suffix)

    monkeypatch.setattr(input_listings, "walk_listing", listing)
    return seen


def test_an_unchanged_folder_of_table_files_is_stat_ed_and_every_change_is_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _datasets(tmp_path)
    time.sleep(SETTLE)
    scanned, plan = _scan(root, {})
    assert scanned == scan_tree("datasets", root, None)
    bpbd = root / "submissions" / "2026-10" / "bpbd"
    assert list(plan) == [treehash.entry_name(str(bpbd))]  # dinkes holds another name: listed each time
    assert plan[treehash.entry_name(str(bpbd))][5] == ["agendas.csv", "performance.xlsx"]
    listed = _listed(monkeypatch)
    again, plan2 = _scan(root, plan)
    assert again == scanned and plan2 == plan and str(bpbd) not in listed and len(listed) == 5
    path = bpbd / "agendas.csv"
    path.write_bytes(b"bpbd agendas.csv, edited\n")  # in place: the folder's stat is as it was
    assert _scan(root, plan)[0] == scan_tree("datasets", root, None) != scanned
    (bpbd / "decisions.csv").write_bytes(b"new\n")
    assert _scan(root, plan)[0] == scan_tree("datasets", root, None)
    (bpbd / "decisions.csv").unlink()
    path.unlink()
    os.symlink(root / "portal.toml", path)
    assert _scan(root, plan)[0] == scan_tree("datasets", root, None)
    (bpbd / "sub").mkdir()
    (bpbd / "sub" / "agendas.csv").write_bytes(b"deeper\n")
    assert _scan(root, plan)[0] == scan_tree("datasets", root, None)


def test_a_damaged_or_foreign_plan_only_costs_the_listings(tmp_path: Path) -> None:
    root = _datasets(tmp_path)
    time.sleep(SETTLE)
    _, plan = _scan(root, {})
    (name, entry), = plan.items()
    expected = scan_tree("datasets", root, None)
    for damaged in ({name: [*entry[:5], ["agendas.csv", "decisions.csv"]]},  # a kept name not there
                    {name: [*entry[:5], ["../portal.toml"]]}, {name: entry[:5]}, {name: "x"}):
        assert _scan(root, damaged)[0] == expected  # type: ignore[arg-type]
    input_listings.save(tmp_path / "listings.json", plan)
    assert input_listings.load(tmp_path / "listings.json") == plan
    (tmp_path / "listings.json").write_bytes(b'{"format": "other", "folders": {}}')
    assert input_listings.load(tmp_path / "listings.json") == {}


def test_a_folder_changed_a_moment_ago_and_other_names_are_never_kept(tmp_path: Path) -> None:
    root = _datasets(tmp_path)
    scanned, plan = _scan(root, {})
    assert scanned == scan_tree("datasets", root, None) and plan == {}  # too recent: an entry may follow unseen
    time.sleep(SETTLE)
    _, plan = _scan(root, {})
    input_listings.save(tmp_path / "listings.json", plan)
    kept = (tmp_path / "listings.json").read_text()
    for name in ("bpbd", "dinkes", "Laporan Budi", "2026-10", "submissions", "portal.toml", "agencies.csv"):
        assert name not in kept


def test_a_folder_holding_pycache_is_never_kept(tmp_path: Path) -> None:
    """``walk_listing`` leaves ``__pycache__`` out: a folder holding one is listed each time, so that the layout
    scan, which takes held folders' names (``held``), still finds it (a stray folder there)."""
    root = _datasets(tmp_path)
    bpbd = root / "submissions" / "2026-10" / "bpbd"
    (bpbd / "__pycache__").mkdir()
    time.sleep(SETTLE)
    _, plan = _scan(root, {})
    assert plan == {}


def test_held_folders_give_the_layout_scan_what_listing_them_gives(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The folders the check stat'ed instead of listing (``held``) are not listed again by ``scan_submissions``,
    which finds the same files and layout errors as without them; a folder changed since is listed."""
    from pipeline.validate import layout

    root = _datasets(tmp_path)
    (root / "submissions" / "2026-10" / "kpu").mkdir()  # an agency not in the reference: a layout error
    (root / "submissions" / "2026-10" / "kpu" / "agendas.csv").write_bytes(b"x\n")
    time.sleep(SETTLE)
    _, plan = _scan(root, {})
    held: input_listings.Held = {}
    input_listings.scan("datasets", root, plan, {}, held)
    bpbd = root / "submissions" / "2026-10" / "bpbd"
    kpu = root / "submissions" / "2026-10" / "kpu"
    assert held == {str(bpbd): ["agendas.csv", "performance.xlsx"], str(kpu): ["agendas.csv"]}
    agencies = {"bpbd", "dinkes"}
    listed: list[str] = []
    real = layout.entries_at

    def entries_at(fd: int, name: str, rel: str) -> Any:
        listed.append(rel)
        return real(fd, name, rel)

    monkeypatch.setattr(layout, "entries_at", entries_at)
    expected = layout.scan_submissions(root, agencies)
    assert listed == ["submissions/2026-10/bpbd", "submissions/2026-10/dinkes"]
    listed.clear()
    assert layout.scan_submissions(root, agencies, held) == expected
    assert listed == ["submissions/2026-10/dinkes"]  # held: bpbd; kpu is no agency, never listed
    assert [s.file for s in expected[0]] == ["submissions/2026-10/bpbd/agendas.csv",
                                            "submissions/2026-10/bpbd/performance.xlsx",
                                            "submissions/2026-10/dinkes/agendas.csv",
                                            "submissions/2026-10/dinkes/performance.xlsx"]
    (bpbd / "decisions.csv").write_bytes(b"new\n")  # the folder changed: listed again by the check
    held = {}
    input_listings.scan("datasets", root, plan, {}, held)
    assert str(bpbd) not in held
    assert layout.scan_submissions(root, agencies, held) == layout.scan_submissions(root, agencies)
