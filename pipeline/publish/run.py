"""Publish: validate → store → tables → data package → feedback → templates → report.

Everything is built first (the new store state in memory, each output folder's changed
files in a staging folder); then the store is committed and the changed files are swapped
in, file by file (``core/atomic.py`` ``commit_files``: unchanged files are never touched, so
their bytes, inodes and mtimes stay).  A failure before that point (a full disk included)
removes the staging folders and undoes the store's writes, leaving ``<output>`` exactly as it
was; a swap whose plan was committed is finished by the next run, and a failure before a
folder's plan is committed is made good by the next run, which rebuilds every folder from the
committed store.

Both cores, for a large run: once the store is updated, a forked child stages the feedback
pages, templates and report and writes the store's new files (planned here first, so that this
process can undo them whatever happens to the child), while this process builds the tables and
writes the data files. The child then makes the workbook of the largest table (a city's indicators), which
this process offers it first, while writing that table's CSV and JSON and the other tables' files, unless this
process, done with the rest, took the offer back first (``workbook_child.py``); a thread of the child writes
the store's files meanwhile. ``Store.commit`` puts the store's files and every staged
file on disk (``store/flush.py``) before the store's index, the commit point, names them.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import shutil
import signal
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

from pipeline.core import heap, listings, periods, timeline
from pipeline.core.atomic import (
    COMMIT,
    commit_files,
    holds_bytes,
    recover_dir,
    remove_gone,
    same_bytes,
    staging_dir,
    write_unsynced,
)
from pipeline.core.config import Portal, read_config_file
from pipeline.core.errors import PipelineError, PublishError
from pipeline.core.models import PUBLISHED_TABLES, REFERENCE_TABLES, FileReport, Record
from pipeline.core.needs_action import needs_action_lines
from pipeline.core.oserrors import OUTPUT_INTACT, describe
from pipeline.core.safe_open import TooLarge, read_bytes
from pipeline.core.treehash import DigestCache, written_entry
from pipeline.publish import feedback_keys, row_maps
from pipeline.publish.agency_templates import agency_kits, template_files
from pipeline.publish.datapackage import data_files
from pipeline.publish.evaluation.memo import FILE as MEMO
from pipeline.publish.evaluation.memo import Memo
from pipeline.publish.evaluation.table import KEPT
from pipeline.publish.feedback import feedback_files
from pipeline.publish.result import PublishResult, nothing_new, show
from pipeline.publish.reuse import Reuse
from pipeline.publish.row_reuse import Indexes
from pipeline.publish.table_files import handed_sheet
from pipeline.publish.table_parts import published_fields
from pipeline.publish.tables import build_tables, listing_tables
from pipeline.publish.unchanged import FOLDERS, Check, check, recover, remember
from pipeline.publish.workbook_child import Handoff, Sheet
from pipeline.runner import isolate
from pipeline.store import Changes, Store, Writing, reports_json
from pipeline.store.flush import flush_ahead, start_early
from pipeline.store.receipts import load_receipts, local_iso

# The tables whose rows are dropped once their data files are written: the feedback pages and the
# summary read only the agencies and the submissions.
RELEASED = frozenset(PUBLISHED_TABLES) - {"agencies", "submissions"}
AFTER_COMMIT = ("Arsip sudah diperbarui, tetapi sebagian folder keluaran belum; jalankan lagi setelah "
                "diperbaiki untuk melengkapinya / the store was updated but some output folders were "
                "not; run again once fixed to complete them.")
SAVES_LOST = ("Data sudah diterbitkan, tetapi catatan untuk proses berikutnya tidak semua tersimpan; proses berikutnya "
              "bekerja lebih lama / the data were published, but not all of the records kept for the next run were "
              "saved; the next run does more work.")


class _Committed(Exception):
    """An OSError after the store's commit point: the next run completes the swaps."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def publish_data(portal: Portal, as_of: date, now: datetime | None = None,
                 skip_unchanged: bool = False, checked: Check | None = None,
                 at_commit: Callable[[], None] | None = None, later: list[Callable[[], None]] | None = None,
                 ) -> PublishResult:
    """Run the data stages and swap the results into ``<output>``; PublishError on machine failure.

    ``skip_unchanged`` (the ``publish`` command sets it): do nothing when no input changed
    since the last run and its outputs are untouched (``publish/unchanged.py``); ``checked``: that
    check, when the caller made it already (not made twice); ``at_commit``: called once everything is
    built, before the store's commit (the stage's memory peak, the side child's and the data files', is behind);
    ``later``: gets the saving of the stage's own records for the next run (its caches, the publish record), left
    to the caller once the published folders and the store are in place (none of them is read by the site stage);
    PublishError from that call on machine failure.
    """
    try:
        result = _publish(portal, as_of, now or datetime.now(portal.tz), skip_unchanged, checked, at_commit, later)
    except PipelineError:
        raise
    except _Committed as done:
        raise PublishError(describe(done.error, AFTER_COMMIT)) from None
    except OSError as exc:
        raise PublishError(describe(exc, OUTPUT_INTACT)) from None
    show(result)
    return result


