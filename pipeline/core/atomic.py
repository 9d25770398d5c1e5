"""Atomic writes: a file or a whole folder appears complete or not at all."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from pipeline.core.oserrors import naming


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (an OSError names ``path``)."""
    write_blocks(path, (data,))


def write_blocks(path: Path, blocks: Iterable[bytes | memoryview], sync: bool = True) -> None:
    """``write_bytes`` of the blocks joined, written as they come (never held whole); ``sync=False``
    leaves the flush to the system (a cache, whose loss costs only work)."""
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                for block in blocks:
                    fh.write(block)
                if sync:
                    fh.flush()
                    os.fsync(fh.fileno())
            # mkstemp creates 0600; published files must be readable by a web server's user.
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


_TRUNCATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_plain(path: str, data: bytes) -> None:
    """Write ``data`` as the file ``path`` (created or truncated, as ``Path.write_bytes`` does) with one
    ``open`` and ``write``, none of a buffered file object's work: a first publish and a site build
    write tens of thousands of small files."""
    fd = os.open(path, _TRUNCATE, 0o666)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd``: a write may take less than all (a signal, a nearly full disk)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if not written:  # never an endless loop on a file that takes nothing
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # named by the caller's ``naming``
        view = view[written:]


# A kept file of lines (the validation cache, the indicators' memo) is appended to after a small run while at
# most one line in this many is no longer used; past that it is written whole, sorted (unused lines dropped).
STALE = 8
_APPEND = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def mostly_used(unused: int, lines: int) -> bool:
    """Whether a kept file of ``lines`` lines, ``unused`` of them no longer used, may still be appended to."""
    return unused * STALE <= lines


def append_to_read(path: str | Path, size: int, chunks: Iterable[bytes]) -> bool:
    """Append ``chunks`` to ``path`` when it is still the regular file of ``size`` bytes that was read (no link
    followed); False when it is not, and the caller writes it whole. Not flushed: a line cut short by a failed
    write or a power loss is a damaged line, which the file's reader takes as a miss."""
    fd = os.open(path, _APPEND)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            return False
        for chunk in chunks:
            write_all(fd, chunk)
    finally:
        os.close(fd)
    return True


def make_folder(folder: str, made: set[str]) -> list[str]:
    """Make ``folder`` and its missing parents unless ``made`` (the caller's folders known to exist,
    filled here) holds it: a caller writing thousands of files into a few folders makes each once,
    with one ``mkdir``. A folder made meanwhile by another process is fine; a file in its place is not.
    Gives the folders this call created, parents first (what undoing it would remove)."""
    if folder in made:
        return []
    created: list[str] = []
    try:
        created += _mkdir(folder)
    except FileNotFoundError:  # its parent is missing too
        parent = os.path.dirname(folder)
        if not parent or parent == folder:
            raise
        created += make_folder(parent, made)
        created += _mkdir(folder)
    made.add(folder)
    return created


def _mkdir(folder: str) -> list[str]:
    """Make one folder whose parent exists: ``[folder]``, or ``[]`` when a folder is there already."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        if not os.path.isdir(folder):
            raise
        return []
    return [folder]


def write_unsynced(path: Path, data: bytes, made: set[str] | None = None) -> None:
    """Write through a temporary file and a rename, leaving the flush to the caller.

    ``made``: the caller's folders known to exist (``make_folder``).
    """
    with naming(path):
        folder = os.path.dirname(path) or "."
        make_folder(folder, set() if made is None else made)
        tmp = os.path.join(folder, f".{path.name}.tmp")
        try:
            write_plain(tmp, data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)  # a full disk must not leave a half-written file behind
            raise


class Sink:
    """A new file written block by block, its size and SHA-256 counted as it is written (an OSError names it).

    Used for the files of a staging folder: a failure removes the whole folder, so the file
    is written in place, without a temporary name.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self._hash = hashlib.sha256()
        with naming(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "wb")  # noqa: SIM115  # closed by close() or the with block

    def write(self, data: bytes) -> None:
        """Append ``data``."""
        with naming(self.path):
            self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def sha256(self) -> str:
        """The SHA-256 (hex) of what was written."""
        return self._hash.hexdigest()

    def close(self) -> None:
        """Flush and close the file (the flush can meet a full disk)."""
        with naming(self.path):
            self._file.close()

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
            return
        with contextlib.suppress(OSError):  # the first failure is the one reported
            self._file.close()


_CHUNK = 1 << 20  # bytes compared or copied at a time


def chunks(path: Path, size: int = _CHUNK) -> Iterator[bytes]:
    """The bytes of ``path`` in pieces of ``size`` (an OSError names it)."""
    with naming(path), open(path, "rb") as fh:
        while block := fh.read(size):
            yield block


