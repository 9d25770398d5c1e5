"""The cache of file digests behind the skip checks (core/treehash.py DigestCache), on real files.

A kept digest is used only while the file's size, device, inode, modification and change times
are the ones kept with it; a file changed too shortly before it was read is never kept; a damaged
or hostile cache file only costs the time of reading the files again. Where a test needs a digest
to be kept for a file written a moment ago, it sets the racy window to 0 (the files then stand
for files written long ago); the racy rule itself is tested with the real window.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from pipeline.core import treehash
from pipeline.core.treehash import DigestCache, hash_tree
from tests.publish_support import digest_reads
from tests.town_support import publish, published_town

A_BYTES = b"agency,table\nbpbd,agendas\n"
B_BYTES = b"agency,table\nbpbd,agendaz\n"  # same length as A_BYTES
SHA_A = "ef5e4a1f4e9e6b4d2a0d7f6c8a7d2d4d8d9b8f0d3c1e2a7b6c5d4e3f2a1b0c9d"  # not the digest of any file here


def _tree(tmp_path: Path) -> Path:
    """A small folder of real files."""
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a.csv").write_bytes(A_BYTES)
    (root / "sub" / "b.txt").write_bytes(b"second file\n")
    return root


def _plain(root: Path) -> str:
    """The tree's hash read without any cache (what every cached hash must equal)."""
    h = hashlib.sha256()
    hash_tree(h, "t", root, None)
    return h.hexdigest()


def _cached(root: Path, cache_file: Path, save: bool = True) -> str:
    """The tree's hash with the cache in ``cache_file`` (saved afterwards unless ``save`` is False)."""
    h = hashlib.sha256()
    cache = DigestCache(cache_file)
    hash_tree(h, "t", root, None, cache)
    if save:
        cache.save()
    return h.hexdigest()


def _kept(cache_file: Path) -> dict[str, list[object]]:
    """The entries of a cache file, by the digest of each absolute path."""
    files: dict[str, list[object]] = json.loads(cache_file.read_bytes())["files"]
    return files


def test_a_kept_digest_is_used_while_the_stat_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose stat key is unchanged is not read again: the kept digest stands for its bytes."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root, cache_file = _tree(tmp_path), tmp_path / "digests.json"
    assert _cached(root, cache_file) == _plain(root)
    kept = _kept(cache_file)
    a = treehash.entry_name(str(root / "a.csv"))
    assert sorted(kept) == sorted([a, treehash.entry_name(str(root / "sub" / "b.txt"))])
    assert str(root) not in cache_file.read_text()  # names are digests: no file name is kept
    assert kept[a][-1] == hashlib.sha256(A_BYTES).hexdigest()
    # Proof that the file is not read: a kept digest changed by hand under the same key is believed.
    body = json.loads(cache_file.read_bytes())
    body["files"][a][-1] = SHA_A
    cache_file.write_text(json.dumps(body))
    assert _cached(root, cache_file, save=False) != _plain(root)


def test_a_second_pass_saves_what_the_first_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass taken ``again`` after a first one that found every digest still writes them: the cache
    file is compared with what it holds, not with what the first pass found (a publish's check,
    then its final walk, once kept nothing at all when the file had not been written before)."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root, cache_file = _tree(tmp_path), tmp_path / "digests.json"
    first = DigestCache(cache_file)
    hash_tree(hashlib.sha256(), "t", root, None, first)
    final = first.again()
    hash_tree(hashlib.sha256(), "t", root, None, final)
    final.save()
    assert len(_kept(cache_file)) == 2
    # And a pass over an unchanged tree with that file in place writes nothing.
    before = os.lstat(cache_file)
    again = DigestCache(cache_file).again()
    hash_tree(hashlib.sha256(), "t", root, None, again)
    again.save()
    after = os.lstat(cache_file)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_an_edit_that_keeps_size_and_mtime_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes rewritten in place, same length, the modification time set back: the change time still differs."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root, cache_file = _tree(tmp_path), tmp_path / "digests.json"
    old = _cached(root, cache_file)
    path = root / "a.csv"
    before = path.stat()
    time.sleep(0.05)  # past the coarse clock tick of the file system's change time
    with path.open("r+b") as fh:  # in place: same inode
        fh.write(B_BYTES)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns
    assert _cached(root, cache_file) == _plain(root) != old
    assert _kept(cache_file)[treehash.entry_name(str(path))][-1] == hashlib.sha256(B_BYTES).hexdigest()


