"""The accepted store: every received file version kept immutably, and what is published.

Layout under ``<output>/store/``::

    files/<period>/<agency>/<table>/r<NNN>-<sha256[:12]>.<ext>   received bytes, never overwritten
                                                                 (none for a file over max_file_mb)
    rows/<period>/<agency>/<table>/r<NNN>.json                   typed rows of accepted versions
    reports/<period>/<agency>/<table>/r<NNN>.json                latest report on that version
    index.json        versions, per-key pointers, reference hashes, change log (the commit point)
    changelog.json    copy of the change log

A key is (period, agency, table).  ``current`` is the revision last seen in datasets/;
``published`` is the last accepted current revision, so a rejected file never replaces
what was accepted, and a file that disappears from datasets/ stays published.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import multiprocessing
import operator
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pipeline.core import collector, jsonbytes
from pipeline.core.atomic import holds_bytes
from pipeline.core.errors import PublishError
from pipeline.core.models import TABLES, FileReport
from pipeline.core.rowcodec import canonical_json, compact_json, decode_rows, encode_rows, json_object
from pipeline.store.flush import flush
from pipeline.store.journal import Journal
from pipeline.store.receipts import ReceiptLog, apply_receipts
from pipeline.store.records import Changes, Key, Pointer, Version, report_record

FORMAT = 1
# Codes that take an already published version out of the published data when a later run
# finds them in it: personal data must never stay public (contract, "Personal data").
WITHDRAWING_CODES = frozenset({"personal-data-id", "personal-data-contact"})
# The tables whose rows' encoded bytes are digested as they are decoded (``rows_digest``): the indicators' memo
# keys a month's performance rows by it instead of hashing the decoded rows, and the meetings by where they were
# read (evaluation/memo.py).
DIGESTED = frozenset({"performance", "agendas"})


def _encoded_digest(data: bytes) -> str:
    """The SHA-256 of encoded rows without their trailing line break: the store's files end with one, the kept
    judgements' text (validate/cache.py) has none, and JSON reads the same either way (the same rows, one digest
    whichever gave them)."""
    return hashlib.sha256(data.rstrip(b"\n")).hexdigest()


def _text_digest(kept: object, text: str) -> str:
    """``_encoded_digest`` of a kept judgement's rows text: the one the validation cache kept with it
    (validate/cache.py), else the text hashed."""
    digest = getattr(kept, "digest", None)
    return digest if isinstance(digest, str) else _encoded_digest(text.encode("utf-8"))


class Store:
    """The store as loaded (plus pending writes after ``update``; ``commit`` writes them)."""

    def __init__(self, root: Path, index: dict[str, Any] | None = None) -> None:
        index = index or {}
        self.root = root
        self.versions: dict[Key, list[Version]] = {}
        for item in index.get("versions", []):
            v = Version(**item)
            self.versions.setdefault(v.key, []).append(v)
        self.pointers: dict[Key, Pointer] = {
            (k["period"], k["agency"], k["table"]): Pointer(k["current"], k["published"])
            for k in index.get("keys", [])
        }
        self.reference: dict[str, str] = dict(index.get("reference", {}))
        self.changelog: list[dict[str, Any]] = list(index.get("changelog", []))
        self.pending: dict[str, bytes] = {}
        self._rows_cache: dict[str, list[dict[str, Any]]] = {}
        self._rows_digests: dict[str, str] = {}  # rows path -> SHA-256 of the bytes decoded (``DIGESTED`` tables)
        # Rows of accepted versions whose report this run took from the validation cache as it is:
        # the rows the store holds for them (``_apply``), already read with the judgement.
        self._kept_rows: dict[str, Sequence[dict[str, Any]]] = {}
        self._published: list[Version] | None = None
        self.receipt_warnings: list[str] = []
        self._agenda_index: dict[str, tuple[list[str], list[str]]] | None = None
        self._agendas_versions: dict[str, list[tuple[str, str, str]]] | None = None  # by agency, made once
        self._reused: Collection[str] = frozenset()
        self._changelog_memo: tuple[int, bytes] | None = None

    @classmethod
    def load(cls, root: Path) -> Store:
        """Open the store at ``root`` (empty when it does not exist yet)."""
        path = root / "index.json"
        if not path.exists():
            return cls(root)
        # A city's index is tens of thousands of records, none of them garbage: see core/collector.py.
        with collector.set_aside():
            try:
                index = jsonbytes.loads(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise PublishError(
                    f"indeks arsip tidak terbaca / store index unreadable: {path} ({exc}); "
                    "pulihkan dari cadangan / restore it from a backup"
                ) from None
            if index.get("format") != FORMAT:
                raise PublishError(f"{path}: format arsip tidak dikenal / unknown store format")
            return cls(root, index)

    # ---- reading -------------------------------------------------------------

    def version(self, key: Key, revision: int | None) -> Version | None:
        """The version of ``key`` with ``revision`` (None when there is none)."""
        for v in self.versions.get(key, ()):  # (a loop: asked once a feedback page, faster than a generator)
            if v.revision == revision:
                return v
        return None

    def current(self) -> list[Version]:
        """The current version of every key, sorted by key."""
        return [v for k in sorted(self.pointers) if (v := self.version(k, self.pointers[k].current))]

    def published(self, table: str | None = None) -> list[Version]:
        """The published (last accepted) version of every key, sorted by key."""
        if self._published is None:  # asked once per agency by validate: compute once
            found = [self.version(k, p.published) for k, p in sorted(self.pointers.items())]
            self._published = [v for v in found if v is not None]
        return [v for v in self._published if table is None or v.table == table]

    def _read(self, rel: str) -> bytes:
        if rel in self.pending:
            return self.pending[rel]
        return (self.root / rel).read_bytes()

    def rows(self, v: Version) -> list[dict[str, Any]]:
        """The typed rows of an accepted version."""
        path = v.rows_path
        if path not in self._rows_cache:
            kept = self._kept_rows.pop(path, None)
            # A file about to be written is read from what will be written; a kept judgement's
            # rows are the file's (decoded once, with the report): 10,000 files not read again.
            if kept is not None and path not in self.pending:
                # Kept rows not decoded yet give their JSON text (validate/kept_rows.py: ``KeptRows.encoded``).
                encoded = getattr(kept, "encoded", None) if v.table in DIGESTED else None
                text: str | None = encoded() if encoded is not None else None
                if text is not None:  # the text decoded as the file's bytes are: equal bytes, equal rows
                    self._rows_digests[path] = _text_digest(kept, text)
                self._rows_cache[path] = list(kept)
            else:
                data = self._read(path)
                if v.table in DIGESTED:
                    self._rows_digests[path] = _encoded_digest(data)
                self._rows_cache[path] = decode_rows(jsonbytes.loads(data))
        return self._rows_cache[path]

    def encoded_digest(self, v: Version) -> str:
        """The SHA-256 of the encoded rows of an accepted version, as ``rows_digest`` takes it, without decoding
        them: from a kept judgement's text or the bytes (decoded rows are never hashed)."""
        path = v.rows_path
        known = self._rows_digests.get(path)
        if known is not None:
            return known
        kept = self._kept_rows.get(path)
        encoded = getattr(kept, "encoded", None) if kept is not None and path not in self.pending else None
        text: str | None = encoded() if encoded is not None else None
        digest = _text_digest(kept, text) if text is not None else _encoded_digest(self._read(path))
        if v.table in DIGESTED and (text is not None or path not in self._rows_cache):
            self._rows_digests[path] = digest  # the bytes ``rows`` decodes (or decoded) are these
        return digest

    def rows_digest(self, v: Version) -> str | None:
        """The SHA-256 of the encoded rows ``rows`` decoded for ``v`` (a ``DIGESTED`` table's), None when unknown."""
        return self._rows_digests.get(v.rows_path)

    def report(self, v: Version) -> dict[str, Any]:
        """The latest validation report of a version (contract shape plus cells)."""
        return json_object(self._read(v.report_path))

    def report_digest(self, v: Version) -> str:
        """The SHA-256 of a version's latest report as stored (or about to be)."""
        return hashlib.sha256(self._read(v.report_path)).hexdigest()

    def previous_agenda_ids(self, agency: str, period: str,
                            known: Callable[[str, str], frozenset[str] | None] | None = None) -> set[str]:
        """Agenda ids in the accepted agenda files of ``agency`` for periods before ``period``.

        ``known(file, sha256)``: the non-empty agenda ids of that accepted file's rows, when a kept
        judgement gave them (the rows this store holds for that version are the judgement's): a
        city's 3,600 agendas files are then not read and decoded for their ids.
        """
        if self._agenda_index is None:
            # Built once: asked for every decisions file, a scan of every published agendas
            # file per question grew with the square of the months.
            index: dict[str, list[tuple[str, str]]] = {}
            for v in self.published("agendas"):
                given = None if known is None else known(v.file, v.sha256)
                if given is None:
                    given = frozenset(r["agenda_id"] for r in self.rows(v) if r.get("agenda_id"))
                index.setdefault(v.agency, []).extend((v.period, str(i)) for i in given)
            self._agenda_index = {a: ([p for p, _ in sorted(pairs)], [i for _, i in sorted(pairs)])
                                  for a, pairs in index.items()}
        found_periods, ids = self._agenda_index.get(agency, ([], []))
        return set(ids[:bisect.bisect_left(found_periods, period)])

    def agendas_versions(self, agency: str) -> list[tuple[str, str, str]]:
        """The agency's accepted agendas versions (period, file, SHA-256): all ``previous_agenda_ids`` reads of the
        store for it (validate/agency_keys.py)."""
        if self._agendas_versions is None:
            found: dict[str, list[tuple[str, str, str]]] = {}
            for v in self.published("agendas"):
                found.setdefault(v.agency, []).append((v.period, v.file, v.sha256))
            self._agendas_versions = found
        return self._agendas_versions.get(agency, [])

    def first_period(self) -> str | None:
        """The earliest period the store knows."""
        return min((k[0] for k in self.pointers), default=None)

    # ---- updating ------------------------------------------------------------

    def update(
        self, reports: Iterable[FileReport], read_bytes: Callable[[str], bytes | None],
        receipts: ReceiptLog, reference: dict[str, str], now: str, day: date,
        reused: Collection[str] = frozenset(),
    ) -> tuple[Store, Changes]:
        """A new store with this run's reports applied (nothing written until ``commit``).

        ``reused``: files whose report is the one this store already holds for their version (a
        judgement kept by the validation cache, written by the run that made it): not written again.
        """
        # A copy of every version and pointer of a city, none of them garbage: see core/collector.py.
        with collector.set_aside():
            return self._updated(reports, read_bytes, receipts, reference, now, day, reused)

    def _updated(
        self, reports: Iterable[FileReport], read_bytes: Callable[[str], bytes | None],
        receipts: ReceiptLog, reference: dict[str, str], now: str, day: date, reused: Collection[str],
    ) -> tuple[Store, Changes]:
        """``update`` itself."""
        new = Store(self.root)
        # Versions and pointers are flat records of plain values: a copy of each is a deep copy.
        new.versions = {key: [_flat_copy(v) for v in vs] for key, vs in self.versions.items()}
        new.pointers = {key: _flat_copy(p) for key, p in self.pointers.items()}
        new._reused = reused
        new.changelog = list(self.changelog)
        new.reference = dict(reference)
        changes = Changes(reference=[n for n in reference if self.reference.get(n) != reference[n]])
        for report in sorted(reports, key=lambda r: r.file):
            if report.period and report.agency and report.table in TABLES and report.sha256:
                new._apply((report.period, report.agency, report.table), report, read_bytes, now, changes)
        # Receipt lines that cannot count are warnings for the data officer, never a stop.
        new.receipt_warnings = apply_receipts(receipts, new.versions.values())
        if changes.changed:
            new.changelog.append(changes.event(day, now))
        new._published = None
        new._agenda_index = None
        new._agendas_versions = None
        # The rows this store decoded (validation asked for the agendas) stay valid for every
        # file this update does not write: the next stage does not read and decode them again.
        new._rows_cache = {path: rows for path, rows in self._rows_cache.items() if path not in new.pending}
        new._rows_digests = {path: d for path, d in self._rows_digests.items() if path in new._rows_cache}
        return new, changes

    def _apply(self, key: Key, report: FileReport, read_bytes: Callable[[str], bytes | None], now: str,
               changes: Changes) -> None:
        """Record one file's judgement (``key``: its period, agency and table): a new version, or a new verdict."""
        versions = self.versions.setdefault(key, [])
        pointer = self.pointers.get(key)
        v = next((x for x in versions if x.sha256 == report.sha256), None)
        flipped = v is None or v.status != report.status
        if v is None:
            v = Version(*key, revision=len(versions) + 1, sha256=report.sha256 or "",
                        file=report.file, first_seen=now, received_at=now, status=report.status,
                        errors=0, warnings=0)
            data = read_bytes(report.file)  # None: over the size limit, recorded but not kept
            if data is not None and hashlib.sha256(data).hexdigest() != v.sha256:
                raise PublishError(f"{report.file}: berkas berubah saat diproses / file changed "
                                   "while being published; jalankan lagi / run again")
            versions.append(v)
            if data is not None:
                self.pending[v.blob] = data
            changes.new.append(v)
        v.status, v.errors, v.warnings = report.status, report.error_count, report.warning_count
        had = pointer.published if pointer else None
        if had == v.revision and _withdrawn(report):
            # The published version itself now carries personal data (rules tightened since it
            # was accepted): it leaves the published data; the agency must send a clean file.
            changes.withdrawn.append(v)
            had = None
        elif flipped and not report.accepted:
            changes.rejected.append(v)
        elif flipped and report.accepted:
            (changes.corrected if had not in (None, v.revision) else changes.added).append(v)
        self.pointers[key] = Pointer(v.revision, v.revision if report.accepted else had)
        if report.accepted and report.rows is not None and report.file in self._reused:
            self._kept_rows[v.rows_path] = report.rows  # the kept judgement's rows: those of this version
        if not flipped and report.file in self._reused:
            # This very report and its rows are in the store already: the version's verdict is the one its last
            # flip wrote them for, in a run whose commit (the index naming it, after its files) went through.
            return
        self.pending[v.report_path] = compact_json(report_record(report))
        if report.accepted:
            self.pending[v.rows_path] = compact_json(encode_rows(report.rows or []))

    # ---- writing -------------------------------------------------------------

    def index_bytes(self) -> bytes:
        """The index as deterministic JSON (the bytes of ``canonical_json``, made faster)."""
        versions = sorted((v for vs in self.versions.values() for v in vs),
                          key=lambda v: (v.key, v.revision))
        keys = [{"period": k[0], "agency": k[1], "table": k[2], "current": p.current,
                 "published": p.published} for k, p in sorted(self.pointers.items())]
        parts = {"changelog": self._changelog_text(), "format": str(FORMAT),
                 "keys": _records_text(keys, 1), "reference": _nested(canonical_json(self.reference), 1),
                 "versions": _records_text([dict(vars(v)) for v in versions], 1)}  # flat: no asdict
        body = ",\n".join(f"  {_SCALAR(name)}: {text}" for name, text in sorted(parts.items()))
        return f"{{\n{body}\n}}\n".encode()

    def changelog_bytes(self) -> bytes:
        """The change log as published (oldest event first): the bytes of ``canonical_json``, made faster."""
        return canonical_json(self.changelog) if not self.changelog else self._changelog_json()

    def _changelog_json(self) -> bytes:
        """The change log's JSON, made once per length (it only grows, in ``update``)."""
        if self._changelog_memo is None or self._changelog_memo[0] != len(self.changelog):
            self._changelog_memo = (len(self.changelog), (_json_text(self.changelog, 0) + "\n").encode("utf-8"))
        return self._changelog_memo[1]

    def _changelog_text(self) -> str:
        """The change log's JSON as a value inside the index."""
        return _nested(self.changelog_bytes(), 1)

    def start_writing(self) -> Writing:
        """The pending files' writes, planned (each recorded to undo) for ``Writing.write`` to make, in this process
        or a forked child, while the caller builds the outputs; they are named only by the index ``commit`` writes."""
        return Writing(self.root, self.pending)

    def commit(self, writing: Writing | None = None, staged: Collection[str] = (), index: bytes | None = None) -> None:
        """Write pending files (unless ``writing``, from ``start_writing``, wrote them), flush them with
        ``staged``, then write the log copy, then the index (the commit point): ``index``, when the caller made
        ``index_bytes`` of this store already (in another process), else made here.

        ``staged``: the caller's staged files (absolute paths under the store's parent folder), which
        must be on disk before the index names this run's state. If any write fails (a full disk),
        every file this commit wrote is put back as it was (created ones removed, overwritten ones
        restored), so the store stays byte for byte the one before the run.
        """
        if writing is None:
            writing = self.start_writing()
            try:
                writing.write()
            except BaseException:
                writing.undo()
                raise
        journal = writing.journal
        try:
            # Made before the flush: the files the caller started putting on disk (``flush.flush_ahead``) get there
            # meanwhile, and the flush waits that much less (a city's index is 9.5 MB of JSON, a tenth of a second).
            changelog, index = self.changelog_bytes(), self.index_bytes() if index is None else index
            # The index written next must never name a file that is not on disk: every file it names that
            # this run made is flushed, those it found already holding their bytes too (a run killed
            # before its commit may have left them, never flushed), with the caller's staged files.
            named = [f"{self.root}/{rel}" for rel in writing.pending]
            if named or staged:
                flush([*named, *staged], str(self.root.parent))
            journal.write(self.root / "changelog.json", changelog, sync=True)
            journal.write(self.root / "index.json", index, sync=True)
        except BaseException:
            journal.undo()
            raise
        self.pending = {}


