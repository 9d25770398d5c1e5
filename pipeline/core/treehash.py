"""Hashing what a run reads: a folder tree's names, kinds and bytes, and library versions.

One home for the three fingerprints that decide whether work can be skipped: the site build's,
the publish skip record's and the validation cache's rules version.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def library_versions(names: Iterable[str]) -> str:
    """``name version`` lines for these distributions (``absent`` where one is not installed)."""
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return "\n".join(found)


def hash_tree(h: Any, label: str, root: Path, suffix: str | None) -> None:
    """Feed every entry under ``root`` (a file or a folder): name, kind, and a regular file's bytes.

    Links are named, never followed (the validate stage refuses them; their target is not an input).
    """
    try:
        top = root.lstat()
    except FileNotFoundError:
        h.update(f"{label} absent\0".encode())
        return
    if not stat.S_ISDIR(top.st_mode):
        _entry(h, label, root, top)
        return
    for base, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = Path(base, name)
            if suffix is None or path.suffix == suffix:
                _entry(h, f"{label}/{path.relative_to(root).as_posix()}", path, path.lstat())
        for name in dirs:  # a link to a folder is listed by os.walk among the folders
            path = Path(base, name)
            if path.is_symlink():
                h.update(f"{label}/{path.relative_to(root).as_posix()}\0link\0".encode())


def _entry(h: Any, rel: str, path: Path, st: os.stat_result) -> None:
    """One entry: its name and kind, and for a regular file the SHA-256 of its bytes."""
    if not stat.S_ISREG(st.st_mode):
        h.update(f"{rel}\0kind {stat.S_IFMT(st.st_mode)}\0".encode())
        return
    digest = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            while chunk := os.read(fd, _CHUNK):
                digest.update(chunk)
        finally:
            os.close(fd)
    except OSError as exc:  # unreadable now; the run names it (and a later readable file differs)
        h.update(f"{rel}\0unreadable {exc.errno}\0".encode())
        return
    h.update(f"{rel}\0{digest.hexdigest()}\0".encode())