def file_sha(path: Path) -> str:
    """The SHA-256 (hex) of a file, read piece by piece (an OSError names it)."""
    digest = hashlib.sha256()
    for block in chunks(path):
        digest.update(block)
    return digest.hexdigest()


def regular_sha(path: Path | str) -> str | None:
    """The SHA-256 (hex) of ``path`` read piece by piece, as ``file_sha``, when it is a regular file reached without
    a link as its last part (``open_regular``), else None (OSError: unreadable)."""
    opened = open_regular(path)
    if opened is None:
        return None
    fd, _ = opened
    digest = hashlib.sha256()
    try:
        while block := os.read(fd, _CHUNK):
            digest.update(block)
    finally:
        os.close(fd)
    return digest.hexdigest()


def open_regular(path: Path | str) -> tuple[int, os.stat_result] | None:
    """A read descriptor of ``path`` and its ``fstat`` when it is a regular file reached without a
    link as its last part, else None (OSError: absent or unreadable); the caller closes it.

    The check is made on the descriptor read from: nothing can be swapped in between. Opening
    never waits (a FIFO put there is refused, not waited on).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link: never followed
            return None
        raise
    try:
        info = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return fd, info


def regular_bytes(path: Path | str) -> bytes | None:
    """The bytes of ``path`` when it is a regular file reached without a link as its last part, else None
    (OSError: unreadable).

    One open, one ``fstat`` and one read on the descriptor (``open_regular``): a run reading back
    thousands of small files (kept pages, kept judgements) spends a third of the time
    ``is_file``, ``is_symlink`` and ``read_bytes`` took.
    """
    opened = open_regular(path)
    if opened is None:
        return None
    fd, info = opened
    try:
        pieces = []
        want = info.st_size + 1  # one byte more: a file that grew is read to its end
        while piece := os.read(fd, want):
            pieces.append(piece)
            want = _CHUNK
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)  # an empty file: b""
    finally:
        os.close(fd)


def holds_bytes(path: Path, data: bytes) -> bool:
    """True when ``path`` is a regular file (not a link) holding exactly ``data`` (its size checked first)."""
    try:
        info = os.lstat(path)
        return stat.S_ISREG(info.st_mode) and info.st_size == len(data) and regular_bytes(path) == data
    except OSError:
        return False


def same_bytes(new: Path, old: Path) -> bool:
    """True when ``old`` is a regular file (not a link) holding exactly the bytes of ``new``:
    sizes first, then the contents piece by piece (neither file is held whole)."""
    try:
        info = os.lstat(old)
        if not stat.S_ISREG(info.st_mode) or info.st_size != os.stat(new).st_size:
            return False
        with open(new, "rb") as a, open(old, "rb") as b:
            while True:
                left, right = a.read(_CHUNK), b.read(_CHUNK)
                if left != right:
                    return False
                if not left:
                    return True
    except OSError:
        return False


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (LF line endings, as written)."""
    write_bytes(path, text.encode("utf-8"))


def staging_dir(target: Path) -> Path:
    """A fresh, empty sibling folder to build ``target`` in (left-overs are removed)."""
    recover_dir(target)
    staging = target.with_name(f".{target.name}.new")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def replace_dir(staging: Path, target: Path) -> None:
    """Swap a completely built ``staging`` folder in place of ``target``.

    Two renames: target -> .old, staging -> target.  If the process dies between
    them, ``recover_dir`` (run at the start of the next build) puts .old back.
    """
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


# A temporary file of ``write_blocks`` (``.<name>.<random>.tmp``) or of a fixed-name writer (``.<name>.tmp``).
_TEMP = re.compile(r"^\.[^/]+\.tmp$")


