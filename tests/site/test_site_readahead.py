"""What a site build reads ahead while the data stage works (site/readahead.py, site/prescan.py): each part taken
only while the files it was read from are as they were, and the walk taken again giving exactly what
``treehash.scan_tree`` gives, through every change made in between, on real files.

Where a folder's listing must be kept for a folder made a moment ago, the racy window is set to 0 (the folders then
stand for folders made long ago), as in test_listings.py; the window itself is tested with its real length.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import listings, treehash
from pipeline.core.config import load_portal
from pipeline.core.errors import PipelineError
from pipeline.core.templating import SITE_TEMPLATES
from pipeline.core.treehash import scan_tree
from pipeline.site import fingerprint, manifest
from pipeline.site.prescan import Prescan
from pipeline.site.readahead import ReadAhead, digests_first, read_ahead
from tests.run_support import make_datasets
from tests.test_listings import _tree as listings_tree


def _tree(tmp_path: Path) -> Path:
    """The nested folders of test_listings, with a code-like corner."""
    root = listings_tree(tmp_path)
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (root / "code.py").write_bytes(b"x = 1\n")
    return root


def _same(found: list[treehash.Scanned], root: Path, suffix: str | None = None, label: str = "r") -> bool:
    """True when ``found`` is what ``scan_tree`` gives now (entries and stats)."""
    def plain(items: list[treehash.Scanned]) -> list[Any]:
        return [item if isinstance(item, bytes) else (item[0], item[1], treehash.stat_fields(item[2]))
                for item in items]
    return plain(found) == plain(scan_tree(label, root, suffix))


@pytest.fixture()
def listed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The folders listed (``os.scandir``) from now on."""
    seen: list[str] = []
    real = os.scandir

    def scandir(path: Any) -> Any:
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    yield seen


def _edit_in_place(path: Path) -> None:
    st = path.stat()
    time.sleep(0.05)  # past the coarse clock tick of the file system's change time
    path.write_bytes(path.read_bytes().replace(b"true", b"ok!!"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_the_walk_taken_again_is_scan_tree_s_through_every_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   listed: list[str]) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    ahead = Prescan([("r", root, None), ("py", root, ".py")])
    assert ahead.names[f"{root}/code.py"] == treehash.entry_name(f"{root}/code.py")
    listed.clear()
    found, code = ahead.scan("r", root, None), ahead.scan("py", root, ".py")
    assert listed == []  # no folder changed: none listed again, every file stat'ed
    assert _same(found, root) and _same(code, root, ".py", "py")
    _edit_in_place(root / "2026-07" / "bpbd" / "agendas" / "r001.json")
    assert _same(ahead.scan("r", root, None), root)  # a file edited in place: its own stat tells
    (root / "2026-07" / "bpbd" / "agendas" / "r002.json").write_bytes(b"{}")
    listed.clear()
    found = ahead.scan("r", root, None)
    assert listed == [str(root / "2026-07" / "bpbd" / "agendas")]  # only the folder a file was added to
    assert _same(found, root)
    (root / "2026-08" / "lbh" / "index.html").unlink()
    assert _same(ahead.scan("r", root, None), root)
    (root / "2026-09" / "new").mkdir(parents=True)  # folders added
    (root / "2026-09" / "new" / "f.json").write_bytes(b"{}")
    assert _same(ahead.scan("r", root, None), root)
    (root / "2026-07" / "lbh" / "agendas" / "r001.json").unlink()
    (root / "2026-07" / "lbh" / "agendas").rmdir()
    (root / "2026-07" / "lbh" / "agendas").write_bytes(b"now a file")  # a folder become a file
    assert _same(ahead.scan("r", root, None), root)
    (root / "2026-08" / "bpbd" / "more.py").mkdir()  # a folder named like code, and links
    (root / "2026-08" / "link-dir").symlink_to(root / "2026-07")
    (root / "2026-08" / "link-file").symlink_to(root / "code.py")
    assert _same(ahead.scan("r", root, None), root) and _same(ahead.scan("py", root, ".py"), root, ".py", "py")
    again = Prescan([("r", root, None)])  # a folder holding links is listed each time
    listed.clear()
    found = again.scan("r", root, None)
    assert listed == [str(root / "2026-08")]
    assert _same(found, root)
    (root / "2026-07" / "bpbd" / "index.html").unlink()
    (root / "2026-07" / "bpbd" / "index.html").mkdir()  # a file become a folder
    assert _same(again.scan("r", root, None), root)


def test_a_folder_changed_within_the_racy_window_is_listed_again(tmp_path: Path, listed: list[str]) -> None:
    root = _tree(tmp_path)  # made a moment ago: no folder is settled
    ahead = Prescan([("r", root, None)])
    listed.clear()
    found = ahead.scan("r", root, None)
    assert len(listed) == 11  # every folder of the tree: the root, 2 periods, 4 agencies, 4 tables
    assert _same(found, root)


def test_a_walk_stopped_ahead_leaves_its_trees_to_scan_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "a").write_bytes(b"a")
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return True

    monkeypatch.setattr("pipeline.site.prescan._EVERY", 1)
    ahead = Prescan([("r", root, None), ("o", other, None)], stop)
    assert asked == [1] and ahead.names == {}  # stopped at its first question: nothing planned
    assert _same(ahead.scan("r", root, None), root)
    missing = tmp_path / "missing"
    assert ahead.scan("m", missing, None) == scan_tree("m", missing, None) == [b"m absent\0"]


