"""The live site's manifest is read with only the files that are still there."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.site import fingerprint, manifest


def test_a_listed_file_that_is_gone_or_no_longer_a_file_is_left_out_of_the_manifest_read(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for rel in ("index.html", "a/index.html", "b/index.html", "c/index.html", "d.txt"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(rel, encoding="utf-8")
    (site / "b/index.html").unlink()  # deleted by hand
    (site / "c/index.html").unlink()
    (site / "c/index.html").mkdir()  # a folder where the file was
    (site / "e.txt").symlink_to(site / "d.txt")  # a link to a file counts, as os.path.isfile says
    listed = {rel: "0" * 64 for rel in ("index.html", "a/index.html", "b/index.html", "c/index.html", "d.txt",
                                         "e.txt", "f.txt")}
    body = manifest.Manifest(listed, {}).to_bytes()
    (site / manifest.FILE_NAME).write_bytes(body)
    read = manifest.read(site, json.loads(fingerprint.record("x", 0, 0, manifest.digest(body))))
    assert read is not None
    assert sorted(read.files) == ["a/index.html", "d.txt", "e.txt", "index.html"]


def test_a_site_no_fingerprint_vouches_for_is_read_into_a_manifest_without_keys(tmp_path: Path) -> None:
    """Every regular file's SHA-256 by its path, the build's own records left out; nothing at all: none."""
    site = tmp_path / "site"
    for rel in ("index.html", "a/b/index.html", manifest.FILE_NAME, fingerprint.FILE_NAME):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(rel, encoding="utf-8")
    read = manifest.adopt(site, frozenset({manifest.FILE_NAME, fingerprint.FILE_NAME}))
    assert read is not None and read.keys == {} and read.groups == {}
    assert read.files == {rel: manifest.digest(rel.encode()) for rel in ("index.html", "a/b/index.html")}
    assert manifest.adopt(tmp_path / "absent", frozenset()) is None
    (tmp_path / "empty").mkdir()
    assert manifest.adopt(tmp_path / "empty", frozenset()) is None  # (renamed in its place: no file to keep)