def _publish(portal: Portal, as_of: date, now: datetime, skip_unchanged: bool,
             checked: Check | None = None, at_commit: Callable[[], None] | None = None,
             later: list[Callable[[], None]] | None = None) -> PublishResult:
    """The stages in order; see the module docstring for the failure rules."""
    # The files read for the check are not read again by ``remember``.
    digests: DigestCache | None = None
    inputs = ""
    plans: dict[str, Any] | None = None  # the output folders' listings the last run kept (``listings.present``)
    seen = None  # the lines the check took of those folders (taken back by ``remember``)
    if skip_unchanged:
        checked = checked or check(portal, as_of)  # interrupted swaps completed there, never skipped
        digests, inputs, plans, seen = checked.digests, checked.inputs, checked.plans, checked.seen
        if checked.last is not None:
            return nothing_new(checked.last, portal.output)
    else:
        recover(portal.output)  # an interrupted swap is completed, never skipped; a killed run's temporary files gone
    # Imported only now: with nothing new, loading frictionless took longer than the check.
    from pipeline.validate import ValidationCache, load_reference, validate_datasets  # the validate stage

    with timeline.span("validation"):
        reference = load_reference(portal)
        store = Store.load(portal.output / "store")
        cache = ValidationCache.for_portal(portal)  # judgements of unchanged files are reused
        # The earlier agenda ids a decisions file may name: an unchanged agendas file's from its kept judgement.
        reports = validate_datasets(portal, partial(store.previous_agenda_ids, known=cache.agenda_ids), cache,
                                    digests, store.agendas_versions)  # an agency as last run: its kept reports
    with timeline.span("store update"):
        receipts = load_receipts(portal.receipts, portal.tz, portal.datasets)
        new_store, changes = store.update(
            reports, lambda file: _submitted_bytes(portal, file), receipts,
            _reference_hashes(portal), local_iso(now, portal.tz), as_of, cache.reused,
        )
    templates = Reuse(portal.output, "templates")  # agencies' workbooks rebuilt only when their inputs change
    pages = Reuse(portal.output, "feedback")  # likewise each agency-month's and file's feedback page

    built: dict[str, list[Record]] = {}  # those two tables once ``build_tables`` made them (in this process)

    def listed() -> dict[str, list[Record]]:
        """The two tables the feedback pages read: made in the child as ``build_tables`` makes them, or, when the
        side folders are staged in this process after the tables were built, those (not made twice)."""
        if built:
            return built
        return listing_tables(new_store, reference.agencies.values(), as_of, portal.deadline_day, portal.tz,
                              portal.start_period)

    builders: dict[str, Callable[[], Mapping[str, bytes]]] = {
        "feedback": lambda: feedback_files(portal, new_store, listed(), reports, pages),
        "templates": lambda: template_files(portal, agency_kits(reference.agencies.values(),
                                                                reference.services.values()), templates),
        "reports": lambda: {"validation.json": reports_json(reports)},
    }
    # None of those folders reads the other tables or the data files: a forked child writes the store's files
    # and stages them on the other core (forked before the tables are built: they are never shared, nor
    # copied) while this process builds the tables and writes the data files.
    with timeline.span("store writes planned, side child forked"):
        writing = new_store.start_writing()  # planned here, so that this process can undo the child's writes
        side = _start_side(portal.output, writing, builders, {"feedback": pages, "templates": templates}, plans,
                           new_store.index_bytes)
    try:
        with timeline.span("tables"):
            memo = Memo(portal.output / "store" / MEMO, KEPT)  # indicators of unchanged selections kept
            tables = build_tables(new_store, reference.agencies.values(), reference.services.values(), as_of,
                                  portal.deadline_day, portal.tz, portal.targets, portal.start_period, memo,
                                  published_fields(portal))  # the rows' digests kept for these fields (table_parts.py)
        if isinstance(side, _Staged):  # (a forked child made its own before they were built)
            built.update(agencies=tables["agencies"], submissions=tables["submissions"])
        # The data files are written straight into the data folder's staging folder as they are made
        # (hundreds of MB for a large city, never held in memory), then compared with those in place.
        folder = staging_dir(portal.output / "data")  # completes an interrupted swap first: the last files are read
        # Encoded rows taken back from the files published last (a workbook's sheet inflated in the staging folder).
        # The files of unchanged tables are left in place (``rows.in_place``): neither written nor compared.
        in_place: set[str] = set()
        rows = Indexes(portal.output / "store", portal.output / "data", folder, in_place)
        # A large table's workbook is handed to the side child, made there once its own work is done.
        shas: dict[str, str] = {}  # the data files' SHA-256 as written, for the site stage (``_written``)
        maps: dict[str, row_maps.RowMap] = {}  # where each changed table's new rows came from, for the site
        with timeline.span("data files"):
            names = data_files(portal, tables, new_store.changelog_bytes(), folder, portal.output / "data", rows,
                               release=RELEASED, handoff=side.handoff, digests=shas, maps=maps)
            changed_tables = _changed_tables(portal.output / "data", folder, in_place)
            staged = _stage(portal.output, {}, {"data": (folder, names)}, in_place={"data": in_place}, plans=plans)
        if side.handoff is not None:  # the data files put on disk while the side child ends its work
            if writing.shared:
                # The store's files the side child has not written yet (a first publish's 32,000 are seconds of the
                # kernel's time, up to 26 s on a busy disk): written here too, this process being otherwise idle.
                with timeline.span("store files written (beside the side child)"):
                    writing.write()
            start_early(len(writing.writes))
        else:  # or while the side folders are staged: the commit's fsync of them is then short
            flush_ahead([f"{f}/{rel}" for f, moves, _ in staged.values() for rel in moves])
        # The child's records of what it found and built, and the store's index it made (the stage's state: no
        # process changes the store after its update), or None (then made by the commit).
        with timeline.span("waiting: side folders"):
            side_staged, pages, templates, _, index = side.result()
        staged = {name: (staged | side_staged)[name] for name in FOLDERS if name in staged or name in side_staged}
    except BaseException:
        side.stop()  # killed unless it already answered (its own failure removed its folders)
        # (the store's writes, by either process, are undone below from the plan made here)
        _remove(portal.output / f".{name}.new" for name in FOLDERS)  # staging_dir's folders
        writing.undo()
        raise
    if at_commit is not None:
        at_commit()
    try:
        # The store's files and the staged ones flushed together before the index names them; undone on failure.
        with timeline.span("commit"):
            new_store.commit(writing, [f"{folder}/{rel}" for folder, moves, _ in staged.values() for rel in moves],
                             index)
    except BaseException:
        _remove(f for f, _, _ in staged.values())
        raise
    for name, (folder, moves, deletes) in list(staged.items()):
        try:
            # The large files replaced kept by a second name, freed once the site has its word (``save``).
            commit_files(folder, portal.output / name, moves, deletes, gone=True)
        except OSError as exc:
            # A committed plan is finished by the next run; the rest is rebuilt from the committed store.
            _remove(f for f, _, _ in staged.values() if not (f / COMMIT).is_file())
            for done in FOLDERS:
                remove_gone(portal.output / done)
            raise _Committed(exc) from exc
        del staged[name]
    # Kept once the run is committed (a failed run leaves the store as it was), replacing those of the last run, before
    # the site's build is given its word: it reads them (a cache: never fatal).
    with contextlib.suppress(OSError):
        row_maps.write(portal.output / "store", maps)
    result = _result(reports, changes, portal.output, changed_tables, new_store.receipt_warnings,
                     _action_lines(reports, tables["submissions"], periods.last_closed(as_of, portal.deadline_day)),
                     _written(portal.output / "data", shas))
    store_root = new_store.root

    def save() -> None:
        """The stage's own records for the next run, each describing what is now in place (a failure or a kill
        here leaves a record of the run before, which the next run does not trust: it works more, no less right)."""
        try:
            with timeline.span("records saved"):
                for name in FOLDERS:
                    remove_gone(portal.output / name)  # first: the disk space of the files replaced given back
                cache.save()  # after the commit: a judgement is kept only once the store holds its file
                templates.save()  # after the swap: the digests describe the files now in place
                feedback_keys.save(pages, store_root)  # with the agencies' keys whose reports last by now
                memo.save()
                rows.save()
                if skip_unchanged:
                    remember(portal, inputs, result.accepted, result.rejected, result.needs_action, digests, plans,
                             seen)
        except OSError as exc:
            raise PublishError(describe(exc, SAVES_LOST)) from None
    if later is None:
        save()
    else:
        later.append(save)
    return result


