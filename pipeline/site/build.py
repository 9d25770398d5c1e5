"""Build the site into a staging folder, then swap it in place of <output>/site.

Order:
  0. fingerprint every input; when it equals the one stored with the current site, stop
     (the site would come out byte for byte the same);
  1. read <output>/data (and feedback, templates) into SiteData;
  2. take the pages one at a time (builders are generators): a page known by its declared
     inputs (``page.Lazy``) is keyed by them and its context built only when that key is not
     the live one; a group of such pages (``page.Group``) whose key is the live one is taken
     from the live manifest without making its pages; any other page is keyed by the digest
     of its built context;
  3. render the pages whose key changed (with the templates, the code and the settings:
     ``Renderer.key``), taking each searchable page's words as it is written, then drop them;
     each language's process writes its search index (search.py) after its pages; make the
     calendars whose key (their agendas' inputs) changed (after few pages rendered, in whichever
     language's process is free first: ``SIDE_SHARE``, shares.py); copy assets and published files,
     write feeds, sitemap (an index of sitemaps above 50,000 URLs), catalogue; only files
     whose bytes differ from the live site's are staged (the live site's manifest holds every
     file's SHA-256 and every page's and calendar's key);
  4. write the manifest and the fingerprint, then swap. With a live site, a committed plan
     moves each staged file into place and deletes the files gone, the fingerprint last;
     unchanged files are not touched. Without one (the first build, or a site whose
     fingerprint is missing), the whole staged folder is renamed into place.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import zip_longest
from pathlib import Path
from typing import Any, TypeVar

from pipeline.core import heap, timeline
from pipeline.core.atomic import COMMIT, commit_files, recover_dir, replace_dir, staging_dir
from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.core.formatting import LANGS, Formatter
from pipeline.core.oserrors import SITE_COMMITTED, SITE_INTACT, describe, naming
from pipeline.core.templating import SITE_TEMPLATES
from pipeline.core.treehash import DigestCache
from pipeline.runner import isolate
from pipeline.site import (
    checkapart,
    dcat,
    downloads,
    feeds,
    fingerprint,
    keptpickle,
    manifest,
    meta,
    names,
    recordtexts,
    rowcache,
    seriescache,
    shares,
    urls,
)
from pipeline.site.compiled import KeptTemplates
from pipeline.site.eventcache import KeptEvents
from pipeline.site.i18n import Translator, load_strings
from pipeline.site.inputs_text import InputsText
from pipeline.site.loader import load_site_data
from pipeline.site.models import SiteData
from pipeline.site.page import Group, Kit, Lazy, Page, Sourced
from pipeline.site.pages import Item, all_items, group_sources
from pipeline.site.readahead import ReadAhead
from pipeline.site.render import Renderer, preloaded
from pipeline.site.search import LanguageIndex, kept_path
from pipeline.site.sources import Sources
from pipeline.site.writer import Writer

TEMPLATES = SITE_TEMPLATES
# The last build's own objects (its site data above all), held until the next build or the process's end: freed
# one by one when the build returned, the bench city's took 0.08 s after the swap, and a site stage's child
# (runner/isolate.py) ends with ``os._exit``, which frees nothing. At most one build's are held.
_LEFT: list[Any] = []


@dataclass(frozen=True)
class BuildResult:
    """What a build produced (for the CLI line and the tests)."""

    root: Path
    pages: int
    files: int
    skipped: bool = False
    # The digests of the files the build read kept for the next build's check already (``_remember_apart``).
    remembered: bool = False


def kits(templates: Path) -> dict[str, Kit]:
    """One kit (words, formats) per language."""
    strings = load_strings(templates / "strings.toml")
    return {lang: Kit(lang, Translator(strings[lang], lang), Formatter(lang)) for lang in LANGS}


def build_site(portal: Portal, as_of: date, templates: Path = TEMPLATES, search: bool = True,
               written: dict[str, list[Any]] | None = None, ahead: ReadAhead | None = None,
               remember: bool = False) -> BuildResult:
    """Render the site from <output>/data into <output>/site, replacing it only when complete.

    Skipped (the site left as it is) when no input changed since the site there was built.
    A failure of the machine (a full disk) is a SiteError naming the path; the staging
    folder is removed and the previous site stays. ``written``: the digests of the files the data
    stage of this run wrote (``fingerprint.inputs_fingerprint``); ``ahead``: what was read of the
    output while the data stage worked (readahead.py), each part taken only while its files are as read;
    ``remember``: keep the digests of the files the build read for the next build's check (else the caller does,
    ``fingerprint.remember_digests``) when it can beside the swap (``REMEMBER_APART``: ``BuildResult.remembered``).
    """
    _LEFT.clear()  # the previous build's, before this one holds its own
    try:
        return _build(portal, as_of, templates, search, written or {}, ahead, remember)
    except OSError as exc:
        raise SiteError(f"situs / site: {describe(exc, SITE_INTACT)}") from None
    finally:
        gc.unfreeze()  # what the build set aside from the collector (``_write_pages``) is walked again


def _build(portal: Portal, as_of: date, templates: Path, search: bool, offered: dict[str, list[Any]],
           ahead: ReadAhead | None = None, remember: bool = False) -> BuildResult:
    """The build itself (see ``build_site``)."""
    target = portal.output / "site"
    recover_dir(target)  # an interrupted swap first: the fingerprint must describe the pages there
    # With what was read ahead, the check is made by a child while the data is read (checkapart.py): the build is
    # skipped, when nothing changed, once the data is read.
    checking = FORK and CHECK_APART and ahead is not None
    with timeline.span("check: site inputs"):
        inputs = "" if checking else fingerprint.inputs_fingerprint(portal, as_of, templates, search, offered, ahead)
    previous = fingerprint.read_record(target)
    if not checking and _unchanged(previous, inputs):
        return _skipped(target, previous)
    if ahead is not None:
        live = ahead.live(target, previous)  # as read while the data stage worked, when the site is as it was
    else:
        live = manifest.read(target, previous) if target.is_dir() else None
    if live is None and ADOPT:
        with timeline.span("live site read: no fingerprint vouches for it"):
            live = manifest.adopt(target, frozenset({manifest.FILE_NAME, fingerprint.FILE_NAME}))
    digests = fingerprint.checked(portal, templates)  # what the check read: not read again while unchanged
    check: checkapart.Apart | None = None
    # Unchanged tables read from kept rows; with a live site, the changed tables' rows are kept for
    # the next build by a child forked at once (``_keep_apart``), or without one once this process's
    # pages are written (``later``, see ``_write_pages``); a first build keeps them now, before the pages
    # (no more memory held beside the pages of both languages, the cold build's peak).
    later: list[Callable[[], None]] = []
    lang_kits = kits(templates)
    staging = staging_dir(target)
    pending: Pending | None = None
    keeper: isolate.Child[None] | None = None
    copier: isolate.Child[Apart] | None = None
    filer: isolate.Child[Aside] | None = None
    rememberer: isolate.Child[None] | None = None
    apart = FORK and COPIES_APART
    # Made before any language's process is forked, for each of them to take its share of (shares.py); in a first
    # build (``COLD_SIDE``) each language's own files too, before the shortest (the machine files): whichever
    # process is free takes them, the build's own writing the sitemaps first (only it holds their paths).
    listed = [task for task in shares.TASKS if not (apart and task == shares.COPIES)]
    if FORK and COLD_SIDE and COLD_AHEAD and live is None and len(lang_kits) > 1:
        listed[-1:-1] = [shares.files(lang) for lang in lang_kits]
    tasks = shares.Shares(tuple(listed))
    try:
        if checking and ahead is not None:
            check = checkapart.Apart(portal, as_of, templates, search, offered, ahead)
            digests = check.digests  # the digests the check takes, each under the same stat, until it answered
        if apart:
            copier = _copies_apart(staging, live.files if live else None, portal.output, templates, digests)
        with timeline.span("site data read"):
            data = load_site_data(portal, as_of, keep_rows=True, digests=digests,
                                  later=later if live is not None else None, ahead=ahead)
        if check is not None:
            with timeline.span("waiting: site check"):
                inputs = check.result()
            digests = fingerprint.checked(portal, templates)  # the check's, as if made here
            if _unchanged(previous, inputs):  # nothing written but the copies (``finally``: the staging removed)
                raise _Unchanged
        with timeline.span("preparation: the site's code"):
            code = fingerprint.site_code(portal, templates, search)
        if FORK and FILES_APART and live is not None and len(lang_kits) > 1:
            # The indexes both this process's pages and the files child look up, made once before the fork: else each
            # made its own (0.2 s of the child's CPU at the bench city, while this process made the same).
            with timeline.span("preparation: lookup indexes"):
                data.lookup  # noqa: B018 (a cached property: made here)
            filer = _files_apart(staging, live, data, lang_kits, code)
        if FORK and KEEP_APART and len(lang_kits) > 1:
            keeper = _keep_apart(later)
        writer = Writer(staging, live.files if live else None)
        # The records' texts of the pages' keys, written once (``_write_pages``), also make the calendars' keys.
        texts = InputsText(digests=True)

        def shared(own: Writer, task: str, made: dict[str, str]) -> None:
            """One task (``shares.TASKS``, or a language's own files) through ``own``, the keys of what it made
            into ``made``."""
            if (lang := shares.files_of(task)) is not None:
                _write_language_files(own, data, lang_kits[lang], code, live, made)
            elif task == shares.CALENDARS:
                _write_calendars(own, data, code, live, target, made, texts.text)
            elif task == shares.COPIES:
                _write_copies(own, portal.output, templates, digests)
            else:
                _write_machine_files(own, data)

        def side(own: Writer, lang: str, claim: bool, paths: list[str] | None) -> dict[str, str]:
            """A language's files through ``own`` (unless a task, which another process may take), with the sitemaps
            of ``paths`` (unless None) and, when ``claim``, the tasks no other process has taken yet (``_write_pages``),
            giving their keys."""
            made: dict[str, str] = {}
            if filer is None and shares.files(lang) not in tasks.tasks:  # (else written apart: ``_files_apart``)
                _write_language_files(own, data, lang_kits[lang], code, live, made)
            if paths is not None:
                _write_sitemaps(own, data, paths, code, live, made)
            if claim:
                for task in tasks.claims():
                    shared(own, task, made)
            return made

        pending = _write_pages(writer, templates, data, lang_kits, code, live, target if search else None, later,
                               side, texts)
        # What no language's process did (with a live site each language's wrote its own files, the first
        # the sitemaps, and after few pages rendered each took tasks of no language while any was left),
        # while the search index's child works when there is one (they need no index; the keys are merged
        # after). No language's process takes a task once this one's ``_write_pages`` returned: with a live
        # site the others are joined; a first build's took them all already (``COLD_SIDE``), or take none.
        keys: dict[str, str] = {}
        left = tasks.rest()
        if shares.CALENDARS in left:
            _write_calendars(writer, data, code, live, target, keys, texts.text)
        for task in left:
            if shares.files_of(task) is not None:  # a language's own files no process took
                shared(writer, task, keys)
        if live is None and COLD_AHEAD:
            # A first build's files after the other language's process is done: they read the published files
            # whole (the bench city's largest, 150 MB), which beside that process's index took the tree past 970 MB.
            pending.join()
        if copier is not None:
            writer.merge(*copier.result())
        if filer is not None:
            files_apart, changed_apart, keys_apart = filer.result()
            writer.merge(files_apart, changed_apart)
            keys.update(keys_apart)
        langs_left = {lang: kit for lang, kit in lang_kits.items()
                      if lang not in pending.sided and filer is None}
        _write_files(writer, data, templates, langs_left, None if pending.first in pending.sided else pending.paths,
                     digests, (code, live, keys), {shares.COPIES, shares.MACHINE}.intersection(left))
        with timeline.span("waiting: the other language"):
            done = pending.finish()
        done.keys.update(keys)
        if remember and FORK and REMEMBER_APART and live is not None and digests is not None:
            rememberer = _remember_apart(portal, templates)
        if keeper is not None:
            with timeline.span("waiting: rows kept"):
                keeper.result()
        page_count = done.count
        moves = list(writer.changed)
        files = dict(writer.files)
        with timeline.span("manifest"):
            new = manifest.Manifest(files, done.keys, done.groups)
            body = new.to_bytes()
            # Not through the writer: neither is a page of the site, and no page links to them.
            with naming(staging / manifest.FILE_NAME):
                (staging / manifest.FILE_NAME).write_bytes(body)
            with naming(staging / fingerprint.FILE_NAME):
                (staging / fingerprint.FILE_NAME).write_bytes(
                    fingerprint.record(inputs, page_count, len(files) + 1, manifest.digest(body)))
    except BaseException as exc:
        if check is not None:
            check.stop()
        if pending is not None:
            pending.stop()  # its children before the staging folder they write into is removed
        if copier is not None:
            copier.stop()
        if filer is not None:
            filer.stop()
        _let_end(rememberer)
        _let_end(keeper)
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, _Unchanged):
            return _skipped(target, previous)
        raise
    finally:
        tasks.close()
    if live is None:
        with timeline.span("swap"):
            replace_dir(staging, target)
    else:
        # The files that describe the site go last: until they are in place, it is the previous one.
        deletes = sorted(set(live.files) - set(files))
        try:
            with timeline.span("swap"):
                commit_files(staging, target, [*moves, manifest.FILE_NAME, fingerprint.FILE_NAME], deletes)
        except OSError as exc:
            _let_end(rememberer)
            if (staging / COMMIT).is_file():  # past the commit point: the next run finishes the plan
                raise SiteError(f"situs / site: {describe(exc, SITE_COMMITTED)}") from None
            raise  # the plan itself was not written: the live site is untouched
        moves += [manifest.FILE_NAME, fingerprint.FILE_NAME]
    if pending.sources is not None:
        pending.sources.save(done.groups)  # each entry a fact of its own (sources.py): kept after the swap
    written = len(moves) if live is not None else len(files) + 2
    print(f"Situs / site: {page_count} halaman / pages, {len(files) + 1} berkas / files, {written} ditulis / "
          f"written -> {target}\n"
          f"  {done.rendered} halaman dibangun ulang, {page_count - done.rendered} tidak berubah / "
          f"{done.rendered} pages rebuilt, {page_count - done.rendered} unchanged")
    # With the values read ahead that this build did not take (another language's search index, in this process).
    _LEFT[:] = [data, live, writer, pending, done, new, files, moves, keptpickle.leftover()]
    if rememberer is not None:
        rememberer.result()
    return BuildResult(target, page_count, len(files) + 1, remembered=rememberer is not None)


class _Unchanged(Exception):
    """The check made apart (``CHECK_APART``) found the inputs of the live site: the build stops, skipped."""


def _unchanged(previous: dict[str, Any] | None, inputs: str) -> bool:
    """Whether the live site's fingerprint record ``previous`` is of these ``inputs``."""
    return previous is not None and previous.get("inputs") == inputs


def _skipped(target: Path, previous: dict[str, Any] | None) -> BuildResult:
    """The build skipped: the site in ``target`` (its fingerprint record ``previous``) is left as it is."""
    previous = previous or {}
    pages_n, files_n = int(previous.get("pages", 0)), int(previous.get("files", 0))
    print(f"Situs / site: tidak ada masukan yang berubah, pembangunan dilewati / no input changed, "
          f"build skipped ({pages_n} halaman / pages) -> {target}")
    return BuildResult(target, pages_n, files_n, skipped=True)


@dataclass
class PagesDone:
    """What writing the pages left for the rest of the build."""

    keys: dict[str, str]  # site path -> page key
    rendered: int
    count: int  # pages of every language
    paths: list[str]  # every page's path (Indonesian), for the sitemap
    groups: dict[str, manifest.GroupRecord]  # every language's groups of pages, for the manifest


class Pending:
    """The pages of every language, some still being written by forked children: ``paths`` (the
    first language's, for the sitemap) at once, the rest from ``finish``; ``stop`` kills the children."""

    def __init__(self, writer: Writer, results: dict[str, LangPages], first: str,
                 children: dict[str, isolate.Child[LangPages]],
                 search: isolate.Child[Apart] | None = None) -> None:
        self.writer, self.results, self.first = writer, results, first
        self.children, self.search = children, search
        self.paths = results[first].paths
        # The languages whose process wrote their files after their pages (``LangPages.side``; another
        # language's once joined).
        self.sided: set[str] = set()
        # The groups' sources (sources.py), whose keys are kept once the site is swapped in (None: not known).
        self.sources: Sources | None = None

    def join(self) -> None:
        """Wait for the languages' children and merge what they wrote (a child's error is raised here)."""
        for lang, worker in self.children.items():
            part = self.results[lang] = worker.result()
            self.writer.merge(part.files, part.changed)
            if part.side is not None:
                self.sided.add(lang)
        self.children = {}

    def finish(self) -> PagesDone:
        """Wait for the children, merge what they wrote (a child's error is raised here)."""
        self.join()
        if self.search is not None:  # the first language's search index
            files, changed = self.search.result()
            self.writer.merge(files, changed)
            self.results[self.first].index = None
        self.children, self.search = {}, None
        return _done(self.results, self.first)

    def stop(self) -> None:
        """Kill the children still running (after a failure of this process)."""
        for worker in self.children.values():
            worker.stop()
        if self.search is not None:
            self.search.stop()


@dataclass
class LangPages:
    """What one process's language left: its share of ``PagesDone`` and of the writer's records."""

    keys: dict[str, str]
    rendered: int
    count: int
    paths: list[str]  # the pages' paths, in the order of the builders
    files: dict[str, str]  # site path -> SHA-256 (the writer's)
    changed: list[str]  # staged, in the order written (the writer's)
    groups: dict[str, manifest.GroupRecord]  # "lang:name" -> the group's key and pages
    # The language's search index while its pages are written (None without search, and once
    # its files are written: it goes no further than the process that made it).
    index: LanguageIndex | None = None
    # The keys of the files its process wrote after its pages (``_write_pages``: its own language's, the first
    # language's sitemaps, the calendars when it took them), None when it left them to the caller.
    side: dict[str, str] | None = None


# Each language in its own process (the parent the first, one forked child for each other):
# rendering is Python, one core per process, and the languages' pages are independent.
FORK = hasattr(os, "fork")
T = TypeVar("T")
# What the child of the first language's search index sends back: its writer's files and changed paths.
Apart = tuple[dict[str, str], list[str]]
# What the child of the languages' own files sends back (``_files_apart``): the same, and the keys of its downloads.
Aside = tuple[dict[str, str], list[str], dict[str, str]]
# With a live site each language's process writes its own files after its pages (the build's own process
# the sitemaps too). A language that rendered at most this share of its pages has few pages to add to its
# index: the first language's index is then written by the build's own process at once, and that process
# and the first other language's, each after its own files, take the tasks of no language (calendars,
# copies, machine files: ``shares.py``) while any is left, whichever is free first.
SIDE_SHARE = 0.1
# A first build (no live site: every page rendered) has the other language's process work on for seconds
# after this one's pages (at the bench city its pages took 1.8 s more, and it writes its index after them):
# this process writes its own index and the calendars meanwhile, instead of waiting for it and then writing
# them beside an index child (two processes, never three); the files wait for that process (``_build``).
# Off: the order of a build with a live site.
COLD_AHEAD = True
# A first build (``COLD_AHEAD``) with the languages in their own processes: after its index this process writes the
# sitemaps and takes the tasks (``shares.py``: the calendars, each language's own files, the machine files) while
# the other language's process still writes its pages and index; that one takes what is left, if any, after them.
# At the bench city the serial tail after the last language's pages (1.5 s: copies, language files, sitemaps) ran
# beside them instead; the tree's peak did not rise (the copies are the kernel's and a child's, ``COPIES_APART``;
# the other files are small). Off: all of them in this process once the other language's is joined.
COLD_SIDE = True
# With ``FORK``, the copies of the assets, the published files and the templates (``_write_copies``; none read
# the site data) are made by a child forked before the site data is read (``_copies_apart``), on the core the
# reading leaves idle: at the bench city 0.7 s of copies (250 MB of changed data files after a new month) were at
# the end of the longest path of every build. Its memory is the fork of a process that has read no data yet.
# Off: a task of no language (``shares.py``).
COPIES_APART = True
# With a live site and the languages in their own processes, the changed tables' rows are kept by a child
# forked once the site data is read (``_keep_apart``): 0.3-0.4 s of pickling at the bench city, done while
# this process alone works, instead of in this process after its pages, at the end of the longest path.
KEEP_APART = True
# With a live site and the languages in their own processes, every language's own files (feeds, names index,
# downloads: 0.2 s a language after a new month at the bench city, mostly the downloads written again) are written
# by a child forked once the site data is read (``_files_apart``), on the core this process's preparation of the
# pages leaves idle, instead of by each language's process after its pages, at the end of the longest path.
# Off: each language's process writes its own (``side``).
FILES_APART = True
# With a live site and ``FORK``, the digests of the files the build read (its check's) are kept for the next build's
# check (``fingerprint.remember_digests``, else called by the caller after the swap) by a child forked once the
# pages are written (``_remember_apart``), beside the manifest and the swap, instead of after them: 0.07-0.35 s at
# the bench city (the files the data stage had just written read again), the last step of the longest path.
REMEMBER_APART = True
# With what the site child read ahead (readahead.py) and ``FORK``, the build's check (``inputs_fingerprint``) is made
# by a child forked at once while this process reads the site data (checkapart.py): 0.2 s at the bench city after a
# new month, on the core the reading leaves idle. Off: the check first, in this process.
CHECK_APART = True
# The texts of the records made from rows taken from the kept rows are those the last build wrote (recordtexts.py):
# 0.3 of the 0.45 s of writing the bench city's records' texts after a new month, before any language's process.
# Off: every record written out.
KEEP_TEXTS = True
# A live site whose fingerprint does not vouch for its manifest (lost, or damaged) is read (``manifest.adopt``): its
# files' digests stand for a manifest without keys, every page is made again and only the files that differ are
# swapped in, as after a change of the templates. Off (or a site holding anything a build never makes): it is built
# whole in a staging folder swapped in its place, and the old tree removed (12.6 s of the bench city's 29 s).
ADOPT = True


def _write_pages(writer: Writer, templates: Path, data: SiteData, lang_kits: dict[str, Kit],
                 code: str, live: manifest.Manifest | None, target: Path | None,
                 later: list[Callable[[], None]] | None = None,
                 side: Callable[[Writer, str, bool, list[str] | None], dict[str, str]] | None = None,
                 texts: InputsText | None = None) -> Pending:
    """Render and write every page of every language whose key differs from the live one's, and
    each language's search index (``target``: the live site's folder, None: no search index);
    ``later``: actions run once this process's pages are written (before, without ``FORK``);
    ``side``: the files that each language's process writes after its pages and index with a live site
    (lang, whether to take tasks of no language too, the paths of the sitemaps or None): its own language's,
    in this process the sitemaps; this process and the first other language's process, each when it rendered
    few pages (``SIDE_SHARE``), take the tasks of no language left (``shares.py``); ``texts``: the writer
    of the records' texts (written here before any process is forked), which the caller's calendars share.
    ``Pending.sided`` says what was done (once joined), the keys come back from ``Pending.finish``.

    With ``FORK``, each language other than the first is written by a forked child into the
    same staging folder while this process writes the first; what a child writes comes back
    as its writer's records and is merged (a path written by both is refused). A child that
    fails raises its error from ``Pending.finish`` (a SiteError when it dies without an answer);
    when this process fails, the caller kills the children (``Pending.stop``) before it removes
    the staging folder. The first language's search index is written here at once when few of its
    pages were rendered, else by a child forked once the pages of every language are written (the
    caller writes the calendars and files meanwhile). A first
    build (``COLD_AHEAD``) writes that index in this process and returns while the other languages'
    children still work: the caller writes the calendars and files meanwhile, ``Pending.finish`` waits.
    """
    if not FORK or len(lang_kits) < 2:
        _run(later)
        parts = _write_pages_together(writer, Renderer(templates, data), data, lang_kits, code, live, target)
        return Pending(writer, parts, "id", {})
    (first, kit), *others = lang_kits.items()

    # Each record of the site data written (as a digest) once here for every language's process,
    # instead of once in each of them: pages of every language name the same records.
    texts = texts if texts is not None else InputsText(digests=True)
    with timeline.span("preparation: records' texts"):
        write_texts(texts, data, code, later)
    # The audited families' groups known by their sources (sources.py), for both processes: an unchanged
    # group is then neither gathered nor keyed by either of them.
    with timeline.span("preparation: groups' sources"):
        sources = Sources(group_sources(data, texts.each), code, data.portal.output / rowcache.FOLDER)
        data.lookup.group_sources = sources.digests
    # The templates compiled once here too: the other language's process takes them compiled. Those
    # an earlier build of this code compiled are taken as it left them (compiled.py).
    with timeline.span("preparation: templates"):
        env = preloaded(templates, KeptTemplates(data.portal.output, code))

    def one(own: Writer, lang_kit: Kit) -> LangPages:
        """One language's pages through ``own``."""
        return _write_language(own, Renderer(templates, data, pair=False, texts=texts, env=env), data, lang_kit,
                               code, live, target, sources=sources)

    def child(lang_kit: Kit, claim: bool) -> Callable[[], LangPages]:
        """The child's action: its own writer over the same staging folder and live site; its side work (with a
        live site), taking tasks of no language too after few pages rendered (``SIDE_SHARE``) when ``claim``."""
        def action() -> LangPages:
            own = Writer(writer.root, writer.previous)
            part = one(own, lang_kit)
            # Only the first language's paths are read (the sitemaps'): a city's 32,000 more were pickled here and
            # read back by the build's own process, at the end of the longest path (0.06 s).
            part.paths = []
            if side is not None and live is not None:
                # Through the writer of the pages: ``part.files`` and ``part.changed`` are its records.
                part.side = side(own, lang_kit.lang, claim and part.rendered <= SIDE_SHARE * part.count, None)
            elif side is not None and COLD_SIDE and COLD_AHEAD:
                # A first build's: its own files, then any task of no language the build's process has not taken.
                part.side = side(own, lang_kit.lang, claim, None)
            return part
        return action

    # The indexes every language's builders look things up in, and the mall's monthly figures
    # (the performance overview's, in both languages), made once here for both processes (each
    # made its own before) and frozen with the rest; the months whose rows did not change taken
    # as an earlier build summed them (seriescache.py: by the digests ``texts`` has just written).
    with timeline.span("preparation: the mall's monthly figures"):
        data.lookup.mall_series = seriescache.mall_series(data.performance, texts.each,
                                                          data.portal.output / rowcache.FOLDER, code)
    # The site data is read-only from here on: frozen, the collector of each process leaves its
    # objects alone instead of writing to every one of them (copying the parent's pages). Frozen
    # until the build ends (``build_site``), not only while children share it: after the pages,
    # the calendars, files, index, manifest and swap made in this process would have each
    # automatic full collection walk all of it again (one took 0.6 s while the bench city's
    # manifest was written).
    gc.freeze()
    pending = Pending(writer, {first: LangPages({}, 0, 0, [], {}, [], {})}, first, {})
    pending.sources = sources
    try:
        for n, (lang, other) in enumerate(others):
            pending.children[lang] = isolate.start(f"site ({lang})", child(other, n == 0), died=SiteError)
        # A first build writes this language's index here at once (``COLD_AHEAD``); another leaves it to a child.
        pending.results[first] = _write_language(writer, Renderer(templates, data, pair=False, texts=texts, env=env),
                                                 data, kit, code, live, target, index_now=live is None and COLD_AHEAD,
                                                 sources=sources)
        pending.paths = pending.results[first].paths
        part = pending.results[first]
        few = live is not None and part.rendered <= SIDE_SHARE * part.count
        if few:
            # Few pages to add: the index here at once, while the other language's process ends its pages
            # and writes its side work (two processes, never three: a third took the tree past 1 GB).
            _search(writer, part)
        # While the other language's process ends its pages and writes its index (its pages and
        # index take longer than this language's pages alone): this process is otherwise idle.
        _run(later)
        if side is not None and live is not None:
            # Its files and the sitemaps, before waiting; then, after few pages, the tasks of no language the other
            # language's process has not taken yet (that process ends later: its pages took longer).
            part.side = side(writer, first, few, part.paths)
            pending.sided.add(first)
        if live is None and COLD_AHEAD:
            # What writing the index freed (a quarter of a GB at the bench city) returned at once: kept mapped, it
            # counted beside the other language's index, the tree's peak.
            heap.give_back()
            if side is not None and COLD_SIDE:
                # The tasks of no language, this language's files and the sitemaps here while the other language's
                # process ends its pages and index (it then writes its own files): not after it, in this one alone.
                part.side = side(writer, first, True, part.paths)
                pending.sided.add(first)
            return pending  # the rest next, here, while the other languages' processes end
        # The other languages first: three processes at once (this one, a language's, the index's)
        # took the tree past 1 GB at the bench city (PSS sum 1.24-1.29 GB against 0.9 GB).
        pending.join()
        pending.search = _search_apart(writer, part)  # (with many pages rendered)
    except BaseException:
        pending.stop()
        raise
    return pending


def write_texts(texts: InputsText, data: SiteData, code: str, later: list[Callable[[], None]] | None = None) -> None:
    """Write the text of each record of ``data`` into ``texts``, those of records made from rows taken from the kept
    rows as the last build wrote them (``KEEP_TEXTS``, recordtexts.py), and keep them for the next build (now, or by
    an action appended to ``later``)."""
    kept_texts = _kept_texts(texts, data, code) if KEEP_TEXTS else None
    texts.write_all(_records(data))
    if kept_texts is None:
        return
    made = {table: (data.origins[table].key, texts.each(records))
            for table, records in recordtexts.records_of(data).items() if table in data.origins}
    if later is None:
        kept_texts.save(made)
    else:
        later.append(partial(kept_texts.save, made))


def _kept_texts(texts: InputsText, data: SiteData, code: str) -> recordtexts.KeptTexts | None:
    """The records' texts kept by the last build, each taken by ``texts`` for a record of a row taken from the kept
    rows (recordtexts.py); None when the rows were not read through the kept rows (nothing to keep)."""
    if not data.origins:
        return None
    kept = recordtexts.KeptTexts(data.portal.output / rowcache.FOLDER, code, data.as_of)
    for table, records in recordtexts.records_of(data).items():
        if table in data.origins:
            texts.know(kept.taken(table, data.origins[table], records))
    return kept


def _keep_apart(later: list[Callable[[], None]]) -> isolate.Child[None] | None:
    """A forked child running the actions left for later (the changed tables' rows kept, ``_write_pages``)
    at once, while this process writes the records' texts, indexes and monthly sums before any
    language's process is forked (one core was idle then); None when there are none."""
    if not later:
        return None
    actions = list(later)
    later.clear()  # this process runs them no more

    return _apart("site rows", lambda: _run(actions))


def _files_apart(staging: Path, live: manifest.Manifest, data: SiteData, lang_kits: dict[str, Kit],
                 code: str) -> isolate.Child[Aside]:
    """A forked child writing every language's own files into ``staging`` through a writer of its own
    (``_write_language_files``) while this process prepares the pages; merged before the manifest."""
    def action() -> Aside:
        own = Writer(staging, live.files)
        keys: dict[str, str] = {}
        for kit in lang_kits.values():
            _write_language_files(own, data, kit, code, live, keys)
        return own.files, own.changed, keys

    return _apart("site files", action)


def _remember_apart(portal: Portal, templates: Path) -> isolate.Child[None]:
    """A forked child keeping the digests of the files this build read (``fingerprint.remember_digests``) while this
    process writes the manifest and swaps the site in; waited for before the build returns."""
    return _apart("site digests", lambda: fingerprint.remember_digests(portal, templates))


def _copies_apart(staging: Path, previous: dict[str, str] | None, output: Path, templates: Path,
                  digests: DigestCache | None) -> isolate.Child[Apart]:
    """A forked child copying the assets, the published files and the templates into ``staging`` through a writer
    of its own (``_write_copies``) while this process reads the site data; its records are merged before the files."""
    def action() -> Apart:
        own = Writer(staging, previous)
        _write_copies(own, output, templates, digests)
        return own.files, own.changed

    return _apart("site copies", action)


def _apart(stage: str, work: Callable[[], T]) -> isolate.Child[T]:
    """A forked child doing ``work`` with the cycle collector off: it walks nothing, so the parent's objects it
    shares stay unwritten (not copied), and its own few allocations end with it."""
    def action() -> T:
        gc.disable()
        return work()

    return isolate.start(stage, action, died=SiteError)


def _let_end(child: isolate.Child[Any] | None) -> None:
    """Wait for a side child that writes (a write cut short would stay behind as a temporary file), whatever it
    answers: the build is failing already."""
    if child is not None:
        with contextlib.suppress(Exception):
            child.result()


def _run(actions: list[Callable[[], None]] | None) -> None:
    """Run the actions left for later (``_write_pages``), each once."""
    while actions:
        actions.pop(0)()


def _search_apart(writer: Writer, part: LangPages) -> isolate.Child[Apart] | None:
    """A forked child writing the language's search index through a writer of its own; None without
    an index (or once written)."""
    if part.index is None:
        return None

    def action() -> Apart:
        own = Writer(writer.root, writer.previous)
        _search(own, part)
        return own.files, own.changed

    # The parent keeps its reference to the entries until the child is done: freeing them here
    # would write to the pages the child shares, copying them (memory counted twice).
    return isolate.start(f"search ({part.index.lang})", action, died=SiteError)


def _records(data: SiteData) -> Iterator[Any]:
    """The records of the site data that pages' inputs name (``InputsText`` writes them by identity)."""
    yield from data.agencies.values()
    yield from data.services.values()
    for rows in (data.performance, data.agendas, data.decisions, data.history, data.agenda_history,
                 data.submissions, data.reports.values(), data.misplaced):
        yield from rows


def _write_language(writer: Writer, renderer: Renderer, data: SiteData, kit: Kit, code: str,
                    live: manifest.Manifest | None, target: Path | None, index_now: bool = True,
                    sources: Sources | None = None) -> LangPages:
    """Render and write one language's pages whose key differs from the live one's (see ``_write_page``),
    then its search index (``index_now``; else ``part.index`` is left to the caller); ``sources``: the
    build's groups' sources and kept keys (``_write_item``)."""
    # The other languages' search indexes read ahead (readahead.py) are theirs: dropped before this process touches
    # them or their own process does (held here, the one each used would be copied, its pages written by one
    # process while the other held them: 30 MB a language at the bench city).
    keptpickle.forget([kept_path(data.portal.output, lang) for lang in LANGS if lang != kit.lang])
    part = LangPages({}, 0, 0, [], writer.files, writer.changed, {}, _index(kit.lang, data, target))
    with timeline.span(f"pages ({kit.lang})"):
        for item in all_items(data, kit):
            _write_item(writer, renderer, item, kit, code, live, part, sources)
    if index_now:
        _search(writer, part)
    return part


def _index(lang: str, data: SiteData, target: Path | None) -> LanguageIndex | None:
    """A language's search index, reading kept pages from the live site ``target`` (None: no index)."""
    if target is None:
        return None
    return LanguageIndex(lang, data.portal.output, lambda rel: (target / rel).read_bytes())


@timeline.timed("search index")
def _search(writer: Writer, part: LangPages) -> None:
    """Write the language's search index (its files whose bytes the live site has are only recorded)."""
    if part.index is None:
        return
    for rel, body in sorted(part.index.files().items()):
        writer.write_bytes(rel, body)
    part.index = None


def _write_pages_together(writer: Writer, renderer: Renderer, data: SiteData, lang_kits: dict[str, Kit],
                          code: str, live: manifest.Manifest | None, target: Path | None) -> dict[str, LangPages]:
    """Every language in this process (no fork), side by side.

    The languages go side by side, so a page's inputs are written out for its key once for all
    of them (``Renderer.key``) while the other language's page of that path is still at hand.
    """
    parts = {lang: LangPages({}, 0, 0, [], writer.files, writer.changed, {}, _index(lang, data, target))
             for lang in lang_kits}
    langs = list(lang_kits.items())
    for row in zip_longest(*(all_items(data, kit) for _, kit in langs)):
        for (lang, kit), item in zip(langs, row, strict=True):
            if item is not None:  # None: this language has no more pages
                _write_item(writer, renderer, item, kit, code, live, parts[lang])
    for part in parts.values():
        _search(writer, part)
    return parts


def _done(parts: dict[str, LangPages], first: str = "id") -> PagesDone:
    """The languages' parts as one (the sitemap lists the paths of the ``first`` language's pages, Indonesian)."""
    done = PagesDone({}, 0, 0, parts[first].paths, {})
    for part in parts.values():
        done.keys.update(part.keys)
        done.keys.update(part.side or {})
        done.groups.update(part.groups)
        done.rendered += part.rendered
        done.count += part.count
    return done


def _write_item(writer: Writer, renderer: Renderer, item: Item, kit: Kit, code: str,
                live: manifest.Manifest | None, part: LangPages, sources: Sources | None = None) -> None:
    """One page, or one group of pages (``_write_group``); a sourced group whose source gives the live key
    (``sources``, the build's) taken from the live site without gathering its inputs (sources.py)."""
    if isinstance(item, Sourced):
        gid = f"{kit.lang}:{item.name}"
        key = sources.key(gid, item.source) if sources is not None else None
        if gid not in part.groups and key is not None and _keep_group(writer, gid, key, kit, live, part):
            return
        item = item.group()
    if isinstance(item, Group):
        _write_group(writer, renderer, item, kit, code, live, part)
    else:
        _write_page(writer, renderer, item, kit, code, live, part)


def _write_group(writer: Writer, renderer: Renderer, group: Group[Any], kit: Kit, code: str,
                 live: manifest.Manifest | None, part: LangPages) -> None:
    """Key a group of pages; when the key is the live one's and all its pages are there, take them
    as they are (``_keep_group``) without making them, else write each of its pages (``_write_page``)
    and record them under the new key."""
    gid = f"{kit.lang}:{group.name}"
    if gid in part.groups:
        raise SiteError(f"group {group.name} declared twice")
    key = renderer.group_key(group, kit, code)
    if _keep_group(writer, gid, key, kit, live, part):
        return
    pages = []
    for page in group.pages():
        # The footer's date of a top-level page comes from the whole data, not the group's inputs.
        if renderer.data_updated(page, kit) is not None:
            raise SiteError(f"group {group.name}: {page.path} shows the data's date, which its inputs do not hold")
        _write_page(writer, renderer, page, kit, code, live, part)
        pages.append((page.path, page.searchable))
    part.groups[gid] = (key, tuple(pages))


def _keep_group(writer: Writer, gid: str, key: str, kit: Kit, live: manifest.Manifest | None,
                part: LangPages) -> bool:
    """Take the group ``gid`` whose key is ``key`` from the live site (keys, digests, paths from its manifest)
    when that is its live key and all its pages are there; False (nothing taken) otherwise."""
    kept = live.groups.get(gid) if live is not None else None
    if live is None or kept is None or kept[0] != key:
        return False
    rels = [urls.output_file(kit.url(path)) for path, _ in kept[1]]
    files, keys = live.files, live.keys
    if not (all(map(files.__contains__, rels)) and all(map(keys.__contains__, rels))):
        return False  # a page gone (deleted by hand): the group is made again
    # The group's pages in a few passes (a city keeps 31,000 pages a language this way).
    part.keys.update(zip(rels, map(keys.__getitem__, rels), strict=True))
    part.paths.extend(path for path, _ in kept[1])
    writer.keep_all(rels)
    if part.index is not None:
        for rel, (_, searchable) in zip(rels, kept[1], strict=True):
            if searchable:
                part.index.keep(rel, writer.files[rel])
    part.count += len(rels)
    part.groups[gid] = kept
    return True


def _write_page(writer: Writer, renderer: Renderer, page: Page | Lazy[Any], kit: Kit, code: str,
                live: manifest.Manifest | None, part: LangPages) -> None:
    """Key one page; build, render and write it only when its key is not the live one's; drop it.

    What the rest of the build needs (key, path) is kept in ``part``, a searchable page's words in its index.
    """
    rel = urls.output_file(kit.url(page.path))
    key = renderer.key(page, kit, code)
    part.keys[rel] = key
    part.count += 1
    part.paths.append(page.path)
    if live is not None and live.keys.get(rel) == key and rel in live.files:
        writer.keep(rel)  # the very bytes are published already: not built, rendered nor written
        if page.searchable and part.index is not None:
            part.index.keep(rel, writer.files[rel])
    else:
        body = renderer.render(page, kit).encode("utf-8")
        writer.write_bytes(rel, body)
        part.rendered += 1
        if page.searchable and part.index is not None:
            part.index.add(rel, writer.files[rel], body)


@timeline.timed("calendars")
def _write_calendars(writer: Writer, data: SiteData, code: str, live: manifest.Manifest | None, target: Path,
                     keys: dict[str, str], text: Callable[[Any], str] = repr) -> None:
    """The iCalendar files, each kept as it is when its key (its declared inputs, written by ``text``) is
    the live one's."""
    def live_key(path: str) -> str | None:
        return _live_key(live, path)

    def live_bytes(path: str) -> bytes | None:
        rel = path.lstrip("/")
        try:
            body = (target / rel).read_bytes()
        except OSError:
            return None
        # The bytes the manifest vouches for, or none: a file changed by hand is built again.
        return body if live is not None and manifest.digest(body) == live.files.get(rel) else None

    kept = KeptEvents.of_output(data.portal.output)  # events of earlier builds by key: no live file read
    for path, key, body in feeds.calendar_files(data, code, live_key, live_bytes, kept, text):
        keys[path.lstrip("/")] = key
        if body is None:
            writer.keep(path)
        else:
            writer.write_bytes(path, body)


def _live_key(live: manifest.Manifest | None, path: str) -> str | None:
    """The key a live file (a page, calendar or export) was made with, None when there is none or no file."""
    rel = path.lstrip("/")
    return live.keys.get(rel) if live is not None and rel in live.files else None


def _write_files(writer: Writer, data: SiteData, templates: Path, lang_kits: dict[str, Kit],
                 paths: list[str] | None, digests: DigestCache | None = None,
                 keyed: tuple[str, manifest.Manifest | None, dict[str, str]] | None = None,
                 shared: Collection[str] = (shares.COPIES, shares.MACHINE)) -> None:
    """Assets, the published files, feedback pages, templates, feeds, calendars and machine files
    (``digests``: the build's check, whose kept digests stand for unchanged files' bytes; ``keyed``:
    the site code, the live manifest and the build's keys, by which an unchanged export is kept).
    ``lang_kits``: the languages whose files are written here; ``paths``: the pages' of the sitemaps (None:
    written elsewhere); ``shared``: which files of no language (``shares.COPIES``, ``shares.MACHINE``) are written
    here (another process wrote the others)."""
    code, live, keys = keyed if keyed is not None else ("", None, {})
    if shares.COPIES in shared:
        _write_copies(writer, data.portal.output, templates, digests)
    for kit in lang_kits.values():
        _write_language_files(writer, data, kit, code, live, keys)
    if paths is not None:
        _write_sitemaps(writer, data, paths, code, live, keys)
    if shares.MACHINE in shared:
        _write_machine_files(writer, data)


@timeline.timed("sitemaps")
def _write_sitemaps(writer: Writer, data: SiteData, paths: list[str], code: str, live: manifest.Manifest | None,
                    keys: dict[str, str]) -> None:
    """The sitemaps of the pages ``paths``, their key in ``keys``."""
    # The sitemaps (30 MB at the bench city) kept as they are when their key is the live one's
    # (after a late file: no page more or less, the same date).
    key = meta.sitemaps_key(data, paths, code)
    kept = meta.kept_sitemaps(key, lambda path: _live_key(live, path))
    for path, text in [(path, None) for path in kept] if kept is not None else meta.sitemaps(data, paths):
        keys[path.lstrip("/")] = key
        if text is None:
            writer.keep(path)
        else:
            writer.write_text(path, text)


@timeline.timed("copies: assets, data, templates")
def _write_copies(writer: Writer, output: Path, templates: Path, digests: DigestCache | None) -> None:
    """The assets, the published files and the templates, copied (see ``_write_files``)."""
    writer.copy_tree(templates / "static", "/assets", digests=digests)
    # Browsers ask for /favicon.ico whatever a page links (a PDF viewer, an old browser...).
    writer.write_bytes("/favicon.ico", (templates / "static" / "favicon.ico").read_bytes())
    writer.copy_tree(output / "data", "/data", digests=digests)
    # The reports under /laporan/ are pages of the site (pages/reports.py), one language each;
    # the bilingual copies in <output>/feedback/ are the agencies' own.
    writer.copy_tree(output / "templates", "/templat", digests=digests)


@timeline.timed("language files: feeds, names, downloads")
def _write_language_files(writer: Writer, data: SiteData, kit: Kit, code: str, live: manifest.Manifest | None,
                          keys: dict[str, str]) -> None:
    """One language's feeds, names index and downloads (an unchanged download kept, its key in ``keys``)."""
    writer.write_bytes(kit.url(urls.feed("keputusan")), feeds.decisions_feed(data, kit))
    writer.write_bytes(kit.url(urls.feed("rilis-data")), feeds.releases_feed(data, kit))
    writer.write_text(kit.url(urls.SEARCH) + names.NAMES_FILE, names.names_index(data, kit))
    for path, key, body in downloads.export_files(data, kit, code, lambda path: _live_key(live, path)):
        keys[path.lstrip("/")] = key
        if body is None:
            writer.keep(path)
        else:
            writer.write_bytes(path, body)


@timeline.timed("machine files: robots, DCAT")
def _write_machine_files(writer: Writer, data: SiteData) -> None:
    """robots.txt and the DCAT catalogue."""
    writer.write_text("/robots.txt", meta.robots(data))
    catalogue = dcat.catalogue_graph(data)
    writer.write_text(urls.data_file(dcat.JSONLD_FILE), dcat.jsonld(catalogue))
    writer.write_text(urls.data_file(dcat.TURTLE_FILE), dcat.turtle(catalogue))
