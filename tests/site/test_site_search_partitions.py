"""Search partitions: bounded, stable when pages come and go, and rebuilt only where a page changed (real Pagefind)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.core.errors import SiteError
from pipeline.site.build import Indexing
from pipeline.site.pagefind_service import AHEAD, PagefindService
from pipeline.site.search import WORKERS_VARIABLE, SearchChanges, Stopped, _Budget, index_site
from pipeline.site.search_partitions import CAP_VARIABLE, DEFAULT_CAP, partitions
from pipeline.site.writer import Writer
from tests.run_support import child_running


def _html(title: str, lang: str = "id") -> bytes:
    """A searchable page as the site writes one."""
    return (f'<!doctype html><html lang="{lang}"><head><title>{title}</title></head><body>'
            f'<main data-pagefind-body data-pagefind-meta="kind:agendas"><h1>{title}</h1>'
            f"<p>Rapat layanan {title}.</p></main></body></html>").encode()


def _pages(count: int) -> dict[str, bytes]:
    """``count`` agenda pages and five agency pages, Indonesian only."""
    pages = {f"agenda/dinas/AG-{n:03d}/index.html": _html(f"agenda nomor{n:03d}") for n in range(count)}
    pages.update({f"instansi/a{n}/index.html": _html(f"instansi a{n}") for n in range(5)})
    return pages


def _index(staging: Path, live: Path | None, pages: dict[str, bytes]) -> SearchChanges:
    """Index ``pages`` into ``staging`` as the site build does."""
    searchable = {"id": {path: hashlib.sha256(body).hexdigest() for path, body in pages.items()}}
    return index_site(staging, live, searchable, lambda path: pages[path])


def _merge(live: Path, staging: Path, changes: SearchChanges) -> None:
    """What the build does with the changes: staging's files over the live site, minus the removed."""
    for rel in changes.written:
        (live / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staging / rel, live / rel)
    for rel in changes.removed:
        (live / rel).unlink()


def _assert_merged_is_cold(live: Path, staging: Path, changes: SearchChanges, pages: dict[str, bytes],
                           cold: Path) -> None:
    """Apply ``changes`` to the live index and check it is exactly a cold index of ``pages``."""
    _merge(live, staging, changes)
    _index(cold, None, pages)
    assert _tree(live) == _tree(cold)


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def small_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    """Partitions of at most 20 pages."""
    monkeypatch.setenv(CAP_VARIABLE, "20")
    return 20


def test_partitions_are_capped_grouped_and_move_only_where_a_page_came(small_cap: int) -> None:
    paths = [f"agenda/x/AG-{n:03d}/index.html" for n in range(200)] + ["instansi/a/index.html", "panduan/index.html"]
    parts = partitions(paths, "id", small_cap)
    assert max(len(p) for p in parts.values()) <= 20
    assert sorted(p for part in parts.values() for p in part) == sorted(paths)  # each page once
    assert [n for n in parts if n.startswith("inti-")] and all(
        all(p.startswith("agenda/") for p in part) == name.startswith("agenda-") for name, part in parts.items())
    # A new page in the middle of the agendas: every other partition keeps its name and its pages.
    after = partitions([*paths, "agenda/x/AG-100a/index.html"], "id", small_cap)
    changed = {n for n in set(parts) | set(after) if parts.get(n) != after.get(n)}
    assert 1 <= len(changed) <= 3, changed
    # Large pages are cut by their bytes (Pagefind's memory grows with the text): 30 pages of 40 bytes
    # under a 100-byte budget hold at most two pages a partition.
    sized = partitions(paths[:30], "id", small_cap, {p: 40 for p in paths[:30]}, byte_cap=100)
    assert max(len(p) for p in sized.values()) == 2 and sum(len(p) for p in sized.values()) == 30
    # The English pages are cut alike.
    english = partitions([f"en/{p}" for p in paths], "en", small_cap)
    assert [len(p) for p in english.values()] == [len(p) for p in parts.values()]


