"""What a site build reads first from files that only the site stage writes, read while the data stage still works.

A publish with something new forks its site child as soon as the data stage's check found work
(runner/early_site.py): the child reads these ahead on the other core, then waits for the word to build.
At a city's size they were a third of a second of the site stage's start, after the data stage: the live
site's fingerprint record and manifest (18 MB of JSON, and the stat of its 79,000 files), the digests the
last build's check kept (``fingerprint``: 5 MB of JSON), the walk of the trees that check reads
(``prescan.py``), the digest of the CSV each table's kept rows were read from (``rowcache.first_pass``),
the kept problems of the store's reports (``reportcache``), the store's index and, last, while time is left, the
kept rows themselves (``rowcache.read_kept``) and the other kept files of the build (``kept_files``: the
records' texts, the groups' sources, the monthly sums, each language's search index), each
taken by ``keptpickle.load_plain``.

None of them but the store's index depends on what the data stage writes. The build takes one only while every
file it was read from has the stat it had then (``ReadAhead.take``): only the site stage writes them, and the run
holds the lock, so nothing but a hand edit changes one meanwhile, and the build then reads it again; the store's
index is written by a rename at the data stage's commit, as the reading starts: read before, its stat then
differs, and it is read again as soon as that is seen (``renew``: between the files read after it, then while the
word is awaited), else by the build. What is taken is used under the same checks as if it had been read then (a kept
digest only while its file's stat is the one kept with it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pipeline.core import collector, listings
from pipeline.core.errors import PipelineError
from pipeline.core.formatting import LANGS
from pipeline.core.models import PUBLISHED_TABLES
from pipeline.core.treehash import DigestCache, path_fields
from pipeline.publish import row_maps, unchanged
from pipeline.runner import sitestamp
from pipeline.site import (
    digestahead,
    fingerprint,
    keptpickle,
    manifest,
    recordtexts,
    reportcache,
    rowcache,
    search,
    seriescache,
    sources,
)
from pipeline.site.prescan import Prescan
from pipeline.store import Store

STORE_INDEX = "index.json"  # the store's index under its root (``Store.load``)

T = TypeVar("T")
# The live site's fingerprint record and the manifest it vouches for (``manifest.read``).
Live = tuple[dict[str, Any] | None, manifest.Manifest | None]


class ReadAhead:
    """Values read from files, each taken back once, and only while those files' stat is the one read with it."""

    def __init__(self) -> None:
        self._read: dict[tuple[Path, ...], tuple[list[list[int] | None], Any]] = {}
        self.prescan: Prescan | None = None  # the walk of the trees the build's check reads
        # Digests of the files the check reads whose kept digest no longer held, read ahead (digestahead.py).
        self.offered: dict[str, list[Any]] = {}
        # What is read again once its files' stat changed while the word is awaited (``renew``), by its paths.
        self._renewable: dict[tuple[Path, ...], Callable[[], Any]] = {}

    def read(self, paths: tuple[Path, ...], reader: Callable[[], T]) -> None:
        """Keep what ``reader`` returns, read from ``paths`` (kept only when none changed while it read)."""
        before = _stats(paths)
        value = reader()
        if _stats(paths) == before:
            self._read[paths] = (before, value)

    def renewable(self, paths: tuple[Path, ...], reader: Callable[[], Any]) -> None:
        """``read`` now, and again by ``renew`` each time a file of ``paths`` changed since (the store's index, which
        the data stage replaces at its commit, while this reads)."""
        self._renewable[paths] = reader
        self.read(paths, reader)

    def renew(self) -> bool:
        """Read again what ``renewable`` named whose files' stat is no longer the one read with it (or that was not
        kept); True when anything was read."""
        again = False
        for paths, reader in self._renewable.items():
            found = self._read.get(paths)
            if found is None or _stats(paths) != found[0]:
                self.read(paths, reader)
                again = True
        return again

    def take(self, paths: tuple[Path, ...]) -> tuple[Any] | None:
        """``(value,)`` read from ``paths`` when each still has the stat it had then, else None (read it now)."""
        found = self._read.pop(paths, None)
        if found is None or _stats(paths) != found[0]:
            return None
        return (found[1],)

    def live(self, site: Path, record: dict[str, Any] | None) -> manifest.Manifest | None:
        """The manifest of the live site ``site`` that ``record`` (its fingerprint record, read now) vouches for:
        the one read ahead when the site's fingerprint and manifest files are as they were, else read now."""
        taken = self.take(_live_files(site))
        if taken is not None:
            ahead: Live = taken[0]
            if ahead[0] == record:
                return ahead[1]
        return manifest.read(site, record) if site.is_dir() else None

    def store(self, root: Path) -> Store:
        """The store at ``root`` as read ahead while its index is as it was then, else read now (``Store.load``)."""
        taken = self.take((root / STORE_INDEX,))
        return taken[0] if taken is not None and taken[0] is not None else Store.load(root)

    def digests(self, path: Path) -> dict[str, list[Any]] | None:
        """The entries of the digest cache file ``path`` as read ahead (None: read it now)."""
        taken = self.take((path,))
        return None if taken is None else taken[0]


def digests_first(output: Path, templates: Path, stop: Callable[[], bool] | None = None) -> ReadAhead:
    """The kept digests of the build's check, the walk of its trees and the digests of the files among them whose
    kept digest no longer holds (digestahead.py), read in the command's process while the data stage works, until
    ``stop`` says so; ``read_ahead`` in the site child forked from it goes on from there."""
    ahead = ReadAhead()
    digests = output.joinpath(*fingerprint.DIGESTS)
    ahead.read((digests,), lambda: DigestCache(digests).kept)
    kept = ahead._read.get((digests,))
    if stop is not None and stop():
        return ahead
    ahead.prescan = Prescan(fingerprint.trees(output, templates), stop, _kept_plans(output))
    if kept is not None and (stop is None or not stop()):
        ahead.offered = digestahead.read_changed(output, templates, kept[1], ahead.prescan, stop)
    return ahead


