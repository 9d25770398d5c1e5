"""Folder listings kept by the folder's stat (core/listings.py): a stat walk that uses them feeds exactly the bytes
``treehash.stat_tree`` feeds, through every change of a file or a folder, on real files.

Where a listing must be kept for a folder made a moment ago, the racy window is set to 0 (the folders then stand for
folders made long ago); the window itself is tested with its real length.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import listings, treehash
from pipeline.core.treehash import stat_tree


def _tree(tmp_path: Path) -> Path:
    """Folders of real files, nested as the store's reports are (period/agency/table/file)."""
    root = tmp_path / "reports"
    for period in ("2026-07", "2026-08"):
        for agency in ("bpbd", "lbh"):
            folder = root / period / agency / "agendas"
            folder.mkdir(parents=True)
            (folder / "r001.json").write_bytes(b'{"ok": true}\n')
            (root / period / agency / "index.html").write_bytes(b"<p>index</p>\n")
    return root


def _plain(root: Path) -> str:
    h = hashlib.sha256()
    stat_tree(h, "r", root)
    return h.hexdigest()


def _walked(root: Path) -> tuple[str, list[listings.Folder]]:
    """The digest of a walk that lists every folder, and its plan."""
    lines, plan = listings.walk("r", root)
    return hashlib.sha256(b"".join(lines)).hexdigest(), plan


def _by_plan(root: Path, plan: list[listings.Folder] | None) -> str:
    h = hashlib.sha256()
    listings.stat_walk(h, "r", root, plan)
    return h.hexdigest()


