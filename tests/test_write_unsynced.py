"""Unsynced atomic writes: folders made once per caller, nothing half-written left, a journal undone whole."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from pipeline.core.atomic import make_folder, write_plain, write_unsynced
from pipeline.store.journal import Journal


def test_files_land_whole_and_each_folder_is_made_once(tmp_path: Path) -> None:
    made: set[str] = set()
    for n in range(5):
        write_unsynced(tmp_path / "a" / "b" / f"{n}.json", b"x" * n, made)
    write_unsynced(tmp_path / "c" / "d.json", b"", made)
    assert made == {str(tmp_path / "a"), str(tmp_path / "a" / "b"), str(tmp_path / "c")}  # parents made too
    assert sorted(os.listdir(tmp_path / "a" / "b")) == [f"{n}.json" for n in range(5)]  # no temporary left
    assert (tmp_path / "a" / "b" / "4.json").read_bytes() == b"xxxx"
    big = os.urandom(3 << 20)  # more than one write() may take at once
    write_unsynced(tmp_path / "c" / "big", big, made)
    assert (tmp_path / "c" / "big").read_bytes() == big
    assert oct((tmp_path / "c" / "big").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()  # a folder where the file should go: the rename fails
    (tmp_path / "taken" / "inside").write_bytes(b"")
    with pytest.raises(OSError):
        write_unsynced(tmp_path / "taken", b"data", set())
    assert sorted(os.listdir(tmp_path)) == ["taken"]


def test_a_journal_undoes_every_file_and_folder_it_made(tmp_path: Path) -> None:
    (tmp_path / "kept").write_bytes(b"before")
    journal = Journal()
    for n in range(3):  # the folder is found missing once, then known
        journal.write(tmp_path / "new" / "deep" / f"{n}.json", b"new", sync=False)
    journal.write(tmp_path / "kept", b"after", sync=False)
    journal.write(tmp_path / "new" / "deep" / "0.json", b"new", sync=False)  # the same bytes: not written again
    assert len(journal.entries) == 4
    journal.undo()
    assert sorted(os.listdir(tmp_path)) == ["kept"] and (tmp_path / "kept").read_bytes() == b"before"


def _umask() -> int:
    """The process's umask (read by setting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_folders_are_made_once_per_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: set[str] = set()
    calls: list[str] = []
    real = os.mkdir

    def counted(path: str, *args: object, **kwargs: object) -> None:
        calls.append(str(path))
        real(path)

    monkeypatch.setattr(os, "mkdir", counted)
    for n in range(20):
        write_unsynced(tmp_path / "a" / "b" / f"{n}.json", b"x", made)
    assert calls == [str(tmp_path / "a" / "b"), str(tmp_path / "a"), str(tmp_path / "a" / "b")]  # parent, then it
    make_folder(str(tmp_path / "a" / "b"), made)  # known: no call
    assert len(calls) == 3
    (tmp_path / "f").write_bytes(b"")
    with pytest.raises(FileExistsError):
        make_folder(str(tmp_path / "f"), set())  # a file in a folder's place


def test_a_write_that_takes_nothing_is_a_full_disk_named_for_the_target(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``write_plain`` never loops on a file that takes no byte; the error names the file meant, not its temporary."""
    monkeypatch.setattr(os, "write", lambda fd, data: 0)  # restored after the test
    with pytest.raises(OSError) as failed:
        write_unsynced(tmp_path / "x.json", b"data", set())
    assert failed.value.errno == errno.ENOSPC and failed.value.filename == str(tmp_path / "x.json")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []  # the temporary removed
    with pytest.raises(OSError):
        write_plain(str(tmp_path / "missing" / "y"), b"")
