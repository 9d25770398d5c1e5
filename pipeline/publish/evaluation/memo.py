"""Indicator rows kept from the last publish, by selection, reused while what a selection reads is unchanged.

The indicators of one selection (a scope over a month, quarter or year) are a pure function of
a few slices of the evidence: the meetings dated in its months (for the mall all of them; for
a sector or an agency those its agencies organised, were invited to or attended), the
decisions of its agencies as reported by its last month, the submissions, performance rows and
published files of its agencies in its months (for a service only their performance side), the
agencies table, the targets and the day stocks are taken. ``Slices`` digests each slice once
per run; a selection's key is the digest of the slices it reads, its identity and the
pipeline's code (``reuse.inputs_key``). After one new agency-month only the selections that
read that agency's files, the meetings it took part in or its decisions up to their last
month are computed again.

The rows are kept in ``<output>/store/indicators-memo.tsv`` (a cache: when it is missing or
unreadable every selection is computed), each selection's with the row digests the published
table's row index uses (``row_reuse.value_digests`` of each whole row): the data files take the
rows of an unchanged selection back from the files published last without hashing them again.

A save after a small change (a new agency-month computes a few hundred of a city's 47,589 selections) appends
the lines computed to the file instead of writing its 42 MB again; a line no longer used stays until such lines
are more than an eighth of the file, when it is written whole again, in key order, with only the lines used (the
validation cache's rule, validate/cache.py). A line left so still holds the rows of its key, a digest of all
they are computed from: nothing is read back that a full save would have kept out. Where a key has two lines
(its rows computed again), the last one holds.
"""

from __future__ import annotations

import binascii
import hashlib
import itertools
import json
import os
import tempfile
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, cast

from pipeline.core.atomic import append_to_read, mostly_used, write_blocks
from pipeline.core.config import Targets
from pipeline.core.models import Record
from pipeline.core.oserrors import naming
from pipeline.publish.evaluation.agency_slices import Chain, Meeting, decision_chain, joined_meetings, meeting_entries
from pipeline.publish.evaluation.evidence import MALL, SERVICE, Evidence, Selection
from pipeline.publish.evaluation.label_keys import FILE as KEYS_FILE
from pipeline.publish.evaluation.label_keys import LabelKeys
from pipeline.publish.evaluation.registry import INDICATORS
from pipeline.publish.ikm_memo import FILE as IKM_FILE
from pipeline.publish.ikm_memo import IkmMemo
from pipeline.publish.reuse import inputs_key
from pipeline.publish.table_parts import FILE as PARTS_FILE
from pipeline.publish.table_parts import TableParts

# Under <output>/store: a JSON header line, then "<key>\t<row digests in hex>\t<rows as JSON>" lines.
FILE = "indicators-memo.tsv"
SPILL_BLOCK = 1 << 20  # bytes of the rows computed written out at a time (``Memo.spill``)
LEGACY = "indicators-memo.json"  # one JSON document: decoded whole, it cost hundreds of MB
FORMAT = 4  # 3: the varying columns only; 4: with each row's digest
DIGEST = 16  # bytes of a row digest (``row_reuse.DIGEST``)
Key = tuple[str, str]  # (month, agency)
ScopeOf = tuple[str, str, frozenset[str], frozenset[str] | None]  # type, code, agencies, services (None: all)
# Each agency's decision chain, and each agency's meetings in the agendas table's order (agency_slices.py).
AgencySlices = tuple[Mapping[str, Chain], Sequence[Sequence[Meeting]]]
Place = tuple[int, int, int]  # where a line's digests start and end, and where its rows end, in the file read
# The slice beyond the per-cell ones that the indicators of each source table read: the
# collaboration indicators read the meetings, the accountability ones the decisions and their
# history; the discipline and service ones read only cells (submissions, performance rows,
# published files), which every key holds, as it holds the agencies table (coverage reads both).
SOURCE_SLICES = {"agendas": "meetings", "decisions": "decisions", "submissions": None, "performance": None}


def _slices_read(scope_type: str) -> frozenset[str]:
    """The shared slices read by the indicators computed for a scope type (a service reads neither)."""
    return frozenset(s for i in INDICATORS if scope_type in i.scopes if (s := SOURCE_SLICES[i.source]) is not None)


