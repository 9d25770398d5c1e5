"""Hashing what a run reads: a folder tree's names, kinds and bytes, and library versions.

One home for the three fingerprints that decide whether work can be skipped: the site build's,
the publish skip record's and the validation cache's rules version.

Reading every byte of every input on each run cost seconds at a city's size, so a tree may be
hashed with a ``DigestCache`` (the way git's index works): a file whose path, size, device,
inode, modification and change times (the change time cannot be set by a user) all equal those
kept with its SHA-256 is not read again. A file changed less than ``RACY_NS`` before it was read
is never kept (a second change in the same clock tick could leave every stat field equal), nor
is one whose stat changed while it was read. The cache is trusted for nothing beyond its key:
a damaged or foreign cache file only costs the time of reading the files again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.core import jsonbytes
from pipeline.core.atomic import write_blocks

_CHUNK = 1 << 20
RACY_NS = 2_000_000_000  # a file changed less than 2 s before it was read is read again next time
_FORMAT = "mpp-tree-digests 2"
_HEX = frozenset("0123456789abcdef")


class DigestCache:
    """SHA-256 digests of files, each valid while the file's stat key is the one kept with it."""

    def __init__(self, path: Path, kept: dict[str, list[Any]] | None = None,
                 on_disk: dict[str, list[Any]] | None = None) -> None:
        self.path = path
        # entry_name(absolute path) -> [*key, digest]
        self.kept: dict[str, list[Any]] = _load(path) if kept is None else kept
        # What the cache file holds (``save`` writes only when this run's entries differ from it).
        self.on_disk: dict[str, list[Any]] = self.kept if on_disk is None else on_disk
        self.seen: dict[str, list[Any]] = {}  # the entries this run used or found, to be kept
        # Digests this process read of files changed too recently to keep (never saved): good for
        # this process only, while the stat key is the one read (``known(..., fresh=True)``).
        self.fresh: dict[str, list[Any]] = {}
        self._fresh_paths: dict[str, str] = {}  # the path of each of those, by entry name (never saved)
        # SHA-256 of bytes this run writes, by path: kept by ``save`` with the file's stat then (``expect``).
        self.expected: dict[str, str] = {}
        # Entries of files another stage of this run wrote, by entry name (``offer``; never saved as such).
        self.offered: dict[str, list[Any]] = {}
        # True once this pass gave a digest it does not keep (a file too recent, changed while read, unreadable):
        # the stat of the files it passed over then does not vouch for their bytes (``feed_stats``).
        self.unsure = False
        # True once this pass gave a digest no later read can vouch for (a file changed while read, or unreadable):
        # ``recheck`` then leaves the pass unsure; a file only too recent is read again there instead.
        self.doubted = False
        # The stat digest of the trees this pass hashed, as its caller took it (``publish/unchanged.py``).
        self.scanned_stat: str | None = None
        # The listings of the trees' folders this pass's walk found to keep (``core/input_listings.py``).
        self.scanned_listings: dict[str, list[Any]] | None = None
        # The folders that walk did not list, their kept listing holding (``input_listings.Held``): by absolute
        # path, the names of their entries, each a regular file by its stat then.
        self.held_listings: dict[str, list[str]] = {}
        # ``entry_name`` of paths, worked out ahead by the caller (site/prescan.py): not hashed again.
        self.names: dict[str, str] = {}
        # The SHA-256 this pass gave each path it hashed, by the path (``hashed``), when the bytes are those of the
        # stat it was given: the publish's validation takes a file's digest from its check without a stat.
        self.by_path: dict[str, str] = {}

    def again(self) -> DigestCache:
        """A cache for another pass over the same files: what this pass found is kept too, so only a
        file whose stat changed since, or that was too recent to keep, is read again."""
        final = DigestCache(self.path, {**self.kept, **self.seen}, self.on_disk)
        final.offered = self.offered
        return final

    def offer(self, entries: dict[str, list[Any]]) -> None:
        """Take the digests another stage of this run took of bytes it wrote itself (``written_entry``:
        entry name -> [*stat key, SHA-256], the key taken once the file was in place), for a file whose
        stat is still that key not to be read (a new month's data files are 285 MB at a city's size).

        As with ``expect``, only the pipeline writes those files, and the run holds its lock: a file
        changed since has another stat key and is read. Such an entry is kept, like one read, once
        its file has settled (``settled``).
        """
        self.offered.update(entries)

    def digest(self, path: str, st: os.stat_result) -> str:
        """The SHA-256 (hex) of the regular file ``path`` whose ``lstat`` is ``st`` (OSError: unreadable)."""
        key, name = stat_fields(st), self.names.get(path) or entry_name(path)
        entry = self.kept.get(name)
        if entry is not None and entry[:-1] == key:
            self.seen[name] = entry
            self.by_path[path] = found = str(entry[-1])
            return found
        entry = self.offered.get(name)
        if entry is not None and entry[:-1] == key:  # the bytes another stage of this run wrote there
            if settled(st, time.time_ns()):
                self.seen[name] = entry
            else:
                self.fresh[name] = entry
                self._fresh_paths[name] = path
                self.unsure = True
            self.by_path[path] = found = str(entry[-1])
            return found
        started = time.time_ns()
        found, before, after = _read(path)
        # Kept only when the bytes read are the bytes of that key, and that key cannot come back
        # with other bytes: unchanged while read, and last changed long enough before the read.
        if before == after == key and settled(st, started):
            self.seen[name] = [*key, found]
            self.by_path[path] = found
            return found
        self.unsure = True
        if before == after == key:
            self.fresh[name] = [*key, found]
            self._fresh_paths[name] = path
            self.by_path[path] = found
        else:
            self.doubted = True
        return found

    def hashed(self, path: str) -> str | None:
        """The SHA-256 this pass gave ``path`` (``digest``) of the bytes its stat then held, without taking the
        file's stat again; None when it did not hash it, or the file changed while read.

        For the publish that follows its check in the same run: the judgements, the store and the publish record
        then all describe the bytes the check saw (a file changed since has another stat: the next run's check
        sees it and judges it again, as it would a file changed just after this run). A file the store takes as
        a new version is read then, and its bytes checked against this digest (``Store.update``).
        """
        return self.by_path.get(path)

    def recheck(self) -> DigestCache:
        """What a pass ``again`` over the same trees would keep, without walking them: the entries this pass
        found, and the files that were too recent to keep then read again now (kept once settled).

        A file changed or gone since this pass keeps the entry this pass found: it no longer matches
        the file's stat, so the next run reads the file (and drops the entry); nothing is trusted
        that a second walk would not.

        The result is ``unsure`` unless this pass was sure, or each file it was unsure of only for being too
        recent is now kept under the stat key this pass read it by, with the digest this pass gave for it: that
        key then vouches for the bytes this pass hashed (``publish/unchanged.py`` keeps the walk's stat).
        """
        final = DigestCache(self.path, {**self.kept, **self.seen}, self.on_disk)
        final.seen = dict(self.seen)
        final.offered = self.offered
        sure = not self.doubted
        for name, path in self._fresh_paths.items():
            try:
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode):
                    final.digest(path, st)
            except OSError:
                pass  # gone or unreadable: left to the next run (and not vouched for)
            sure = sure and final.seen.get(name) == self.fresh[name]
        final.unsure = self.unsure and not sure
        return final

    def known(self, path: str, st: os.stat_result, fresh: bool = False) -> str | None:
        """The kept SHA-256 of ``path`` when its ``lstat`` ``st`` still matches the key kept with it, else
        None (nothing is read: the caller reads the file its own, safe way).

        ``fresh``: also a digest this process read of a file changed too recently to keep, while its
        stat key is the one read. Only a writer that changes the file within the same clock tick
        as its last change could give it other bytes under that key; the pipeline's own writes to
        what a run reads are over before it reads them, and a second run waits for its lock.
        """
        name, key = self.names.get(path) or entry_name(path), stat_fields(st)
        # This run's entry first: a file changed since the cache file was written (a data file the
        # publish just wrote again) has its old entry kept and its new one seen by this run's check.
        for entry in (self.seen.get(name), self.kept.get(name)):
            if entry is not None and entry[:-1] == key:
                self.seen[name] = entry
                return str(entry[-1])
        if fresh:
            entry = self.fresh.get(name)
            if entry is not None and entry[:-1] == key:
                return str(entry[-1])  # not kept: a later run reads the file again
        return None

    def found(self, path: str) -> str | None:
        """The SHA-256 this pass kept of ``path`` when it met the file (None: it did not, or could not keep it),
        without taking the file's stat again: for a build reading thousands of files its check has just
        digested (the store's reports), in step with what the check fed its fingerprint.

        A file changed since is described by the digest that fingerprint holds; its next check reads it again.
        """
        entry = self.seen.get(self.names.get(path) or entry_name(path))
        return None if entry is None else str(entry[-1])

    def expect(self, path: str, digest: str) -> None:
        """Note that this run writes bytes of SHA-256 ``digest`` to ``path`` (hashed from memory): ``save``, called
        once they are in place, keeps the digest with the file's stat then, so that the next run does not read
        it (a city's first publish writes 10,800 reports the next one would read and hash again).

        Only the pipeline writes those files: once ``save`` finds one last changed ``RACY_NS`` before, it
        holds the bytes written, and any later change changes its stat (as for a page it built, reuse.py).
        """
        self.expected[path] = digest

    def settle_expected(self) -> None:
        """Keep the digest of each file ``expect`` named that lasts (a regular file last changed ``RACY_NS`` ago)."""
        now = time.time_ns()
        for path, digest in self.expected.items():
            try:
                st = os.lstat(path)
            except OSError:
                continue  # not written after all: read by the next run, if it is ever asked for
            if stat.S_ISREG(st.st_mode) and settled(st, now):
                self.seen[entry_name(path)] = [*stat_fields(st), digest]
        self.expected = {}

    def save(self) -> None:
        """Write the entries this run used (those of files gone are dropped), atomically, when they changed."""
        self.settle_expected()
        if self.seen == self.on_disk:
            return
        body = jsonbytes.dumps({"format": _FORMAT, "files": self.seen}, sort_keys=True)
        # A cache that cannot be kept (a full or read-only disk) only makes the next run read the files. Not flushed:
        # a file a power loss left short is not JSON, an older one keeps stat keys the files changed since lack.
        with contextlib.suppress(OSError):
            write_blocks(self.path, (body,), sync=False)