def test_a_part_read_ahead_is_taken_only_while_its_files_are_unchanged(tmp_path: Path) -> None:
    kept, absent = tmp_path / "kept.bin", tmp_path / "absent.bin"
    kept.write_bytes(b"one")
    ahead = ReadAhead()
    ahead.read((kept,), kept.read_bytes)
    ahead.read((kept, absent), lambda: "both")
    assert ahead.take((kept,)) == (b"one",)
    assert ahead.take((kept,)) is None  # taken once
    ahead.read((kept,), kept.read_bytes)
    time.sleep(0.05)
    kept.write_bytes(b"two")
    assert ahead.take((kept,)) is None  # changed since: the caller reads it again
    absent.write_bytes(b"")
    assert ahead.take((kept, absent)) is None  # a file that was absent is there now


def _portal_with_site(tmp_path: Path) -> Any:
    """A portal whose output holds published-looking folders and a live site with its fingerprint and manifest."""
    portal = load_portal(make_datasets(tmp_path), tmp_path / "out")
    out = portal.output
    for name in ("data", "feedback/agency/2026-07", "templates", "reports", "store/reports/2026-07"):
        (out / name).mkdir(parents=True)
    (out / "data" / "agencies.csv").write_bytes(b"agency_code\nbpbd\n")
    (out / "feedback" / "agency" / "2026-07" / "index.html").write_bytes(b"<p>feedback</p>\n")
    (out / "store" / "index.json").write_bytes(b"{}\n")
    (out / "store" / "reports" / "2026-07" / "r001.json").write_bytes(b"{}\n")
    site = out / "site"
    site.mkdir()
    (site / "index.html").write_bytes(b"<p>site</p>\n")
    body = manifest.Manifest({"index.html": manifest.digest(b"<p>site</p>\n")}, {"index.html": "k"}).to_bytes()
    (site / manifest.FILE_NAME).write_bytes(body)
    (site / fingerprint.FILE_NAME).write_bytes(fingerprint.record("inputs", 1, 2, manifest.digest(body)))
    return portal


def test_the_build_s_check_with_what_was_read_ahead_is_the_check_without(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    portal = _portal_with_site(tmp_path)
    out, day = portal.output, date(2026, 11, 30)
    plain = fingerprint.inputs_fingerprint(portal, day, SITE_TEMPLATES, True)
    fingerprint.remember_digests(portal, SITE_TEMPLATES)  # a build that ran kept its check's digests
    ahead = read_ahead(out, SITE_TEMPLATES)
    assert ahead.prescan is not None
    assert fingerprint.inputs_fingerprint(portal, day, SITE_TEMPLATES, True, ahead=ahead) == plain
    # What the data stage writes meanwhile: a feedback page added, a data file rewritten, a report added.
    ahead = read_ahead(out, SITE_TEMPLATES)
    time.sleep(0.05)
    (out / "feedback" / "agency" / "2026-07" / "r001.html").write_bytes(b"<p>file</p>\n")
    (out / "data" / "agencies.csv").write_bytes(b"agency_code\nbpbd\nlbh\n")
    (out / "store" / "reports" / "2026-08").mkdir()
    (out / "store" / "reports" / "2026-08" / "r001.json").write_bytes(b"{}\n")
    changed = fingerprint.inputs_fingerprint(portal, day, SITE_TEMPLATES, True)
    assert changed != plain
    assert fingerprint.inputs_fingerprint(portal, day, SITE_TEMPLATES, True, ahead=ahead) == changed


def test_the_live_manifest_read_ahead_is_taken_only_while_the_site_is_as_it_was(tmp_path: Path) -> None:
    portal = _portal_with_site(tmp_path)
    site = portal.output / "site"
    ahead = read_ahead(portal.output, SITE_TEMPLATES)
    record = fingerprint.read_record(site)
    live = ahead.live(site, record)
    assert live is not None and live.files == {"index.html": manifest.digest(b"<p>site</p>\n")}
    ahead = read_ahead(portal.output, SITE_TEMPLATES)
    (site / manifest.FILE_NAME).write_bytes(b"{}\n")  # a hand edit after it was read: the record no longer vouches
    assert ahead.live(site, record) is None
    ahead = read_ahead(portal.output, SITE_TEMPLATES)
    (site / fingerprint.FILE_NAME).unlink()  # no record: an unknown site, built whole
    assert ahead.live(site, fingerprint.read_record(site)) is None


def test_a_plan_the_nothing_new_checks_kept_stands_for_the_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               listed: list[str]) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    root = _tree(tmp_path)
    _, plan = listings.walk("r", root)  # (with its __pycache__ folder, which scan_tree leaves out)
    listed.clear()
    ahead = Prescan([("r", root, None)], kept={str(root): plan})
    assert listed == []  # not walked: the plan stands for the walk
    (root / "2026-07" / "bpbd" / "agendas" / "r002.json").write_bytes(b"{}")
    found = ahead.scan("r", root, None)
    assert listed == [str(root / "2026-07" / "bpbd" / "agendas")]  # only the folder changed since
    assert _same(found, root)
    damaged = Prescan([("r", root, None)], kept={str(root): [["missing/parent", None, [], []]]})
    assert _same(damaged.scan("r", root, None), root)  # a damaged plan: the tree is walked