SLICES_READ = {scope: _slices_read(scope) for scope in {s for i in INDICATORS for s in i.scopes}}


def _digest(value: object) -> str:
    """The SHA-256 of a value's repr (rows are dicts in a fixed key order; Decimal's repr keeps its digits)."""
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()


class Slices:
    """The digest of every slice of the evidence a selection can read.

    ``encoded``: by (month, agency), the SHA-256 of the encoded rows its performance rows were decoded from
    (``Store.rows_digest``; the performance table's rows of that cell are those rows, with the period and agency
    of the cell and the IKM the code computes): taken for that cell's rows instead of hashing them decoded.
    ``sources``: by (agency, agenda id), where the agenda's row was read (``tables.agenda_sources``: the digest of
    its version's encoded rows, its place, the agency and the period: the row is that row with them), taken
    for the meeting instead of hashing its row. ``kept``: the keys of whole labels kept from the last run
    (label_keys.py). ``agencies``: each agency's decision chain and meetings (agency_slices.py), in the tables'
    order, made from its rows as the evidence holds them; without them, made here from the evidence.
    """

    def __init__(self, ev: Evidence, encoded: Mapping[Key, str] | None = None,
                 sources: Mapping[Key, str | None] | None = None, kept: LabelKeys | None = None,
                 agencies: AgencySlices | None = None) -> None:
        self.kept = kept
        if agencies is None:
            self.meetings, self.involving = _meetings(ev, sources or {})
            self.decisions = _decision_chains(ev)
        else:  # each agency's part of them, kept with its rows (agency_slices.py)
            chains, meetings = agencies
            self.meetings, self.involving = joined_meetings(meetings)
            self.decisions = dict(chains)
        first: dict[Key, list[str]] = defaultdict(list)
        for period, agency, table in sorted(ev.rejected_first):
            first[(period, agency)].append(table)
        published = sorted(ev.published)
        cells = set(ev.submissions) | set(ev.performance) | set(first)
        cells.update(k for table in published for k in ev.published[table])
        encoded = encoded or {}
        # Tagged: a digest of encoded rows is never equal to one of decoded rows.
        performance = {k: f"e{known}" if (known := encoded.get(k)) else _digest(rows)
                       for k, rows in ev.performance.items()}
        self.cells = {k: _digest((ev.submissions.get(k, []), performance.get(k),
                                  [k in ev.published[t] for t in published], first.get(k, [])))
                      for k in cells}
        # A service reads only the performance side of a cell (service.py, and the coverage of
        # its performance files): a late decisions file leaves its rows alone.
        self.service_cells = {k: _digest(([r for r in ev.submissions.get(k, ()) if r["table"] == "performance"],
                                          performance.get(k), k in ev.published["performance"]))
                              for k in cells}
        self.agencies = _digest(sorted(ev.agencies.items()))
        self._head: tuple[Targets, Any] | None = None  # the targets, and the hash of the run's part of every key
        # The scopes ``keys`` was last given, and each one's part of its keys (``_scope_part``).
        self._scopes: tuple[Sequence[ScopeOf], list[tuple[str, list[str], frozenset[str]]]] | None = None
        # The run's scopes in two groups (``_groups``), each with its parts as one text, the slices its scopes read
        # and all their agencies, for the labels' digests (``_label_digest``).
        self._whole: tuple[object, list[tuple[bool, list[int], str, frozenset[str], list[str]]]] | None = None

    def decisions_by(self, agency: str, month: str) -> str | None:
        """The digest of what an agency's decisions show a selection ending in ``month`` (``_decision_chains``)."""
        chain = self.decisions.get(agency)
        if chain is None:
            return None
        at = bisect_right(chain[0], month)
        return chain[1][at - 1] if at else None

    def key(self, sel: Selection, complete: bool, targets: Targets) -> str:
        """The digest of everything the indicators of ``sel`` read (``keys`` for one selection)."""
        scope = (sel.scope_type, sel.scope, sel.agencies, sel.services)
        return self.keys([scope], sel.period, sel.months, sel.end, complete, targets, whole=False)[0]

    def keys(self, scopes: Sequence[ScopeOf], period: str, months: tuple[str, ...], end: date, complete: bool,
             targets: Targets, whole: bool = True) -> list[str]:
        """The key of each scope's selection over one period label (its months, the day stocks are taken).

        A key is the digest of everything the selection's indicators read. A slice no indicator of the scope
        type reads is left out: a service's rows are not computed again when a meeting of its month, a
        decision of its agency or its files of other tables change. The mall reads every meeting of its
        months; a sector or an agency only those its agencies organised, were invited to or attended.
        Decisions are read as they stood by the selection's last month. ``whole``: ``scopes`` are all the
        run's, and the label's keys may be those kept under its digest (``_label_digest``).
        """
        # The parts shared by many selections (the run's, each scope's, each label's) are encoded once, and the
        # keys of a label made in one loop: 47,589 keys of a city, each its whole JSON, cost half a second a
        # run, and a call and a Selection a key a third of what was left.
        if self._head is None or self._head[0] is not targets:  # one Targets a run: its repr taken once
            run = inputs_key("indicators", repr(targets), self.agencies)
            self._head = (targets, hashlib.sha256(run.encode("ascii")))
        head = self._head[1]
        if self._scopes is None or self._scopes[0] is not scopes:  # one list of scopes a run: parts made once
            self._scopes = (scopes, [self._scope_part(scope) for scope in scopes])
        label = json.dumps([period, months, end.isoformat(), complete])
        if not whole or self.kept is None:
            return self._made(head, label, months, scopes, range(len(scopes)))
        # The services (which read only the performance side of their cells) and the other scopes kept apart:
        # a late decisions file or a meeting leaves every service's keys of its labels as they were.
        out = [""] * len(scopes)
        for service, indexes in self._groups():
            digest = self._label_digest(head, label, months, service, indexes)
            found = self.kept.find(digest, len(indexes))
            if found is None:
                found = self._made(head, label, months, scopes, indexes)
                self.kept.put(digest, found)
            for at, key in zip(indexes, found, strict=True):
                out[at] = key
        return out

    def _made(self, head: Any, label: str, months: tuple[str, ...], scopes: Sequence[ScopeOf],
              indexes: Iterable[int]) -> list[str]:
        """The keys of the scopes at ``indexes`` over a label, made (``keys``)."""
        assert self._scopes is not None
        parts_of = self._scopes[1]
        cells, service_cells, involving = self.cells, self.service_cells, self.involving
        joined_cells: dict[frozenset[str], str] = {}  # by a service's agencies
        last = months[-1]
        out = []
        for at in indexes:
            scope_type, _, scope_agencies, _ = scopes[at]
            text, agencies, reads = parts_of[at]
            parts = [text, label]
            if "meetings" in reads:
                parts.append(_joined([self.meetings.get(m) for m in months]) if scope_type == MALL else
                             _joined([involving.get((m, a)) for m in months for a in agencies]))
            if "decisions" in reads:
                parts.append(_joined([self.decisions_by(a, last) for a in agencies]))
            if scope_type == SERVICE:
                # The services of one agency read the same cells over the same months: joined once (a city's
                # 41,760 service selections are 460 services of 60 agencies).
                joined = joined_cells.get(scope_agencies)
                if joined is None:
                    joined = joined_cells[scope_agencies] = _joined(
                        [service_cells.get((m, a)) for m in months for a in agencies])
                parts.append(joined)
            else:
                parts.append(_joined([cells.get((m, a)) for m in months for a in agencies]))
            h = head.copy()
            h.update("\0".join(parts).encode("utf-8"))
            out.append(h.hexdigest())
        return out

    def _groups(self) -> list[tuple[bool, list[int]]]:
        """The run's scopes in two groups, the services and the others (whether services, their places)."""
        assert self._scopes is not None
        if self._whole is None or self._whole[0] is not self._scopes:  # once for the run's scopes
            scopes, parts = self._scopes
            groups = []
            for service in (False, True):
                indexes = [at for at, scope in enumerate(scopes) if (scope[0] == SERVICE) == service]
                if not indexes:
                    continue
                text = json.dumps([service] + [[parts[at][0], sorted(parts[at][2])] for at in indexes],
                                  ensure_ascii=False)
                reads = frozenset().union(*(parts[at][2] for at in indexes))
                agencies = sorted({a for at in indexes for a in parts[at][1]})
                groups.append((service, indexes, text, reads, agencies))
            self._whole = (self._scopes, groups)
        return [(service, indexes) for service, indexes, _, _, _ in self._whole[1]]

    def _label_digest(self, head: Any, label: str, months: tuple[str, ...], service: bool,
                      indexes: list[int]) -> str:
        """The digest of every slice any selection of a group of scopes (``_groups``) over the label can read,
        with each one's part of its key: equal to the last run's, each selection's key is the one it had then."""
        assert self._whole is not None
        _, _, text, reads, agencies = next(g for g in self._whole[1] if g[0] == service)
        cells = [(m, a) for m in months for a in agencies]
        parts = ["label", label, text]
        if "meetings" in reads:
            parts += [_joined([self.meetings.get(m) for m in months]),
                      _joined([self.involving.get(cell) for cell in cells])]
        if "decisions" in reads:
            parts.append(_joined([self.decisions_by(a, months[-1]) for a in agencies]))
        parts.append(_joined([(self.service_cells if service else self.cells).get(cell) for cell in cells]))
        h = head.copy()
        h.update("\0".join(parts).encode("utf-8"))
        return str(h.hexdigest())

    def _scope_part(self, scope: ScopeOf) -> tuple[str, list[str], frozenset[str]]:
        """A scope's part of its keys (its identity as JSON), its agencies in order and the slices it reads."""
        scope_type, code, agencies, services = scope
        ordered = sorted(agencies)
        text = json.dumps([scope_type, code, ordered, None if services is None else sorted(services)],
                          ensure_ascii=False)
        return text, ordered, SLICES_READ.get(scope_type, frozenset())