def _edit_in_place(path: Path) -> None:
    st = path.stat()
    time.sleep(0.05)  # past the coarse clock tick of the file system's change time
    path.write_bytes(path.read_bytes().replace(b"true", b"ok!!"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_kept_plan_gives_the_walk_s_bytes_through_every_change(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    first, plan = _walked(root)
    assert first == _plain(root) and len(plan) == 11  # the root, 2 periods, 4 agencies, 4 tables
    assert all(key is not None for _, key, _, _ in plan)
    assert _by_plan(root, plan) == first
    _edit_in_place(root / "2026-07" / "bpbd" / "agendas" / "r001.json")
    edited = _by_plan(root, plan)
    assert edited == _plain(root) != first  # a file edited in place: its own stat tells, its folder's does not
    (root / "2026-07" / "bpbd" / "agendas" / "r002.json").write_bytes(b"{}")  # a file added: its folder listed
    added = _by_plan(root, plan)
    assert added == _plain(root) != edited
    (root / "2026-08" / "lbh" / "index.html").unlink()
    assert _by_plan(root, plan) == _plain(root) != added
    (root / "2026-09").mkdir()  # a folder added: the tree is walked
    assert _by_plan(root, plan) == _plain(root)
    (root / "2026-07" / "lbh" / "agendas" / "r001.json").unlink()
    (root / "2026-07" / "lbh" / "agendas").rmdir()
    assert _by_plan(root, plan) == _plain(root)
    assert _by_plan(root, _walked(root)[1]) == _plain(root)


def test_a_folder_too_recent_or_holding_a_link_has_no_key(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "2026-07" / "lbh" / "link").symlink_to(root / "2026-08")
    digest, plan = _walked(root)
    assert digest == _plain(root) and all(key is None for _, key, _, _ in plan)  # made a moment ago
    time.sleep(treehash.RACY_NS / 1e9 + 0.1)
    digest, plan = _walked(root)
    keys = {sub: key for sub, key, _, _ in plan}
    assert digest == _plain(root) and keys[""] is not None and keys["2026-07/lbh"] is None  # it holds a link
    assert _by_plan(root, plan) == digest
    (root / "2026-07" / "lbh" / "link").unlink()
    (root / "2026-07" / "lbh" / "link").symlink_to(root / "2026-08" / "bpbd" / "index.html")  # now names a file
    assert _by_plan(root, plan) == _plain(root) != digest


@pytest.mark.parametrize("plan", [[], [1], [["", None]], [["", None, [1], []]], [["", [1, 2], ["x"], ["y"]]],
                                  [["../..", None, [], []]]])
def test_a_damaged_plan_costs_the_walk_only(tmp_path: Path, plan: list[listings.Folder]) -> None:
    root = _tree(tmp_path)
    assert _by_plan(root, plan) in (_plain(root), _by_plan(root, []))
    assert _by_plan(root, [["", None, [], ["..", "2026-07"]]]) == _plain(root)


def test_plans_are_kept_only_when_they_change_and_a_damaged_file_gives_none(tmp_path: Path) -> None:
    kept = tmp_path / "listings.json"
    plans = {"r": [["", None, ["a"], []]]}
    listings.save(kept, plans)
    assert listings.load(kept) == plans
    st = kept.stat()
    listings.save(kept, plans)
    assert kept.stat().st_ino == st.st_ino and kept.stat().st_mtime_ns == st.st_mtime_ns
    for damage in (b"", b"{", b'{"format": "mpp-listings 2", "plans": []}', b'{"format": "other", "plans": {}}'):
        kept.write_bytes(damage)
        assert listings.load(kept) == {}


def _walked_with(root: Path, kept: list[listings.Folder] | None) -> tuple[list[bytes], list[listings.Folder]]:
    return listings.walk("r", root, kept)


def test_a_walk_given_the_kept_plan_lists_only_changed_folders_and_equals_a_full_walk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk ``remember`` makes after a publish: lines and plan as a walk listing every folder gives them."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    _, kept = _walked(root)
    listed: list[str] = []
    real = listings._listing

    def counted(folder: str) -> Any:
        listed.append(folder)
        return real(folder)

    monkeypatch.setattr(listings, "_listing", counted)
    assert _walked_with(root, kept) == listings.walk("r", root)
    listed.clear()
    assert _walked_with(root, kept) == listings.walk("r", root, None)
    assert len(listed) == 11  # the walk without a plan lists every folder; the one with it, none
    listed.clear()
    _walked_with(root, kept)
    assert listed == []
    time.sleep(0.05)
    _edit_in_place(root / "2026-07" / "bpbd" / "agendas" / "r001.json")
    (root / "2026-08" / "lbh" / "agendas" / "r002.json").write_bytes(b"{}")  # a file added: its folder listed
    (root / "2026-07" / "bpbd" / "index.html").unlink()
    (root / "2026-09" / "pa").mkdir(parents=True)  # a folder added: its parent listed
    (root / "2026-09" / "pa" / "index.html").write_bytes(b"<p>new</p>\n")
    listed.clear()
    walked = _walked_with(root, kept)
    assert sorted(os.path.relpath(f, root) for f in listed) == [
        ".", "2026-07/bpbd", "2026-08/lbh/agendas", "2026-09", "2026-09/pa"]
    assert walked == listings.walk("r", root)
    assert hashlib.sha256(b"".join(walked[0])).hexdigest() == _plain(root)


@pytest.mark.parametrize("damage", ["name", "shape"])
def test_a_walk_given_a_damaged_plan_lists_the_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        damage: str) -> None:
    """A kept listing naming a file that is not there, or a plan of another shape, costs the listing only."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    _, kept = _walked(root)
    if damage == "name":
        kept[-1][2] = ["gone.json"]  # a folder's key kept, with a file that is not there
    else:
        kept.append(["", [1, 2], "x", None])
    assert _walked_with(root, kept) == listings.walk("r", root)


def test_present_takes_unchanged_folders_from_the_kept_plan_and_finds_every_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entries a publish's staging compares its folder with (``listings.present``): those a full listing finds,
    links to folders apart, whatever changed since the plan was kept; unchanged folders are not listed."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    _, kept = _walked(root)
    listed: list[str] = []
    real = os.scandir

    def counted(path: Any) -> Any:
        listed.append(os.path.relpath(path, root))
        return real(path)

    monkeypatch.setattr(os, "scandir", counted)  # (the module listings.py uses)
    full = listings.present(str(root), None)
    assert full == ({"2026-07/bpbd/index.html", "2026-07/bpbd/agendas/r001.json", "2026-07/lbh/index.html",
                     "2026-07/lbh/agendas/r001.json", "2026-08/bpbd/index.html", "2026-08/bpbd/agendas/r001.json",
                     "2026-08/lbh/index.html", "2026-08/lbh/agendas/r001.json"}, set())
    listed.clear()
    assert listings.present(str(root), kept) == full and listed == []
    time.sleep(0.05)
    (root / "2026-07" / "bpbd" / "stray.txt").write_bytes(b"x")
    (root / "2026-08" / "lbh" / "agendas" / "r001.json").unlink()
    (root / "2026-08" / "lbh" / "link").symlink_to(root / "2026-07")
    (root / "2026-09" / "pa").mkdir(parents=True)
    (root / "2026-09" / "pa" / "index.html").write_bytes(b"<p>new</p>\n")
    listed.clear()
    found = listings.present(str(root), kept)
    changed = sorted(listed)
    assert found == listings.present(str(root), None)
    assert "2026-07/bpbd/stray.txt" in found[0] and "2026-08/lbh/agendas/r001.json" not in found[0]
    assert found[1] == {"2026-08/lbh/link"} and "2026-09/pa/index.html" in found[0]
    assert changed == [".", "2026-07/bpbd", "2026-08/lbh", "2026-08/lbh/agendas", "2026-09", "2026-09/pa"]
    assert listings.present(str(root), [["", [1, 2], "x", None]]) == listings.present(str(root), None)


def test_a_walk_takes_back_the_lines_of_the_check_for_folders_unchanged_since(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk ``remember`` makes after a publish takes the lines the check's stat walk gave (``seen``) for each
    folder whose stat is still its kept key: only the files of the folders a rename or a removal changed are
    stat'ed, and the lines and plan are a full walk's."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    _, kept = _walked(root)
    seen: dict[str, list[bytes]] = {}
    h = hashlib.sha256()
    listings.stat_walk(h, "r", root, kept, seen)
    assert h.hexdigest() == _plain(root)
    assert sorted(seen) == sorted(sub for sub, *_ in kept)  # every folder held its key
    time.sleep(0.05)
    # As a publish swaps its files in: a file replaced by a rename, another removed.
    fresh = root / "2026-08" / "lbh" / "agendas" / ".r001.json.tmp"
    fresh.write_bytes(b'{"ok": false}\n')
    os.replace(fresh, root / "2026-08" / "lbh" / "agendas" / "r001.json")
    (root / "2026-07" / "bpbd" / "index.html").unlink()
    statted: list[str] = []
    real = os.lstat

    def counted(path: Any) -> os.stat_result:
        statted.append(os.path.relpath(path, root))
        return real(path)

    monkeypatch.setattr(listings.os, "lstat", counted)
    walked = listings.walk("r", root, kept, seen)
    monkeypatch.setattr(listings.os, "lstat", real)
    assert walked == listings.walk("r", root)
    assert hashlib.sha256(b"".join(walked[0])).hexdigest() == _plain(root)
    files = sorted(p for p in statted if not (root / p).is_dir())
    assert files == ["2026-08/lbh/agendas/r001.json"]  # the one changed folder's file; the others taken back
    # Lines of another walk, or of a folder that no longer holds as many files, are not taken.
    seen["2026-07/lbh"] = []
    assert listings.walk("r", root, kept, seen) == listings.walk("r", root)


def test_the_kept_listings_and_digests_are_saved_unflushed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Caches (a city's input digests are 2 MB, its output listings 600 kB): written without an ``fsync``, since one
    a power loss left short is not JSON (every folder listed, every file read) and an older one keeps keys the
    folders and files changed since no longer have."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    _, plan = _walked(root)
    listings.save(tmp_path / "listings.json", {"r": plan})
    digests = treehash.DigestCache(tmp_path / "digests.json")
    treehash.hash_tree(hashlib.sha256(), "r", root, None, digests)
    digests.save()
    assert synced == []
    assert listings.load(tmp_path / "listings.json") == {"r": plan}
    assert len(treehash.DigestCache(tmp_path / "digests.json").kept) == 8  # every file of the tree
