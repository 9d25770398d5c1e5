"""The nothing-new check knows unchanged inputs by their stat (publish/unchanged.py ``inputs_stat``), never past a change.

A small generated town is published for real (``python -m pipeline publish``), its inputs left to
settle first; the check is then run in this process on the real folders. When the walk finds the
stat digest the record keeps, the inputs' digest cache is not even loaded (``digests`` is None);
any change to an input (bytes edited in place with size and times put back, a file added or removed,
another as-of date) or to an output is still found, and a file only touched is hashed again and
found unchanged. A record kept after a check that read a file too recent to vouch for keeps no stat, unless
that file, read again when the run ends, has settled with the stat and bytes the check saw.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import date
from pathlib import Path

from pipeline.core.config import Portal, load_portal
from pipeline.core.treehash import RACY_NS, DigestCache, feed_digests, scan_tree
from pipeline.publish.unchanged import RECORD, Check, check, inputs_digest, remember
from tests.town_support import publish
from tools.bench import city
from tools.bench.shape import shape_for

DAY = date(2026, 11, 30)
SETTLE = RACY_NS / 1e9 + 0.1  # seconds after which a file just written is old enough to vouch for by its stat


def _town(tmp_path: Path) -> tuple[Path, Path, Portal]:
    """The town generated, left to settle, and published once: its datasets, output and portal."""
    datasets, output = tmp_path / "datasets", tmp_path / "output"
    city.generate(city.build(shape_for("town")), datasets)
    time.sleep(SETTLE)
    publish(datasets, output)
    return datasets, output, load_portal(datasets, output)


def _record(output: Path) -> dict[str, object]:
    kept: dict[str, object] = json.loads((output / "store" / RECORD).read_bytes())
    return kept


def _edit_in_place(path: Path) -> None:
    """Change one byte, putting the size and modification time back (only the change time tells)."""
    body, st = path.read_bytes(), path.stat()
    time.sleep(0.05)  # past the coarse clock tick of the file system's change time
    path.write_bytes(body[:-2] + (b"y" if body[-2:-1] != b"y" else b"z") + body[-1:])
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)


def test_unchanged_inputs_are_known_by_their_stat_and_every_change_is_found(tmp_path: Path) -> None:
    datasets, output, portal = _town(tmp_path)
    record = _record(output)
    assert isinstance(record["inputs_stat"], str)
    fast = check(portal, DAY)
    assert fast.digests is None and fast.last == record  # known by the stat: no cache loaded, nothing new
    assert fast.inputs == record["inputs"] == inputs_digest(portal, DAY)  # what hashing the bytes gives
    assert check(portal, date(2026, 12, 1)).last is None  # another as-of date
    submission = sorted((datasets / "submissions").rglob("*.csv"))[0]
    body = submission.read_bytes()
    _edit_in_place(submission)
    assert check(portal, DAY).last is None
    submission.write_bytes(body)  # the same bytes again, a new stat: hashed, found unchanged
    slow = check(portal, DAY)
    assert slow.digests is not None and slow.last == record
    extra = submission.with_name("extra.csv")
    extra.write_bytes(body)
    assert check(portal, DAY).last is None
    extra.unlink()
    reference = datasets / "reference" / "agencies.csv"
    kept = reference.read_bytes()
    reference.unlink()
    assert check(portal, DAY).last is None
    reference.write_bytes(kept)
    assert check(portal, DAY).last == record
    _edit_in_place(output / "data" / "agendas.csv")  # an output: the record's stat of it no longer holds
    assert check(portal, DAY).last is None


def test_a_record_after_a_file_too_recent_to_vouch_for_keeps_no_stat(tmp_path: Path) -> None:
    datasets, output, portal = _town(tmp_path)
    reference = datasets / "reference" / "agencies.csv"
    reference.write_bytes(reference.read_bytes().replace(b"Gerai 01", b"Gerai 1A"))
    checked = check(portal, DAY)  # read agencies.csv a moment after it was written
    assert checked.digests is not None and checked.digests.unsure
    _remember(portal, checked)  # at once: still too recent for its stat to vouch for its bytes
    assert _record(output)["inputs_stat"] is None
    again = check(portal, DAY)
    assert again.digests is not None and again.last == _record(output)  # nothing new, found by the bytes


def test_a_file_too_recent_when_checked_is_vouched_for_by_its_stat_once_settled_unchanged(tmp_path: Path) -> None:
    """A publish run right after a file's change (an intake, then cron) keeps the walk's stat once that file, read
    again when the run ends, has settled with the stat and bytes the check saw: later runs take the fast path."""
    datasets, output, portal = _town(tmp_path)
    reference = datasets / "reference" / "agencies.csv"
    reference.write_bytes(reference.read_bytes().replace(b"Gerai 01", b"Gerai 1A"))
    checked = check(portal, DAY)
    assert checked.digests is not None and checked.digests.unsure
    time.sleep(SETTLE)  # the data stage's work
    _remember(portal, checked)
    record = _record(output)
    assert record["inputs_stat"] == checked.digests.scanned_stat
    fast = check(portal, DAY)
    assert fast.digests is None and fast.last == record and fast.inputs == inputs_digest(portal, DAY)


def test_a_file_changed_again_before_it_settled_keeps_no_stat(tmp_path: Path) -> None:
    datasets, output, portal = _town(tmp_path)
    reference = datasets / "reference" / "agencies.csv"
    body = reference.read_bytes()
    reference.write_bytes(body.replace(b"Gerai 01", b"Gerai 1A"))
    checked = check(portal, DAY)
    reference.write_bytes(body.replace(b"Gerai 01", b"Gerai 1B"))  # after the check read it: bytes it did not hash
    time.sleep(SETTLE)
    _remember(portal, checked)
    assert _record(output)["inputs_stat"] is None
    assert check(portal, DAY).last is None  # the second change is found


def _remember(portal: Portal, checked: Check) -> None:
    """``remember`` as a publish that ran calls it after the check (the counts of the last record kept)."""
    last = _record(portal.output)
    assert isinstance(last["accepted"], int) and isinstance(last["rejected"], int)
    remember(portal, checked.inputs, last["accepted"], last["rejected"], (), checked.digests, checked.plans,
             checked.seen)


def test_a_digest_the_cache_does_not_keep_makes_the_pass_unsure(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.csv").write_bytes(b"agency\nbpbd\n")
    cache_file = tmp_path / "digests.json"
    recent = DigestCache(cache_file)
    feed_digests(hashlib.sha256(), scan_tree("t", root, None), recent)
    assert recent.unsure and not recent.seen  # written a moment ago: its stat does not vouch for its bytes yet
    time.sleep(SETTLE)
    settled = DigestCache(cache_file)
    feed_digests(hashlib.sha256(), scan_tree("t", root, None), settled)
    assert not settled.unsure
    settled.save()
    kept = DigestCache(cache_file)
    feed_digests(hashlib.sha256(), scan_tree("t", root, None), kept)
    assert not kept.unsure and kept.seen == settled.seen
