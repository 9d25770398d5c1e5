"""``core/atomic.regular_bytes``: what a run reads back (kept pages, kept judgements) is a regular file, never a link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.core.atomic import regular_bytes


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    """Small, empty and multi-megabyte files come back byte for byte."""
    for name, data in (("small", b"<p>page</p>"), ("empty", b""), ("large", os.urandom(3 << 20) + b"end")):
        (tmp_path / name).write_bytes(data)
        assert regular_bytes(tmp_path / name) == data
        assert regular_bytes(str(tmp_path / name)) == data


def test_links_folders_and_fifos_are_never_read(tmp_path: Path) -> None:
    """A link (even to a good file), a folder and a FIFO give None; the FIFO is not waited on."""
    good = tmp_path / "good.html"
    good.write_bytes(b"good")
    (tmp_path / "link.html").symlink_to(good)
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    for name in ("link.html", "folder", "fifo"):
        assert regular_bytes(tmp_path / name) is None


def test_a_missing_file_is_an_oserror(tmp_path: Path) -> None:
    """Callers decide what a missing file means (built again, judged again)."""
    with pytest.raises(FileNotFoundError):
        regular_bytes(tmp_path / "gone")