def known_digest(digests: DigestCache | None, path: str, fresh: bool = False) -> str | None:
    """The SHA-256 kept in ``digests`` for the regular file ``path`` (the name its tree was walked
    by) while its ``lstat`` is the one kept with it (``fresh``: or read by this process, see
    ``DigestCache.known``), else None: only a hit is taken, and a changed file is read by the
    caller its own, safe way."""
    if digests is None:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return digests.known(path, st, fresh) if stat.S_ISREG(st.st_mode) else None


def written_entry(path: str, digest: str) -> tuple[str, list[Any]] | None:
    """The entry (``DigestCache.offer``) of the regular file ``path`` in place, holding bytes of SHA-256
    ``digest`` that this run wrote (hashed as written): its name and [*stat key, digest]; None when
    it is not a regular file."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (entry_name(path), [*stat_fields(st), digest]) if stat.S_ISREG(st.st_mode) else None


def entry_name(path: str) -> str:
    """The cache's name for a file: the SHA-256 of its path, never the path itself (an agency's
    file name may hold personal data, which nothing outside the store's copies may keep)."""
    return hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()


def library_versions(names: Iterable[str]) -> str:
    """``name version`` lines for these distributions (``absent`` where one is not installed)."""
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return "\n".join(found)


# One entry of a scanned tree (``scan_tree``): a line fed as it is (an absent root, a link to a folder,
# a file that is not a regular one), or a regular file's name, path and ``lstat``.
Scanned = bytes | tuple[str, str, os.stat_result]


