"""A folder swapped in file by file (core/atomic.py ``commit_files``) that does not exist yet (a first publish)
is the staging folder renamed into place when it holds exactly the planned files; else the plan is carried out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.core import atomic
from pipeline.core.atomic import COMMIT, commit_files, recover_dir, remove_gone, staging_dir


def _staged(root: Path, files: dict[str, bytes]) -> Path:
    """A staging folder for ``root / "data"`` holding ``files``."""
    staging = staging_dir(root / "data")
    for rel, body in files.items():
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).write_bytes(body)
    return staging


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


FILES = {"a.csv": b"a\n", "sub/b.json": b"{}", "sub/deep/c.xlsx": b"PK"}


def test_a_first_swap_renames_the_staging_folder_holding_exactly_the_plan(tmp_path: Path) -> None:
    staging = _staged(tmp_path, FILES)
    inode = staging.stat().st_ino
    commit_files(staging, tmp_path / "data", sorted(FILES), [])
    assert (tmp_path / "data").stat().st_ino == inode  # the folder itself, moved once
    assert _files(tmp_path / "data") == FILES and not staging.exists()
    assert not (tmp_path / "data" / COMMIT).exists()


def test_a_first_swap_with_anything_beyond_the_plan_moves_the_planned_files_only(tmp_path: Path) -> None:
    for extra in ("file", "empty folder", "link"):
        root = tmp_path / extra.replace(" ", "-")
        root.mkdir()
        staging = _staged(root, {**FILES, "stray.tmp": b"x"} if extra == "file" else FILES)
        if extra == "empty folder":
            (staging / "sub" / "empty").mkdir()
        if extra == "link":
            os.symlink("a.csv", staging / "link.csv")
        commit_files(staging, root / "data", sorted(FILES), [])
        assert _files(root / "data") == FILES, extra
        assert not staging.exists() and not (root / "data" / "sub" / "empty").exists()


def test_a_first_swap_missing_a_planned_file_is_not_a_rename(tmp_path: Path) -> None:
    staging = _staged(tmp_path, {"a.csv": b"a\n"})
    inode = staging.stat().st_ino
    commit_files(staging, tmp_path / "data", ["a.csv", "gone.csv"], [])  # (a move already made is passed over)
    assert (tmp_path / "data").stat().st_ino != inode
    assert _files(tmp_path / "data") == {"a.csv": b"a\n"}


def test_a_swap_into_a_folder_in_place_is_file_by_file_and_an_interrupted_first_rename_is_rebuilt(
        tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "kept.csv").write_bytes(b"k")
    staging = _staged(tmp_path, FILES)
    commit_files(staging, tmp_path / "data", sorted(FILES), [])
    assert _files(tmp_path / "data") == {**FILES, "kept.csv": b"k"}
    # A first swap interrupted before its rename left a staging folder without a plan: the folder is not there
    # (the run that follows rebuilds it from the committed store), and the next staging folder starts empty.
    other = tmp_path / "other"
    other.mkdir()
    _staged(other, FILES)
    recover_dir(other / "data")
    assert not (other / "data").exists()
    assert _files(staging_dir(other / "data")) == {}


def test_large_files_replaced_are_kept_until_removed_and_a_leftover_goes_at_the_next_recovery(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "GONE_FROM", 3)  # "a\n" (2 bytes) is small; the others are large
    old = {"a.csv": b"a\n", "big.json": b"[old]", "same.csv": b"kept", "sub/deep/c.xlsx": b"PKold"}
    commit_files(_staged(tmp_path, old), tmp_path / "data", sorted(old), [])
    inode = (tmp_path / "data" / "big.json").stat().st_ino
    new = {"a.csv": b"b\n", "big.json": b"[new]", "sub/deep/c.xlsx": b"PKnew"}
    commit_files(_staged(tmp_path, new), tmp_path / "data", sorted(new), [], gone=True)
    assert _files(tmp_path / "data") == {**new, "same.csv": b"kept"}
    gone = tmp_path / ".data.gone"
    # The large files replaced, still linked (their move freed nothing); the small one and the unchanged one not.
    assert sorted(_files(gone).values()) == [b"PKold", b"[old]"]
    assert (gone / str(inode)).read_bytes() == b"[old]"
    remove_gone(tmp_path / "data")
    assert not gone.exists()
    newer = {"big.json": b"[newer]"}
    commit_files(_staged(tmp_path, newer), tmp_path / "data", sorted(newer), [], gone=True)
    assert gone.exists()  # a run killed before it removed them: the next one's recovery does
    recover_dir(tmp_path / "data")
    assert not gone.exists() and (tmp_path / "data" / "big.json").read_bytes() == b"[newer]"
