"""The store's commit puts on disk every file its index names and the caller's staged files, before the index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.store import Store
from pipeline.store import flush as flushing


class Flushes:
    """The real ``fsync`` and ``sync``, each call recorded (what it flushed, and whether the index existed then)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, index: Path) -> None:
        self.files: list[str] = []
        self.syncs = 0
        self.index = index
        self.before_index = True
        fsync, sync = os.fsync, os.sync

        def recorded_fsync(fd: int) -> None:
            self.files.append(os.readlink(f"/proc/self/fd/{fd}"))
            self.before_index &= not index.exists()
            fsync(fd)

        def recorded_sync() -> None:
            self.syncs += 1
            self.before_index &= not index.exists()
            sync()

        monkeypatch.setattr(os, "fsync", recorded_fsync)
        monkeypatch.setattr(os, "sync", recorded_sync)


def _ancestors(path: Path, top: Path) -> set[str]:
    """The folders of ``path`` from its own up to ``top``'s parent."""
    return {str(p) for p in path.parents if p == top.parent or p.is_relative_to(top)}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc to name what was flushed")
def test_a_commit_flushes_the_files_it_names_and_the_staged_ones_before_the_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file of the commit (written now, or found holding its bytes: a killed run's unflushed copy) and every
    staged file, with each folder up to the output folder's parent, is flushed before the index is written."""
    output = tmp_path / "output"
    root = output / "store"
    left = root / "files/2026-10/a/agendas/r001-abc.csv"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"x\n")  # left by a run killed before its commit: the plan does not write it again
    staged = output / ".data.new" / "agendas.csv"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"agenda_id\n")
    store = Store.load(root)
    store.pending = {"files/2026-10/a/agendas/r001-abc.csv": b"x\n", "rows/2026-10/a/agendas/r001.json": b"[]\n",
                     "reports/2026-10/a/agendas/r001.json": b"{}\n"}
    writing = store.start_writing()
    assert len(writing.writes) == 2  # the received copy holds its bytes already
    writing.write()
    seen = Flushes(monkeypatch, root / "index.json")
    store.commit(writing, [str(staged)])
    named = [root / rel for rel in ("files/2026-10/a/agendas/r001-abc.csv", "rows/2026-10/a/agendas/r001.json",
                                    "reports/2026-10/a/agendas/r001.json")] + [staged]
    folders = set().union(*(_ancestors(p, output) for p in named))
    flushed = seen.files[:len(named) + len(folders)]
    assert set(flushed) == {str(p) for p in named} | folders and len(flushed) == len(set(flushed))
    assert seen.before_index and seen.syncs == 0
    assert str(output.parent) in folders and str(root / "rows/2026-10/a/agendas") in folders
    assert (root / "index.json").is_file()


def test_many_files_are_flushed_with_one_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``FSYNC_UP_TO`` files (a first publish), one ``os.sync`` instead of a call per file."""
    monkeypatch.setattr(flushing, "FSYNC_UP_TO", 3)
    root = tmp_path / "output" / "store"
    store = Store.load(root)
    store.pending = {f"rows/2026-10/a{n}/agendas/r001.json": b"[]\n" for n in range(4)}
    seen = Flushes(monkeypatch, root / "index.json")
    store.commit()
    assert seen.syncs == 1 and seen.before_index
    assert all(not f.startswith(str(root / "rows")) for f in seen.files)  # only the index and log, once written


def test_a_staged_file_that_cannot_be_flushed_fails_the_commit_with_every_write_undone(tmp_path: Path) -> None:
    """A staged file gone before the flush (a disk error alike) fails the commit: no index, the store as it was."""
    root = tmp_path / "output" / "store"
    store = Store.load(root)
    store.pending = {"rows/2026-10/a/agendas/r001.json": b"[]\n"}
    with pytest.raises(FileNotFoundError):
        store.commit(None, [str(tmp_path / "output" / ".data.new" / "gone.csv")])
    assert not (root / "index.json").exists() and not (root / "rows").exists()


def test_an_early_flush_starts_a_sync_only_for_a_run_that_will_sync_everything(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    started: list[str] = []
    real = threading.Thread.start

    def start(self: threading.Thread) -> None:
        started.append(self.name)
        real(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    flushing.start_early(flushing.FSYNC_UP_TO)  # a commit that fsyncs file by file: nothing started
    assert started == []
    flushing.start_early(flushing.FSYNC_UP_TO + 1)
    assert started == ["early-sync"]


def test_a_flush_ahead_fsyncs_each_file_of_a_small_run_in_a_thread_and_passes_over_a_missing_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data files of a new agency-month put on disk while the side folders are staged: each one fsync'ed in a
    thread (a file gone meanwhile passed over: the commit's own fsync tells), none for a run that syncs everything."""
    import threading

    files = [tmp_path / "agendas.csv", tmp_path / "agendas.json"]
    for path in files:
        path.write_bytes(b"x" * 100_000)
    flushes = Flushes(monkeypatch, tmp_path / "index.json")
    threads: list[threading.Thread] = []
    real = threading.Thread.start

    def start(self: threading.Thread) -> None:
        threads.append(self)
        real(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    flushing.flush_ahead([str(files[0]), str(tmp_path / "gone.csv"), str(files[1])])
    assert [t.name for t in threads] == ["early-fsync"]
    threads[0].join()
    assert flushes.files == [str(files[0]), str(files[1])]
    assert [p.read_bytes() for p in files] == [b"x" * 100_000] * 2
    flushing.flush_ahead([str(files[0])] * (flushing.FSYNC_UP_TO + 1))  # one os.sync at the commit: nothing here
    flushing.flush_ahead([])
    assert len(threads) == 1