def test_the_store_s_index_read_ahead_is_taken_only_while_it_is_as_it_was(tmp_path: Path) -> None:
    portal = _portal_with_site(tmp_path)
    store = portal.output / "store"
    (store / "index.json").write_bytes(b'{"format": 1, "reference": {"agencies.csv": "one"}}\n')
    ahead = read_ahead(portal.output, SITE_TEMPLATES)
    assert ahead.store(store).reference == {"agencies.csv": "one"}
    ahead = read_ahead(portal.output, SITE_TEMPLATES)
    time.sleep(0.05)
    # The data stage's commit after it was read: a rename of the index written whole (as store/journal.py writes).
    (store / "new.json").write_bytes(b'{"format": 1, "reference": {"agencies.csv": "two"}}\n')
    (store / "new.json").replace(store / "index.json")
    assert ahead.store(store).reference == {"agencies.csv": "two"}
    (store / "index.json").write_bytes(b"{}\n")  # an index that cannot be read: not read ahead, the build names it
    ahead = read_ahead(portal.output, SITE_TEMPLATES)
    with pytest.raises(PipelineError, match="unknown store format"):
        ahead.store(store)


def test_digests_read_first_are_offered_to_the_check_only_while_their_files_are_as_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    portal = _portal_with_site(tmp_path)
    out, day = portal.output, date(2026, 11, 30)
    plain = fingerprint.inputs_fingerprint(portal, day, SITE_TEMPLATES, True)
    fingerprint.remember_digests(portal, SITE_TEMPLATES)
    # Every kept digest stale (as after a copy of the output): each file is read first, and the check reads none.
    digests = out.joinpath(*fingerprint.DIGESTS)
    kept = treehash.DigestCache(digests).kept
    for entry in kept.values():
        entry[0] += 1  # another size: no kept entry holds
    digests.write_text(json.dumps({"format": treehash._FORMAT, "files": kept}))
    first = digests_first(out, SITE_TEMPLATES)
    assert len(first.offered) == len(kept)
    read: list[str] = []
    real = treehash._read

    def counted(path: str) -> Any:
        read.append(path)
        return real(path)

    monkeypatch.setattr(treehash, "_read", counted)
    ahead = read_ahead(out, SITE_TEMPLATES, first=first)
    assert fingerprint.inputs_fingerprint(portal, day, SITE_TEMPLATES, True, ahead=ahead) == plain
    assert read == []
    # A file the data stage writes after it was read first is read by the check again, and the check is the plain one.
    first = digests_first(out, SITE_TEMPLATES)
    time.sleep(0.05)
    agencies = out / "data" / "agencies.csv"
    agencies.write_bytes(b"agency_code\nbpbd\nlbh\n")
    changed = fingerprint.inputs_fingerprint(portal, day, SITE_TEMPLATES, True)
    read.clear()
    assert fingerprint.inputs_fingerprint(portal, day, SITE_TEMPLATES, True,
                                          ahead=read_ahead(out, SITE_TEMPLATES, first=first)) == changed
    assert os.path.abspath(agencies) in read and changed != plain
    # Told to stop at once: nothing read first, the check as without.
    assert digests_first(out, SITE_TEMPLATES, lambda: True).offered == {}


def test_the_build_s_kept_files_are_read_ahead_and_taken_while_as_they_were(tmp_path: Path) -> None:
    from pipeline.site import keptpickle, search
    from pipeline.site.readahead import kept_files

    portal = _portal_with_site(tmp_path)
    found = kept_files(portal.output)
    assert (search.kept_path(portal.output, "en"), search.MAGIC) in found
    for n, (path, magic) in enumerate(found):
        keptpickle.save_plain(path, magic, {"n": n})
    read_ahead(portal.output, SITE_TEMPLATES, stop=lambda: False)
    assert {path for path, _ in found} <= set(keptpickle._AHEAD)
    first, magic = found[0]
    assert keptpickle.load_plain(first, magic) == {"n": 0} and first not in keptpickle._AHEAD  # taken once
    second, magic = found[1]
    keptpickle.save_plain(second, magic, {"n": "again"})  # written since: read from the file
    assert keptpickle.load_plain(second, magic) == {"n": "again"}
    assert len(keptpickle.leftover()) == len(found) - 2
    # Told to stop (the word came): none read.
    read_ahead(portal.output, SITE_TEMPLATES, stop=lambda: True)
    assert keptpickle.leftover() == []