def test_the_group_of_large_pages_is_cut_into_partitions_of_like_bytes() -> None:
    # As at the bench city: 2,000 agenda pages of 7 KB; 60 agency pages of 37 KB and 480 service pages of 23 KB.
    agendas = {f"agenda/a{n % 60:02d}/AG-{n:04d}/index.html": 7_000 for n in range(2000)}
    inti = {f"instansi/a{n:02d}/index.html": 37_000 for n in range(60)}
    inti.update({f"layanan/a{n % 60:02d}-l{n // 60}/index.html": 23_000 for n in range(480)})
    sizes = {**agendas, **inti}
    parts = partitions(sorted(sizes), "id", DEFAULT_CAP, sizes)
    assert sorted(p for part in parts.values() for p in part) == sorted(sizes)

    def mean_bytes(group: str) -> float:
        held = [sum(sizes[p] for p in part) for name, part in parts.items() if name.startswith(group)]
        return sum(held) / len(held)

    # More partitions of the larger pages, each of about as many bytes as an agendas' one (not four times).
    assert len([n for n in parts if n.startswith("inti-")]) >= 6
    assert 0.5 < mean_bytes("inti-") / mean_bytes("agenda-") < 2
    # One agency's page and services changed: the partitions holding them are a fraction of the group.
    changed = {"instansi/a07/index.html", *(p for p in inti if p.startswith("layanan/a07-"))}
    touched = sum(sizes[p] for part in parts.values() if changed & set(part) for p in part)
    assert touched < 0.5 * sum(inti.values())


def test_a_cold_index_is_complete_and_the_same_bytes_twice(tmp_path: Path, small_cap: int) -> None:
    pages = _pages(90)
    first, second = tmp_path / "a", tmp_path / "b"
    changes = _index(first, None, pages)
    _index(second, None, pages)
    assert _tree(first) == _tree(second)  # same pages, same bytes
    assert changes.removed == () and set(changes.written) == set(_tree(first))
    bundles = json.loads((first / "pagefind" / "bundles.json").read_bytes())
    assert bundles["id"]["runtime"] == "pagefind/id/" and len(bundles["id"]["parts"]) >= 5
    counts = [json.loads((first / part / "pagefind-entry.json").read_bytes())["languages"]["id"]["page_count"]
              for part in bundles["id"]["parts"]]
    assert sum(counts) == 95 and max(counts) <= 20


def test_only_the_partition_of_a_changed_page_is_rebuilt(tmp_path: Path, small_cap: int) -> None:
    pages = _pages(90)
    live = tmp_path / "live"
    _index(live, None, pages)
    before = _tree(live)
    # Nothing changed: nothing indexed, nothing written, nothing removed.
    assert _index(tmp_path / "s1", live, pages) == SearchChanges((), ())
    assert not (tmp_path / "s1").exists()
    # One page changed: only its partition's files (and the manifest) are written.
    changed = dict(pages)
    changed["agenda/dinas/AG-042/index.html"] = _html("agenda nomor042 dibatalkan")
    staging = tmp_path / "s2"
    changes = _index(staging, live, changed)
    folders = {rel.rsplit("/", 1)[0].split("/fragment")[0].split("/index")[0] for rel in changes.written
               if "/p/" in rel}
    assert len(folders) == 1, folders
    assert set(changes.written) - {rel for rel in changes.written if rel.startswith(next(iter(folders)))} == {
        "pagefind/partitions.json"}
    assert changes.removed and all(rel.startswith(next(iter(folders))) for rel in changes.removed)
    assert all(rel in before for rel in changes.removed)
    # The merged live index is exactly what a cold index of the new pages gives.
    _assert_merged_is_cold(live, staging, changes, changed, tmp_path / "cold")


def test_pages_gone_remove_their_partitions(tmp_path: Path, small_cap: int) -> None:
    pages = _pages(90)
    live = tmp_path / "live"
    _index(live, None, pages)
    fewer = {path: body for path, body in pages.items() if not path.startswith("agenda/")}
    staging = tmp_path / "s"
    changes = _index(staging, live, fewer)
    assert all("/p/agenda-" in rel for rel in changes.removed if "/p/" in rel)
    assert {rel for rel in _tree(live) if "/p/agenda-" in rel} <= set(changes.removed)
    _assert_merged_is_cold(live, staging, changes, fewer, tmp_path / "cold")


def test_a_staging_of_hard_links_to_the_live_site_leaves_the_live_files_alone(tmp_path: Path, small_cap: int) -> None:
    pages = _pages(90)
    live = tmp_path / "live"
    _index(live, None, pages)
    before = _tree(live)
    staging = tmp_path / "staging"
    shutil.copytree(live, staging, copy_function=os.link)  # the same inodes, as a swap without copies has
    changed = {**pages, "instansi/a1/index.html": _html("instansi a1 pindah alamat")}
    changes = _index(staging, live, changed)
    assert changes.written and _tree(live) == before  # rewritten in staging as new files, not through the links


