"""Put files into the staging folder: each path once, copies included, nothing outside the root.

With the live site's file digests (``previous``) the writer stages only what differs: a file
whose bytes are the ones already published is recorded, not written, so its mtime stays.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

from pipeline.core.atomic import file_sha, make_folder, start_writeback, write_plain
from pipeline.core.errors import SiteError
from pipeline.core.oserrors import naming
from pipeline.core.treehash import DigestCache
from pipeline.core.treehash import known_digest as read_digest
from pipeline.site.fingerprint import known_digest
from pipeline.site.manifest import digest

# A staged file at least this large that the swap puts over a live one has its writing to disk started at once
# (``start_writeback``: the sitemaps, the search index's larger files); smaller ones cost the swap little.
WRITE_BACK = 1 << 20


class Writer:
    """Writes the site's files under ``root`` and refuses to write any path twice."""

    def __init__(self, root: Path, previous: dict[str, str] | None = None) -> None:
        self.root = root
        self.previous = previous or {}
        self.written: set[str] = set()  # every file of the new site, staged or unchanged
        self.files: dict[str, str] = {}  # site path -> SHA-256, for the manifest
        self.changed: list[str] = []  # staged in ``root``, in the order written
        # Folders this writer made or found (their paths): a page is a folder of its own, made
        # with one ``mkdir``, its parents known to exist already (``make_folder``).
        self._folders: set[str] = set()

    def _key(self, rel: str) -> str:
        """The site-relative path, refusing duplicates and escapes from the root."""
        key = rel.lstrip("/")
        parts = key.split("/")
        # A path already in its normal form is its own key: no Path object for each of the
        # city's 100,000 files; any other ("a//b", "./a", "a/") is normalised by pathlib.
        if not all(parts) or "." in parts or ".." in parts:
            clean = PurePosixPath(key)
            if not clean.parts or ".." in clean.parts:
                raise SiteError(f"jalur tidak sah / invalid path: {rel!r}")
            key = clean.as_posix()
        if key in self.written:
            raise SiteError(f"jalur ditulis dua kali / path written twice: /{key}")
        self.written.add(key)
        return key

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Stage one file unless the live site holds these very bytes (an OSError names it)."""
        key = self._key(rel)
        sha = digest(data)
        self.files[key] = sha
        if self.previous.get(key) == sha:
            return
        path = f"{self.root}/{key}"
        with naming(path):
            self._folder(key)
            write_plain(path, data)
            if len(data) >= WRITE_BACK and key in self.previous:  # (as ``copy_file``'s)
                start_writeback(path)
        self.changed.append(key)

    def _folder(self, key: str) -> None:
        """Make the folder of the file ``key`` (site-relative) unless known, its parents first."""
        folder = key.rpartition("/")[0]
        make_folder(f"{self.root}/{folder}" if folder else str(self.root), self._folders)

    def keep(self, rel: str) -> None:
        """Record a live file as part of the new site without producing it again."""
        key = self._key(rel)
        self.files[key] = self.previous[key]

    def keep_all(self, rels: list[str]) -> None:
        """``keep`` each of ``rels`` (a group of pages taken from the live site whole): in one pass when they
        are site paths in their normal form, none of them recorded yet; else one by one (naming the path refused)."""
        keys = [rel.lstrip("/") for rel in rels]
        if not _normal(keys) or not self.written.isdisjoint(keys) or len(set(keys)) < len(keys):
            for rel in rels:
                self.keep(rel)
            return
        self.written.update(keys)
        self.files.update(zip(keys, map(self.previous.__getitem__, keys), strict=True))

    def merge(self, files: dict[str, str], changed: list[str]) -> None:
        """Take in what another writer over the same root and live site recorded (a forked
        process's pages), refusing a path either one already wrote."""
        keys = list(files)
        if _normal(keys) and self.written.isdisjoint(keys):
            # The other writer's keys (its ``_key``'s: normal, each once) none of this one's: recorded in one
            # pass (a city's other language is 32,000 pages, each checked alone for 0.05 s of the serial tail).
            self.written.update(keys)
        else:
            for rel in keys:
                self._key(rel)  # names the path refused
        self.files.update(files)
        self.changed.extend(changed)

    def write_text(self, rel: str, text: str) -> None:
        """Write UTF-8 text with LF line endings as given."""
        self.write_bytes(rel, text.encode("utf-8"))

    def copy_tree(self, source: Path, prefix: str, suffixes: tuple[str, ...] | None = None,
                  digests: DigestCache | None = None) -> int:
        """Copy every file under ``source`` to ``prefix``; returns how many were copied.

        ``digests`` (the build's check, ``fingerprint.checked``): a file whose kept SHA-256 for its
        present stat is the live copy's is recorded without being read (the data files are
        hundreds of MB at a city's size); a changed one is copied by the kernel (``copy_file``),
        never held in memory, and hashed only when the check did not read it.
        """
        if not source.is_dir():
            return 0
        count = 0
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            if path.name.startswith(".") or (suffixes and path.suffix.lower() not in suffixes):
                continue
            rel = f"{prefix.rstrip('/')}/{path.relative_to(source).as_posix()}"
            sha = known_digest(digests, path)
            if sha is not None and self.previous.get(rel.lstrip("/")) == sha:
                self.keep(rel)
            elif path.is_symlink():
                self.write_bytes(rel, path.read_bytes())  # a link's target, read as it always was
            else:
                self.copy_file(rel, path, digests)
            count += 1
        return count

    def copy_file(self, rel: str, source: Path, digests: DigestCache | None = None) -> None:
        """Stage a copy of ``source`` as ``rel`` unless the live site holds these bytes. The copy is
        the kernel's (copy_file_range): a published file of a hundred MB is never held in memory.

        Its digest is the one the build's check read of ``source`` (``digests``, a file the data
        stage has just written included) when the source's stat after the copy is still the one
        read then: the bytes copied are those. Else it is read from the copy in blocks, the digest
        of the bytes staged. (The data files a new month changes are 250 MB at a city's size.)
        """
        key = self._key(rel)
        path = self.root / key
        with naming(path):
            self._folder(key)
            shutil.copyfile(source, path, follow_symlinks=False)
            sha = read_digest(digests, os.path.abspath(source), fresh=True) or file_sha(path)
            self.files[key] = sha
            if self.previous.get(key) == sha:
                path.unlink()  # the live site holds these bytes: left as they are
                return
            if key in self.previous:  # put over the live copy by the swap: written back now (``start_writeback``)
                start_writeback(path)
        self.changed.append(key)


# What tells, in the paths joined by NULs, a path ``Writer._key`` would not take as it is: an empty path or
# segment (a slash first, last or doubled) or a segment "." or "..". A NUL within a path can only add a match.
_NOT_NORMAL = ("\0\0", "//", "/\0", "\0/", "/./", "\0./", "/.\0", "\0.\0", "/../", "\0../", "/..\0", "\0..\0")


def _normal(keys: list[str]) -> bool:
    """Whether every one of ``keys`` is a site path in its normal form (``Writer._key``'s own key)."""
    joined = "\0" + "\0".join(keys) + "\0"
    return not any(mark in joined for mark in _NOT_NORMAL)
