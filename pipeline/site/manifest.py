"""The live site's manifest: every file's SHA-256 and every page's key, so that the next build
writes only what changed.

It lives in the site folder beside the fingerprint and is trusted only when the fingerprint
names its digest. A site whose fingerprint is missing or does not name its manifest is unknown:
every page is made again, and what is there is read to know which files differ (``adopt``),
unless it holds anything a build never makes; then it is replaced whole.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.core.atomic import regular_sha
from pipeline.core.errors import SiteError

FILE_NAME = ".build-manifest"

# A group's key and its pages in the order made: (untranslated page path, searchable).
GroupRecord = tuple[str, tuple[tuple[str, bool], ...]]


@dataclass
class Manifest:
    """``files``: site path -> SHA-256 of its bytes; ``keys``: page (or calendar) path -> the key it
    was made with; ``groups``: "lang:name" of a group of pages (``page.Group``) -> its key and its
    pages' paths (untranslated) with whether each is searchable."""

    files: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    groups: dict[str, GroupRecord] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, one build's bytes the same as another's for the same site).

        A group's pages are written once for its languages (``expand`` does not see the language,
        so each language's pages of a group are the same paths), its key once for each language.
        """
        groups: dict[str, list[Any]] = {}
        for gid, (key, pages) in self.groups.items():
            lang, _, name = gid.partition(":")
            paths = [path for path, _ in pages]
            entry = groups.get(name)
            if entry is None:
                # The paths as a list of texts and whether each is searchable as one text of 0s and 1s.
                entry = groups[name] = [{}, paths, "".join("1" if searchable else "0" for _, searchable in pages)]
            elif entry[1] != paths:  # a builder's bug
                raise SiteError(f"group {name}: its languages' pages differ")
            entry[0][lang] = key
        body = {"files": self.files, "keys": self.keys, "groups": groups}
        # orjson: the same bytes as ``json.dumps(sort_keys=True, separators=(",", ":"))`` for these ASCII paths and
        # digests (non-ASCII is written as UTF-8, not escaped), in a tenth of its time (0.15 s at a city's 150,000
        # entries, at the end of every build).
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS) + b"\n"


def digest(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def read(site: Path, record: dict[str, Any] | None) -> Manifest | None:
    """The manifest of the site in ``site`` when its fingerprint ``record`` vouches for it, else None.

    A file it lists that is no longer there (deleted by hand) is left out, so that the build
    makes it again instead of keeping a page that is gone (one stat a file: a fraction of a
    second for a city's 90,000).
    """
    if record is None or not isinstance(record.get("manifest"), str):
        return None
    try:
        data = (site / FILE_NAME).read_bytes()
    except OSError:
        return None
    if digest(data) != record["manifest"]:
        return None  # edited or cut short: the site is unknown
    try:
        body = orjson.loads(data)
        files, keys = dict(body["files"]), dict(body["keys"])
        groups = _groups(body.get("groups", {}))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return Manifest(_present(site, files), keys, groups)


def adopt(site: Path, own: frozenset[str]) -> Manifest | None:
    """The manifest of a live site no fingerprint vouches for, made by reading it: every regular file's SHA-256,
    no page's key (every page is made again); the files named in ``own`` (the manifest and fingerprint, at the
    top) left out. None when the site is not a folder, or holds anything a build never makes or a swap file by
    file could trip over (a link, a special file, an empty folder, a name that is not UTF-8): it is replaced whole.

    A build of a city after its fingerprint was lost (deleted by hand, or a site folder put back from elsewhere)
    took 29 s, of which 12.6 s removing the old tree after it had written every file again; reading the live
    one instead lets the swap move only the files that differ (their bytes compared, nothing trusted).
    """
    files: dict[str, str] = {}
    pending = [(os.fspath(site), "")]
    try:
        if not stat.S_ISDIR(os.lstat(site).st_mode):
            return None
        while pending:
            path, rel = pending.pop()
            with os.scandir(path) as listing:
                entries = list(listing)
            if not entries and rel:
                return None
            for entry in entries:
                name = rel + entry.name
                name.encode("utf-8")  # (a UnicodeEncodeError for a name that is not UTF-8)
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, name + "/"))
                elif not entry.is_file(follow_symlinks=False):
                    return None
                elif name not in own:
                    sha = regular_sha(entry.path)
                    if sha is None:
                        return None
                    files[name] = sha
    except (OSError, UnicodeEncodeError):
        return None
    return Manifest(files) if files else None  # (an empty folder: the staging folder is renamed in its place)


def _groups(body: Any) -> dict[str, GroupRecord]:
    """The groups' records as JSON holds them (``Manifest.to_bytes``), by "lang:name"; a ValueError
    or TypeError when malformed."""
    groups: dict[str, GroupRecord] = {}
    for name, (keys, paths, flags) in dict(body).items():
        if not (isinstance(keys, dict) and isinstance(paths, list) and isinstance(flags, str)
                and len(paths) == len(flags) and set(flags) <= {"0", "1"}
                and all(isinstance(path, str) for path in paths)):
            raise ValueError("malformed group record")
        record = tuple(zip(paths, (flag == "1" for flag in flags), strict=True))
        for lang, key in keys.items():
            if not isinstance(key, str):
                raise ValueError("malformed group key")
            groups[f"{lang}:{name}"] = (key, record)
    return groups


def _present(site: Path, files: dict[str, str]) -> dict[str, str]:
    """The entries of ``files`` that are regular files under ``site`` (``os.path.isfile``, each
    looked up from the site folder's own descriptor: no path joined, fewer names resolved)."""
    if os.stat not in os.supports_dir_fd:  # a system without it: each path joined, as before
        root = os.fspath(site)
        return {rel: sha for rel, sha in files.items() if os.path.isfile(os.path.join(root, rel))}
    try:
        folder = os.open(site, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return {}
    try:
        return {rel: sha for rel, sha in files.items() if _is_file(rel, folder)}
    finally:
        os.close(folder)


def _is_file(rel: str, folder: int) -> bool:
    """True when ``rel`` under the open folder is a regular file (or a link to one), as ``os.path.isfile``."""
    try:
        return stat.S_ISREG(os.stat(rel, dir_fd=folder).st_mode)
    except (OSError, ValueError):
        return False
