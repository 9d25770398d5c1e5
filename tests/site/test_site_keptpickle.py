"""A kept file of plain values (keptpickle.py) is read only whole, and never runs anything."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from pipeline.site.keptpickle import load_plain

MAGIC = b"mpp-test 1\n"


def _kept(payload: bytes) -> bytes:
    """A kept file's bytes for ``payload``: magic, its SHA-256, the payload."""
    return MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


class _Runs:
    """Unpickling this would create a file (a class the reader must refuse to name)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_plain_values_come_back(tmp_path: Path) -> None:
    value = {"a": (b"x", 1, "teks")}
    (tmp_path / "k.bin").write_bytes(_kept(pickle.dumps(value)))
    assert load_plain(tmp_path / "k.bin", MAGIC) == value


def test_damaged_absent_or_other_layout_reads_as_nothing(tmp_path: Path) -> None:
    good = _kept(pickle.dumps({"a": 1}))
    (tmp_path / "short.bin").write_bytes(good[:-3])
    (tmp_path / "other.bin").write_bytes(b"mpp-test 2\n" + good[len(MAGIC):])
    for name in ("short.bin", "other.bin", "absent.bin"):
        assert load_plain(tmp_path / name, MAGIC) is None, name


def test_a_file_naming_a_class_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "k.bin").write_bytes(_kept(pickle.dumps({"a": _Runs(marker)})))
    assert load_plain(tmp_path / "k.bin", MAGIC) is None
    assert not marker.exists()