_Flat = TypeVar("_Flat", Version, Pointer)
# The files a process takes at a time when two write the store's (``Writing.share``): a first publish's 32,000 are
# 500 takes, each a lock held for a few microseconds.
SHARE_CHUNK = 64


def _flat_copy(record: _Flat) -> _Flat:
    """A copy of a flat record (its fields plain values): ``copy.copy`` without its generic protocol, which took
    a tenth of a second over a city's 21,600 versions and pointers."""
    made: _Flat = object.__new__(type(record))
    made.__dict__.update(record.__dict__)
    return made


class Writing:
    """A store's pending files to write: planned here, each recorded in a journal before anything is written (so
    that this process can undo them even when another process wrote them and died), then written by ``write``."""

    def __init__(self, root: Path, pending: dict[str, bytes]) -> None:
        self.root = root
        self.pending = pending
        self.journal = Journal()
        self.writes: list[str] = []  # in name order
        self._next: Any = None  # once shared: the index of the next file no process took (``share``)
        for rel in sorted(pending):
            path = root / rel
            # Received bytes are immutable: never rewritten. A copy is not trusted by its name
            # alone: a run cut off by a power loss before its flush (and so before its index
            # named the copy) can leave it empty or short, and the next index would name it.
            if rel.startswith("files/") and not self.journal.absent(path) and holds_bytes(path, pending[rel]):
                continue
            if self.journal.plan(path, pending[rel]):
                self.writes.append(rel)

    def share(self) -> None:
        """Let the processes forked after this call write the planned files together (``write``): each takes the
        next ``SHARE_CHUNK`` files no process has taken, until none is left."""
        self._next = multiprocessing.get_context("fork").Value("q", 0)

    @property
    def shared(self) -> bool:
        """Whether ``share`` was called (the files are written by whichever processes call ``write``)."""
        return self._next is not None

    def write(self) -> None:
        """Write the planned files (those no other process took, once shared), unflushed (``Store.commit`` flushes
        them); an OSError names the file."""
        made: set[str] = set()
        for rel in self._taken():
            self.journal.make(self.root / rel, self.pending[rel], made)

    def _taken(self) -> Iterable[str]:
        """The planned files this process writes: all of them, or once shared the chunks it takes."""
        if self._next is None:
            yield from self.writes
            return
        while True:
            with self._next.get_lock():
                start = self._next.value
                self._next.value = start + SHARE_CHUNK
            if start >= len(self.writes):
                return
            yield from self.writes[start:start + SHARE_CHUNK]

    def undo(self) -> None:
        """Put back every planned file as it was (the run failed; written or not, by whichever process)."""
        self.journal.undo()