def hash_tree(h: Any, label: str, root: Path, suffix: str | None, cache: DigestCache | None = None) -> None:
    """Feed every entry under ``root`` (a file or a folder): name, kind, and a regular file's bytes
    (their SHA-256 taken from ``cache`` when its key still matches).

    Links are named, never followed (the validate stage refuses them; their target is not an input).
    """
    feed_digests(h, scan_tree(label, root, suffix), cache)


def scan_tree(label: str, root: Path, suffix: str | None,
              walk: Callable[[list[Scanned], str, str], None] | None = None) -> list[Scanned]:
    """The entries ``hash_tree`` feeds, in its order, each regular file with its ``lstat`` (nothing is read);
    ``walk``: what walks a folder root instead of ``_walk`` (found, label, absolute path; input_listings.py)."""
    found: list[Scanned] = []
    try:
        top = root.lstat()
    except FileNotFoundError:
        found.append(f"{label} absent\0".encode())
        return found
    if not stat.S_ISDIR(top.st_mode):
        scanned_entry(found, label, os.path.abspath(root), top)
    elif walk is not None:
        walk(found, label, os.path.abspath(root))
    else:
        _walk(found, label, os.path.abspath(root), suffix)
    return found


def feed_digests(h: Any, scanned: list[Scanned], cache: DigestCache | None = None) -> None:
    """Feed scanned entries as ``hash_tree`` does: a regular file's name and the SHA-256 of its bytes."""
    for item in scanned:
        if isinstance(item, bytes):
            h.update(item)
            continue
        rel, path, st = item
        try:
            found = cache.digest(path, st) if cache is not None else _read(path)[0]
        except OSError as exc:  # unreadable now; the run names it (and a later readable file differs)
            if cache is not None:
                cache.unsure = cache.doubted = True
            h.update(f"{rel}\0unreadable {exc.errno}\0".encode())
            continue
        h.update(f"{rel}\0{found}\0".encode())


