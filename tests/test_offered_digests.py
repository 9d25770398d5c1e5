"""The data files' digests the data stage hands to the site stage's check (``DigestCache.offer``), on real files.

An offered digest stands for a file's bytes only while the file's stat is the one taken when it was
offered: a file changed since is read (a stale entry is a miss, never a wrong digest). The data
stage offers the SHA-256 of every data file it wrote, with its stat once in place: each must be the
digest of the file's bytes, and the site's fingerprint with them the one it has without them.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, datetime
from pathlib import Path

import pytest

from pipeline.core import treehash
from pipeline.core.templating import SITE_TEMPLATES
from pipeline.core.treehash import DigestCache, entry_name, hash_tree, stat_fields, written_entry
from pipeline.runner import steps
from pipeline.site import fingerprint
from tests.publish_support import digest_reads
from tests.town_support import published_town
from tools.bench import city

BYTES = b"period,agency\n2026-10,bpbd\n"
NOT_ITS_DIGEST = "0" * 64  # offered for a file whose bytes have another digest: only a read finds that out


def _hash(root: Path, cache: DigestCache) -> str:
    """The tree's hash through ``cache``."""
    h = hashlib.sha256()
    hash_tree(h, "t", root, None, cache)
    return h.hexdigest()


def _one_file(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding one real file, and that file."""
    root = tmp_path / "tree"
    root.mkdir()
    path = root / "a.csv"
    path.write_bytes(BYTES)
    return root, path


def test_an_offered_digest_stands_for_the_file_while_its_stat_holds(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The offered digest is taken without a read (here one that is not the bytes', to show it was not read)."""
    root, path = _one_file(tmp_path)
    entry = written_entry(os.path.abspath(path), NOT_ITS_DIGEST)
    assert entry is not None and entry == (entry_name(os.path.abspath(path)), [*stat_fields(path.lstat()),
                                                                                NOT_ITS_DIGEST])
    reads = digest_reads(monkeypatch)
    cache = DigestCache(tmp_path / "digests.json")
    cache.offer(dict([entry]))
    h = hashlib.sha256()
    hash_tree(h, "t", root, None, cache)
    assert reads == []
    assert cache.known(os.path.abspath(path), path.lstat(), fresh=True) == NOT_ITS_DIGEST


def test_a_file_changed_after_it_was_offered_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewritten after the offer (its stat changed): the file is read, its hash is that of its bytes."""
    root, path = _one_file(tmp_path)
    entry = written_entry(os.path.abspath(path), hashlib.sha256(BYTES).hexdigest())
    assert entry is not None
    path.unlink()
    path.write_bytes(BYTES.replace(b"bpbd", b"bpbe"))  # same size, another inode and times
    reads = digest_reads(monkeypatch)
    cache = DigestCache(tmp_path / "digests.json")
    cache.offer(dict([entry]))
    assert _hash(root, cache) == _hash(root, DigestCache(tmp_path / "other.json"))
    assert reads == [os.path.abspath(path)] * 2


def test_an_offered_digest_is_kept_once_settled_and_only_then(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Like a digest read: kept in the saved cache when its file last changed long enough ago, else used
    in this process only (the next run reads the file); a second pass (``recheck``) keeps it once settled."""
    root, path = _one_file(tmp_path)
    sha = hashlib.sha256(BYTES).hexdigest()
    entry = written_entry(os.path.abspath(path), sha)
    assert entry is not None
    racy = DigestCache(tmp_path / "racy.json")
    racy.offer(dict([entry]))
    _hash(root, racy)
    racy.save()
    assert not (tmp_path / "racy.json").exists()  # nothing to keep: not written
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # the file now stands for one written long ago
    reads = digest_reads(monkeypatch)
    final = racy.recheck()
    final.save()
    assert reads == []
    assert json.loads((tmp_path / "racy.json").read_bytes())["files"] == {entry[0]: entry[1]}


def test_the_data_stage_offers_each_data_file_by_its_bytes_and_the_site_check_agrees(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a new month, each data file the stage offers has the digest of its bytes in place; the site's
    fingerprint with the offer is the one without it, and reads none of the offered files."""
    town, datasets, output = published_town(tmp_path)
    city.add_late_month(town, datasets)
    portal = steps.load(datasets, output)
    *_, written = steps._publish(portal, date(2026, 11, 30), datetime(2026, 11, 30, 8))
    data = os.path.abspath(output / "data")
    by_name = {entry_name(f"{data}/{name}"): name for name in os.listdir(data)}
    offered = {by_name[key]: entry for key, entry in written.items()}
    assert set(offered) == set(by_name.values()) - {"datapackage.json", "datapackage.zip"}
    for name, entry in offered.items():
        path = Path(data) / name
        assert entry == [*stat_fields(path.lstat()), hashlib.sha256(path.read_bytes()).hexdigest()], name
    reads = digest_reads(monkeypatch)
    with_offer = fingerprint.inputs_fingerprint(portal, date(2026, 11, 30), SITE_TEMPLATES, False, written)
    assert not {p for p in reads if p.startswith(f"{data}/")} - {f"{data}/datapackage.json",
                                                                   f"{data}/datapackage.zip"}
    (output / "site-cache" / "tree-digests.json").unlink(missing_ok=True)
    assert fingerprint.inputs_fingerprint(portal, date(2026, 11, 30), SITE_TEMPLATES, False) == with_offer


def test_the_data_files_written_too_late_to_last_are_settled_after_the_stage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a new month, every data file the row and chunk indexes name that the stage could not keep the stat of
    (written too shortly before its save) is kept by ``row_reuse.settle_stats`` once it lasts, with the SHA-256 of its
    bytes in place (what ``steps.build`` does after the site build)."""
    from pipeline.publish import row_reuse
    town, datasets, output = published_town(tmp_path)
    city.add_late_month(town, datasets)
    portal = steps.load(datasets, output)
    *_, written = steps._publish(portal, date(2026, 11, 30), datetime(2026, 11, 30, 8))
    folder = output / "store" / row_reuse.FOLDER
    named = {f"{path.stem}.{ext}" for path in folder.glob("*.idx") for ext in row_reuse.EXTENSIONS}
    # None at all when every file was written within the racy window of the stage's save (a fast run).
    stats = folder / row_reuse.STATS
    before = json.loads(stats.read_bytes()) if stats.is_file() else {}
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # as if the site build had taken its seconds
    settled = row_reuse.settle_stats(output / "store", output / "data", written)
    after = json.loads((folder / row_reuse.STATS).read_bytes())
    assert settled == set(after) - set(before) and named <= set(after)
    for name, (sha, _) in after.items():
        assert sha == hashlib.sha256((output / "data" / name).read_bytes()).hexdigest(), name