def read_ahead(output: Path, templates: Path, stop: Callable[[], bool] | None = None,
               first: ReadAhead | None = None) -> ReadAhead:
    """Read what a build of ``output`` reads first (``_build``), as far as only the site stage writes it; the
    walk of the trees, last, ends as soon as ``stop`` says so (it saves less than it costs: not finished when
    the build may start, the rest is walked by the build). ``first``: what ``digests_first`` read already."""
    ahead = first if first is not None else ReadAhead()
    site = output / "site"
    ahead.read(_live_files(site), lambda: _live(site))
    digests = output.joinpath(*fingerprint.DIGESTS)
    if (digests,) not in ahead._read:
        ahead.read((digests,), lambda: DigestCache(digests).kept)
    # The digest of the live site's copy of each table's CSV, which its kept rows were read from (``rowcache``),
    # unless the data stage keeps maps of its CSVs (publish/row_maps.py: the last run did, so this one does, once
    # committed): each changed table's rows are then taken by its map, which names that digest (0.1 s of hashing at a
    # city's new month). A changed table without a map hashes it in the build.
    if not row_maps.path_of(output / "store").is_file():
        for name in PUBLISHED_TABLES:
            previous = site / "data" / f"{name}.csv"
            ahead.read((previous,), partial(rowcache.first_pass, previous))
    reports = output / rowcache.FOLDER / reportcache.FILE_NAME  # the problems of the store's reports, kept
    ahead.read((reports,), partial(reportcache.load, reports))
    if ahead.prescan is None and (stop is None or not stop()):
        ahead.prescan = Prescan(fingerprint.trees(output, templates), stop, _kept_plans(output))
    # The rows each table's last build kept (``rowcache.read_kept``: reading, unpickling and making the rows took
    # 0.3 s at a city's size; after a new month both the unchanged tables' rows and those the changed ones are
    # patched from, taken as they are), the largest first, each only while the word has not come yet (what is
    # left is read by the build).
    # The store's index (its reports' versions, ``feedback_data.load_reports``): the data stage writes it at its
    # commit, as this reading starts, by a rename; read before that, its stat changed and it is read again between
    # the files read next and while the word is awaited (``renew``, early_site.py), else by the build (0.06 s at a
    # city's size, after the word). Read here even when the word came already: the build would read it now anyway,
    # and then always takes it from here (a small mall's word could come before this line, and the build read it).
    store = output / "store"
    ahead.renewable((store / STORE_INDEX,), partial(_store, store))
    cache = output / rowcache.FOLDER
    kept = sorted((cache / f"{name}.rows" for name in PUBLISHED_TABLES), key=_size, reverse=True)
    # Hundreds of thousands of rows, none of them garbage: no collection walks them, neither while they are read
    # nor after (frozen: merely paused, the first collection after walked them all, 0.1 s).
    with collector.set_aside():
        for path in kept:
            if stop is not None and stop():
                break
            ahead.renew()
            ahead.read((path,), partial(rowcache.read_kept, path))
    # The build's other kept files, each read whole while the word has not come yet: a new month's build read them
    # after the word, on its longest path (0.05 s of records' texts before any language's process, 0.07 s of each
    # language's search index in its own process, at a city's size), while this child waited for the word.
    for path, magic in kept_files(output):
        if stop is not None and stop():
            break
        ahead.renew()
        keptpickle.read_ahead(path, magic)
    return ahead


def kept_files(output: Path) -> list[tuple[Path, bytes]]:
    """The kept files (keptpickle.py) a build of ``output`` reads, with their magic, those before the languages'
    processes first."""
    cache = output / rowcache.FOLDER
    return [(cache / recordtexts.FILE_NAME, recordtexts.MAGIC), (cache / sources.FILE_NAME, sources.MAGIC),
            (cache / seriescache.FILE_NAME, seriescache.MAGIC),
            *((search.kept_path(output, lang), search.MAGIC) for lang in LANGS)]


def _size(path: Path) -> int:
    """The size of the file ``path`` (0: absent or unreadable)."""
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def _store(root: Path) -> Store | None:
    """The store at ``root``, or None when its index cannot be read (the build reads it again, and names why)."""
    try:
        return Store.load(root)
    except PipelineError:
        return None


def _kept_plans(output: Path) -> dict[str, list[listings.Folder]]:
    """The plans of the output folders and of the store's reports the nothing-new checks keep, by root path."""
    found: dict[str, list[listings.Folder]] = {}
    for path in (output / "store" / unchanged.LISTINGS, output.joinpath(*sitestamp.LISTINGS)):
        for label, plan in listings.load(path).items():
            if isinstance(label, str) and isinstance(plan, list):
                found[os.path.abspath(output / label)] = plan
    return found


def _live(site: Path) -> Live:
    """The live site's fingerprint record and the manifest it vouches for (as ``_build`` reads them)."""
    record = fingerprint.read_record(site)
    return record, manifest.read(site, record) if site.is_dir() else None


def _live_files(site: Path) -> tuple[Path, ...]:
    """The files the live site's record and manifest are read from (the folder's own stat: there or not)."""
    return site, site / fingerprint.FILE_NAME, site / manifest.FILE_NAME


def _stats(paths: tuple[Path, ...]) -> list[list[int] | None]:
    """Each path's stat key (``treehash.stat_fields``), None where it is absent."""
    return [path_fields(path) for path in paths]