def feed_stats(h: Any, scanned: list[Scanned]) -> None:
    """Feed scanned entries by their stat instead of their bytes: a regular file's name, size, device, inode,
    modification and change time (the key ``DigestCache`` keeps a digest with)."""
    h.update(b"".join(item if isinstance(item, bytes) else
                      f"{item[0]}\0{item[2].st_size}\0{item[2].st_dev}\0{item[2].st_ino}\0{item[2].st_mtime_ns}"
                      f"\0{item[2].st_ctime_ns}\0".encode() for item in scanned))


def _walk(found: list[Scanned], rel: str, folder: str, suffix: str | None) -> None:
    """Scan one folder's files (by name), then its links to folders, then each subfolder in turn
    (``os.walk``'s order, on plain strings: at a city's 30,000 files, paths as objects cost seconds)."""
    listed = walk_listing(folder, suffix)
    if listed is None:  # as os.walk: a folder that cannot be listed is passed over
        return
    files, folders, _ = listed
    for entry in files:
        scanned_entry(found, f"{rel}/{entry.name}", entry.path, entry.stat(follow_symlinks=False))
    for entry in folders:
        if entry.is_symlink():  # named, never followed
            found.append(f"{rel}/{entry.name}\0link\0".encode())
    for entry in folders:
        if not entry.is_symlink():
            _walk(found, f"{rel}/{entry.name}", entry.path, suffix)


