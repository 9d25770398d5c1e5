"""The search index: Pagefind over the pages marked searchable, written next to them."""

from __future__ import annotations

import contextlib
import ctypes
import gzip
import json
import os
import signal
import subprocess
import sys
import zlib
from pathlib import Path

from pipeline.core.errors import SiteError
from pipeline.core.oserrors import naming

BUNDLE = "pagefind"
GZIPPED = (".pf_meta", ".pf_index", ".pf_fragment", ".pagefind")  # the index files; JS and CSS are plain
MIN_FREE = 2  # blocks or inodes; fewer left after Pagefind ran means it hit a full disk
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def index_site(root: Path) -> None:
    """Run Pagefind (the pip package's binary) over the built site in ``root``."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(root), "--silent"]
    bundle = root / BUNDLE
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False,
                              preexec_fn=_die_with_parent)
    except (OSError, subprocess.TimeoutExpired) as exc:
        if _disk_full(root, inodes=True):  # Pagefind waits forever when it cannot create a file
            raise _full(bundle) from None
        raise SiteError(f"pagefind gagal dijalankan / could not run: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip())[-500:]
        raise SiteError(f"pagefind gagal / failed ({done.returncode}) menulis / writing {bundle}: {detail}")
    _check_bundle(bundle)
    _canonical_entry(bundle / "pagefind-entry.json")


def _check_bundle(bundle: Path) -> None:
    """Refuse a bundle that Pagefind could not write completely.

    Pagefind (1.5) exits 0 when a write fails (a full disk): its files are left empty or
    cut short. Empty files, index files that do not decompress, and a disk left with no
    free space at all (a cut-short JS or CSS file has no other sign) all mean it failed.
    """
    if _disk_full(bundle):
        raise _full(bundle)
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        data = path.read_bytes()
        try:
            if not data or (path.suffix in GZIPPED and not gzip.decompress(data)):
                raise _full(bundle)
        except (OSError, EOFError, zlib.error):
            raise _full(bundle) from None


def _disk_full(folder: Path, inodes: bool = False) -> bool:
    """True when the filesystem of ``folder`` has (almost) no block left (or, with ``inodes``, no inode)."""
    stat = os.statvfs(folder)
    blocks = stat.f_bfree if os.geteuid() == 0 else stat.f_bavail  # root may use the reserved blocks
    files = stat.f_ffree if stat.f_files else MIN_FREE  # f_files 0: no inode limit (btrfs)
    return blocks < MIN_FREE or (inodes and files < MIN_FREE)


def _full(bundle: Path) -> SiteError:
    """The failure of a Pagefind run that could not write its bundle."""
    return SiteError(f"disk penuh / disk full: {bundle} (Pagefind tidak dapat menulis indeks pencarian "
                     f"/ Pagefind could not write the search index)")


def _die_with_parent() -> None:
    """In the child, before exec: be killed when the build dies (SIGKILL included).

    Otherwise a Pagefind orphaned by a killed build would go on writing into the staging
    folder that the next build recreates at the same path.
    """
    with contextlib.suppress(OSError, AttributeError):  # not Linux: no such guard
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _canonical_entry(path: Path) -> None:
    """Sort the keys of Pagefind's entry file: it lists languages in hash-map order, which varies
    between runs, and the site must be byte-for-byte the same for the same data."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SiteError(f"pagefind: {path} tidak terbaca / unreadable ({exc})") from None
    with naming(path):
        path.write_text(json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
