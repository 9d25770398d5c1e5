"""One SHA-256 over everything a site build reads, so that a build with nothing new is skipped.

The site is a pure function of these inputs: the published folders under <output>, the
templates, the code of the whole pipeline package, the versions of
the libraries that shape its bytes, the portal's settings, the schemas of the submitted
tables, the as-of date and whether the search index is built. Paths outside those folders
never enter the hash, so the same inputs under another <output> give the same fingerprint.

Files whose stat is unchanged are not read again: their digests are kept in
``<output>/site-cache/tree-digests.json`` (``core/treehash.py`` DigestCache), written by a
build that ran (``remember_digests``), never by a skipped one. What the build's own check found
is kept for that: the trees are not walked a second time.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.core import jsonbytes, treehash
from pipeline.core.config import Portal, read_config_file, schemas_root, settings_json
from pipeline.core.models import TABLES
from pipeline.core.treehash import DigestCache, Scanned, feed_digests, hash_tree, library_versions, scan_tree

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipeline.site.readahead import ReadAhead

FILE_NAME = ".build-fingerprint"  # inside <output>/site, swapped in with the pages it describes
# The whole package, not a hand-kept list of the modules the site imports: a rule the site
# takes from core/ or publish/ changes its pages too. A change only to the CKAN push or the
# CLI costs one needless rebuild, which is cheaper than a list that falls behind the imports.
PIPELINE = Path(__file__).resolve().parents[1]
OUTPUT_FOLDERS = ("data", "feedback", "templates", "reports")
STORE_PARTS = ("index.json", "reports")
LIBRARIES = ("babel", "feedgen", "icalendar", "jinja2", "markdown", "markupsafe", "nh3")
# Paths, the CKAN push's settings and load warnings: none of them changes a byte of the site.
NOT_SITE_SETTINGS = ("datasets", "output", "receipts", "ckan", "warnings")
DIGESTS = ("site-cache", "tree-digests.json")  # under <output>: no output; deleting it costs one slow check


def inputs_fingerprint(portal: Portal, as_of: date, templates: Path, search: bool,
                       written: dict[str, list[Any]] | None = None, ahead: ReadAhead | None = None) -> str:
    """The SHA-256 (hex) of every input of a build with these arguments (``written``: the entries of
    files the data stage of this run wrote, ``DigestCache.offer``: not read again while in place; ``ahead``:
    the kept digests and the walk of the trees read while the data stage worked, readahead.py)."""
    h = hashlib.sha256()
    _add(h, "as-of", as_of.isoformat().encode())
    _add(h, "search", b"1" if search else b"0")
    _add(h, "settings", _settings(portal))
    _add(h, "versions", _versions())
    path = portal.output.joinpath(*DIGESTS)
    cache = _Pass(path, ahead.digests(path) if ahead is not None else None)
    if ahead is not None:
        cache.offer(ahead.offered)  # read ahead (digestahead.py); the data stage's own below, written after
    cache.offer(written or {})
    scan: Callable[[str, Path, str | None], list[Scanned]] = scan_tree
    if ahead is not None and ahead.prescan is not None:
        scan, cache.names = ahead.prescan.scan, ahead.prescan.names
    _hash_trees(h, portal, templates, cache, scan)
    _checked[(portal.output, templates)] = cache  # for ``remember_digests`` after this build
    _add_config(h, "portal.toml", portal.datasets, "portal.toml")
    for table in TABLES:  # the data dictionary of what agencies send
        _add_config(h, f"schemas/{table}.json", schemas_root(portal.datasets), f"schemas/{table}.json")
    return h.hexdigest()


def remember_digests(portal: Portal, templates: Path) -> None:
    """Keep the digests of the files a build read, for the next build's check (after a build that ran).

    With the check of this build at hand (same process), its digests are kept and only the files
    it read too soon after their last change are digested again (``_Pass.settled``); else the
    trees are walked.
    """
    checked = _checked.pop((portal.output, templates), None)
    if checked is None:
        cache = _cache(portal)
        _hash_trees(hashlib.sha256(), portal, templates, cache)
    else:
        cache = checked.settled()
    cache.save()


class _Pass(DigestCache):
    """A check's digest cache that notes the files it read but could not keep (changed too recently)."""

    def __init__(self, path: Path, kept: dict[str, list[Any]] | None = None) -> None:
        super().__init__(path, kept)  # (``kept``: the file's entries as read ahead)
        self.unkept: list[str] = []

    def digest(self, path: str, st: os.stat_result) -> str:
        """As ``DigestCache.digest``, noting a file whose digest was not kept."""
        known = len(self.seen)
        found = super().digest(path, st)
        if len(self.seen) == known:  # not kept (a file met twice is only read twice more)
            self.unkept.append(path)
        return found

    def settled(self) -> DigestCache:
        """What a second walk over the same trees now would keep: every digest this check kept, and
        those of the files it could not keep, read again (a file changed since only costs a read
        on the next check; a file gone is passed over)."""
        cache = DigestCache(self.path, self.kept)  # the kept file as read: saved only when it changes
        cache.seen = dict(self.seen)
        cache.offered = self.offered  # a file another stage wrote is kept once settled, not read
        for path in self.unkept:
            try:
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode):
                    cache.digest(path, st)
            except OSError:
                continue
        return cache