def remove_temps(folder: str | Path) -> None:
    """Remove the temporary files a killed writer left directly in ``folder`` (never a folder, never followed).
    Only under the output's lock: no other process is then writing there."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        if _TEMP.match(entry.name) and not entry.is_dir(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)


def recover_dir(target: Path) -> None:
    """Undo a swap that was interrupted half-way, so ``target`` is the last complete build.

    A folder swap is undone (the previous folder put back); a file-by-file swap whose plan was
    committed is finished (rolled forward); a staging folder without a committed plan is left
    for ``staging_dir`` to discard, ``target`` untouched.
    """
    old = target.with_name(f".{target.name}.old")
    if old.exists() and not target.exists():
        os.replace(old, target)
    elif old.exists():
        shutil.rmtree(old)
    staging = target.with_name(f".{target.name}.new")
    if (staging / COMMIT).is_file():
        apply_files(staging, target)
    gone = target.with_name(f".{target.name}.gone")
    if os.path.lexists(gone):  # the files a swap replaced, left by a run killed before it removed them
        shutil.rmtree(gone, ignore_errors=True)


# The plan of a file-by-file swap, written into the staging folder once every staged file is
# complete. Its presence is the commit point: before it, the live folder is untouched; after it,
# the swap is finished by whichever run comes next.
COMMIT = ".swap-commit"


# Linux starts writing a file's cached pages back when told they are not needed (``posix_fadvise`` DONTNEED, without
# waiting for the disk); elsewhere nothing is done.
_DONTNEED = getattr(os, "POSIX_FADV_DONTNEED", None)


def start_writeback(path: str | Path) -> None:
    """Have the system start writing the staged file ``path`` to disk now, without waiting for it (a hint: an error
    is passed over).

    ext4 (``auto_da_alloc``) writes a file back at the very rename that puts it over another file: a swap
    (``apply_files``) renaming 250 MB of just staged copies over the live ones waited 0.3 s for it, at the end of
    the build. Started when the file is staged, that writing is done beside the build's other work instead.
    """
    if _DONTNEED is None:
        return
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, _DONTNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit_files(staging: Path, target: Path, moves: list[str], deletes: list[str], gone: bool = False) -> None:
    """Swap staged files into ``target`` one by one: commit the plan, then carry it out.

    ``moves`` are paths relative to both folders, staged in ``staging`` (moved in this order:
    the caller puts the files that describe the folder last); ``deletes`` are files of
    ``target`` that no longer belong there. Unchanged files of ``target`` are not touched.
    Without ``target`` (a first publish), a staging folder holding exactly ``moves`` is renamed into place.
    ``gone``: the large files replaced are kept (``apply_files``) for the caller to remove later (``remove_gone``).
    """
    if moves and not deletes and not os.path.lexists(target) and _holds_exactly(staging, moves):
        # One rename, itself the commit point: a first publish's 15,000 files were moved one by one (each with
        # its folders made), then the staging folder's empty folders removed, a second on the critical path.
        os.replace(staging, target)
        return
    write_bytes(staging / COMMIT, json.dumps({"moves": moves, "deletes": deletes}).encode())
    apply_files(staging, target, gone)


def _holds_exactly(folder: Path, files: list[str]) -> bool:
    """True when ``folder`` holds the regular files ``files`` (relative names) and nothing else but their folders
    (an empty folder, never made by a move, is something else)."""
    wanted = set(files)
    found = 0
    pending = [(str(folder), "")]
    while pending:
        path, rel = pending.pop()
        with os.scandir(path) as entries:
            items = list(entries)
        if not items:
            return False
        for entry in items:
            name = f"{rel}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, f"{name}/"))
            elif entry.is_file(follow_symlinks=False) and name in wanted:
                found += 1
            else:
                return False  # a link, a special file or a file not in the plan: moved file by file
    return found == len(wanted)


# A file replaced by a swap from this size is kept by a second name (``apply_files``' ``gone``): the rename over
# the last link of a file frees it there and then, its cached pages and its blocks (76 ms for the indicators' 148 MB
# JSON), on the path to the site's word after a new month.
GONE_FROM = 4 << 20


def apply_files(staging: Path, target: Path, gone: bool = False) -> None:
    """Carry out a committed plan (again: a file already moved or deleted is passed over).

    ``gone``: each file of ``GONE_FROM`` bytes or more that a move replaces is first linked into the folder
    ``.<target>.gone`` beside ``target``, so that the move frees nothing; ``remove_gone`` frees them later (or the
    next ``recover_dir``: a link that cannot be made is passed over, and that file freed by its move).
    """
    kept = target.with_name(f".{target.name}.gone")
    made = False
    with naming(staging / COMMIT):
        plan = json.loads((staging / COMMIT).read_bytes())
    for rel in plan["deletes"]:
        path = target / rel
        with naming(path):
            path.unlink(missing_ok=True)
        _prune(path.parent, target)
    for rel in plan["moves"]:
        source, dest = staging / rel, target / rel
        if not source.exists():  # moved by the run that was interrupted
            continue
        if gone:
            made = _keep_gone(dest, kept, made)
        with naming(dest):
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, dest)
    shutil.rmtree(staging)


def _keep_gone(path: Path, kept: Path, made: bool) -> bool:
    """Link ``path`` into ``kept`` (made unless ``made``) when it is a regular file of ``GONE_FROM`` bytes or more;
    whether ``kept`` is made by now. A link that cannot be made is passed over."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size < GONE_FROM:
            return made
        if not made:
            os.makedirs(kept, exist_ok=True)
            made = True
        os.link(path, kept / f"{info.st_ino}")
    except OSError:
        pass
    return made


def remove_gone(target: Path) -> None:
    """Free the files a swap into ``target`` replaced and kept (``apply_files``' ``gone``)."""
    shutil.rmtree(target.with_name(f".{target.name}.gone"), ignore_errors=True)


def _prune(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to ``top`` while they are empty (a removed page's folder)."""
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except FileNotFoundError:  # removed by an interrupted run: its parent may still be empty
            pass
        except OSError:  # not empty: its parents are not empty either
            return
        folder = folder.parent