# The child's staged folders, its feedback and templates records, the workbook handed to it (``data_files``), and
# the store's index it made (``INDEX_BESIDE``), if any.
SideStaged = tuple["Staged", Reuse, Reuse, Sheet | None, bytes | None]
T = TypeVar("T")


# The side folders in a forked child (off: in this process, first; tests that watch them being built set it off).
FORK = hasattr(os, "fork")
# The store writes from which the side child is also offered the largest table's workbook (``Handoff``): a city's
# first publish plans 32,000, a new agency-month 9 (whose indicators' workbook the data files' own forked child
# makes sooner: ``workbook_fork.py``).
FORK_FROM = 5000
# Below ``FORK_FROM``, the side folders are still staged by a forked child (without the workbook), on the core the
# tables leave idle: at a city's new agency-month or late file its feedback pages (the one agency's), templates
# and report took 0.4-0.5 s of the stage's longest path, before its commit. Off: staged in this process after
# the data files (``_Staged``).
FORK_SMALL = True
# That child (without the workbook) also makes the store's index (``Store.index_bytes``: a city's is 9.5 MB of JSON,
# 0.14 s), done with its folders a second before the data files are; made by the commit, it delayed the site child's
# word by as much. Off: made by the commit. (Not by the child of a first publish: it makes the largest workbook.)
INDEX_BESIDE = True
# From ``FORK_FROM``, the store's files written by the side child and, once its data files are written, by this
# process too (``Writing.share``): a first publish's data files waited for the side child's writes (1.2-29 s at the
# bench city, by the state of the disk). Off: by the side child alone.
WRITE_BOTH = True


