"""The datasets folder scanned as ``treehash.scan_tree`` scans it, a folder unchanged since stat'ed instead of listed.

A nothing-new publish walks the datasets folder: at a city's size 3,600 agency-month folders of three
files each, whose listing (open, stat, two reads, close) cost more syscalls than the stat of their files.
As in ``core/listings.py`` (git's untracked cache), adding, removing or renaming an entry changes a folder's
modification and change time, so while a folder's device, inode, mode, modification and change time are
those kept with its listing, it holds the same names; each file is still stat'ed, so a file changed in place
is seen as before.

An agency's file name may hold personal data, which nothing outside the store's copies may keep: a listing is
kept only for a folder whose entries are all regular files named as the layout names a table's file
(``agendas.csv``, ``performance.xlsx``...), by the SHA-256 of the folder's path (``treehash.entry_name``), never
the path. A folder holding anything else, or changed less than ``RACY_NS`` before its stat was taken, is listed
each time. Written only by a publish that ran (``publish/unchanged.py`` ``remember``); a damaged or absent file
only costs the listings.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from pipeline.core import jsonbytes
from pipeline.core.models import TABLES
from pipeline.core.treehash import Scanned, entry_name, scan_tree, scanned_entry, settled, walk_listing

FORMAT = "mpp-input-listings 2"  # 2: no listing kept for a folder holding ``__pycache__`` (``walk_listing`` hides it)
NAMES = frozenset(f"{table}.{kind}" for table in TABLES for kind in ("csv", "xlsx"))  # the only names kept
# By the SHA-256 of a folder's path: its device, inode, mode, modification and change time, and its files' names.
Plan = dict[str, list[Any]]


# By a folder's absolute path: the names of its entries, all regular files, as its kept listing holds them.
Held = dict[str, list[str]]


def scan(label: str, root: Path, kept: Plan, plan: Plan, held: Held | None = None) -> list[Scanned]:
    """``treehash.scan_tree(label, root, None)``, a folder whose stat is the key ``kept`` holds for it not listed;
    ``plan`` gets the listings to keep (``save``); ``held``: gets each folder not listed, with its files' names
    (each found a regular file by its stat), for the publish's layout scan (``validate/layout.py``)."""
    return scan_tree(label, root, None, lambda found, rel, folder: _walk(found, rel, folder, kept, plan, held))


def _walk(found: list[Scanned], rel: str, folder: str, kept: Plan, plan: Plan, held: Held | None = None) -> None:
    """One folder's entries (``treehash._walk``'s order), then each subfolder's in turn."""
    now = time.time_ns()  # before the stat: a key is kept only for a folder last changed RACY_NS before it
    try:
        st = os.lstat(folder)
    except OSError:
        return  # as a folder that cannot be listed: passed over
    name = entry_name(folder)
    key = [st.st_dev, st.st_ino, st.st_mode, st.st_mtime_ns, st.st_ctime_ns]
    entry = kept.get(name)
    if entry is not None and _holds(entry, key):
        start = len(found)
        try:
            for file in entry[5]:
                scanned_entry(found, f"{rel}/{file}", f"{folder}/{file}", os.lstat(f"{folder}/{file}"))
        except OSError:
            del found[start:]  # a kept name not there (a damaged plan): listed below
        else:
            plan[name] = entry
            if held is not None and all(type(item) is tuple for item in found[start:]):  # (regular files only)
                held[folder] = list(entry[5])
            return
    listed = walk_listing(folder, None)
    if listed is None:  # as os.walk: a folder that cannot be listed is passed over
        return
    files, folders, linked = listed
    start = len(found)
    for item in files:
        scanned_entry(found, f"{rel}/{item.name}", item.path, item.stat(follow_symlinks=False))
    for item in folders:
        if item.is_symlink():  # named, never followed
            found.append(f"{rel}/{item.name}\0link\0".encode())
    if (not folders and not linked and settled(st, now) and all(f.name in NAMES for f in files)
            and all(type(item) is tuple for item in found[start:])  # (each a regular file's entry)
            and not os.path.lexists(f"{folder}/__pycache__")):  # (a folder ``walk_listing`` leaves out)
        plan[name] = [*key, [f.name for f in files]]
    for item in folders:
        if not item.is_symlink():
            _walk(found, f"{rel}/{item.name}", item.path, kept, plan, held)


def _holds(entry: list[Any], key: list[int]) -> bool:
    """Whether a kept entry is well formed and kept for this folder's stat ``key``."""
    return (type(entry) is list and len(entry) == 6 and entry[:5] == key and type(entry[5]) is list
            and all(type(n) is str and n in NAMES for n in entry[5]))


def load(path: Path) -> Plan:
    """The kept listings, or none when absent or damaged (each entry is checked as it is used)."""
    try:
        data = jsonbytes.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    folders = data.get("folders") if isinstance(data, dict) and data.get("format") == FORMAT else None
    return folders if isinstance(folders, dict) else {}


def save(path: Path, plan: Plan) -> None:
    """Keep the listings (only when they changed; not flushed: a file a power loss left short is not JSON)."""
    from pipeline.core.listings import keep_bytes

    keep_bytes(path, (json.dumps({"format": FORMAT, "folders": plan}, sort_keys=True, separators=(",", ":"))
                      + "\n").encode())
