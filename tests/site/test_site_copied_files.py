"""The published files the site serves under /data/ and /templat/ are copied by the kernel (writer.py
``copy_file``): never held in memory, staged only when their bytes differ from the live site's,
recorded with the digest of the bytes staged, and independent of the data folder's files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from pipeline.core.atomic import file_sha
from pipeline.core.config import load_portal
from pipeline.core.treehash import DigestCache, hash_tree
from pipeline.site import build_site
from pipeline.site import writer as writer_module
from pipeline.site.manifest import digest
from pipeline.site.writer import Writer
from tests.site.fixture_data import write_fixture
from tests.site.test_site_fingerprint import AS_OF


def test_a_changed_published_file_is_copied_and_an_unchanged_one_left_alone(tmp_path: Path) -> None:
    datasets, output = write_fixture(tmp_path)
    portal = load_portal(datasets, output)
    build_site(portal, AS_OF, search=False)
    data, site = output / "data" / "agendas.csv", output / "site" / "data" / "agendas.csv"
    unchanged = output / "site" / "data" / "performance.csv"
    before = os.lstat(unchanged)
    assert site.read_bytes() == data.read_bytes() and not os.path.samefile(site, data)
    data.write_text(data.read_text(encoding="utf-8").replace("Aula", "Aula Besar"), encoding="utf-8")
    assert not build_site(portal, AS_OF, search=False).skipped
    assert site.read_bytes() == data.read_bytes() and not os.path.samefile(site, data)
    after = os.lstat(unchanged)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_copy_is_staged_only_when_its_bytes_differ_from_the_live_ones(tmp_path: Path) -> None:
    source = tmp_path / "data" / "a.csv"
    source.parent.mkdir()
    source.write_bytes(b"x,y\n1,2\n")
    first = Writer(tmp_path / "one")
    first.copy_file("/data/a.csv", source)
    assert first.changed == ["data/a.csv"] and first.files == {"data/a.csv": digest(source.read_bytes())}
    assert (tmp_path / "one" / "data" / "a.csv").read_bytes() == source.read_bytes()
    again = Writer(tmp_path / "two", dict(first.files))
    again.copy_file("/data/a.csv", source)  # the live site holds these bytes: nothing staged
    assert again.changed == [] and again.files == first.files
    assert not (tmp_path / "two" / "data" / "a.csv").exists()


def test_a_file_just_written_is_copied_with_the_digest_the_check_read(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The data stage has just written the file: too recent for the check to keep its digest, but the
    # digest it read stands for the bytes copied while the file's stat is the one read.
    source = tmp_path / "data" / "a.csv"
    source.parent.mkdir()
    source.write_bytes(b"x,y\n1,2\n")
    check = DigestCache(tmp_path / "digests.json")
    hash_tree(hashlib.sha256(), "data", source.parent, None, check)
    assert check.seen == {} and len(check.fresh) == 1  # read, not kept (changed a moment ago)
    hashed: list[Path] = []
    monkeypatch.setattr(writer_module, "file_sha", lambda path: hashed.append(path) or file_sha(path))
    one = Writer(tmp_path / "one")
    one.copy_tree(source.parent, "/data", digests=check)
    assert hashed == [] and one.files == {"data/a.csv": digest(source.read_bytes())}
    assert (tmp_path / "one" / "data" / "a.csv").read_bytes() == source.read_bytes()
    # Written again after the check (a new stat): the digest is read from the copy, of the new bytes.
    source.write_bytes(b"x,y\n1,3\n")
    two = Writer(tmp_path / "two")
    two.copy_tree(source.parent, "/data", digests=check)
    assert hashed == [tmp_path / "two" / "data" / "a.csv"]
    assert two.files == {"data/a.csv": digest(b"x,y\n1,3\n")}
    check.save()
    assert DigestCache(tmp_path / "digests.json").kept == {}  # a fresh digest is never kept for a later run


def test_a_staged_file_the_swap_puts_over_a_live_one_has_its_writeback_started(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ext4 writes back a file renamed over another at the rename itself (``atomic.start_writeback``): a staged
    # copy or large file that replaces a live one is written back when staged; a new file or a small one is not.
    started: list[str] = []
    real = writer_module.start_writeback
    monkeypatch.setattr(writer_module, "start_writeback", lambda path: started.append(str(path)) or real(path))
    source = tmp_path / "data" / "a.csv"
    source.parent.mkdir()
    source.write_bytes(b"x,y\n1,2\n")
    big = b"x" * writer_module.WRITE_BACK
    live = {"data/a.csv": digest(b"old"), "sitemap.xml": digest(b"old"), "robots.txt": digest(b"old")}
    one = Writer(tmp_path / "one", live)
    one.copy_file("/data/a.csv", source)
    one.copy_file("/data/b.csv", source)  # no live file of that name: renamed onto nothing
    one.write_bytes("/sitemap.xml", big)
    one.write_bytes("/robots.txt", b"small")
    one.write_bytes("/new.xml", big)
    assert started == [str(tmp_path / "one" / "data" / "a.csv"), str(tmp_path / "one" / "sitemap.xml")]
    # The hint changes nothing of the bytes staged.
    assert (tmp_path / "one" / "data" / "a.csv").read_bytes() == source.read_bytes()
    assert (tmp_path / "one" / "sitemap.xml").read_bytes() == big
    real(tmp_path / "absent")  # a file gone meanwhile: passed over