class _Staged:
    """The side folders staged in this process (``FORK`` off, or a small run), when asked for their result:
    after the data files, as a finished child answers."""

    handoff = None  # every workbook is made by the data files' process

    def __init__(self, side: Callable[[], SideStaged]) -> None:
        self.side = side

    def result(self) -> SideStaged:
        """Stage them now (the caller undoes the store's writes on failure)."""
        return self.side()

    def stop(self) -> None:
        """Nothing runs: nothing to stop."""


class _Side:
    """The side child, its answer taken by a thread as soon as it is sent: an answer larger than the pipe holds
    (a city's page records) would keep the child, and its memory, alive until the data files are written."""

    def __init__(self, child: isolate.Child[SideStaged], handoff: Handoff | None) -> None:
        self.child = child
        self.handoff = handoff  # a large table's workbook handed to the child (``workbook_child.py``), if any
        if handoff is not None:
            handoff.answer = lambda: self.result()[3]
        # (the thread blocks in ``read`` and ``waitpid``, not holding the GIL)
        self.answer = _Background(child.result, "side-answer")

    def result(self) -> SideStaged:
        """What the child staged, or what it raised."""
        return self.answer.join()

    def stop(self) -> None:
        """Kill the child unless it already answered (this process failed), and wait for it."""
        if self.answer.thread.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child.pid, signal.SIGKILL)
        self.answer.thread.join()


