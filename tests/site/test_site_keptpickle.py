"""A kept file of plain values (keptpickle.py) is read only whole, and never runs anything."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from pipeline.site import keptpickle
from pipeline.site.keptpickle import load_plain, save_plain

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


def test_a_value_read_ahead_is_taken_once_while_its_file_is_as_read(tmp_path: Path) -> None:
    path = tmp_path / "k.bin"
    save_plain(path, MAGIC, {"a": 1})
    keptpickle.read_ahead(path, MAGIC)
    ahead = keptpickle._AHEAD[path][2]
    taken = load_plain(path, MAGIC)
    assert taken == {"a": 1} and taken is ahead  # the very value read ahead, not read again
    again = load_plain(path, MAGIC)
    assert again == {"a": 1} and again is not ahead  # taken once: then read from the file


def test_a_value_read_ahead_of_a_file_changed_since_is_not_taken(tmp_path: Path) -> None:
    path = tmp_path / "k.bin"
    save_plain(path, MAGIC, {"a": 1})
    keptpickle.read_ahead(path, MAGIC)
    save_plain(path, MAGIC, {"a": 2})  # written again (a rename: another inode, other times)
    assert load_plain(path, MAGIC) == {"a": 2}
    keptpickle.read_ahead(path, MAGIC)
    assert load_plain(path, b"mpp-other 1\n") is None  # read under another magic: the file's own answer
    keptpickle.read_ahead(path, MAGIC)
    path.unlink()
    assert load_plain(path, MAGIC) is None
    keptpickle.read_ahead(tmp_path / "absent.bin", MAGIC)
    assert keptpickle.leftover() == []


def test_values_no_build_took_are_left_over(tmp_path: Path) -> None:
    path = tmp_path / "k.bin"
    save_plain(path, MAGIC, {"a": 1})
    keptpickle.read_ahead(path, MAGIC)
    assert keptpickle.leftover() == [{"a": 1}]
    assert keptpickle._AHEAD == {}


def test_a_value_read_ahead_and_forgotten_is_read_from_its_file(tmp_path: Path) -> None:
    path, other = tmp_path / "k.bin", tmp_path / "other.bin"
    save_plain(path, MAGIC, {"a": 1})
    save_plain(other, MAGIC, {"b": 2})
    keptpickle.read_ahead(path, MAGIC)
    keptpickle.read_ahead(other, MAGIC)
    keptpickle.forget([path, tmp_path / "never-read.bin"])
    assert path not in keptpickle._AHEAD and other in keptpickle._AHEAD
    assert load_plain(path, MAGIC) == {"a": 1}
    assert keptpickle.leftover() == [{"b": 2}]
