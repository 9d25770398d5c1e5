"""Folder trees' listings kept by each folder's stat: a stat walk stats an unchanged folder instead of listing it.

The nothing-new checks take the stat of every file the publish left and of the store's reports
(``treehash.stat_tree``): at a city's size 18,000 folders, most holding one to four files, whose
listing (open, read, close) cost more than the stat of their files. Git's untracked cache answers
the same way: adding, removing or renaming an entry changes its folder's modification and change
time (POSIX; a change time cannot be set back by hand), so while a folder's device, inode, mode,
modification and change time are those kept with its listing, it holds the same names. A file
changed in place leaves its folder's stat as it was: each file is still stat'ed, only the listing
is kept, never a file's stat.

A folder changed less than ``RACY_NS`` before its stat was taken has no key kept (an entry added
within the same clock tick could leave its times equal), nor one holding a link (what a link names
may become a folder, or stop being one, without its folder changing): it is listed again each time.
When a folder listed again holds other folders than those kept, the tree is walked as
``stat_tree`` walks it. Kept only for the pipeline's own output folders, whose names hold no
personal data; a damaged or absent file only costs the walk.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

from pipeline.core import jsonbytes
from pipeline.core.atomic import write_blocks
from pipeline.core.treehash import settled, stat_line, stat_tree

FORMAT = "mpp-listings 2"
# One folder of a plan, in the walk's order: its path under the root ("" for the root), its stat key
# (None: listed again each time), the sorted names of its entries that are not folders, of its folders.
Folder = list[Any]


def folder_key(st: os.stat_result) -> list[int]:
    """A folder's stat key, as kept with its listing: device, inode, mode, modification and change time (an entry
    added, removed or renamed changes the folder's times)."""
    return [st.st_dev, st.st_ino, st.st_mode, st.st_mtime_ns, st.st_ctime_ns]


def stat_walk(h: Any, rel: str, root: Path, plan: list[Folder] | None,
              seen: dict[str, list[bytes]] | None = None) -> None:
    """Feed the bytes ``stat_tree(h, rel, root)`` feeds, each folder's listing taken from ``plan`` (``load``) while
    it holds. ``seen`` gets the lines of each folder whose stat was the key ``plan`` holds for it, by its name in
    the plan (for ``walk`` to take back, later in the run, while that folder's stat is still that key)."""
    lines = _planned(rel, str(root), plan, seen) if plan else None
    if lines is None:
        if seen is not None:
            seen.clear()
        stat_tree(h, rel, root)
    else:
        h.update(b"".join(lines))


def _planned(rel: str, root: str, plan: list[Folder], seen: dict[str, list[bytes]] | None = None) -> list[bytes] | None:
    """The walk's lines by the kept plan, or None when it no longer describes the tree (or is damaged); ``seen``: see
    ``stat_walk``."""
    lines: list[bytes] = []
    try:
        for sub, key, kept, folders in plan:
            path = f"{root}/{sub}" if sub else root
            st = os.lstat(path)
            files = kept
            held = key is not None and key == folder_key(st)
            if not held:
                found = _listing(path)
                if found is None or found[1] != folders:
                    return None
                files = found[0]
            here = f"{rel}/{sub}" if sub else rel
            start = len(lines)
            for name in files:
                lines.append(stat_line(f"{here}/{name}", os.lstat(f"{path}/{name}")))
            if held and seen is not None and type(sub) is str:
                seen[sub] = lines[start:]
    except (OSError, TypeError, ValueError):  # gone meanwhile, or a damaged plan: walked as stat_tree walks
        return None
    return lines


def walk(rel: str, root: Path, kept: list[Folder] | None = None,
         seen: dict[str, list[bytes]] | None = None) -> tuple[list[bytes], list[Folder]]:
    """The lines ``stat_tree(h, rel, root)`` feeds, walked now, and the plan of that walk (for ``save``).

    ``kept``: the plan an earlier walk kept (``load``): a folder whose stat is still the key kept with its listing
    is not listed again (its entries are those kept, as in ``stat_walk``); every file is stat'ed all the same, but
    in a folder whose lines a ``stat_walk`` by the same plan gave earlier in this run (``seen``): a publish replaces
    a file by a rename, which changes its folder's stat, so the files of a folder still at its key are those that
    walk saw. (A file changed in place by another program meanwhile is seen by the next check, which stats it.)
    """
    held = _held(kept)
    lines: list[bytes] = []
    plan: list[Folder] = []
    try:
        _walk(lines, plan, rel, "", str(root), held, seen or {})
    except OSError:
        if not held:
            raise
        lines, plan = [], []  # a kept listing naming a file that is not there (a damaged plan): every folder listed
        _walk(lines, plan, rel, "", str(root), {}, {})
    return lines, plan


def _held(plan: list[Folder] | None) -> dict[str, tuple[list[int], list[str], list[str]]]:
    """The listings of a kept plan with a key, by folder; none when the plan is damaged (every folder listed)."""
    held: dict[str, tuple[list[int], list[str], list[str]]] = {}
    if not isinstance(plan, list):
        return held
    for item in plan:
        if not (isinstance(item, list) and len(item) == 4):
            return {}
        sub, key, files, folders = item
        if key is None:
            continue  # listed again each time
        if not (isinstance(sub, str) and _texts(files) and _texts(folders) and isinstance(key, list)
                and len(key) == 5 and all(type(k) is int for k in key)):
            return {}
        held[sub] = (key, files, folders)
    return held