def test_one_or_two_pagefind_processes_make_the_same_bytes(tmp_path: Path, small_cap: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pages = _pages(90)
    monkeypatch.setenv(WORKERS_VARIABLE, "1")
    _index(tmp_path / "one", None, pages)
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    changes = _index(tmp_path / "two", None, pages)
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    assert set(changes.written) == set(_tree(tmp_path / "two"))


def test_a_failed_partition_stops_the_others_and_leaves_no_pagefind(tmp_path: Path, small_cap: int,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    pages = _pages(90)
    pages["agenda/dinas/AG-050/index.html"] = b"\xff\xfe not UTF-8"
    searchable = {"id": {path: hashlib.sha256(body).hexdigest() for path, body in pages.items()}}
    with pytest.raises(SiteError, match="AG-050"):
        index_site(tmp_path / "s", None, searchable, lambda path: pages[path])
    assert child_running(os.getpid(), "--service", "pagefind") is None  # no Pagefind left (Chromium has --service-* flags)


def test_a_stopped_index_runs_no_pagefind(tmp_path: Path, small_cap: int) -> None:
    pages = _pages(30)
    searchable = {"id": {path: hashlib.sha256(body).hexdigest() for path, body in pages.items()}}
    stop = threading.Event()
    stop.set()
    with pytest.raises(Stopped):
        index_site(tmp_path / "s", None, searchable, lambda path: pages[path], stop)
    assert not (tmp_path / "s" / "pagefind").exists() or not any((tmp_path / "s" / "pagefind").rglob("*.pf_*"))


def test_a_build_that_fails_beside_its_indexing_stops_it_first(tmp_path: Path) -> None:
    started, seen = threading.Event(), []

    def run(changed: set[str], staging: Path, target: Path | None, live: object, searchable: object,
            stop: threading.Event, sizes: object = None) -> tuple[list[str], dict[str, str]]:
        started.set()
        seen.append(stop.wait(30))  # an indexing still running when the build fails
        return [], {}

    with pytest.raises(RuntimeError), Indexing(run, Writer(tmp_path), tmp_path, None, None, {}):
        assert started.wait(30)
        raise RuntimeError("calendars failed")
    assert seen == [True]  # told to stop, and waited for before the error went on


def test_indexing_gives_the_index_files_to_the_manifest(tmp_path: Path) -> None:
    def run(*args: object) -> tuple[list[str], dict[str, str]]:
        return ["pagefind/a.pf_index"], {"pagefind/a.pf_index": "1" * 64, "pagefind/kept.pf_index": "2" * 64}

    files = {"index.html": "0" * 64}
    with Indexing(run, Writer(tmp_path), tmp_path, None, None, {}) as indexing:
        assert indexing.result(files) == ["pagefind/a.pf_index"]
    assert set(files) == {"index.html", "pagefind/a.pf_index", "pagefind/kept.pf_index"}
    with Indexing(None, Writer(tmp_path), tmp_path, None, None, {}) as indexing:
        assert indexing.result(files) == []


def test_pagefind_processes_together_hold_no_more_html_than_the_budget() -> None:
    budget = _Budget(16)
    running: list[int] = []
    most: list[int] = []
    lock = threading.Lock()

    def job(size: int) -> None:
        with budget.hold(size):
            with lock:
                running.append(size)
                most.append(sum(running))
            time.sleep(0.05)
            with lock:
                running.remove(size)

    sizes = [10, 10, 4, 40, 2, 2, 16]  # a partition larger than the budget runs alone
    threads = [threading.Thread(target=job, args=(size,)) for size in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(most) == len(sizes) and max(most) <= 40
    assert all(total <= 16 or total == 40 for total in most)  # 40 only ever alone
    assert budget.used == 0


def test_pages_sent_ahead_of_their_answers_make_the_bundle_of_pages_sent_one_at_a_time() -> None:
    # More pages than are sent ahead (AHEAD): the window fills, drains and fills again.
    pages = [(f"/agenda/dinas/AG-{n:03d}/", _html(f"agenda nomor{n:03d} rapat ke-{n}").decode())
             for n in range(3 * AHEAD + 5)]
    with PagefindService(60) as pagefind:
        index = pagefind.new_index("id")
        for url, html in pages:
            pagefind.add_html(index, url, html)
        one_at_a_time = pagefind.files(index)
    with PagefindService(60) as pagefind:
        index = pagefind.new_index("id")
        assert pagefind.add_pages(index, iter(pages)) == len(pages)
        assert pagefind.add_pages(index, iter([])) == 0
        ahead = pagefind.files(index)
    assert ahead == one_at_a_time
    entry = json.loads(ahead["pagefind-entry.json"])
    assert entry["languages"]["id"]["page_count"] == len(pages)


def test_a_page_that_fails_while_others_are_sent_ahead_fails_the_partition() -> None:
    def pages() -> Iterator[tuple[str, str]]:
        yield from ((f"/a/{n}/", _html(f"halaman {n}").decode()) for n in range(10))
        raise SiteError("halaman rusak / broken page")

    with PagefindService(60) as pagefind, pytest.raises(SiteError, match="broken page"):
        pagefind.add_pages(pagefind.new_index("id"), pages())
    assert child_running(os.getpid(), "--service", "pagefind") is None


def test_sizes_from_the_writer_and_digests_from_the_live_manifest_change_no_byte(tmp_path: Path,
                                                                                small_cap: int) -> None:
    pages = _pages(90)
    searchable = {"id": {path: hashlib.sha256(body).hexdigest() for path, body in pages.items()}}
    reads: list[str] = []

    def read(path: str) -> bytes:
        reads.append(path)
        return pages[path]

    sizes = {"id": {path: len(body) for path, body in pages.items()}}
    cold = index_site(tmp_path / "cold", None, searchable, read, sizes=sizes)
    assert sorted(reads) == sorted(pages)  # each page read once: for Pagefind, not for its size
    assert _tree(tmp_path / "cold") == _tree(_cold_reference(tmp_path, pages))
    # Each file written comes with the SHA-256 of its bytes: the build does not read it back.
    assert set(cold.digests) == set(cold.written) == set(_tree(tmp_path / "cold"))
    assert all(hashlib.sha256((tmp_path / "cold" / rel).read_bytes()).hexdigest() == sha
               for rel, sha in cold.digests.items())
    # One page changed, the live files known by their digests (as the live manifest gives them):
    # the same files written and removed as when the live files are compared by their bytes.
    live = tmp_path / "cold"
    changed = {**pages, "agenda/dinas/AG-042/index.html": _html("agenda nomor042 dibatalkan")}
    after = {"id": {path: hashlib.sha256(body).hexdigest() for path, body in changed.items()}}
    digests = {rel: hashlib.sha256(body).hexdigest() for rel, body in _tree(live).items()}
    by_digest = index_site(tmp_path / "s1", live, after, changed.__getitem__, live_digests=digests)
    by_bytes = index_site(tmp_path / "s2", live, after, changed.__getitem__)
    assert by_digest == by_bytes and by_digest.written and by_digest.removed
    assert _tree(tmp_path / "s1") == _tree(tmp_path / "s2")
    # A live file whose manifest digest is not the new bytes' is written again.
    stale = {rel: "0" * 64 for rel in digests}
    again = index_site(tmp_path / "s3", live, after, changed.__getitem__, live_digests=stale)
    assert set(again.written) > set(by_digest.written)


def _cold_reference(tmp_path: Path, pages: dict[str, bytes]) -> Path:
    """A cold index of ``pages`` made as the tests above make one (sizes read from the pages)."""
    _index(tmp_path / "reference", None, pages)
    return tmp_path / "reference"


def test_each_worker_runs_its_partitions_on_one_pagefind(tmp_path: Path, small_cap: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.site import pagefind_service

    started: list[object] = []
    real = pagefind_service.subprocess.Popen

    def counting(*args: object, **kwargs: object) -> object:
        started.append(args)
        return real(*args, **kwargs)  # type: ignore[call-overload]

    pages = _pages(90)
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    reference = _index(tmp_path / "first", None, pages)
    monkeypatch.setattr(pagefind_service.subprocess, "Popen", counting)
    changes = _index(tmp_path / "reused", None, pages)
    bundles = json.loads((tmp_path / "reused" / "pagefind" / "bundles.json").read_bytes())
    assert len(bundles["id"]["parts"]) >= 5 and 1 <= len(started) <= 2  # six bundles or more, two processes at most
    assert changes == reference and _tree(tmp_path / "reused") == _tree(tmp_path / "first")
    # An index made by a process that made others first is the one a process of its own makes
    # (the agency pages alone: their partition is then the first index of its process).
    monkeypatch.setattr(pagefind_service.subprocess, "Popen", real)
    one = {path: body for path, body in pages.items() if path.startswith("instansi/")}
    _index(tmp_path / "alone", None, one)
    alone = _tree(tmp_path / "alone")
    inti = [p for p in bundles["id"]["parts"] if "/p/inti-" in p]
    assert inti and {rel: body for rel, body in _tree(tmp_path / "reused").items() if rel.startswith(inti[0])} == {
        rel: body for rel, body in alone.items() if rel.startswith(inti[0])}
    assert child_running(os.getpid(), "--service", "pagefind") is None  # all ended with the indexing