def test_a_file_changed_just_before_it_was_read_is_not_kept(tmp_path: Path) -> None:
    """Within the racy window (real: 2 s) a digest is not kept, even with the modification time set back."""
    root, cache_file = _tree(tmp_path), tmp_path / "digests.json"
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(root / "a.csv", ns=(hour_ago, hour_ago))  # an old mtime; the change time is now
    assert _cached(root, cache_file) == _plain(root)
    assert not cache_file.exists()  # nothing could be kept, so nothing was written


@pytest.mark.parametrize("damage", [
    b"", b"\x00\xff not json", b"[1, 2, 3]", b'{"format": "other", "files": {}}', b"[" * 100_000 + b"]" * 100_000,
    b'{"format": "mpp-tree-digests 2", "files": []}',
    b'{"format": "mpp-tree-digests 2", "files": {"A": [1, 2, 3, 4, 5, "zz"], "B": "x", "C": [true, 0, 0, 0, 0, ""]}}',
])
def test_a_damaged_cache_costs_time_only(tmp_path: Path, damage: bytes) -> None:
    """Garbage, the wrong shape, the wrong types: every file is read and the hash is right."""
    root, cache_file = _tree(tmp_path), tmp_path / "digests.json"
    cache_file.write_bytes(damage.replace(b'"A"', json.dumps(treehash.entry_name(str(root / "a.csv"))).encode()))
    assert _cached(root, cache_file) == _plain(root)


def test_a_stale_entry_and_an_unwritable_cache_cost_time_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry kept under another key is not used; a cache path that cannot be written fails nothing."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root, cache_file = _tree(tmp_path), tmp_path / "digests.json"
    _cached(root, cache_file)
    body = json.loads(cache_file.read_bytes())
    body["files"][treehash.entry_name(str(root / "a.csv"))][0] += 1  # the size no longer matches
    body["files"][treehash.entry_name(str(root / "a.csv"))][-1] = SHA_A
    cache_file.write_text(json.dumps(body))
    assert _cached(root, cache_file, save=False) == _plain(root)
    # An entry under the right key whose digest is no SHA-256 is not used either.
    st = (root / "a.csv").stat()
    body["files"][treehash.entry_name(str(root / "a.csv"))] = [st.st_size, st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, "zz"]
    cache_file.write_text(json.dumps(body))
    assert _cached(root, cache_file, save=False) == _plain(root)
    blocked = tmp_path / "a-folder"
    blocked.mkdir()
    assert _cached(root, blocked) == _plain(root)  # save() into a folder's path: an OSError, swallowed
    assert blocked.is_dir()