# The index is written with ``canonical_json``'s layout (two-space indent, sorted keys), but its
# tens of thousands of flat records are laid out here with the C encoder for each value: the
# Python encoder that ``indent`` needs took seconds at a city's size for the same bytes.
_SCALAR = json.JSONEncoder(ensure_ascii=False).encode
_SCALARS = (str, int, bool, type(None))


def _nested(data: bytes, level: int) -> str:
    """``canonical_json`` output as a value ``level`` deep (no string holds a raw line break)."""
    return data.decode("utf-8").rstrip("\n").replace("\n", "\n" + "  " * level)


def _records_text(records: list[dict[str, Any]], level: int) -> str:
    """A list of flat records, ``level`` deep, exactly as ``canonical_json`` lays it out."""
    if not records:
        return "[]"
    # Each record's keys in its own order: a city's 10,800 versions share one, sorted and laid out once.
    orders = list(map(tuple, records))
    kinds = set(orders)
    if not all(type(k) is str for keys in kinds for k in keys):
        return _nested(canonical_json(records), level)  # not flat: the general encoder
    names = {keys: tuple(sorted(keys)) for keys in kinds}
    # Every value of every record in one call of the C encoder (a call a value took most of the
    # time), cut where it put its separator: a NUL inside a text is written escaped (\u0000), so
    # the only raw NULs are the separators.
    getters = {keys: _getter(sorted_keys) for keys, sorted_keys in names.items()}
    values = list(itertools.chain.from_iterable([getters[keys](r) for keys, r in zip(orders, records, strict=True)]))
    if not _SCALAR_TYPES.issuperset(map(type, values)):
        return _nested(canonical_json(records), level)  # not flat: the general encoder
    outer, item, field = "  " * level, "  " * (level + 1), "  " * (level + 2)
    layouts: dict[tuple[str, ...], str] = {}  # each set of keys' lines, the values left as %s
    for keys, sorted_keys in names.items():
        lines = ",\n".join(f"{field}{_SCALAR(k).replace('%', '%%')}: %s" for k in sorted_keys)
        layouts[keys] = f"{item}{{\n{lines}\n{item}}}" if sorted_keys else f"{item}{{}}"
    text = _SEPARATED(values)[1:-1]
    cells = tuple(text.split("\0")) if text else ()
    # Every record's layout filled in one formatting of the whole list.
    return "[\n" + (",\n".join([layouts[keys] for keys in orders]) % cells) + f"\n{outer}]"


