"""The search index: one small Pagefind bundle per partition of each language, rebuilt only where pages changed.

Layout under ``pagefind/``:
  ``bundles.json``           the search page's map: each language's runtime and partition bundles
                             (with each partition's page count);
  ``partitions.json``        what each bundle was built from (a digest of its pages), for the next build;
  ``<lang>/``                the language's runtime (pagefind.js, its worker and WebAssembly) with a
                             one-record index that the search page opens first (Pagefind needs one);
  ``<lang>/p/<partition>/``  one partition's index: entry, metadata, index chunks, page fragments.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from itertools import islice
from pathlib import Path

from pipeline.core.errors import SiteError
from pipeline.core.oserrors import naming
from pipeline.site.pagefind_service import PagefindService
from pipeline.site.search_partitions import BYTE_CAP, env_count, partition_cap, partitions
from pipeline.site.search_text import searched

BUNDLE = "pagefind"
BUNDLES = "bundles.json"  # under pagefind/: the bundles of each language, for the search page
MANIFEST = "partitions.json"  # under pagefind/: the digest each bundle was built from
START_SECONDS, PAGE_SECONDS = 120, 0.25  # a Pagefind run's time limit: start-up plus this much per page
INDEX_FILES = ("pagefind-entry.json", ".pf_meta", "index/", "fragment/", "filter/")  # a bundle's index proper
RUNTIME_FILES = ("pagefind.js", "pagefind-worker.js", ".pagefind")  # the search code; Pagefind's UI is not used
FORMAT = f"pagefind {version('pagefind')} layout 2"  # a new Pagefind or layout rebuilds every bundle
STUB_WORD = "mpp"  # the runtime index's one record: never shown (the search page filters it out)
WORKERS_VARIABLE = "PIPELINE_SEARCH_WORKERS"
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
# Pagefind processes at once, holding at most BYTE_CAP of HTML between them (``_Budget``): two
# keep both cores of a small server busy while the build's own process writes calendars and files.
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class SearchChanges:
    """What indexing changed: site-relative files written into staging, and files of the live site to
    delete; ``digests``: the SHA-256 of each file written (for the manifest: not read back)."""

    written: tuple[str, ...]
    removed: tuple[str, ...]
    digests: dict[str, str] = field(default_factory=dict, compare=False)


class Stopped(Exception):
    """Indexing was asked to stop (the build failed elsewhere): nothing more is indexed."""


def search_workers() -> int:
    """How many Pagefind processes run at once: ``PIPELINE_SEARCH_WORKERS`` or 2 (1 on one core)."""
    return env_count(WORKERS_VARIABLE, min(DEFAULT_WORKERS, os.cpu_count() or 1))


def index_site(staging: Path, live: Path | None, searchable: dict[str, dict[str, str]],
               read_html: Callable[[str], bytes], stop: threading.Event | None = None, *,
               sizes: dict[str, dict[str, int]] | None = None,
               live_digests: dict[str, str] | None = None) -> SearchChanges:
    """Index the searchable pages (``searchable[lang][site_path]``: SHA-256 of the page's HTML) into
    ``staging``; ``live``: the site now served (None: build everything); ``read_html(site_path)``:
    a page's bytes; ``sizes[lang][site_path]``: the HTML bytes of pages known without reading them
    (the pages this build wrote); ``live_digests``: the live manifest's SHA-256 of the live site's
    index files (a file of the live site without one is compared by its bytes).

    Pagefind holds every page it indexes in memory (about 90 KB a page: 3 GB for a large city
    in one run), so each language is split into partitions of at most 2,000 pages and 16 MB
    of HTML (search_partitions.py), each indexed by its own Pagefind process. A partition
    whose pages and digests are those recorded in the live site's ``partitions.json`` is not
    indexed and nothing of it is written; the live files that the new bundles no longer have
    (partitions gone, old fragments of rebuilt ones, an older layout) are listed in ``removed``.

    The partitions to index run on ``search_workers()`` Pagefind processes at once, each
    bundle staged by the thread that made it as soon as it is made. ``stop`` (set by a build
    that failed meanwhile) ends the indexing at the next partition with ``Stopped``.
    """
    cap = partition_cap()
    old, old_pages = _read_manifest(live)
    live_files = _files_under(live, BUNDLE) if live is not None else set()
    stager = _Stager(staging, live, live_files, live_digests or {})
    expected: set[str] = set()
    manifest: dict[str, dict[str, str]] = {}
    page_table: dict[str, dict[str, list[object]]] = {}
    bundles: dict[str, dict[str, object]] = {}
    jobs: list[_Job] = []
    for lang in sorted(searchable):
        runtime = f"{BUNDLE}/{lang}/"
        lang_sizes = _sizes(searchable[lang], old_pages.get(lang, {}), (sizes or {}).get(lang, {}), read_html)
        page_table[lang] = {path: [digest[:16], lang_sizes[path]] for path, digest in sorted(searchable[lang].items())}
        parts = partitions(sorted(searchable[lang]), lang, cap, lang_sizes)
        units: dict[str, tuple[str, str, list[str]]] = {"": (runtime, FORMAT, [])}  # "": the runtime bundle
        for name, paths in parts.items():
            units[name] = (f"{runtime}p/{name}/", _digest(paths, searchable[lang]), paths)
        manifest[lang] = {}
        live_units = _by_unit(runtime, live_files)
        for name, (folder, digest, paths) in sorted(units.items()):
            manifest[lang][name] = digest
            kept = live_units.get(folder, set())
            if kept and old.get(lang, {}).get(name) == digest:
                expected |= kept  # unchanged: nothing indexed, nothing written
                continue
            jobs.append(_Job(folder, lang, paths, not name, sum(lang_sizes[path] for path in paths)))
        # The page count of each partition lets the search page rank results of all partitions on one scale.
        bundles[lang] = {"runtime": runtime, "parts": [units[name][0] for name in sorted(parts)],
                         "pages": {units[name][0]: len(paths) for name, paths in parts.items()}}
    written: dict[str, str] = {}
    # The largest first: the processes then end together, not one on a large partition alone at
    # the end (a new month re-indexes six partitions of 1 to 5 MB; the bytes do not depend on the order).
    jobs.sort(key=lambda job: -job.size)
    for made, staged in _run_all(jobs, read_html, stop, stager.stage):
        expected |= made
        written.update(staged)
    record = {"format": FORMAT, "cap": cap, "languages": manifest, "pages": page_table}
    maps = {f"{BUNDLE}/{name}": json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
            for name, body in ((BUNDLES, bundles), (MANIFEST, record))}
    expected |= set(maps)
    written.update(stager.stage(maps))
    return SearchChanges(tuple(sorted(written)), tuple(sorted(live_files - expected)), written)


class _Stager:
    """Writes index files into staging, leaving out those whose bytes the live site already has.

    Pagefind names most of its files by their content: most survive a rebuild. A live file is
    known by the live manifest's SHA-256 (the digest the build trusts for every other file),
    else by its bytes. Called from the indexing threads at once (each for its own bundle).
    """

    def __init__(self, staging: Path, live: Path | None, live_files: set[str], live_digests: dict[str, str]) -> None:
        self.staging, self.live, self.live_files, self.live_digests = staging, live, live_files, live_digests

    def stage(self, files: dict[str, bytes]) -> dict[str, str]:
        """Write the files (site-relative) whose bytes the live site lacks; return each one written
        with its SHA-256."""
        written: dict[str, str] = {}
        folders: set[str] = set()  # made already: one mkdir a folder, not one a file
        for rel, data in sorted(files.items()):
            sha = hashlib.sha256(data).hexdigest()
            if self._live_has(rel, sha, data):
                continue
            folder = rel.rpartition("/")[0]
            _write(self.staging, rel, data, folder not in folders)
            folders.add(folder)
            written[rel] = sha
        return written

    def _live_has(self, rel: str, sha: str, data: bytes) -> bool:
        """Whether the live site holds these very bytes as ``rel``."""
        if self.live is None or rel not in self.live_files:
            return False
        known = self.live_digests.get(rel)
        return known == sha if known is not None else (self.live / rel).read_bytes() == data


def _digest(paths: list[str], digests: dict[str, str]) -> str:
    """What a partition is built from: its pages and their HTML digests (and the index format)."""
    h = hashlib.sha256(FORMAT.encode("utf-8"))
    for path in paths:
        h.update(f"\0{path}\0{digests[path]}".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class _Job:
    """One bundle to index: its folder, language, pages, whether it is the runtime's, its pages' HTML bytes."""

    folder: str
    lang: str
    paths: list[str]
    runtime: bool
    size: int


class _Budget:
    """HTML bytes that the Pagefind processes running at once may hold between them.

    Pagefind's memory while it builds grows with the HTML it holds (about ten times), so two
    small partitions run side by side while a large one runs alone: the processes together
    never hold more than one partition at the cap did when they ran one at a time.
    """

    def __init__(self, total: int) -> None:
        self.total, self.used = total, 0
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, amount: int) -> Iterator[None]:
        """Wait until ``amount`` fits (or nothing else runs), and hold it while the block runs."""
        amount = min(amount, self.total)
        with self._changed:
            self._changed.wait_for(lambda: self.used == 0 or self.used + amount <= self.total)
            self.used += amount
        try:
            yield
        finally:
            with self._changed:
                self.used -= amount
                self._changed.notify_all()


def _run_all(jobs: list[_Job], read_html: Callable[[str], bytes], stop: threading.Event | None,
             stage: Callable[[dict[str, bytes]], dict[str, str]]) -> Iterator[tuple[set[str], dict[str, str]]]:
    """Each job's bundle files (site-relative) and those of them staged with their SHA-256, in the
    jobs' order: made on up to ``search_workers()`` Pagefind processes at once within the byte budget
    (``_Budget``: threads that wait on their child), each bundle staged by ``stage`` on its own
    thread as soon as it is made (the bundles stay in memory only until staged)."""
    budget = _Budget(BYTE_CAP)
    idle: list[PagefindService] = []  # the Pagefind processes between two jobs: each runs one job after another
    lock = threading.Lock()

    def one(job: _Job) -> tuple[set[str], dict[str, str]]:
        with budget.hold(job.size):
            if stop is not None and stop.is_set():
                raise Stopped
            with lock:
                pagefind = idle.pop() if idle else None
            if pagefind is None:
                pagefind = PagefindService(START_SECONDS)
            try:
                made = _run(pagefind, job.lang, job.paths, read_html, job.runtime)
            except BaseException:
                pagefind.close()  # in an unknown state: not given another job
                raise
            with lock:
                idle.append(pagefind)
        files = {job.folder + rel: data for rel, data in made.items()}
        return set(files), stage(files)

    workers = min(search_workers(), max(1, len(jobs)))
    try:
        if workers == 1:
            yield from map(one, jobs)
            return
        waiting = iter(jobs)
        with ThreadPoolExecutor(workers, thread_name_prefix="pagefind") as pool:
            # A window of jobs ahead, not all at once: a failure leaves few partitions started for nothing.
            ahead = deque(pool.submit(one, job) for job in islice(waiting, 2 * workers))
            try:
                while ahead:
                    result = ahead.popleft().result()
                    ahead.extend(pool.submit(one, job) for job in islice(waiting, 1))
                    yield result
            finally:
                for future in ahead:
                    future.cancel()
    finally:
        # Every job has ended here (the pool waits for its threads): no Pagefind outlives the indexing.
        for pagefind in idle:
            pagefind.close()


def _run(pagefind: PagefindService, lang: str, paths: list[str], read_html: Callable[[str], bytes],
         runtime: bool) -> dict[str, bytes]:
    """One index of ``pagefind`` over ``paths`` (or, for the runtime, one placeholder record), dropped
    once made; its bundle's files that the search page uses, by path inside the bundle."""
    pagefind.limit(START_SECONDS + PAGE_SECONDS * len(paths))
    index = pagefind.new_index(lang)
    if runtime:
        pagefind.add_record(index, "/", STUB_WORD, lang)
    pagefind.add_pages(index, _pages(paths, read_html))
    files = pagefind.files(index)
    pagefind.delete_index(index)
    keep = INDEX_FILES + (RUNTIME_FILES if runtime else ())
    kept = {rel: data for rel, data in files.items() if rel.startswith(keep) or rel.endswith(keep)}
    if "pagefind-entry.json" not in kept:
        raise SiteError(f"pagefind: indeks tanpa pagefind-entry.json / index without its entry file ({lang})")
    kept["pagefind-entry.json"] = _canonical_entry(kept["pagefind-entry.json"])
    return kept


def _pages(paths: list[str], read_html: Callable[[str], bytes]) -> Iterator[tuple[str, str]]:
    """Each page's result link and HTML text (without what Pagefind would parse for nothing:
    search_text.py), read one at a time as Pagefind takes them."""
    for path in paths:
        try:
            html = searched(read_html(path)).decode("utf-8")  # what is cut is ASCII: the page is checked whole
        except UnicodeDecodeError as exc:
            raise SiteError(f"halaman bukan UTF-8 / page is not UTF-8: {path} ({exc})") from None
        # Links of results are site-root paths; the search page prefixes the site's own root.
        yield "/" + path.removesuffix("index.html"), html


def _by_unit(runtime: str, live_files: set[str]) -> dict[str, set[str]]:
    """The live files of one language's bundles by the folder of their bundle: the runtime's own
    (``runtime``, its partitions left out) and each partition's (``runtime``p/<name>/).

    One pass over the live files, not one per partition (a city has hundreds of partitions)."""
    parts = runtime + "p/"
    out: dict[str, set[str]] = {}
    for f in live_files:
        if f.startswith(parts):
            name, slash, _ = f[len(parts):].partition("/")
            if slash:
                out.setdefault(f"{parts}{name}/", set()).add(f)
        elif f.startswith(runtime):
            out.setdefault(runtime, set()).add(f)
    return out


def _files_under(root: Path, folder: str) -> set[str]:
    """Every file under ``root/folder``, site-relative.

    Walked with ``os.scandir`` and joined as text: a city's bundles hold tens of thousands of
    files, and a Path object and ``relative_to`` for each took seconds of every build.
    """
    found: set[str] = set()
    folders = [folder]
    while folders:
        rel = folders.pop()
        try:
            with os.scandir(root / rel) as entries:
                for entry in entries:
                    if entry.is_dir():
                        folders.append(f"{rel}/{entry.name}")
                    elif entry.is_file():
                        found.add(f"{rel}/{entry.name}")
        except (FileNotFoundError, NotADirectoryError):  # no bundle there (yet)
            continue
    return found


def _sizes(digests: dict[str, str], known: dict[str, list[object]], written: dict[str, int],
           read_html: Callable[[str], bytes]) -> dict[str, int]:
    """Each page's HTML size: from the live manifest when the page is unchanged, else as this build
    wrote it (``written``), else read."""
    sizes: dict[str, int] = {}
    for path, digest in digests.items():
        entry = known.get(path)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest[:16] and isinstance(entry[1], int):
            sizes[path] = entry[1]
        elif path in written:
            sizes[path] = written[path]
        else:
            sizes[path] = len(read_html(path))
    return sizes


def _read_manifest(live: Path | None) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, list[object]]]]:
    """The digests the live site's bundles were built from, and its pages' digests and sizes
    (empty when there is none or it is unreadable: every bundle is rebuilt, which is always correct)."""
    if live is None:
        return {}, {}
    try:
        body = json.loads((live / BUNDLE / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return {}, {}
    languages, pages = body.get("languages"), body.get("pages")
    return (languages if isinstance(languages, dict) else {}), (pages if isinstance(pages, dict) else {})


def _write(staging: Path, rel: str, data: bytes, make_folder: bool) -> None:
    """Write one file of the index into staging as a new file (its folder made first when
    ``make_folder``); a full disk is named as the search index's."""
    path = staging / rel
    try:
        with naming(path):
            if make_folder:
                path.parent.mkdir(parents=True, exist_ok=True)
            # A new file, never a write into an existing one: staging may hold hard links to the live site.
            try:
                fd = os.open(path, _NEW_FILE, 0o666)
            except FileExistsError:
                path.unlink()
                fd = os.open(path, _NEW_FILE, 0o666)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _full(staging / BUNDLE) from None
        raise


def _full(bundle: Path) -> SiteError:
    """The failure of a search index that could not be written."""
    return SiteError(f"disk penuh / disk full: {bundle} (Pagefind tidak dapat menulis indeks pencarian "
                     f"/ Pagefind could not write the search index)")


def _canonical_entry(data: bytes) -> bytes:
    """Pagefind's entry file with sorted keys: it lists languages in hash-map order, which varies
    between runs, and the site must be byte-for-byte the same for the same data."""
    try:
        entry = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise SiteError(f"pagefind: pagefind-entry.json tidak terbaca / unreadable ({exc})") from None
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