# The last check's cache of each output and templates folder, in this process.
_checked: dict[tuple[Path, Path], _Pass] = {}

# What a check found that ``checked`` and ``remember_digests`` use (``found``): its entries used, the digests it read
# of files too recent to keep, the paths of those it could not keep.
Found = tuple[dict[str, list[Any]], dict[str, list[Any]], list[str]]


def found(portal: Portal, templates: Path) -> Found:
    """What the last check of these folders in this process found (``Found``), for another process to ``adopt``."""
    cache = _checked[(portal.output, templates)]
    return cache.seen, cache.fresh, cache.unkept


def adopt(portal: Portal, templates: Path, kept: dict[str, list[Any]], offered: dict[str, list[Any]],
          names: dict[str, str], what: Found) -> None:
    """Make what a check of these folders found in another process (``found``; ``kept``, ``offered``, ``names``: the
    kept digests, the entries offered and the cache names it was given) this process's last check (``checked``)."""
    cache = _Pass(portal.output.joinpath(*DIGESTS), kept)
    cache.offer(offered)
    cache.names = names
    cache.seen, cache.fresh, cache.unkept = what
    _checked[(portal.output, templates)] = cache


def checked(portal: Portal, templates: Path) -> DigestCache | None:
    """The digests the last check of these folders (``inputs_fingerprint``) found, for the build to
    take instead of reading a file again while its stat is the one kept (``DigestCache.known``)."""
    return _checked.get((portal.output, templates))


def known_digest(digests: DigestCache | None, path: Path, fresh: bool = False) -> str | None:
    """``treehash.known_digest`` of a file the build reads, by the absolute name the trees were walked by
    (``fresh``: also a digest the check read of a file changed too recently to keep, see ``DigestCache.known``)."""
    return treehash.known_digest(digests, os.path.abspath(path), fresh)


def _cache(portal: Portal) -> DigestCache:
    """The kept digests of the files a build reads."""
    return DigestCache(portal.output.joinpath(*DIGESTS))


def trees(output: Path, templates: Path) -> list[tuple[str, Path, str | None]]:
    """The folders (and files) a build reads, in the order they are fed: the published ones, the store's
    reports, templates and code (label, root, suffix, as ``treehash.hash_tree`` takes them)."""
    return [*((f"output/{name}", output / name, None) for name in OUTPUT_FOLDERS),
            # The report pages under /laporan/ read each file's version and report from the store
            # (not its received bytes, which the site never shows).
            *((f"output/store/{name}", output / "store" / name, None) for name in STORE_PARTS),
            ("site_templates", templates, None), ("pipeline", PIPELINE, ".py")]


def _hash_trees(h: Any, portal: Portal, templates: Path, cache: DigestCache,
                scan: Callable[[str, Path, str | None], list[Scanned]] = scan_tree) -> None:
    """Feed the trees a build reads (``trees``), each walked by ``scan`` (``scan_tree``'s entries)."""
    for label, root, suffix in trees(portal.output, templates):
        feed_digests(h, scan(label, root, suffix), cache)


def site_code(portal: Portal, templates: Path, search: bool) -> str:
    """The SHA-256 (hex) of what turns a page's context into bytes: templates and strings, the
    pipeline's code, the libraries, the portal's settings and whether pages are indexed.

    Part of every page's key: when any of these changes, every page is rendered again.
    """
    h = hashlib.sha256()
    _add(h, "search", b"1" if search else b"0")
    _add(h, "settings", _settings(portal))
    _add(h, "versions", _versions())
    hash_tree(h, "site_templates", templates, None)
    hash_tree(h, "pipeline", PIPELINE, ".py")
    _add_config(h, "portal.toml", portal.datasets, "portal.toml")
    return h.hexdigest()


def record(fingerprint: str, pages: int, files: int, manifest: str | None = None) -> bytes:
    """The fingerprint file's bytes (the counts let a skipped build report what is there;
    ``manifest``: the digest of the manifest written with the site, which vouches for it)."""
    body: dict[str, Any] = {"inputs": fingerprint, "pages": pages, "files": files}
    if manifest is not None:
        body["manifest"] = manifest
    return (json.dumps(body, sort_keys=True) + "\n").encode()


def read_record(site: Path) -> dict[str, Any] | None:
    """The fingerprint file of the site in ``site``, or None when absent or unreadable."""
    try:
        data = jsonbytes.loads((site / FILE_NAME).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _add(h: Any, label: str, data: bytes) -> None:
    """Feed one named input, length-prefixed so that no two input sets can run together."""
    h.update(f"{label}\0{len(data)}\0".encode())
    h.update(data)


def _add_config(h: Any, label: str, root: Path, rel: str) -> None:
    """Feed one of the datasets folder's files, read without following links (absent: a mark)."""
    try:
        _add(h, label, read_config_file(root, rel))
    except FileNotFoundError:
        _add(h, f"{label} (absent)", b"")


def _settings(portal: Portal) -> bytes:
    """The portal's settings that the site shows or uses, as canonical JSON."""
    return settings_json(portal, NOT_SITE_SETTINGS)


def _versions() -> bytes:
    """Python's and the site libraries' versions (an upgrade may change the bytes written)."""
    return f"python {sys.version_info[0]}.{sys.version_info[1]}\n{library_versions(LIBRARIES)}".encode()
