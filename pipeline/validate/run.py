"""Validate a whole datasets directory: layout, reading, frictionless per table, cross rules.

Order of work: (1) scan the layout; (2) read and ready every file; (3) stream the rows
of all readable files of each table through frictionless at once; (4) per agency, in
period order with agendas before decisions, run the cross rules and build the reports.
Step 4's order matters because a decision may name "an agenda of the same agency, in
this submission or an earlier accepted one": this period's agendas file counts whatever
its status; earlier periods count only when accepted (in this run, or in an earlier run
via ``previous_agenda_ids``).

With a ``ValidationCache`` (``validate/cache.py``), a file whose bytes, path and rules are
unchanged since it was last judged skips steps 2-4: its kept report is used, a decisions
file's only once the agenda ids it may name are found to be the same as then.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from pipeline.core import collector, cores
from pipeline.core.config import Portal
from pipeline.core.models import TABLES, FileReport
from pipeline.core.safe_open import read_limited
from pipeline.core.treehash import DigestCache, known_digest
from pipeline.validate.agency_keys import agency_key, entries_digest
from pipeline.validate.cache import Entry, ValidationCache, agenda_digest
from pipeline.validate.context import FileContext
from pipeline.validate.files import Pending, failure, finish_file, prepare_file
from pipeline.validate.kept_rows import agenda_ids
from pipeline.validate.layout import Submitted, scan_submissions
from pipeline.validate.personal_rules import mask_report
from pipeline.validate.reference import Reference, load_reference
from pipeline.validate.schemas import TableSchema, load_schemas
from pipeline.validate.tablecheck import Checked, run_frictionless

PreviousAgendas = Callable[[str, str], set[str]]
# An agency -> what ``PreviousAgendas`` reads for it: its accepted agendas versions (period, file, SHA-256).
AgendasVersions = Callable[[str], list[tuple[str, str, str]]]
_TABLE_ORDER = {"agendas": 0, "decisions": 1, "performance": 2}


# A cold run judges thousands of files: agencies are independent, so half of them are judged
# in a second process (forked: it shares what is loaded). Below this many files to judge afresh,
# starting it costs more than it saves.
PARALLEL_FROM = 300


def validate_datasets(portal: Portal, previous_agenda_ids: PreviousAgendas | None = None,
                      cache: ValidationCache | None = None, digests: DigestCache | None = None,
                      agendas_versions: AgendasVersions | None = None) -> list[FileReport]:
    """One FileReport per submitted file and per layout error, sorted by file path.

    ``digests``: the files' SHA-256 found by the publish's skip check, so that a file unchanged
    since then is not read again only to find its kept judgement. ``agendas_versions``: what
    ``previous_agenda_ids`` reads for an agency (``Store.agendas_versions``): with it and a cache, an agency whose
    files and context are as last run takes its kept reports as they are (agency_keys.py).
    """
    schemas = load_schemas(portal.datasets)
    reference = load_reference(portal, schemas)
    submitted, reports = scan_submissions(portal.datasets, set(reference.agencies),
                                          digests.held_listings if digests is not None else None)
    # The kept judgements of a city's unchanged files (10,800 reports and their problems) are none of
    # them garbage: the cycle collector walking them again and again took a third of this stage.
    with collector.set_aside():
        roots: dict[Path, str] = {}  # each root's absolute name, worked out once (not a call a file)
        found = [(s, _sha256(cache, s, digests, roots)) for s in submitted]
        if cache is not None:
            cache.prefetch((s.file, sha256) for s, sha256 in found if sha256 is not None)
        kept = {s.file: e for s, sha256 in found if sha256 is not None and cache is not None
                and (e := cache.get(s.file, sha256)) is not None}
    if cache is not None:
        cache.release()  # the judgements found hold their reports and rows: the file's bytes are let go
    work = _Work(portal, schemas, reference, kept, previous_agenda_ids, cache, agendas_versions)
    first, second = _halves(submitted) if len(submitted) - len(kept) >= PARALLEL_FROM and cores.usable() > 1 \
        else (submitted, [])
    reports += work.judge(first) if not second else _in_two(work, first, second)
    # Last, whatever found them: no report may repeat personal data unmasked.
    return sorted((mask_report(r) for r in reports), key=lambda r: r.file)


@dataclass
class _Work:
    """What judging a list of submitted files needs (the same in both processes)."""

    portal: Portal
    schemas: dict[str, TableSchema]
    reference: Reference
    kept: dict[str, Entry]
    previous: PreviousAgendas | None
    cache: ValidationCache | None
    agendas_versions: AgendasVersions | None = None

    def judge(self, submitted: list[Submitted]) -> list[FileReport]:
        """Read, check and finish ``submitted`` (whole agencies: the cross rules follow an agency's months)."""
        schemas, limits, kept = self.schemas, self.portal.limits, self.kept
        reports, submitted = self._kept_agencies(submitted)
        pending = [Pending(s, kept[s.file].report.sha256) if s.file in kept else
                   prepare_file(s, schemas[s.table], limits) for s in submitted]
        for table in TABLES:
            _frictionless([(p, p.checked) for p in pending if p.sub.table == table and p.checked], schemas[table])

        def judge_again(sub: Submitted) -> Pending:
            item = prepare_file(sub, schemas[sub.table], limits)
            if item.checked:
                _frictionless([(item, item.checked)], schemas[sub.table])
            return item

        by_agency: dict[str, list[Pending]] = defaultdict(list)
        for item in pending:
            by_agency[item.sub.agency].append(item)
        for agency in sorted(by_agency):
            found = _Kept(kept, self.cache, judge_again)
            done = _finish_agency(by_agency[agency], self.reference, self.previous,
                                  self.portal.public_contact_keys, found)
            reports += done
            if found.whole:  # every file's judgement kept for next time: its context too
                self._record(agency, done, found.agendas)
        return reports

    def _key(self, agency: str, reports: list[FileReport]) -> tuple[str, list[str]]:
        """The agency's key (``agency_keys.agency_key``) given its files' reports, and its files in path order.

        The store's agendas versions that are one of these files, accepted (same path and bytes), are left out:
        the ids they give a later month are those this run's report of the file gives (same bytes, same rules),
        so the key after a publish, whose store now holds them, is the key before it.
        """
        assert self.cache is not None and self.agendas_versions is not None
        files = sorted((r.file, r.sha256 or "") for r in reports)
        accepted = {r.file: r.sha256 for r in reports if r.table == "agendas" and r.accepted}
        earlier = [v for v in self.agendas_versions(agency) if accepted.get(v[1]) != v[2]]
        return agency_key(self.cache.version, agency, files, earlier), [file for file, _ in files]

    def _kept_agencies(self, submitted: list[Submitted]) -> tuple[list[FileReport], list[Submitted]]:
        """The kept reports of the agencies whose files and context are as last run (agency_keys.py), and the
        files of the others, to judge."""
        cache, kept = self.cache, self.kept
        if cache is None or self.agendas_versions is None:
            return [], submitted
        by_agency: dict[str, list[Submitted]] = defaultdict(list)
        for sub in submitted:
            by_agency[sub.agency].append(sub)
        reports: list[FileReport] = []
        rest: list[Submitted] = []
        for agency, subs in by_agency.items():
            if not all(s.file in kept for s in subs):
                rest += subs
                continue
            key, files = self._key(agency, [kept[s.file].report for s in subs])
            entries = entries_digest([kept[file].agendas for file in files])
            if cache.agencies.matches(agency, key, entries):
                cache.agencies.record(agency, key, entries)
                reports += (kept[s.file].report for s in subs)
            else:
                rest += subs
        return reports, rest

    def _record(self, agency: str, reports: list[FileReport], agendas: dict[str, str | None]) -> None:
        """Keep an agency's context for the next run, all its files' judgements being kept (``_kept_agencies``)."""
        if self.cache is None or self.agendas_versions is None:
            return
        key, files = self._key(agency, reports)
        self.cache.agencies.record(agency, key, entries_digest([agendas[file] for file in files]))


_FORKED: dict[str, tuple[_Work, list[Submitted]]] = {}  # the second process's share, inherited by fork


def _second_half() -> tuple[list[FileReport], set[str], dict[str, bytes], set[str], dict[str, list[str]]]:
    """In the second process: judge its share; the reports and the cache's new entries go back."""
    work, submitted = _FORKED["share"]
    reports = work.judge(submitted)
    cache = work.cache
    return (reports, (cache.used if cache else set()), (cache.new if cache else {}),
            (cache.reused if cache else set()), (cache.agencies.new if cache else {}))


def _in_two(work: _Work, first: list[Submitted], second: list[Submitted]) -> list[FileReport]:
    """Judge ``second`` in a forked process while this one judges ``first``; the cache gets both."""
    _FORKED["share"] = (work, second)
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
            other = pool.submit(_second_half)
            reports = work.judge(first)
            more, used, new, reused, agencies = other.result()
    finally:
        _FORKED.clear()
    if work.cache is not None:
        work.cache.used |= used
        work.cache.new.update(new)
        work.cache.reused &= reused  # each process only takes files out of the set found before the fork
        work.cache.agencies.new.update(agencies)
    return reports + more


def _halves(submitted: list[Submitted]) -> tuple[list[Submitted], list[Submitted]]:
    """Whole agencies in two groups of about as many files (an agency's files stay together)."""
    by_agency: dict[str, list[Submitted]] = defaultdict(list)
    for sub in submitted:
        by_agency[sub.agency].append(sub)
    groups: tuple[list[Submitted], list[Submitted]] = ([], [])
    for agency in sorted(by_agency, key=lambda a: (-len(by_agency[a]), a)):
        min(groups, key=len).extend(by_agency[agency])
    return groups



def _frictionless(items: list[tuple[Pending, Checked]], schema: TableSchema) -> None:
    """One frictionless stream for the table; if it fails, retry file by file to isolate the culprit."""
    if not items:
        return
    saved = [(list(checked.errors), set(checked.bad)) for _, checked in items]
    try:
        run_frictionless([checked for _, checked in items], schema)
        return
    except Exception:  # noqa: BLE001 - fall back so that only the odd file fails
        pass
    for (item, checked), (errors, bad) in zip(items, saved, strict=True):
        checked.rows, checked.errors, checked.bad = [], errors, bad
        try:
            run_frictionless([checked], schema)
        except Exception as exc:  # noqa: BLE001 - this file failed alone: recorded, the others go on
            item.problems.append(failure(exc, item.sub.file))
            item.checked = None


class _Kept:
    """The kept judgements found for this run, the cache to keep new ones in, and how to judge a file afresh."""

    def __init__(self, found: dict[str, Entry], cache: ValidationCache | None,
                 judge_again: Callable[[Submitted], Pending]) -> None:
        self.found, self.cache, self.judge_again = found, cache, judge_again
        # Of the files reported through this object: each one's ``agendas`` as kept, and whether all are kept.
        self.agendas: dict[str, str | None] = {}
        self.whole = cache is not None

    def report(self, item: Pending, ctx: FileContext) -> FileReport:
        """The kept report when it still holds for ``ctx``, else a fresh one (kept for next time)."""
        agendas = agenda_digest(ctx.agenda_ids) if item.sub.table == "decisions" else None
        entry = self.found.get(item.sub.file)
        if entry is not None and entry.agendas == agendas:
            self.agendas[entry.report.file] = agendas
            return entry.report
        if entry is not None:  # decisions judged against other agendas: read and check the file again
            item = self.judge_again(item.sub)
        report = finish_file(item, ctx)
        if self.cache is not None and self.cache.put(report, agendas):
            self.agendas[report.file] = agendas
        else:
            self.whole = False
        return report


def _sha256(cache: ValidationCache | None, sub: Submitted, digests: DigestCache | None,
            roots: dict[Path, str] | None = None) -> str | None:
    """The SHA-256 of a submitted file as it is now, to find its kept judgement; None without a cache, or unreadable
    (``roots``: the absolute names of the roots met so far)."""
    if cache is None:
        return None
    roots = {} if roots is None else roots
    root = roots.get(sub.root)
    if root is None:
        root = roots[sub.root] = os.path.abspath(sub.root).rstrip("/")
    # The digest the skip check gave it, under the name it walked it by (no stat again: ``DigestCache.hashed``);
    # else a hit only (same device, inode, size, times).
    path = f"{root}/{sub.file}"  # (a posix path below its root: ``os.path.join`` gives the same)
    sha256 = None if digests is None else digests.hashed(path) or known_digest(digests, path)
    try:
        if sha256 is None:
            sha256 = read_limited(sub.root, sub.file, 0).sha256  # hashed only, whatever its size
    except OSError:
        return None  # judged afresh, which names the problem
    return sha256


def _finish_agency(items: list[Pending], reference: Reference, previous: PreviousAgendas | None,
                   public: frozenset[str], kept: _Kept) -> list[FileReport]:
    """Finish one agency's files, carrying accepted agenda ids forward from period to period."""
    reports: list[FileReport] = []
    accepted_ids: set[str] = set()
    # Each period's agendas reports: a decisions file's own month's, found without scanning the agency's
    # earlier reports (60 months of them, once per decisions file).
    agendas: dict[str | None, list[FileReport]] = {}
    for item in sorted(items, key=lambda p: (p.sub.period, _TABLE_ORDER[p.sub.table])):
        sub = item.sub
        known: frozenset[str] = frozenset()
        if sub.table == "decisions":
            earlier = previous(sub.agency, sub.period) if previous else set()
            known = frozenset(accepted_ids | _agenda_ids(agendas.get(sub.period, []), sub.period) | set(earlier))
        ctx = FileContext(period=sub.period, agency=sub.agency, reference=reference, agenda_ids=known,
                          public=public)
        report = kept.report(item, ctx)
        reports.append(report)
        if report.table == "agendas":
            agendas.setdefault(report.period, []).append(report)
        if sub.table == "agendas" and report.accepted:
            accepted_ids |= _agenda_ids([report], sub.period)
    return reports


def _agenda_ids(reports: list[FileReport], period: str) -> set[str]:
    """agenda_id values of the agendas file of ``period`` among ``reports`` (any status)."""
    return {i for r in reports if r.table == "agendas" and r.period == period and r.rows
            for i in agenda_ids(r.rows)}