def _texts(names: object) -> bool:
    """Whether a kept listing is a list of names."""
    return isinstance(names, list) and all(type(n) is str for n in names)


def _walk(lines: list[bytes], plan: list[Folder], rel: str, sub: str, folder: str,
          held: dict[str, tuple[list[int], list[str], list[str]]], seen: dict[str, list[bytes]]) -> None:
    """One folder's files' lines and entry, then each subfolder's in turn (``stat_tree``'s order)."""
    now = time.time_ns()  # before the stat: a key is kept only for a folder last changed RACY_NS before it
    try:
        st = os.lstat(folder)
    except OSError:
        return
    key = folder_key(st)
    kept = held.get(sub)
    if kept is not None and kept[0] == key:
        # Unchanged since it was listed, settled and without a link then (its key was kept): the same entries.
        files, folders = kept[1], kept[2]
        plan.append([sub, key, files, folders])
        known = seen.get(sub)
        if known is not None and len(known) == len(files):
            lines += known  # unchanged since this run's check stat'ed its files (see ``walk``)
            files = []
    else:
        found = _listing(folder)
        if found is None:
            return
        files, folders, links = found
        plan.append([sub, key if settled(st, now) and not links else None, files, folders])
    for name in files:
        lines.append(stat_line(f"{rel}/{name}", os.lstat(f"{folder}/{name}")))
    for name in folders:
        _walk(lines, plan, f"{rel}/{name}", f"{sub}/{name}" if sub else name, f"{folder}/{name}", held, seen)


def present(root: str, kept: list[Folder] | None) -> tuple[set[str], set[str]]:
    """The names (relative to ``root``) of every entry under ``root`` that is not a folder, and among them the links to
    folders, as ``publish/run.py`` ``_present`` finds them; a folder whose stat is still the key ``kept`` holds for it
    is not listed again (its entries are those kept: a folder with a link has no key)."""
    found: set[str] = set()
    linked: set[str] = set()
    _present(root, "", "", _held(kept), found, linked)
    return found, linked


def _present(folder: str, sub: str, rel: str, held: dict[str, tuple[list[int], list[str], list[str]]],
             found: set[str], linked: set[str]) -> None:
    """``present`` for one folder (``sub``: its name in the plan; ``rel``: its entries' prefix), then its folders."""
    kept = held.get(sub)
    if kept is not None:
        try:
            st = os.lstat(folder)
        except OSError:
            return  # as a folder that cannot be listed: passed over
        if kept[0] == folder_key(st):
            found.update(f"{rel}{name}" for name in kept[1])
            for name in kept[2]:
                _present(f"{folder}/{name}", f"{sub}/{name}" if sub else name, f"{rel}{name}/", held, found, linked)
            return
    try:
        with os.scandir(folder) as entries:
            items = list(entries)
    except OSError:  # as os.walk: a folder that cannot be listed is passed over
        return
    for entry in items:
        name = f"{rel}{entry.name}"
        try:
            is_dir = entry.is_dir()  # a link to a folder counts as a folder, as in os.walk
        except OSError:
            is_dir = False
        if not is_dir:
            found.add(name)
        elif entry.is_symlink():
            linked.add(name)  # listed, never followed
        else:
            _present(entry.path, f"{sub}/{entry.name}" if sub else entry.name, f"{name}/", held, found, linked)


def _listing(folder: str) -> tuple[list[str], list[str], bool] | None:
    """The sorted names of a folder's entries that are not folders and of its folders (links to folders left out,
    as in ``stat_tree``), and whether it holds a link; None when it cannot be listed."""
    try:
        with os.scandir(folder) as found:
            listed = sorted(found, key=lambda e: e.name)
    except OSError:
        return None
    files, folders, links = [], [], False
    for entry in listed:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        link = entry.is_symlink()
        links = links or link
        if not is_dir:
            files.append(entry.name)
        elif not link:
            folders.append(entry.name)
    return files, folders, links


def save(path: Path, plans: dict[str, list[Folder]]) -> None:
    """Keep the plans of trees by their label (only when they changed; a failure costs the walks)."""
    keep_bytes(path, jsonbytes.dumps({"format": FORMAT, "plans": plans}))


def keep_bytes(path: Path, body: bytes) -> None:
    """Write ``body`` to ``path`` when it holds other bytes (a kept listing: a failure only costs the walks)."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == body:
            return
    with contextlib.suppress(OSError):  # not flushed: one a power loss left short is not JSON (every folder listed)
        write_blocks(path, (body,), sync=False)


def load(path: Path) -> dict[str, Any]:
    """The kept plans by label, or none when absent or damaged (each entry's shape is checked as it is used)."""
    try:
        data = jsonbytes.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    plans = data.get("plans") if isinstance(data, dict) and data.get("format") == FORMAT else None
    return plans if isinstance(plans, dict) else {}
