"""The search index: Pagefind over the pages marked searchable, one run per language, written next to them."""

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import SiteError
from pipeline.core.oserrors import naming

BUNDLE = "pagefind"
GZIPPED = (".pf_meta", ".pf_index", ".pf_fragment", ".pagefind")  # the index files; JS and CSS are plain
MIN_FREE = 2  # blocks or inodes; fewer left after Pagefind ran means it hit a full disk
PR_SET_PDEATHSIG = 1  # linux/prctl.h
BUNDLES = "bundles.json"  # under pagefind/: the bundles of each language, for the search page
START_SECONDS, PAGE_SECONDS = 120, 0.25  # a run's time limit: start-up plus this much per page


@dataclass(frozen=True)
class SearchChanges:
    """What indexing changed: site-relative files written into staging, and files of the live site to delete."""

    written: tuple[str, ...]
    removed: tuple[str, ...]


def index_site(staging: Path, live: Path | None, searchable: dict[str, dict[str, str]],
               read_html: Callable[[str], bytes]) -> SearchChanges:
    """Index the searchable pages (``searchable[lang][site_path]``: SHA-256 of the page's HTML) into
    ``staging``; ``live``: the site now served (None: build everything); ``read_html(site_path)``:
    a page's bytes.

    Pagefind holds every page it indexes in memory (about 90 KB a page: 3 GB for a large city
    in one run); one run per language halves the peak and gives each its own bundle, which
    is the very index Pagefind builds for that language in a single run (so results do not
    change). The Indonesian bundle stays at ``pagefind/``; the English one, indexed from
    ``en/``, is ``pagefind/en/``. ``pagefind/bundles.json`` tells the search page where each is.
    Pagefind's ``mergeIndex`` could split a language further, but a merged bundle that lacks
    a word answers with unrelated pages (measured on the sample), so a language is not split.
    """
    root = staging
    bundles: dict[str, dict[str, str]] = {}
    for lang in sorted(searchable, key=lambda code: (code != "id", code)):  # pagefind/ first, en/ inside it
        folder = "" if lang == "id" else f"{lang}/"
        where = f"{BUNDLE}/{folder}"
        glob = None if folder else _glob_without(root, {*(f for f in searchable if f != "id"), BUNDLE})
        _run_pagefind(root / folder, root / where, glob, len(searchable[lang]), root / BUNDLE)
        _check_bundle(root / where, root / BUNDLE)
        _canonical_entry(root / where / "pagefind-entry.json")
        bundles[lang] = {"bundle": where, "site": folder}
    with naming(root / BUNDLE / BUNDLES):
        (root / BUNDLE / BUNDLES).write_text(json.dumps(bundles, sort_keys=True, separators=(",", ":")),
                                             encoding="utf-8")
    written = tuple(sorted(p.relative_to(root).as_posix() for p in (root / BUNDLE).rglob("*") if p.is_file()))
    return SearchChanges(written, ())


def _glob_without(root: Path, left_out: set[str]) -> str:
    """A Pagefind glob of every HTML file under ``root`` except in the top folders ``left_out``."""
    parts = [f"{p.name}/**/*.html" if p.is_dir() else p.name for p in sorted(root.iterdir())
             if p.name not in left_out and (p.is_dir() or p.suffix == ".html")]
    return "{" + ",".join(parts) + "}"


def _run_pagefind(site: Path, bundle: Path, glob: str | None, pages: int, index: Path) -> None:
    """One Pagefind run over ``site`` (the files ``glob`` selects), writing its bundle to ``bundle``
    (``index``: the search index folder, named when the disk is full)."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(bundle), "--silent",
           *(["--glob", glob] if glob else [])]
    try:
        # No fixed limit (a large city needs more than any fixed one): start-up plus a time per page.
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=START_SECONDS + PAGE_SECONDS * pages,
                              check=False, preexec_fn=_die_with_parent)
    except (OSError, subprocess.TimeoutExpired) as exc:
        if _disk_full(site, inodes=True):  # Pagefind waits forever when it cannot create a file
            raise _full(index) from None
        raise SiteError(f"pagefind gagal dijalankan / could not run: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip())[-500:]
        raise SiteError(f"pagefind gagal / failed ({done.returncode}) menulis / writing {bundle}: {detail}")


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
