"""The store's journal: a plan into folders not there yet asks nothing of files that cannot exist, and undoes
every file and folder it made."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pipeline.core.errors import PublishError
from pipeline.runner import isolate
from pipeline.store import archive, journal
from pipeline.store.archive import Writing


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``root``."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


def test_a_plan_into_missing_folders_reads_no_file_and_is_undone_whole(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Files in folders that are not there are planned without a look at them; one in place with its bytes is
    not planned; one in place with other bytes is planned; undo leaves the store as it was, folders included."""
    root = tmp_path / "store"
    (root / "reports" / "2026-09" / "disdukcapil").mkdir(parents=True)
    (root / "reports" / "2026-09" / "disdukcapil" / "agendas.json").write_bytes(b"same")
    (root / "reports" / "2026-09" / "disdukcapil" / "decisions.json").write_bytes(b"old")
    before = _tree(root)
    asked: list[str] = []
    real = journal._old_bytes

    def watched(path: Path) -> bytes | None:
        asked.append(str(path.relative_to(root)))
        return real(path)

    monkeypatch.setattr(journal, "_old_bytes", watched)
    pending = {
        "reports/2026-09/disdukcapil/agendas.json": b"same",
        "reports/2026-09/disdukcapil/decisions.json": b"new",
        "reports/2026-10/disdukcapil/agendas.json": b"a",
        "reports/2026-10/dpmptsp/performance.json": b"p",
        "files/2026-10/disdukcapil/agendas.csv/0123.csv": b"csv",
    }
    writing = Writing(root, pending)
    assert writing.writes == ["files/2026-10/disdukcapil/agendas.csv/0123.csv",
                              "reports/2026-09/disdukcapil/decisions.json",
                              "reports/2026-10/disdukcapil/agendas.json", "reports/2026-10/dpmptsp/performance.json"]
    assert sorted(asked) == ["reports/2026-09/disdukcapil/agendas.json", "reports/2026-09/disdukcapil/decisions.json"]
    made = [p.relative_to(root).as_posix() for p in writing.journal.folders]
    assert made.index("files") < made.index("files/2026-10") < made.index("files/2026-10/disdukcapil/agendas.csv")
    assert made.index("reports/2026-10") < made.index("reports/2026-10/dpmptsp")
    assert writing.journal.absent(root / "files" / "2026-10" / "x.csv")
    assert not writing.journal.absent(root / "reports" / "2026-09" / "disdukcapil" / "x.json")

    writing.write()
    assert (root / "files/2026-10/disdukcapil/agendas.csv/0123.csv").read_bytes() == b"csv"
    assert (root / "reports/2026-09/disdukcapil/decisions.json").read_bytes() == b"new"
    writing.undo()
    assert _tree(root) == before


def test_shared_writes_are_made_once_by_two_processes_and_undone_by_the_planner(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Once shared, a forked child and this process each write the chunks they take, a thread of the child's as in a
    first publish: every planned file is written by exactly one of them, and this process's undo removes all."""
    monkeypatch.setattr(archive, "SHARE_CHUNK", 3)
    root = tmp_path / "store"
    root.mkdir()
    pending = {f"reports/2026-{1 + n % 12:02d}/a{n % 7}/r{n:03d}.json": f"{n}".encode() for n in range(400)}
    writing = Writing(root, pending)
    writing.share()
    seen = tmp_path / "child.txt"

    def child() -> None:
        """The side child's way: a thread writes; the files it took are noted for the test."""
        taken: list[str] = []
        real = writing.journal.make

        def make(path: Path, data: bytes, made: set[str]) -> None:
            taken.append(path.relative_to(root).as_posix())
            time.sleep(0.001)
            real(path, data, made)

        writing.journal.make = make  # type: ignore[method-assign]
        thread = threading.Thread(target=writing.write)
        thread.start()
        thread.join()
        seen.write_text("\n".join(taken))

    forked = isolate.start("publish (feedback)", child, died=PublishError)
    mine: list[str] = []
    real = writing.journal.make

    def make(path: Path, data: bytes, made: set[str]) -> None:
        mine.append(path.relative_to(root).as_posix())
        time.sleep(0.001)  # (the child, forked just now, takes chunks too meanwhile)
        real(path, data, made)

    monkeypatch.setattr(writing.journal, "make", make)
    writing.write()
    forked.result()
    theirs = [rel for rel in seen.read_text().split("\n") if rel]
    assert mine and theirs and not set(mine) & set(theirs)
    assert sorted(mine + theirs) == sorted(pending)
    assert all((root / rel).read_bytes() == data for rel, data in pending.items())
    writing.undo()
    assert _tree(root) == {}