def _start_side(output: Path, writing: Writing, builders: dict[str, Callable[[], Mapping[str, bytes]]],
                reused: dict[str, Reuse], plans: Mapping[str, Any] | None = None,
                index: Callable[[], bytes] | None = None) -> _Side | _Staged:
    """Fork a child that stages the folders of ``builders`` (``_stage``), writes the store's files (``writing``:
    undone by this process on failure), makes the workbook this process hands it, if any (``Handoff``), and
    answers with what it staged and made and with the records ``reused`` kept of them (saved by this process
    once the folders are in place); below ``FORK_FROM``, all that but the workbook is done in this process
    when its result is asked for. ``plans``: the output folders' listings the last run kept (``_stage``);
    ``index``: makes the store's index, which a child without the workbook makes too (``INDEX_BESIDE``)."""
    handoff = Handoff() if FORK and len(writing.writes) >= FORK_FROM else None
    small = FORK and FORK_SMALL and handoff is None  # a child without the workbook
    if handoff is not None and WRITE_BOTH:
        writing.share()  # this process writes what is left of them once its data files are written

    def side() -> SideStaged:
        if handoff is not None:
            handoff.forked(child=True)
        staged = _stage(output, builders, {}, reused, plans=plans)
        if handoff is None:
            with timeline.span("store files written"):
                writing.write()
            made = index() if small and INDEX_BESIDE and index is not None else None
            return staged, reused["feedback"], reused["templates"], None, made
        heap.give_back()  # what the pages and templates freed: the rest of this child is beside the data files
        # The store's files written by a thread (mostly waits on the disk), then their writeback started (a first
        # publish: they and the side folders put on disk meanwhile), while this thread waits for the workbook handed
        # over and makes it: written first, they kept an offer made meanwhile waiting (seconds on a busy disk).
        writer = _Background(partial(_write_store, writing), "side-writes")
        try:
            with timeline.span("workbook handed over"):
                # Waited for: this process hands one, or none, as it writes the files; its JSON once the store's
                # files are written, unless this process took it meanwhile.
                sheet = handed_sheet(handoff, writer.thread.join)
        finally:
            with timeline.span("waiting: store files written"):
                writer.join()
        return staged, reused["feedback"], reused["templates"], sheet, None
    if handoff is None and not small:
        return _Staged(side)
    # What both processes only read from here on, frozen (as ``collector.set_aside`` leaves what the stage
    # keeps): the collector of each leaves those objects alone instead of writing to every one of them,
    # which would copy the pages the two processes share.
    gc.freeze()
    try:
        child = isolate.start("publish (feedback)", side, died=PublishError)
    finally:
        if handoff is not None:
            handoff.forked(child=False)
    return _Side(child, handoff)


def _write_store(writing: Writing) -> None:
    """Write the store's planned files, then start their writeback (``start_early``)."""
    with timeline.span("store files written (a thread)"):
        writing.write()
    start_early(len(writing.writes))