def _snapshot(output: Path) -> dict[str, tuple[int, int, int, int]]:
    """(inode, size, mtime, ctime) of every file but the run log and the lock."""
    return {p.relative_to(output).as_posix(): (s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
            for p in output.rglob("*") if p.is_file() and p.name not in ("runs.jsonl", ".lock")
            for s in [p.stat()]}


def test_publish_keeps_digests_and_a_skipped_run_writes_nothing(tmp_path: Path) -> None:
    """A publish that ran keeps its inputs' digests; one with nothing new uses them and writes no file."""
    _, datasets, output = published_town(tmp_path)
    cache_file = output / "store" / "tree-digests.json"
    submitted = [str(p) for p in (datasets / "submissions").rglob("*") if p.is_file()]
    time.sleep(2.1)  # the inputs leave the racy window
    before = _snapshot(output)
    assert "nothing to do" in publish(datasets, output)
    assert _snapshot(output) == before  # the digests it could now keep are not written by a skipped run
    agencies = datasets / "reference" / "agencies.csv"
    agencies.write_bytes(agencies.read_bytes().replace(b"Gerai 01", b"Gerai 1A"))
    assert "nothing to do" not in publish(datasets, output)
    kept = _kept(cache_file)
    assert submitted and {treehash.entry_name(name) for name in submitted} <= set(kept)
    before = _snapshot(output)
    assert "nothing to do" in publish(datasets, output)
    assert _snapshot(output) == before
    # Without its cache a skipped run reads every input again, and still writes nothing.
    cache_file.unlink()
    before = _snapshot(output)
    assert "nothing to do" in publish(datasets, output)
    assert _snapshot(output) == before
    # A published file edited in place by hand, its size and modification time put back: not skipped.
    csv = output / "data" / "agendas.csv"
    body, st = csv.read_bytes(), csv.stat()
    time.sleep(0.05)  # past the coarse clock tick of the file system's change time
    with csv.open("r+b") as fh:
        fh.write(body[:-2] + (b"y" if body[-2:-1] != b"y" else b"z") + body[-1:])
    os.utime(csv, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (csv.stat().st_ino, csv.stat().st_size, csv.stat().st_mtime_ns) == (st.st_ino, st.st_size, st.st_mtime_ns)
    assert "nothing to do" not in publish(datasets, output)
    assert csv.read_bytes() == body


def test_the_project_schemas_are_an_input_when_the_datasets_have_none(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A datasets folder without schemas/ is judged by the project's own: a change there is a change."""
    import shutil
    from datetime import date

    from pipeline.core import config
    from pipeline.core.config import load_portal
    from pipeline.publish.unchanged import inputs_digest

    project = tmp_path / "project" / "datasets" / "schemas"
    shutil.copytree(config.PROJECT_SCHEMAS, project)
    monkeypatch.setattr(config, "PROJECT_SCHEMAS", project)
    datasets = tmp_path / "datasets"
    shutil.copytree(Path(__file__).resolve().parents[1] / "datasets", datasets, ignore=shutil.ignore_patterns("schemas"))
    portal = load_portal(datasets, tmp_path / "output")
    before = inputs_digest(portal, date(2026, 11, 30))
    schema = project / "performance.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace("}", " }", 1), encoding="utf-8")
    assert inputs_digest(portal, date(2026, 11, 30)) != before


def test_a_digest_too_recent_to_keep_serves_this_process_only_while_the_stat_holds(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(A_BYTES)
    cache = DigestCache(tmp_path / "cache.json")
    st = os.lstat(path)
    assert cache.digest(str(path), st) == hashlib.sha256(A_BYTES).hexdigest()
    assert cache.known(str(path), st) is None  # not kept: the default asks for kept digests only
    assert cache.known(str(path), st, fresh=True) == hashlib.sha256(A_BYTES).hexdigest()
    assert treehash.known_digest(cache, str(path), fresh=True) == hashlib.sha256(A_BYTES).hexdigest()
    time.sleep(0.01)
    path.write_bytes(B_BYTES)  # same size, a new change time: the digest read no longer stands for it
    assert cache.known(str(path), os.lstat(path), fresh=True) is None
    cache.save()
    assert not (tmp_path / "cache.json").exists() or _kept(tmp_path / "cache.json") == {}


def _kept_then_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, racy_ns: int) -> Path:
    """A file whose digest (of ``A_BYTES``) is kept in ``cache.json``, then given ``B_BYTES`` (``racy_ns``
    from then on)."""
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    path = tmp_path / "a.csv"
    path.write_bytes(A_BYTES)
    first = DigestCache(tmp_path / "cache.json")
    first.digest(str(path), os.lstat(path))
    first.save()
    monkeypatch.setattr(treehash, "RACY_NS", racy_ns)
    time.sleep(0.01)
    path.write_bytes(B_BYTES)
    return path


def test_a_file_changed_since_the_cache_was_kept_is_known_by_this_runs_digest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A data file the publish wrote again: the cache file holds its old entry, this run's check
    # read the new bytes; the build asks for the digest of the new file and gets it, not None
    # (which made the build hash hundreds of MB of changed data files twice more).
    path = _kept_then_changed(tmp_path, monkeypatch, 0)  # same size, a new change time
    check = DigestCache(tmp_path / "cache.json")
    st = os.lstat(path)
    assert check.digest(str(path), st) == hashlib.sha256(B_BYTES).hexdigest()
    assert check.known(str(path), st) == hashlib.sha256(B_BYTES).hexdigest()
    assert treehash.known_digest(check, str(path)) == hashlib.sha256(B_BYTES).hexdigest()
    time.sleep(0.01)
    path.write_bytes(A_BYTES)  # changed again after the check: neither entry stands for it
    assert check.known(str(path), os.lstat(path)) is None
    assert check.known(str(path), os.lstat(path), fresh=True) is None


def test_a_digest_too_recent_to_keep_is_known_over_an_older_kept_entry(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = _kept_then_changed(tmp_path, monkeypatch, 2_000_000_000)
    check = DigestCache(tmp_path / "cache.json")
    st = os.lstat(path)
    check.digest(str(path), st)  # too recent to keep: only this process may take it
    assert check.known(str(path), st) is None
    assert check.known(str(path), st, fresh=True) == hashlib.sha256(B_BYTES).hexdigest()


def test_a_recheck_keeps_what_a_second_walk_keeps_reading_only_the_recent_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``recheck`` (a publish's ``remember``) keeps the entries a pass ``again`` over the tree keeps, reading
    only the files too recent to keep in the first pass, without walking the tree again."""
    root = _tree(tmp_path)
    recent = root / "sub" / "b.txt"
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(root / "a.csv", ns=(hour_ago, hour_ago))
    monkeypatch.setattr(treehash, "settled", lambda st, now: st.st_ino != os.lstat(recent).st_ino)
    first = DigestCache(tmp_path / "walked.json")
    hash_tree(hashlib.sha256(), "t", root, None, first)
    assert len(first.seen) == 1 and len(first.fresh) == 1  # b.txt too recent to keep
    monkeypatch.setattr(treehash, "settled", lambda st, now: True)  # ... until now
    walked = first.again()
    hash_tree(hashlib.sha256(), "t", root, None, walked)
    walked.save()
    read = digest_reads(monkeypatch)
    monkeypatch.setattr(treehash, "stat_tree", None)  # never walked
    monkeypatch.setattr(treehash, "hash_tree", None)
    rechecked = first.recheck()
    rechecked.path = tmp_path / "rechecked.json"
    rechecked.save()
    assert read == [str(recent)]
    assert _kept(tmp_path / "rechecked.json") == _kept(tmp_path / "walked.json") and len(_kept(tmp_path / "walked.json")) == 2
    # A recent file gone by then is left to the next run.
    first = DigestCache(tmp_path / "gone.json")
    monkeypatch.setattr(treehash, "settled", lambda st, now: False)
    treehash.DigestCache.digest(first, str(recent), os.lstat(recent))
    recent.unlink()
    assert first.recheck().seen == {}


def test_a_recheck_is_sure_only_when_each_recent_file_settled_with_the_stat_and_bytes_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``recheck`` clears ``unsure`` when every file too recent to keep is kept now under the key and digest the pass
    gave (its stat then vouches for the bytes hashed), never after a change since, nor after a file changed while
    read or unreadable (``doubted``)."""
    root = _tree(tmp_path)
    recent = root / "sub" / "b.txt"
    monkeypatch.setattr(treehash, "settled", lambda st, now: False)
    first = DigestCache(tmp_path / "cache.json")
    hash_tree(hashlib.sha256(), "t", root, None, first)
    assert first.unsure and not first.doubted
    monkeypatch.setattr(treehash, "settled", lambda st, now: True)
    assert not first.recheck().unsure  # settled, same stat and bytes
    changed = DigestCache(tmp_path / "cache.json")
    monkeypatch.setattr(treehash, "settled", lambda st, now: False)
    hash_tree(hashlib.sha256(), "t", root, None, changed)
    recent.write_bytes(recent.read_bytes() + b"more\n")
    monkeypatch.setattr(treehash, "settled", lambda st, now: True)
    assert changed.recheck().unsure  # other bytes under another stat than the pass hashed
    doubted = DigestCache(tmp_path / "cache.json")
    doubted.unsure = doubted.doubted = True  # as after an unreadable file
    assert doubted.recheck().unsure
    sure = DigestCache(tmp_path / "cache.json")
    hash_tree(hashlib.sha256(), "t", root, None, sure)
    assert not sure.unsure and not sure.recheck().unsure


def test_a_pass_gives_each_path_it_hashed_without_a_stat(tmp_path: Path) -> None:
    """``DigestCache.hashed``: the digest ``digest`` gave a path this pass, kept or read (the publish's validation
    takes its files' digests from its check so); None for a path it did not hash."""
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n1,2\n")
    cache = DigestCache(tmp_path / "digests.json")
    st = os.lstat(path)
    found = cache.digest(str(path), st)
    assert found == hashlib.sha256(b"a,b\n1,2\n").hexdigest() == cache.hashed(str(path))
    assert cache.hashed(str(tmp_path / "other.csv")) is None
    again = cache.again()  # a later pass, the digest kept: given without reading, and named for the path too
    assert again.hashed(str(path)) is None
    assert again.digest(str(path), st) == found == again.hashed(str(path))