def _joined(digests: list[str | None]) -> str:
    """Digests (fixed width, or None for a slice with no rows) as one text; the count is the scope's and label's."""
    return ",".join(d or "-" for d in digests)


def _meetings(ev: Evidence, sources: Mapping[Key, str | None]) -> tuple[dict[str, str], dict[Key, str]]:
    """The digest of the meetings dated in each month, and by (month, agency) of those the agency
    organised, was invited to or attended: all a scope other than the mall reads of them
    (collaboration.py looks at a meeting through its agencies in scope only). A meeting read from known
    encoded rows (``sources``) is named by where (tagged: never equal to a digest of a row), the others by
    their row's digest (a city's 12,000 meetings' rows took a tenth of a second to hash)."""
    return joined_meetings([meeting_entries([row for rows in ev.agendas_by_month.values() for row in rows], sources)])


def _decision_chains(ev: Evidence) -> dict[str, Chain]:
    """agency -> (months, digests): the digest of what its decisions show a selection ending in a
    month, for each month from which that changes (agency_slices.py ``decision_chain``)."""
    history: dict[str, list[Record]] = defaultdict(list)
    for key, reports in ev.history.items():
        history[key[0]].extend(reports)
    chains = {}
    for agency in {*history, *ev.decisions}:
        chain = decision_chain(agency, history.get(agency, ()), (row for _, row in ev.decisions.get(agency, ())))
        if chain is not None:
            chains[agency] = chain
    return chains


