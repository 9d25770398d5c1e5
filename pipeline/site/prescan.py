"""The walk of the trees a site build's check reads (``fingerprint.trees``), taken ahead so that the walk after the
data stage lists again only the folders that changed since.

``treehash.scan_tree`` lists every folder (open, read, close) and stats every file: at a city's size 18,000
folders, most holding one to four files (the store's reports, the feedback pages), and their listing cost more
than the stat of their files. Taken while the data stage works (readahead.py), the walk keeps each folder's
listing by the folder's stat, as ``core/listings.py`` does for the nothing-new checks: adding, removing or
renaming an entry changes its folder's modification and change time, so while a folder's device, inode, mode,
modification and change time are those kept with its listing, it holds the same names. A file changed in
place leaves its folder's stat as it was: each file is still stat'ed again, only the listing is kept.

A folder changed less than ``RACY_NS`` before its stat was taken (the data stage writes a new month's reports
meanwhile) has no key kept, nor one holding a link (what a link names may become a folder, or stop being
one, without its folder changing): it is listed again. The entries come out as ``scan_tree`` gives them, in
its order; anything unexpected (a folder or file gone since) makes the tree walked again as ``scan_tree``
walks it. The digest cache's name of each file (``treehash.entry_name``, a SHA-256 of its path) is worked
out ahead too (``names``). The walk ahead may be stopped part-way (the data stage ended first): the trees it did
not finish are walked afterwards as ``scan_tree`` walks them. The output folders' and the store's reports' walks
are not even taken: the plans the nothing-new checks keep of them by the same rule (``core/listings.py``) stand
for them, which costs a tenth of the walk (the walk ahead took 0.3 s of CPU at a city's size).
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core import listings
from pipeline.core.treehash import Scanned, entry_name, scan_tree, settled, walk_listing

Tree = tuple[str, Path, str | None]  # (label, root, suffix) as ``treehash.hash_tree`` takes them
_EVERY = 64  # folders walked between two questions whether to stop


@dataclass
class _Folder:
    """One folder's listing as ``scan_tree`` walks it, valid while the folder's stat is ``key``."""

    key: list[int] | None  # None: listed again each time (changed too recently, or holding a link)
    files: list[str]  # names of the entries that are not folders and pass the suffix, sorted
    links: list[str]  # names of the links to folders, sorted
    folders: dict[str, _Folder | None] = field(default_factory=dict)  # subfolders in order (None: not walked)


class _Stopped(Exception):
    """The walk ahead was told to stop (``Prescan``'s ``stop``)."""


class Prescan:
    """The trees' walks taken now (``scan`` takes them again, listing only folders that changed)."""

    def __init__(self, trees: list[Tree], stop: Callable[[], bool] | None = None,
                 kept: dict[str, list[listings.Folder]] | None = None) -> None:
        """``stop``: asked every ``_EVERY`` folders; once True, the walk ahead ends there (the trees not walked
        whole are walked by ``scan`` as ``scan_tree`` walks them). ``kept``: the plans ``core/listings.py`` kept of
        some of the trees, by their root's absolute path: taken as their walk instead of walking them (a plan's
        listing is kept only with a folder's key, as this walk's, and ``scan`` checks each key the same way)."""
        self._plans: dict[Tree, _Folder | None] = {}
        self.names: dict[str, str] = {}  # absolute path of a regular file -> ``entry_name`` of it
        self._stop = stop
        self._walked = 0
        for tree in trees:
            path = os.path.abspath(tree[1])
            plan = _from_listings(kept[path]) if kept and path in kept and tree[2] is None else None
            try:
                plan = plan or _plan(path, tree[2], self._asked)
            except _Stopped:
                return
            self._plans[tree] = plan
            if plan is not None:
                self._name(plan, path)

    def _asked(self) -> None:
        """Count a folder walked; raise _Stopped when told to stop (asked every ``_EVERY`` folders)."""
        self._walked += 1
        if self._stop is not None and self._walked % _EVERY == 0 and self._stop():
            raise _Stopped

    def _name(self, folder: _Folder, path: str) -> None:
        """Work out the cache names of the files under ``folder`` (at ``path``)."""
        for name in folder.files:
            full = f"{path}/{name}"
            self.names[full] = entry_name(full)
        for name, sub in folder.folders.items():
            if sub is not None:
                self._name(sub, f"{path}/{name}")

    def scan(self, label: str, root: Path, suffix: str | None) -> list[Scanned]:
        """``scan_tree(label, root, suffix)`` now, the folders unchanged since the walk ahead not listed again."""
        plan = self._plans.get((label, root, suffix))
        if plan is None:
            return scan_tree(label, root, suffix)
        path = os.path.abspath(root)
        try:
            top = os.lstat(path)
        except FileNotFoundError:
            return scan_tree(label, root, suffix)
        if not stat.S_ISDIR(top.st_mode):
            return scan_tree(label, root, suffix)
        found: list[Scanned] = []
        try:
            _again(found, label, path, suffix, plan)
        except OSError:  # a folder or file gone since its listing: walked as scan_tree walks
            return scan_tree(label, root, suffix)
        return found


def _from_listings(plan: list[listings.Folder]) -> _Folder | None:
    """A tree's walk from a plan ``core/listings.py`` kept (folders in walk order: path under the root, key,
    names of the entries that are not folders, of the folders); None when it is not one."""
    nodes: dict[str, _Folder] = {}
    try:
        for entry, key, files, folders in plan:
            sub = str(entry)
            if "__pycache__" in sub.split("/"):
                continue  # listed by the checks' walk, not by ``scan_tree``
            node = _Folder(list(key) if key is not None else None, list(map(str, files)), [],
                           dict.fromkeys(str(name) for name in folders if name != "__pycache__"))
            if sub:
                parent, _, name = sub.rpartition("/")
                nodes[parent].folders[name] = node
            nodes[sub] = node
    except (KeyError, TypeError, ValueError):  # damaged: the tree is walked
        return None
    return nodes.get("")


def _plan(path: str, suffix: str | None, asked: Callable[[], None]) -> _Folder | None:
    """The plan of the folder tree at ``path`` (None when it is not a folder that can be listed)."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            return None
    except OSError:
        return None
    return _walk(path, suffix, asked)


def _walk(path: str, suffix: str | None, asked: Callable[[], None]) -> _Folder | None:
    """One folder's listing with its key, and its subfolders' in turn (``asked`` before each)."""
    asked()
    now = time.time_ns()  # before the stat: a key is kept only for a folder last changed RACY_NS before it
    try:
        st = os.lstat(path)
    except OSError:
        return None
    listed = _listing(path, suffix)
    if listed is None:
        return None
    folder, linked = listed
    if settled(st, now) and not linked:
        folder.key = listings.folder_key(st)
    for name in folder.folders:
        folder.folders[name] = _walk(f"{path}/{name}", suffix, asked)
    return folder


def _listing(path: str, suffix: str | None) -> tuple[_Folder, bool] | None:
    """The folder's entries as ``treehash._walk`` sorts them (no key yet), and whether it holds a link; None when
    it cannot be listed."""
    listed = walk_listing(path, suffix)
    if listed is None:  # as os.walk: a folder that cannot be listed is passed over
        return None
    files, folders, linked = listed
    links = [entry.name for entry in folders if entry.is_symlink()]
    kept = dict.fromkeys(entry.name for entry in folders if not entry.is_symlink())
    return _Folder(None, [entry.name for entry in files], links, kept), linked


def _again(found: list[Scanned], rel: str, path: str, suffix: str | None, kept: _Folder | None) -> None:
    """One folder's entries as ``treehash._walk`` gives them, by its kept listing while its stat is the key."""
    folder = kept
    if kept is None or kept.key is None or kept.key != listings.folder_key(os.lstat(path)):
        listed = _listing(path, suffix)
        if listed is None:
            return  # as scan_tree: a folder that cannot be listed is passed over
        folder = listed[0]
        if kept is not None:  # the subfolders still there keep their own listings
            folder.folders = {name: kept.folders.get(name) for name in folder.folders}
    assert folder is not None
    for name in folder.files:
        full = f"{path}/{name}"
        st = os.lstat(full)
        if stat.S_ISREG(st.st_mode):
            found.append((f"{rel}/{name}", full, st))
        else:
            found.append(f"{rel}/{name}\0kind {stat.S_IFMT(st.st_mode)}\0".encode())
    for name in folder.links:
        found.append(f"{rel}/{name}\0link\0".encode())
    for name, sub in folder.folders.items():
        _again(found, f"{rel}/{name}", f"{path}/{name}", suffix, sub)
