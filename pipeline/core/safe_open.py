"""Read below the datasets folder without following links or blocking on special files.

Two dozen organisations write into ``submissions/``: a symbolic link there would have a
file from elsewhere (``/etc/passwd``, another agency's folder) read, stored and published,
and a FIFO or a link to ``/dev/zero`` would hang the run.  So every path below a root is
opened one component at a time from a descriptor of the root, with ``O_NOFOLLOW`` (a link
is refused, whatever it points to, even inside the datasets folder) and ``O_NONBLOCK``
(opening a FIFO never waits for a writer); the opened descriptor is checked with ``fstat``
before a byte is read, so nothing can be swapped between the check and the read, and reads
stop at the caller's limit plus one byte.  The root itself may be a link chosen by the
operator: it is resolved once, when it is opened.  Special files are refused on ``lstat``
before they are opened, so a device is never opened at all.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SYMLINK = "symlink"
NOT_REGULAR = "not-regular"
HARDLINK = "hardlink"
OUTSIDE = "outside"
# Kinds of a folder entry, from lstat (never following a link).
DIR, FILE, LINK, OTHER = "dir", "file", "symlink", "other"

_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CHUNK = 1 << 20
_REASONS = {
    SYMLINK: "tautan simbolis (symlink), tidak dibaca / a symbolic link, not read",
    NOT_REGULAR: "bukan berkas atau folder biasa, tidak dibaca / not a regular file or folder, not read",
    OUTSIDE: "jalur keluar dari folder datasets / path leaves the datasets folder",
    HARDLINK: "tautan keras (hard link) ke berkas bernama lain, tidak dibaca / a hard link to a file "
              "with another name, not read",
}


class Refused(OSError):
    """A path that is not read: a link, a special file (FIFO, device, socket), or outside the root."""

    def __init__(self, rel: str, reason: str) -> None:
        super().__init__(errno.ELOOP if reason == SYMLINK else errno.EPERM, _REASONS[reason], rel)
        self.rel, self.reason = rel, reason

    def __str__(self) -> str:
        return f"{self.rel}: {self.strerror}"


class TooLarge(OSError):
    """A file larger than the caller's limit (only the limit plus one byte was read)."""

    def __init__(self, rel: str, limit: int) -> None:
        super().__init__(errno.EFBIG, f"lebih besar dari / larger than {limit} bytes", rel)
        self.rel, self.limit = rel, limit

    def __str__(self) -> str:
        return f"{self.rel}: {self.strerror}"


@dataclass(frozen=True)
class Content:
    """A file as read: its bytes (None when over the limit), size and SHA-256."""

    data: bytes | None
    size: int
    sha256: str


def parts(rel: str) -> list[str]:
    """The components of a relative POSIX path; Refused for an absolute path or ``..``."""
    names = [p for p in rel.split("/") if p not in ("", ".")]
    if rel.startswith("/") or ".." in names or not names:
        raise Refused(rel, OUTSIDE)
    return names


@contextmanager
def open_root(root: Path) -> Iterator[int]:
    """A descriptor of ``root`` itself (resolved: the operator may point at it through a link)."""
    fd = os.open(os.path.realpath(root), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield fd
    finally:
        os.close(fd)


def _check(info: os.stat_result, rel: str, directory: bool) -> None:
    """Refuse anything but a folder (``directory``) or a regular file with one name."""
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        raise Refused(rel, SYMLINK)
    if directory and stat.S_ISREG(mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), rel)
    if not directory and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), rel)
    if not (stat.S_ISDIR(mode) if directory else stat.S_ISREG(mode)):
        raise Refused(rel, NOT_REGULAR)
    if not directory and info.st_nlink > 1:
        # A hard link is the same file under a second name, possibly one outside the datasets
        # folder (/etc/shadow linked in): what a clerk sends has exactly one name.
        raise Refused(rel, HARDLINK)