class _Background(Generic[T]):
    """A function run by a thread; ``join`` waits for it and gives what it returned, or raises what it raised."""

    def __init__(self, work: Callable[[], T], name: str) -> None:
        self.done: T | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self.thread.start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self.done = work()
        except BaseException as exc:  # noqa: BLE001 - raised by ``join`` in the caller's thread
            self.error = exc

    def join(self) -> T:
        """Wait for the function; give what it returned, or raise what it raised."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.done  # type: ignore[return-value]  # set when no error was


def _changed_tables(data: Path, staged: Path, in_place: Collection[str] = frozenset()) -> tuple[str, ...]:
    """The published tables whose CSV (staged in ``staged``, or left in place: ``in_place``) differs from the one
    in ``data`` (for the run log)."""
    return tuple(name for name in PUBLISHED_TABLES if f"{name}.csv" not in in_place
                 and not same_bytes(staged / f"{name}.csv", data / f"{name}.csv"))


def _remove(folders: Iterable[Path]) -> None:
    """Remove staging folders (a failed run must not leave them filling the disk)."""
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


Staged = dict[str, tuple[Path, list[str], list[str]]]  # folder -> (staging folder, moves, deletes)
# Files that describe their folder: swapped in after the files they describe.
DESCRIBING = ("datapackage.json", "datapackage.zip", "index.html")


def _stage(output: Path, builders: dict[str, Callable[[], Mapping[str, bytes]]],
           written: dict[str, tuple[Path, set[str]]], reused: dict[str, Reuse] | None = None,
           in_place: Mapping[str, Collection[str]] | None = None, plans: Mapping[str, Any] | None = None) -> Staged:
    """Build each folder; stage the files that differ from what is there (unflushed: ``Store.commit`` flushes
    them with the store's files, before any swap makes them visible). On failure, clean up.

    ``written``: folders whose files are already written into their staging folder, with their names.
    ``reused``: folders whose builder read files back from the folder (those are not compared again).
    ``in_place``: of the ``written`` folders' names, those left in place holding their bytes (not staged).
    ``plans``: each folder's listing the last run kept (``listings.present``: unchanged subfolders not listed again).
    """
    staged: Staged = {}
    try:
        for name in FOLDERS:
            if name not in builders and name not in written:
                continue  # staged by the other process
            recover_dir(output / name)  # first: a builder may read what was published last
            if name in written:
                folder, names = written.pop(name)
                _settle_folder(output / name, folder, names, name, staged, (in_place or {}).get(name, frozenset()),
                               (plans or {}).get(name))
                continue
            # One folder's files live only during its own call: freed before the next builder runs.
            with timeline.span(f"folder: {name}"):
                files = builders[name]()
                reuse = (reused or {}).get(name)
                _stage_folder(output / name, files, name, staged,
                              reuse.in_place if reuse is not None else frozenset(), (plans or {}).get(name))
    except BaseException:
        _remove(f for f, _, _ in staged.values())
        _remove(f for f, _ in written.values())
        raise
    return staged


def _settle_folder(target: Path, folder: Path, names: set[str], name: str, staged: Staged,
                   in_place: Collection[str] = frozenset(), kept: list[Any] | None = None) -> None:
    """Keep the files written into the staging ``folder`` that ``target`` lacks (recorded in ``staged``);
    the folder is removed when ``target`` holds exactly them. ``in_place``: names not written, found in ``target``
    holding their bytes (not compared); ``kept``: its listing the last run kept (``_present``)."""
    staged[name] = (folder, [], [])  # removed on failure from now on
    present, linked = _present(target, kept)
    # A file reached through a linked folder is not in place: the link is deleted, the file moved in.
    same = {rel for rel in names if not any(rel.startswith(f"{d}/") for d in linked)
            and (rel in in_place or same_bytes(folder / rel, target / rel))}
    if same == present == names:
        del staged[name]
        shutil.rmtree(folder)  # nothing new: leave the folder (and every byte in it) alone
        return
    for rel in same:
        (folder / rel).unlink(missing_ok=rel in in_place)  # in place already: never moved, never rewritten
    moves = sorted(names - same, key=lambda rel: (rel in DESCRIBING, rel))
    staged[name] = (folder, moves, sorted(present - names))


def _stage_folder(target: Path, files: Mapping[str, bytes], name: str, staged: Staged,
                  in_place: Collection[str] = frozenset(), kept: list[Any] | None = None) -> None:
    """Stage the files of ``files`` that ``target`` lacks (recorded in ``staged``), unless it holds exactly them.

    ``in_place``: names found in ``target`` this run holding their bytes (not read again); ``kept``: its listing the
    last run kept (``_present``).
    """
    present, linked = _present(target, kept)
    # A file reached through a linked folder is not in place: the link is deleted, the file moved in.
    same = {rel for rel in _same(target, files, in_place) if not any(rel.startswith(f"{d}/") for d in linked)}
    if same == present == set(files):
        return  # nothing new: leave the folder (and every byte in it) alone
    folder = staging_dir(target)
    staged[name] = (folder, [], [])
    moves = sorted(set(files) - same, key=lambda rel: (rel in DESCRIBING, rel))
    made: set[str] = set()  # each folder made once, not once a file (a first run stages 14,400 feedback pages)
    for rel in moves:
        write_unsynced(folder / rel, files[rel], made)
    staged[name] = (folder, moves, sorted(present - set(files)))


def _present(folder: Path, kept: list[Any] | None = None) -> tuple[set[str], set[str]]:
    """Every entry of ``folder`` but its folders, and among them the links to folders (relative names).

    Links and special files are listed too: what does not belong to the built folder is deleted. ``kept``: the
    folder's listing the last run kept (``listings.present``): a subfolder unchanged since is not listed again (a
    city's 3,600 feedback folders, after one new agency-month).
    """
    found, linked = listings.present(str(folder), kept)
    return found | linked, linked


def _same(folder: Path, files: Mapping[str, bytes], in_place: Collection[str] = frozenset()) -> set[str]:
    """The names among ``files`` that ``folder`` already holds byte for byte (as regular files);
    those of ``in_place`` were found holding them this run, and are taken as they are."""
    same = {rel for rel in in_place if rel in files}
    for rel in files:
        if rel in same:
            continue  # its bytes are not even asked for (a page kept in place is not read: reuse.Files)
        if holds_bytes(folder / rel, files[rel]):
            same.add(rel)
    return same


def _submitted_bytes(portal: Portal, file: str) -> bytes | None:
    """A submitted file's bytes for the store (never through a link); None when over the size limit.

    A file over ``max_file_mb`` was rejected unread: the store records its version and
    SHA-256 but keeps no copy, so a huge file cannot fill the store's disk.
    """
    try:
        return read_bytes(portal.datasets, file, portal.limits.max_file_bytes)
    except TooLarge:
        return None


def _reference_hashes(portal: Portal) -> dict[str, str]:
    """SHA-256 of the reference tables, so the change log notes when they change."""
    hashes = {}
    for name in REFERENCE_TABLES:
        data = read_config_file(portal.datasets, f"reference/{name}.csv")
        hashes[name] = hashlib.sha256(data).hexdigest()
    return hashes


def _action_lines(reports: list[FileReport], submissions: list[Record], period: str) -> list[str]:
    """Who needs action: this run's rejected or misplaced files, and the last closed month's missing files."""
    missing: dict[str, list[str]] = {}
    for row in submissions:
        if row["period"] == period and row["status"] == "missing":
            missing.setdefault(row["agency_code"], []).append(row["table"])
    return needs_action_lines(reports, missing, period)


def _written(data: Path, digests: dict[str, str]) -> dict[str, list[Any]]:
    """The entries (``treehash.written_entry``) of the data files in place, by the SHA-256 they were written with.

    Taken after the swap: each file in place holds the bytes written (moved in, or already there with
    the same bytes), and its stat now is the one a later change would alter.
    """
    root = os.path.abspath(data)
    found = (written_entry(f"{root}/{name}", sha) for name, sha in sorted(digests.items()))
    return dict(entry for entry in found if entry is not None)


def _result(reports: list[FileReport], changes: Changes, output: Path, tables_changed: tuple[str, ...],
            receipt_warnings: list[str], needs_action: list[str],
            written: dict[str, list[Any]] | None = None) -> PublishResult:
    """Counts for the summary line (layout errors count as rejected); ``written``: ``PublishResult.written``."""
    accepted = sum(1 for r in reports if r.accepted)
    return PublishResult(accepted, len(reports) - accepted, len(changes.new), changes.changed, output,
                         tables_changed, tuple(receipt_warnings), tuple(needs_action), written or {})