def walk_listing(folder: str, suffix: str | None) -> tuple[list[os.DirEntry[str]], list[os.DirEntry[str]], bool] | None:
    """A folder's entries as ``scan_tree`` takes them, in name order: its files (of ``suffix``, None: all), its
    folders and links to folders (``__pycache__`` left out), and whether any entry is a link; None when it cannot
    be listed."""
    try:
        with os.scandir(folder) as listed:
            entries = sorted(listed, key=lambda e: e.name)
    except OSError:
        return None
    files, folders, linked = [], [], False
    for entry in entries:
        linked = linked or entry.is_symlink()
        try:
            is_dir = entry.is_dir()  # a link to a folder counts as a folder, as in os.walk
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name != "__pycache__":
                folders.append(entry)
        elif suffix is None or _suffix(entry.name) == suffix:
            files.append(entry)
    return files, folders, linked


def scanned_entry(found: list[Scanned], rel: str, path: str, st: os.stat_result) -> None:
    """One entry: a regular file with its stat (its bytes are read by ``feed_digests``), any other by its kind."""
    if stat.S_ISREG(st.st_mode):
        found.append((rel, path, st))
    else:
        found.append(f"{rel}\0kind {stat.S_IFMT(st.st_mode)}\0".encode())


def _suffix(name: str) -> str:
    """A file name's last suffix, as ``Path.suffix`` gives it (none for ``.hidden`` or ``name.``)."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def stat_tree(h: Any, rel: str, folder: Path | str) -> None:
    """Feed the name, size, inode, modification and change time of every file under ``folder``
    (each folder's files by name, then each subfolder in turn, as ``os.walk`` goes): cheap, and
    any rewrite or deletion changes it (the change time even when the rest is put back by hand).
    Links to folders are not followed."""
    try:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda e: e.name)
    except OSError:  # as os.walk: a folder that cannot be listed (or is absent) is passed over
        return
    folders = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            h.update(stat_line(f"{rel}/{entry.name}", entry.stat(follow_symlinks=False)))
        elif not entry.is_symlink():
            folders.append(entry)
    for entry in folders:
        stat_tree(h, f"{rel}/{entry.name}", entry.path)


def stat_line(rel: str, st: os.stat_result) -> bytes:
    """One file's line in ``stat_tree``."""
    return f"{rel}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0".encode()


def _read(path: str) -> tuple[str, list[int], list[int]]:
    """The SHA-256 (hex) of a file's bytes, read without following a link, and its stat key
    before and after the read."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        before = stat_fields(os.fstat(fd))
        while chunk := os.read(fd, _CHUNK):
            digest.update(chunk)
        after = stat_fields(os.fstat(fd))
    finally:
        os.close(fd)
    return digest.hexdigest(), before, after


def stat_fields(st: os.stat_result) -> list[int]:
    """What must stay equal for a kept digest to hold: size, device, inode, modification and change times."""
    return [st.st_size, st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def path_fields(path: Path) -> list[int] | None:
    """``stat_fields`` of ``path`` itself (a link not followed), None when it is absent or cannot be seen."""
    try:
        return stat_fields(os.lstat(path))
    except OSError:
        return None


def settled(st: os.stat_result, now: int) -> bool:
    """True when the file was last changed ``RACY_NS`` before ``now`` (ns): a later change within the
    same clock tick, which could leave every stat field equal, is then no longer possible."""
    return max(st.st_mtime_ns, st.st_ctime_ns) < now - RACY_NS


def _load(path: Path) -> dict[str, list[Any]]:
    """The entries of a cache file; only well-formed ones (an absent or damaged file: none)."""
    try:
        data = jsonbytes.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    files = data.get("files") if isinstance(data, dict) and data.get("format") == _FORMAT else None
    if not isinstance(files, dict):
        return {}
    return {name: entry for name, entry in files.items() if _well_formed(entry)}


def _well_formed(entry: Any) -> bool:
    """True for ``[size, device, inode, mtime_ns, ctime_ns, sha256 hex]``."""
    return (isinstance(entry, list) and len(entry) == 6
            and all(type(n) is int for n in entry[:5])
            and isinstance(entry[5], str) and len(entry[5]) == 64 and _HEX.issuperset(entry[5]))