def _encode(value: Any) -> Any:
    """A cell JSON cannot hold as it is: an exact decimal, tagged, so ``1.50`` comes back a Decimal with its digits."""
    if isinstance(value, Decimal):
        return {"d": str(value)}
    raise TypeError(f"not kept in the memo: {type(value).__name__}")


def _decode(tagged: dict[str, Any]) -> Decimal:
    """A tagged exact decimal back (``_encode``); any other object is a damaged line (KeyError)."""
    return Decimal(tagged["d"])


_DECODER = json.JSONDecoder(object_hook=_decode)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_encode)


class Memo:
    """The rows of every selection computed by the last run, by key; this run's, to keep for the next.

    Each selection's rows stay encoded (one line of the file, bytes) until a run asks for them:
    decoded all at once, the city's 414,000 rows took several hundred MB next to the table
    built from them, and the memo was the largest part of a publish's peak. Only the columns
    that vary within a selection are kept (``table.KEPT``): the others come from the selection and
    the indicator, as shared strings, so that reading a city's rows back costs no call per cell.
    """

    def __init__(self, path: Path | None, fields: Iterable[str]) -> None:
        self.path = path
        self.fields = list(fields)  # the kept columns of every row, in order
        # The file's bytes, read once, and where each key's digests (in hex) and rows (JSON) lie in them:
        # a line is cut out only when its rows are decoded or written again (not copied line by line).
        self.data, self.old = _read(path, self.fields) if path is not None else (b"", {})
        # key -> to keep: ``AS_READ`` for a line found (written again as the file's own bytes), or for one
        # computed (the rows' digests: their bytes, or None until ``digested`` gives them; the rows: their
        # number in ``spill``; the hex of the digests made as the file is written)
        self.new: dict[str, Entry] = {}
        # The rows computed (as JSON) and their digests, written out to an unnamed file as they are given, and
        # where each piece ends in it: a first publish computes every selection, whose rows (tens of MB for a
        # city) were held here through the data files, where the publish's memory peaks, until saved.
        # Written a block at a time; a file that cannot be made or written (a full disk) leaves the rest
        # here, in ``tail``, as if never spilled: the memo is a cache, and the run fails, or not, where it
        # would have failed without it (naming the file it could not write).
        self.spill: BinaryIO | None = None
        self.spilled = array("q", [0])
        self.tail = bytearray()  # the pieces from ``written`` on, not written out (yet)
        self.written = 0
        self.spilling = True
        # The digests of selections put without them, each batch one piece of ``spill`` (not an object a
        # selection): their keys, the piece, and where each key's digests end in it.
        self.batches: list[tuple[list[str], int, Sequence[int]]] = []
        self.later: Callable[[], None] | None = None  # what gives the missing digests, called before saving
        # The performance rows' IKM by month and agency, kept beside (``tables.performance``).
        self.ikm = IkmMemo(None if path is None else path.parent / IKM_FILE)
        # Each agency's rows of the tables made from the store, kept beside (table_parts.py).
        self.parts = TableParts(None if path is None else path.parent / PARTS_FILE)
        # The keys of whole labels' selections, kept beside (label_keys.py).
        self.label_keys = LabelKeys(None if path is None else path.parent / KEYS_FILE)

    def find(self, key: str) -> tuple[bytes, Place] | None:
        """The digests (concatenated, ``DIGEST`` bytes a row) and the place of the rows (``rows`` decodes them)
        kept under ``key``, kept again for the next run; None when there are none."""
        at = self.old.get(key)
        if at is None:
            return None
        try:
            # From a copy of the few hex digits: two views of the file a line (a city's 47,000 hits) cost
            # more than the rest of the look-up, and the rows are cut out only when decoded.
            digests = binascii.unhexlify(self.data[at[0]:at[1]])
        except ValueError:  # binascii.Error: a damaged line, computed again
            return None
        self.new[key] = AS_READ
        return digests, at

    def found(self, keys: Iterable[str]) -> None:
        """Keep the lines of ``keys``, found and checked by the caller (``find`` for many at once), for the next run."""
        self.new.update(dict.fromkeys(keys, AS_READ))

    def rows(self, at: Place) -> list[list[Any]] | None:
        """The rows of the line at ``at`` (``find``), each the list of its ``fields``; None when they do not read
        back (the caller computes them again, and ``put`` replaces them). The caller makes its records of them."""
        text = memoryview(self.data)[at[1] + 1:at[2]]
        try:
            # The hook sees only the tagged decimals: the other cells are as the C decoder made them.
            # One decoder for every line (json.loads made one a call), the rows' shapes checked in C loops.
            rows = _DECODER.decode(str(text, "utf-8"))
            if type(rows) is not list or set(map(type, rows)) - {list} or set(map(len, rows)) - {len(self.fields)}:
                return None
        except (ValueError, TypeError, KeyError, ArithmeticError):
            return None  # a damaged line is computed again, never trusted
        return rows

    def put(self, key: str, rows: Iterable[Sequence[Any]], digests: Sequence[bytes] | None = None) -> None:
        """Keep the rows computed under ``key``, each its ``fields`` values in order (encoded at once: see
        above), with the digest of each whole row as read back from the memo (or later, ``digested``)."""
        text = self._spill(_ENCODER.encode(list(rows)).encode("utf-8"))
        self.new[key] = (None if digests is None else b"".join(digests), text)

    def digested(self, keys: list[str], digests: bytes, ends: Sequence[int]) -> None:
        """The digests of the rows put under ``keys`` without them: ``digests`` concatenated, those of the
        n-th key ending at ``ends[n]``."""
        if keys:
            self.batches.append((keys, self._spill(digests), ends))

    def _spill(self, data: bytes) -> int:
        """Add ``data`` to the pieces written out to ``spill``; its number (``_unspill`` reads it back)."""
        self.tail += data
        self.spilled.append(self.spilled[-1] + len(data))
        if self.spilling and len(self.tail) >= SPILL_BLOCK:
            self._write_out()
        return len(self.spilled) - 2

    def _write_out(self) -> None:
        """Write ``tail`` out to ``spill`` (made the first time); on failure keep it, and what follows, here."""
        try:
            if self.spill is None:
                folder = self.path.parent if self.path is not None and self.path.parent.is_dir() else None
                # Unnamed: gone when closed (by ``save``) or with the process, however it ends.
                self.spill = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
            with memoryview(self.tail) as view:
                done = 0
                while done < len(view):  # at its own offsets: a short or failed write leaves nothing to undo
                    done += os.pwrite(self.spill.fileno(), view[done:], self.written + done)
        except OSError:
            self.spilling = False
            return
        self.written += len(self.tail)
        self.tail = bytearray()

    def _unspill(self, piece: int) -> bytes:
        """A piece given to ``_spill``: read back from ``spill``, or from ``tail``."""
        start, end = self.spilled[piece], self.spilled[piece + 1]
        if start >= self.written:
            return bytes(self.tail[start - self.written:end - self.written])
        assert self.spill is not None
        return os.pread(self.spill.fileno(), end - start, start)

    def save(self) -> None:
        """Write this run's rows (only those used: the file never grows with old selections), once."""
        if self.path is None:
            return
        self.ikm.save()
        self.parts.save()
        self.label_keys.save()
        if self.later is not None:
            self.later()
        given = {key: (digests, start, end) for keys, piece, ends in self.batches
                 for digests in (self._unspill(piece),)
                 for key, start, end in zip(keys, itertools.chain((0,), ends), ends, strict=False)}

        def hexed(key: str, digests: bytes | None) -> bytes:
            """A line's digests as the file holds them (none when never given: the line is computed again)."""
            if digests is None:
                buffer, start, end = given.get(key, (b"", 0, 0))
                return buffer[start:end].hex().encode("ascii")
            return digests.hex().encode("ascii")

        def line(key: str, digests: bytes | None, rows: int) -> Iterator[bytes]:
            """A line computed this run (its rows read back from ``spill``), piece by piece."""
            yield from (key.encode("ascii"), b"\t", hexed(key, digests), b"\t", self._unspill(rows), b"\n")

        if self._appended(line):
            self._close()
            return
        header = json.dumps({"format": FORMAT, "fields": self.fields}, separators=(",", ":")).encode("utf-8")
        # Piece by piece: the kept rows of a large city are 59 MB, joined twice they tripled. A line read
        # back as it was is the file's own bytes, and the file is in key order too: each stretch of such
        # lines is written as one view of the file read (a city's 47,000 lines as 285,000 pieces cost a
        # tenth of a second a run).
        pieces = _stretches(self.data, self.old, sorted(self.new.items()), line)
        # (A memoryview is written as its bytes are.)
        write_blocks(self.path, cast(Iterable[bytes], itertools.chain((header + b"\n",), pieces)))
        self._close()

    def _close(self) -> None:
        """After a save: the previous format's file removed, the spill file let go (saved once, at the run's end)."""
        assert self.path is not None
        (self.path.parent / LEGACY).unlink(missing_ok=True)  # no longer read
        if self.spill is not None:
            self.spill.close()

    def _appended(self, line: Callable[[str, bytes | None, int], Iterable[bytes]]) -> bool:
        """Append the lines computed this run (``line`` makes them) to the file as read, when it holds few lines
        no longer used; False when it must be written whole (not read whole, changed since, or too many unused).

        Not flushed: a line cut short or left as zeros by a power loss has no second tab, or digests that are not
        hex, or rows that do not decode: a miss, computed again (``find``, ``rows``).
        """
        assert self.path is not None
        if not self.old or not self.data.endswith(b"\n"):
            return False  # none read, or its last line cut short: written whole
        computed = sorted(key for key, entry in self.new.items() if entry is not AS_READ)
        lines = self.data.count(b"\n") - 1  # (not the header) damaged ones too
        unused = lines + len(computed) - len(self.new)  # lines a full save would not write
        if not mostly_used(unused, lines + len(computed)):
            return False
        if not computed:
            return True  # the file holds every line used

        def chunks() -> Iterator[bytes]:
            """The computed lines in blocks of about ``SPILL_BLOCK`` bytes (made once the file is known)."""
            block: list[bytes] = []
            size = 0
            for key in computed:
                for piece in line(key, *self.new[key]):
                    block.append(piece)
                    size += len(piece)
                if size >= SPILL_BLOCK:
                    yield b"".join(block)
                    block, size = [], 0
            yield b"".join(block)

        with naming(self.path):
            return append_to_read(self.path, len(self.data), chunks())