def _getter(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of a record's ``keys``, in that order, as a tuple."""
    if len(keys) > 1:
        return operator.itemgetter(*keys)
    return lambda record: tuple(record[k] for k in keys)


_SCALAR_TYPES = frozenset(_SCALARS)
_SEPARATED = json.JSONEncoder(ensure_ascii=False, separators=("\0", ":")).encode


def _json_text(value: Any, level: int) -> str:
    """``value`` laid out ``level`` deep exactly as ``canonical_json`` lays it out: objects and lists of
    flat records here (the change log: 3 MB, one record a file, for a city's first publish), anything
    else by the general encoder."""
    if type(value) in _SCALARS:
        return _SCALAR(value)
    if (type(value) is dict or type(value) is list) and not value:
        return "{}" if type(value) is dict else "[]"  # as the general encoder writes them, without its setup
    if type(value) is dict and all(type(k) is str for k in value):
        inner = "  " * (level + 1)
        items = ",\n".join(f"{inner}{_SCALAR(k)}: {_json_text(value[k], level + 1)}" for k in sorted(value))
        return f"{{\n{items}\n{'  ' * level}}}"
    if type(value) is list and value and all(type(item) is dict for item in value):
        if all(type(v) in _SCALARS for item in value for v in item.values()):
            return _records_text(value, level)
        inner = "  " * (level + 1)
        return "[\n" + ",\n".join(inner + _json_text(item, level + 1) for item in value) + f"\n{'  ' * level}]"
    return _nested(canonical_json(value), level)


def reports_json(reports: Iterable[FileReport]) -> bytes:
    """The reports as ``validation.json`` publishes them: the bytes of ``canonical_json`` of their records,
    laid out as the index is (a city's 10,800 reports through the general encoder took a third of a second)."""
    return (_json_text([report_record(r) for r in reports], 0) + "\n").encode("utf-8")


def _withdrawn(report: FileReport) -> bool:
    """True when a rejection means the data must not stay published (it holds personal data)."""
    return not report.accepted and any(p.code in WITHDRAWING_CODES for p in report.errors)


def previous_agenda_lookup(output: Path) -> Callable[[str, str], set[str]] | None:
    """``previous_agenda_ids`` of the store under ``output`` (read-only), or None without one."""
    root = output / "store"
    if not (root / "index.json").exists():
        return None
    return Store.load(root).previous_agenda_ids
