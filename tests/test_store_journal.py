"""The store's journal: a plan into folders not there yet asks nothing of files that cannot exist, and undoes
every file and folder it made."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.store import journal
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