def _open_at(dir_fd: int, name: str, rel: str, directory: bool) -> int:
    """Open one component below ``dir_fd``: never through a link, never a special file."""
    try:
        before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), rel) from None
    _check(before, rel, directory)  # a device or FIFO is refused before it is opened
    try:
        fd = os.open(name, _FLAGS | (os.O_DIRECTORY if directory else 0), dir_fd=dir_fd)
    except OSError as exc:  # swapped since the lstat: say what it became
        if exc.errno == errno.ELOOP:
            raise Refused(rel, SYMLINK) from None
        if exc.errno in (errno.ENOTDIR, errno.ENXIO):
            raise Refused(rel, NOT_REGULAR) from None
        raise
    try:
        _check(os.fstat(fd), rel, directory)  # what is read is what was checked
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def _open(root: Path, rel: str, directory: bool) -> Iterator[int]:
    """A descriptor of ``root/rel``, walked component by component from the root."""
    names = parts(rel)
    with open_root(root) as fd:
        current = fd
        try:
            for i, name in enumerate(names):
                last = i == len(names) - 1
                step = _open_at(current, name, "/".join(names[: i + 1]), directory or not last)
                if current != fd:
                    os.close(current)
                current = step
            yield current
        finally:
            if current != fd:
                os.close(current)


@contextmanager
def open_dir(root: Path, rel: str = "") -> Iterator[int]:
    """A descriptor of the folder ``root/rel`` (``""``: the root itself)."""
    if not rel:
        with open_root(root) as fd:
            yield fd
        return
    with _open(root, rel, directory=True) as fd:
        yield fd


def kind_of(root: Path, rel: str) -> str | None:
    """DIR, FILE, LINK or OTHER for ``root/rel`` without following a link; None when absent."""
    names = parts(rel)
    parent = "/".join(names[:-1])
    try:
        with open_dir(root, parent) as fd:
            mode = os.stat(names[-1], dir_fd=fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None
    return _kind(mode)


def _kind(mode: int) -> str:
    """The kind of an lstat mode."""
    if stat.S_ISLNK(mode):
        return LINK
    if stat.S_ISDIR(mode):
        return DIR
    return FILE if stat.S_ISREG(mode) else OTHER


def _entry_kind(entry: os.DirEntry[str]) -> str:
    """The kind of a folder entry (from the folder listing where it says, lstat otherwise)."""
    if entry.is_symlink():
        return LINK
    if entry.is_dir(follow_symlinks=False):
        return DIR
    return FILE if entry.is_file(follow_symlinks=False) else OTHER


def entries(root: Path, rel: str = "") -> list[tuple[str, str]]:
    """(name, kind) of every entry of the folder ``root/rel``, sorted by name."""
    with open_dir(root, rel) as fd:
        return listing(fd)


def entries_at(dir_fd: int, name: str, rel: str) -> list[tuple[str, str]]:
    """``entries`` of the folder ``name`` below the open folder ``dir_fd`` (``rel``: its path, naming it in an
    error): one ``open`` where walking from the root took one per component (3,600 agency folders a run)."""
    fd = _open_at(dir_fd, name, rel, True)
    try:
        return listing(fd)
    finally:
        os.close(fd)


def listing(fd: int) -> list[tuple[str, str]]:
    """(name, kind) of every entry of the open folder ``fd``, sorted by name."""
    with os.scandir(fd) as found:
        return sorted((entry.name, _entry_kind(entry)) for entry in found)


def read_limited(root: Path, rel: str, limit: int) -> Content:
    """Read ``root/rel``; over ``limit`` bytes, only hash it (bounded by its size when opened)."""
    with _open(root, rel, directory=False) as fd:
        size = os.fstat(fd).st_size
        keep = size <= limit
        # A file that grows while read stops at limit + 1; an oversized one at its size.
        cap = limit + 1 if keep else size
        digest, chunks, got = hashlib.sha256(), [], 0
        while got < cap:
            chunk = os.read(fd, min(_CHUNK, cap - got))
            if not chunk:
                break
            digest.update(chunk)
            got += len(chunk)
            if keep:
                chunks.append(chunk)
    data = b"".join(chunks) if keep and got <= limit else None
    return Content(data=data, size=max(size, got), sha256=digest.hexdigest())


def read_bytes(root: Path, rel: str, limit: int) -> bytes:
    """The bytes of ``root/rel``, read up to ``limit`` plus one byte; TooLarge when there are more."""
    with _open(root, rel, directory=False) as fd:
        chunks, got = [], 0
        while got <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    if got > limit:
        raise TooLarge(rel, limit)
    return b"".join(chunks)
