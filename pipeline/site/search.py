"""The search index: Pagefind over the pages marked searchable, in bounded batches, written next to them."""

from __future__ import annotations

import contextlib
import ctypes
import gzip
import json
import os
import re
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
BUNDLES = "bundles.json"  # under pagefind/: the bundles of each language, for the search page
BATCH = 2000  # pages per Pagefind run: about 180 MB for the Pagefind process
MAX_GLOB = 100_000  # characters of one --glob argument (Linux takes at most 128 KiB per argument)
START_SECONDS, PAGE_SECONDS = 120, 0.25  # a run's time limit: start-up plus this much per page


def index_site(root: Path, searchable: dict[str, list[str]]) -> None:
    """Index the searchable pages of the built site in ``root``, one language and one batch at a time.

    ``searchable`` maps a language to the files (relative to ``root``) of its searchable pages.
    Pagefind holds every page it indexes in memory (about 90 KB a page, 3 GB for a large
    city in one run), so each run gets at most ``BATCH`` pages of one language and writes its
    own bundle; ``bundles.json`` lists them per language and the search page merges them
    (Pagefind's ``mergeIndex``). The first Indonesian bundle stays at ``pagefind/``.
    """
    bundles: dict[str, list[str]] = {}
    # Indonesian first: its first bundle is pagefind/ itself, and the others are written inside it.
    for lang, files in sorted(searchable.items(), key=lambda item: (item[0] != "id", item[0])):
        for n, batch in enumerate(batches(sorted(files)), start=1):
            where = f"{BUNDLE}/" if (lang, n) == ("id", 1) else f"{BUNDLE}/{lang}-{n}/"
            _run_pagefind(root, root / where, batch)
            bundles.setdefault(lang, []).append(where)
    with naming(root / BUNDLE / BUNDLES):
        (root / BUNDLE).mkdir(exist_ok=True)
        (root / BUNDLE / BUNDLES).write_text(json.dumps(bundles, sort_keys=True, separators=(",", ":")),
                                             encoding="utf-8")


def batches(files: list[str]) -> list[list[str]]:
    """``files`` cut into runs of at most ``BATCH`` pages, each glob short enough for one argument."""
    out: list[list[str]] = []
    size = 0
    for name in files:
        if not out or len(out[-1]) >= BATCH or size + len(name) + 1 > MAX_GLOB:
            out.append([])
            size = 2
        out[-1].append(name)
        size += len(name) + 1
    return out


def _run_pagefind(root: Path, bundle: Path, files: list[str]) -> None:
    """One Pagefind run over ``files`` (relative to ``root``), writing its bundle to ``bundle``."""
    glob = "{" + ",".join(_glob_literal(f) for f in files) + "}"
    cmd = [sys.executable, "-m", "pagefind", "--site", str(root), "--glob", glob, "--output-path", str(bundle),
           "--silent"]
    try:
        # No fixed limit: a run's work is bounded by its batch, so its time limit grows with it.
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=START_SECONDS + PAGE_SECONDS * len(files),
                              check=False, preexec_fn=_die_with_parent)
    except (OSError, subprocess.TimeoutExpired) as exc:
        if _disk_full(root, inodes=True):  # Pagefind waits forever when it cannot create a file
            raise _full(root / BUNDLE) from None
        raise SiteError(f"pagefind gagal dijalankan / could not run: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip())[-500:]
        raise SiteError(f"pagefind gagal / failed ({done.returncode}) menulis / writing {bundle}: {detail}")
    _check_bundle(bundle, root / BUNDLE)
    _canonical_entry(bundle / "pagefind-entry.json")


def _glob_literal(name: str) -> str:
    """A file name as a literal inside a Pagefind (wax) glob: its special characters escaped."""
    return re.sub(r"([\\{}\[\]()*?,<>:!#])", r"\\\1", name)


def _check_bundle(bundle: Path, index: Path) -> None:
    """Refuse a bundle that Pagefind could not write completely.

    Pagefind (1.5) exits 0 when a write fails (a full disk): its files are left empty or
    cut short. Empty files, index files that do not decompress, and a disk left with no
    free space at all (a cut-short JS or CSS file has no other sign) all mean it failed.
    """
    if _disk_full(bundle):
        raise _full(index)
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        data = path.read_bytes()
        try:
            if not data or (path.suffix in GZIPPED and not gzip.decompress(data)):
                raise _full(index)
        except (OSError, EOFError, zlib.error):
            raise _full(index) from None


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