Entry = tuple[bytes | None, int]  # ``Memo.new``'s values
AS_READ: Entry = (None, -1)  # a line found (``Memo.find``), kept as the file read holds it


def _stretches(data: bytes, old: dict[str, Place], entries: Iterable[tuple[str, Entry]],
               line: Callable[[str, bytes | None, int], Iterable[memoryview | bytes]],
               ) -> Iterator[memoryview | bytes]:
    """The lines of ``entries`` (in key order) as the memo file holds them: ``line`` makes those computed
    this run; a line found in ``data`` (``Memo.find``: ``AS_READ``) is its bytes there,
    and lines found one after the other in ``data`` are one view of them all."""
    view = memoryview(data)
    start = end = -1  # the stretch of ``data`` not yet given (its lines, without the last line break)
    for key, entry in entries:
        at = old.get(key) if entry is AS_READ else None
        if at is not None:
            first = at[0] - 65  # the key (64 hex digits) and its tab come before the digests
            if first == end + 1 and start >= 0:
                end = at[2]  # the next line of the file: the stretch goes on
                continue
            if start >= 0:
                yield view[start:end]
                yield b"\n"
            start, end = first, at[2]
            continue
        if start >= 0:
            yield view[start:end]
            yield b"\n"
            start = end = -1
        yield from line(key, *entry)
    if start >= 0:
        yield view[start:end]
        yield b"\n"


def _read(path: Path, fields: list[str]) -> tuple[bytes, dict[str, Place]]:
    """The file's bytes and, by key, where the line's digests start, where they end (a tab follows) and
    where its rows end; none when the file is missing, unreadable or for other columns."""
    try:
        data = path.read_bytes()
    except OSError:
        return b"", {}
    end = data.find(b"\n")
    try:
        head = json.loads(data[:end])
    except ValueError:
        return b"", {}
    if end < 0 or not isinstance(head, dict) or head.get("format") != FORMAT or head.get("fields") != fields:
        return b"", {}
    kept = {}
    size, at = len(data), end + 1
    while at < size:
        end = data.find(b"\n", at)
        end = size if end < 0 else end
        tab = data.find(b"\t", at, end)
        rows = data.find(b"\t", tab + 1, end) if tab == at + 64 else -1
        if rows > 0:  # else a damaged line: its selection is computed again
            kept[data[at:tab].decode("ascii", "replace")] = (tab + 1, rows, end)
        at = end + 1
    return data, kept
