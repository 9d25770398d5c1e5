"""The writer's own file writing: each page in a folder of its own made once, the bytes and mode of
``Path.write_bytes``, a folder another writer made taken as it is, a file in a folder's place refused,
and a failed write naming its file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from pipeline.core.errors import SiteError
from pipeline.site.manifest import digest
from pipeline.site.writer import Writer


def test_pages_land_in_their_folders_with_write_bytes_mode(tmp_path: Path) -> None:
    """Nested, sibling and root files, an empty one included, written as ``Path.write_bytes`` writes them."""
    root = tmp_path / "stage"  # made by the writer itself when missing
    writer = Writer(root)
    files = {"/a/b/c/index.html": b"<p>c</p>", "/a/b/d/index.html": b"<p>d</p>", "/a/index.html": b"",
             "/favicon.ico": b"\x00\x01", "/en/a/b/c/index.html": "é".encode()}
    for rel, body in files.items():
        writer.write_bytes(rel, body)
    reference = tmp_path / "ref.bin"
    reference.write_bytes(b"x")
    for rel, body in files.items():
        path = root / rel.lstrip("/")
        assert path.read_bytes() == body
        assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)
        assert writer.files[rel.lstrip("/")] == digest(body)
    assert writer.changed == [rel.lstrip("/") for rel in files]


def test_a_folder_made_by_another_writer_is_used(tmp_path: Path) -> None:
    """Two writers over one root (the forked languages) share parents either may make first."""
    first, second = Writer(tmp_path), Writer(tmp_path)
    first.write_bytes("/x/y/one.html", b"1")
    second.write_bytes("/x/y/two.html", b"2")
    second.write_bytes("/x/z/three.html", b"3")
    assert sorted(p.name for p in (tmp_path / "x" / "y").iterdir()) == ["one.html", "two.html"]


def test_a_file_where_a_folder_goes_is_an_error(tmp_path: Path) -> None:
    """A file in the place of a page's folder fails naming the path, as ``mkdir`` would."""
    (tmp_path / "x").write_bytes(b"not a folder")
    with pytest.raises(OSError) as failed:
        Writer(tmp_path).write_bytes("/x/index.html", b"1")
    assert failed.value.filename is not None and "x" in str(failed.value.filename)


def test_a_failed_write_names_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk in ``write`` (an error without a file name) is reported with the file's path."""
    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)  # restored after the test; only this write runs meanwhile
    with pytest.raises(OSError) as failed:
        Writer(tmp_path).write_bytes("/p/index.html", b"page")
    assert failed.value.errno == errno.ENOSPC
    assert failed.value.filename == f"{tmp_path}/p/index.html"


def test_keep_all_records_what_keep_records_one_by_one(tmp_path: Path) -> None:
    live = {f"a/{n}/index.html": digest(str(n).encode()) for n in range(50)}
    one, many = Writer(tmp_path / "one", dict(live)), Writer(tmp_path / "many", dict(live))
    rels = [f"/a/{n}/index.html" for n in range(50)]
    for rel in rels:
        one.keep(rel)
    many.keep_all(rels)
    assert many.files == one.files == live and many.written == one.written and many.changed == []


@pytest.mark.parametrize("odd", ["a//x/index.html", "./a/x/index.html", "a/./x/index.html", "a/x/.", "a/x/"])
def test_keep_all_takes_a_path_out_of_its_normal_form_as_keep_does(tmp_path: Path, odd: str) -> None:
    clean = "a/x/index.html" if odd != "a/x/." and odd != "a/x/" else "a/x"
    live = {clean: "0" * 64, "a/y/index.html": "1" * 64}
    writer = Writer(tmp_path, live)
    writer.keep_all(["a/y/index.html", odd])
    assert writer.files == {"a/y/index.html": "1" * 64, clean: "0" * 64}


@pytest.mark.parametrize("rels", [["a/x", "a/x"], ["a/x", "a/../../x"], ["a/x", "/"]])
def test_keep_all_refuses_what_keep_refuses(tmp_path: Path, rels: list[str]) -> None:
    writer = Writer(tmp_path, {"a/x": "0" * 64})
    with pytest.raises(SiteError):
        writer.keep_all(rels)


def test_keep_all_refuses_a_path_recorded_already(tmp_path: Path) -> None:
    writer = Writer(tmp_path, {"a/x": "0" * 64, "a/y": "1" * 64})
    writer.keep("a/x")
    with pytest.raises(SiteError, match="/a/x"):
        writer.keep_all(["a/y", "a/x"])


def test_merge_records_another_writers_files_as_its_own_would(tmp_path: Path) -> None:
    """What a forked language's writer recorded is taken in at once, as ``keep`` and ``write_bytes`` record."""
    live = {"en/a/index.html": digest(b"a"), "id/a/index.html": digest(b"i")}
    parent, child = Writer(tmp_path, dict(live)), Writer(tmp_path, dict(live))
    parent.keep("/id/a/index.html")
    child.keep("/en/a/index.html")
    child.write_bytes("/en/b/index.html", b"b")
    parent.merge(child.files, child.changed)
    assert parent.files == {**live, "en/b/index.html": digest(b"b")} and parent.changed == ["en/b/index.html"]
    assert parent.written == {"id/a/index.html", "en/a/index.html", "en/b/index.html"}
    with pytest.raises(SiteError, match=r"path written twice: /en/b/index\.html"):
        parent.write_bytes("/en/b/index.html", b"b")  # a merged path is written once, like any other


@pytest.mark.parametrize("odd", ["a//x", "a/./x", "a/../x", ""])
def test_merge_takes_a_path_out_of_its_normal_form_as_write_does(tmp_path: Path, odd: str) -> None:
    """A path of the other writer not in its normal form goes through ``_key`` (refused or normalised)."""
    writer = Writer(tmp_path)
    if odd in ("a/../x", ""):
        with pytest.raises(SiteError):
            writer.merge({odd: "0" * 64}, [])
    else:
        writer.merge({odd: "0" * 64}, [])
        assert writer.written == {"a/x"}
