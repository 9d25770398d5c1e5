"""The published ``indicators`` table: every indicator for every scope and period the data covers."""

from __future__ import annotations

import binascii
import itertools
import struct
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from operator import itemgetter
from typing import Any, cast, overload

from pipeline.core import periods
from pipeline.core.compact import Row, Strings
from pipeline.core.config import Targets
from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import AGENCY, MALL, SECTOR, SERVICE, Coverage, Evidence, Selection
from pipeline.publish.evaluation.memo import AgencySlices, Memo, Place, Slices
from pipeline.publish.evaluation.registry import BY_ID, INDICATORS, Indicator
from pipeline.publish.row_reuse import DIGEST, Digested, value_digests

PERIOD_ORDER = {periods.MONTH: 0, periods.QUARTER: 1, periods.YEAR: 2}
SCOPE_ORDER = {MALL: 0, SECTOR: 1, AGENCY: 2, SERVICE: 3}
# The columns of a row, in order (``_row`` builds them; the memo keeps rows as lists in this order).
FIELDS = ("indicator", "group", "scope_type", "scope", "period_type", "period", "complete", "value", "unit",
          "direction", "numerator", "denominator", "agencies_covered", "agencies_expected", "target",
          "target_met", "gaps")
# Read-only rows (core/compact.py: a third of a dict's memory, 414,000 at a city), all sharing this index.
_INDEX = {name: at for at, name in enumerate(FIELDS)}
# The indicators computed for each scope type, in the order ``_selection_rows`` makes them.
_APPLIES = {scope: [i.id for i in INDICATORS if scope in i.scopes] for scope in SCOPE_ORDER}
_COMPUTED = {scope: [BY_ID[i] for i in ids] for scope, ids in _APPLIES.items()}
# The columns the memo keeps: the others are the selection's (scope, period, complete) or the
# indicator's (group, unit, direction), filled in again by ``_kept_rows``.
_COUNT = {scope: len(ids) for scope, ids in _APPLIES.items()}
LabelOf = tuple[str, tuple[str, ...], date]  # a period label, its closed months and the day stocks are taken
KEPT = ("indicator", "value", "numerator", "denominator", "agencies_covered", "agencies_expected", "target",
        "target_met", "gaps")
_KEPT_OF = itemgetter(*(FIELDS.index(name) for name in KEPT))  # a row's values -> the memo's columns
Values = tuple[Any, ...]  # a row's values in FIELDS' order


def indicator_records(tables: dict[str, list[Record]], as_of: date, deadline_day: int,
                      targets: Targets, changelog: list[dict[str, Any]] | None = None,
                      memo: Memo | None = None, encoded: Mapping[tuple[str, str], str] | None = None,
                      meetings: Mapping[tuple[str, str], str | None] | None = None,
                      agency_slices: AgencySlices | None = None) -> list[Record]:
    """One row per indicator, scope and period, from the first month with data to the last closed one.

    With ``memo``, a selection whose inputs are as in the last run takes its rows from it (memo.py), and
    the rows come with their row digests (``row_reuse.Digested``): the memo keeps them, so the data
    files find the rows published last without hashing every row's values again. ``encoded``: the digests of
    the encoded rows each month and agency's performance rows were decoded from; ``meetings``: where each agenda's
    row was read; ``agency_slices``: each agency's decision chain and meetings (``memo.Slices``).
    """
    last = periods.last_closed(as_of, deadline_day)
    months = sorted({r["period"] for r in tables["submissions"] if r["period"] <= last})
    if not months:
        return []
    closed = periods.span(months[0], last)
    evidence = Evidence(tables, as_of, targets, changelog)
    slices = Slices(evidence, encoded, meetings, memo.label_keys, agency_slices) if memo is not None else None
    strings = Strings()  # the gaps texts a city repeats across indicators and periods, stored once
    scopes = _scopes(tables["agencies"], tables["performance"])
    labels = _labels(closed)
    # Each row goes straight to its place in the published order (indicator, scope, period):
    # sorting the city's 414,000 rows by a key took seconds of every run.
    # Scopes of one type and code (a service that moved to another agency) share a place per
    # period, in their order, as a stable sort left them.
    scope_keys = [(SCOPE_ORDER[t], code) for t, code, _, _ in scopes]
    groups = {key: n for n, key in enumerate(sorted(set(scope_keys)))}
    seen: dict[tuple[int, str], int] = defaultdict(int)
    members = []  # each scope's place among those of its type and code
    for group in scope_keys:
        members.append(seen[group])
        seen[group] += 1
    share = max(members, default=0) + 1
    label_at = {label: n for n, label in enumerate(sorted((label for label, _ in labels),
                                                          key=lambda x: (PERIOD_ORDER[periods.kind(x)], x)))}
    width = len(labels)
    # Each place holds the number of its selection's first row (-1: none; its rows are numbered on in
    # ``_APPLIES`` order), in an array: a list of numbers made as many int objects, whose memory, freed between
    # the rows and memo lines made meanwhile, stayed the process's through the data files.
    firsts = array("q", [-1]) * (len(groups) * width * share)
    # Each scope's place in the first label's column: a label's place is ``share`` on for each column.
    slots = [groups[key] * width * share + member for key, member in zip(scope_keys, members, strict=True)]
    made: list[Row] = []  # without the memo, the rows by number
    table = None if memo is None or slices is None else _Indicators(memo, slices, evidence, targets, strings)
    for label, complete in labels:
        label_months = tuple(m for m in periods.months_of(label) if m in set(closed))
        end = min(periods.last_day(label_months[-1]), as_of)
        column = label_at[label] * share
        if table is not None and slices is not None:
            keys = slices.keys(scopes, label, label_months, end, complete, targets)
            for slot, first in zip(slots, table.add(keys, scopes, (label, label_months, end), complete), strict=True):
                firsts[slot + column] = first
            continue
        for slot, (scope_type, scope, agencies, services) in zip(slots, scopes, strict=True):
            sel = Selection(scope_type, scope, agencies, label, label_months, end, services)
            firsts[slot + column] = len(made)
            made += [Row(_INDEX, values) for values in _selection_rows(sel, complete, evidence, targets)]
    ordered = _ordered(firsts, {scope_type: [n for n, key in enumerate(sorted(groups)) if key[0] == order]
                                for scope_type, order in SCOPE_ORDER.items()}, width * share)
    del firsts
    if table is not None:
        table.place(ordered)
        return cast(list[Record], table)
    # Read-only mappings typed as the tables' records: every reader only reads them.
    return cast(list[Record], list(map(made.__getitem__, ordered)))


class _Indicators(Digested):
    """The indicators table made with the memo: the rows in the published order, each with its row digest.

    The rows of a selection read from the memo stay encoded until one of them is asked for: the
    table's files take most of them back from those published last by their digests alone, and
    decoding the city's 414,000 rows (and holding them) was most of the indicators' time after a
    new month. A selection whose line does not read back then is computed again: its key is the
    one its digests were kept under, so they name the rows computed.

    The computed rows' digests are made when the table writer asks for them (as it makes those of
    any table), and only then handed to the memo: made with the table, they and the lists holding
    them raised a first publish's peak memory, which is reached while the data files are written.
    """

    fields = FIELDS

    def __init__(self, memo: Memo, slices: Slices, evidence: Evidence, targets: Targets, strings: Strings) -> None:
        # The evidence and its slices are held only while a selection may have to be computed again.
        self.memo, self.slices, self.evidence, self.targets, self.strings = memo, slices, evidence, targets, strings
        # The rows' values by number (in the order made), None until decoded: a row (``Row``) is made when read,
        # for the writers use the values (a city's 414,000 rows held as ``Row`` cost 20 MB more).
        self.made: list[Values | None] = []
        self.starts = array("q")  # each selection's first number
        # The selections found in the memo, a label at a time: the number of the label's first selection, and each
        # one's place in the memo's file (None: computed), its scope, the label, whether complete. A selection whose
        # rows are still None is still encoded there.
        self.blocks: list[tuple[int, list[Place | None], Sequence[Scope], LabelOf, bool]] = []
        self.block_starts = array("q")  # each block's first selection
        self.found = 0  # selections found in the memo
        # The digests by stretches of rows (from ``segment_starts``' number on): as the memo keeps them (one bytes a
        # label whose selections were all found), or the key of a selection computed (its digests are made in
        # ``_digest``, all at once, when first asked for).
        self.segments: list[bytes | str] = []
        self.segment_starts = array("q")
        self.numbers = array("q")  # each row's number, in the published order
        self._digests: list[bytes] | None = None
        self._shape: tuple[Sequence[Scope], array[int], list[int], int] | None = None  # ``_layout``
        memo.later = self._digest  # the memo's file needs the computed rows' digests: made then if not before

    def _layout(self, scopes: Sequence[Scope]) -> tuple[array[int], list[int], int]:
        """Each scope's first row among a label's, the hex digits of its line's digests, and the label's rows
        (the same for every label: one list of scopes a run)."""
        if self._shape is None or self._shape[0] is not scopes:
            counts = [_COUNT[scope[0]] for scope in scopes]
            offsets = array("q", itertools.accumulate(counts, initial=0))
            self._shape = (scopes, offsets[:-1], [2 * DIGEST * count for count in counts], offsets[-1])
        return self._shape[1:]

    def add(self, keys: list[str], scopes: Sequence[Scope], label: LabelOf, complete: bool) -> list[int]:
        """The number of the first row of each scope's selection over ``label`` (its rows are numbered on in
        ``_APPLIES`` order) keyed as ``keys`` says (``Slices.keys``), from the memo or computed."""
        offsets, widths, total = self._layout(scopes)
        first = len(self.made)
        out = list(map(first.__add__, offsets))
        places: list[Place | None] = list(map(self.memo.old.get, keys))
        self.block_starts.append(len(self.starts))
        self.blocks.append((len(self.starts), places, scopes, label, complete))
        self.starts.extend(out)
        # The selections kept (after one new agency-month, all but a few hundred of a city's 47,589) are taken a
        # stretch at a time: looked up, checked and their digests taken in a few calls, not a call and a dict entry
        # a selection (the look-ups were a third of the indicators' time).
        if None not in places and [at[1] - at[0] for at in places] == widths:  # type: ignore[index]
            stretches = [(0, len(keys))]
        else:
            stretches = _stretches([at is not None and at[1] - at[0] == width
                                    for at, width in zip(places, widths, strict=True)])
        done = 0
        for start, end in [*stretches, (len(keys), len(keys))]:
            for at in range(done, start):
                self._compute_new(keys[at], scopes[at], label, complete, out[at])
                places[at] = None
            if start < end:
                self._take(keys, start, end, out, first + total)
            done = end
        return out

    def _take(self, keys: list[str], start: int, end: int, firsts: list[int], last: int) -> None:
        """The selections ``start`` to ``end`` of the label last added, whose lines are kept (``firsts``: each one's
        first row; ``last``: the number after the label's rows): their digests, one piece; a line whose digests are
        not hex is computed again (alone)."""
        data, memo = self.memo.data, self.memo
        _, places, scopes, label, complete = self.blocks[-1]
        first = firsts[start]
        try:
            digests = binascii.unhexlify(b"".join([data[at[0]:at[1]] for at in places[start:end]]))  # type: ignore[index]
        except ValueError:  # binascii.Error: a damaged line among them, found one at a time
            for at in range(start, end):
                found = memo.find(keys[at])
                if found is None:
                    self._compute_new(keys[at], scopes[at], label, complete, firsts[at])
                    places[at] = None
                    continue
                self.found += 1
                self.segment_starts.append(firsts[at])
                self.segments.append(found[0])
                self.made.extend([None] * (len(found[0]) // DIGEST))
            return
        memo.found(keys[start:end])
        self.found += end - start
        self.segment_starts.append(first)
        self.segments.append(digests)
        self.made.extend([None] * ((firsts[end] if end < len(firsts) else last) - first))

    def _compute_new(self, key: str, scope: Scope, label: LabelOf, complete: bool, first: int) -> None:
        """A selection not kept, computed, numbered from ``first``, and kept in the memo under ``key``."""
        fresh = _selection_rows(_selection(scope, label), complete, self.evidence, self.targets)
        self.memo.put(key, map(_KEPT_OF, fresh))  # encoded at once (memo.py), its digests given later
        self.segment_starts.append(first)
        self.segments.append(key)
        self.made += fresh

    def place(self, numbers: array[int]) -> None:
        """The rows' numbers in the published order."""
        self.numbers = numbers
        if not self.found:
            # Nothing left to decode (a first publish): the evidence is not held while the files are written.
            self.evidence = self.slices = None  # type: ignore[assignment]

    @property
    def digests(self) -> list[bytes]:
        """Each row's digest, in the published order (made when first asked for)."""
        if self._digests is None:
            self._digest()
            assert self._digests is not None
        return self._digests

    def _digest(self) -> None:
        """List the rows' digests in the published order: those of the rows computed made now (hashed as the
        table's writer hashes a table's rows, their values in FIELDS' order; the rows read back from the
        memo are equal to them, cell for cell of the same type) and handed to the memo, the others its own."""
        self.memo.later = None
        ends = [*self.segment_starts[1:], len(self.made)]
        computed = [(kept, start, end)
                    for kept, start, end in zip(self.segments, self.segment_starts, ends, strict=True)
                    if isinstance(kept, str)]
        # Every row computed (a first publish): they are the rows by number, no list of them made again.
        rows = self.made if not self.found else [row for _, start, end in computed for row in self.made[start:end]]
        # One buffer (an object a digest only for the writer's list below).
        made = b"".join(value_digests(FIELDS, cast(list[Values], rows)))
        del rows
        self.memo.digested([key for key, _, _ in computed], made,
                           array("q", itertools.accumulate(DIGEST * (end - start) for _, start, end in computed)))
        if not self.found:
            by_number = made
        else:
            pieces: list[bytes | memoryview] = []
            at = 0  # in ``made``: the computed rows in the order made
            for kept, start, end in zip(self.segments, self.segment_starts, ends, strict=True):
                if isinstance(kept, str):
                    pieces.append(memoryview(made)[at:at + DIGEST * (end - start)])
                    at += DIGEST * (end - start)
                else:
                    pieces.append(kept)
            by_number = b"".join(pieces)
            del pieces
        self.segments = []
        # Cut in C, then put in the published order (a comprehension over 414,000 numbers took three times as long).
        by_row = list(map(itemgetter(0), struct.iter_unpack(f"{DIGEST}s", by_number)))
        self._digests = list(map(by_row.__getitem__, self.numbers))

    def _compute(self, sel: Selection, complete: bool) -> list[Values]:
        """The rows of ``sel`` computed again (its memo line did not read back), kept in the memo anew."""
        fresh = _selection_rows(sel, complete, self.evidence, self.targets)
        self.memo.put(self.slices.key(sel, complete, self.targets), map(_KEPT_OF, fresh), value_digests(FIELDS, fresh))
        return fresh

    def _row(self, number: int) -> Row:
        """The row numbered ``number`` (read-only: see core/compact.py)."""
        return Row(_INDEX, self._values(number))

    def _values(self, number: int) -> Values:
        """The values of the row numbered ``number``, its selection's line decoded the first time one of its
        rows is read."""
        row = self.made[number]
        if row is None:
            selection = bisect_right(self.starts, number) - 1
            block, places, scopes, label, complete = self.blocks[bisect_right(self.block_starts, selection) - 1]
            at = places[selection - block]
            assert at is not None  # (a computed selection's rows are never None)
            sel = _selection(scopes[selection - block], label)
            kept = self.memo.rows(at)
            rows = None if kept is None else _kept_rows(kept, sel, complete, self.strings)
            if rows is None:  # the line does not read back
                rows = self._compute(sel, complete)
            first = self.starts[selection]
            self.made[first:first + len(rows)] = rows
            row = self.made[number]
            assert row is not None
        return row

    @overload
    def __getitem__(self, i: int) -> Row: ...

    @overload
    def __getitem__(self, i: slice) -> list[Row]: ...

    def __getitem__(self, i: int | slice) -> Row | list[Row]:
        if isinstance(i, slice):
            return [self._row(n) for n in self.numbers[i]]
        return self._row(self.numbers[i])

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self) -> Iterator[Row]:
        return map(self._row, self.numbers)

    def __eq__(self, other: object) -> bool:
        # Equal to a list of the same rows, as the list ``indicator_records`` makes without the memo is.
        return list(self) == (list(other) if isinstance(other, Sequence) else other)

    __hash__ = None  # type: ignore[assignment]

    def values(self) -> Sequence[Values]:
        """Each row's values in ``FIELDS``' order: made for the rows of a slice asked for while some are
        still encoded."""
        if not self.found:  # every row built (a first publish): their values at once, as for any table
            return list(map(cast(list[Values], self.made).__getitem__, self.numbers))  # none left None
        return _RowValues(self)


class _RowValues(Sequence[Values]):
    """The values of ``_Indicators``' rows: only slices are asked for (``row_reuse.Encoder``)."""

    def __init__(self, table: _Indicators) -> None:
        self.table = table

    @overload
    def __getitem__(self, i: int) -> Values: ...

    @overload
    def __getitem__(self, i: slice) -> list[Values]: ...

    def __getitem__(self, i: int | slice) -> Values | list[Values]:
        if isinstance(i, slice):
            return list(map(self.table._values, self.table.numbers[i]))
        return self[i:i + 1][0] if i >= 0 else self[len(self) + i]

    def __len__(self) -> int:
        return len(self.table)


def _kept_rows(kept: list[list[Any]], sel: Selection, complete: bool, strings: Strings) -> list[Values] | None:
    """The rows of ``sel`` (their values in FIELDS' order) from the memo's columns (``KEPT``); None when they
    are not the indicators of its scope type in order (the selection is computed again)."""
    if [row[0] for row in kept] != _APPLIES[sel.scope_type]:
        return None  # none kept, or not one row for each indicator of the scope type: computed again
    out = []
    kind, one = periods.kind(sel.period), strings.one
    for ind_id, value, num, den, covered, expected, target, met, gaps in kept:
        indicator = BY_ID[ind_id]
        # Made directly, as a tuple in FIELDS' order: checking each row's width cost a second at a city.
        out.append((indicator.id, indicator.group, sel.scope_type, sel.scope, kind, sel.period, complete,
                    value, indicator.unit, indicator.direction, num, den, covered, expected, target, met, one(gaps)))
    return out


def _selection_rows(sel: Selection, complete: bool, evidence: Evidence, targets: Targets) -> list[Values]:
    """The rows of every indicator computed for one selection, each its values in ``FIELDS``' order."""
    rows = []
    coverage: dict[str, Coverage] = {}  # by source table: several indicators share one
    kind = periods.kind(sel.period)
    for indicator in _COMPUTED[sel.scope_type]:
        if indicator.source not in coverage:
            coverage[indicator.source] = evidence.coverage(sel, indicator.source)
        rows.append(_row(indicator, sel, kind, complete, evidence, coverage[indicator.source], targets))
    return rows


def _stretches(kept: list[bool]) -> list[tuple[int, int]]:
    """The stretches (start, end) of selections kept, in order."""
    out = []
    start = None
    for at, flag in enumerate(kept):
        if flag and start is None:
            start = at
        elif not flag and start is not None:
            out.append((start, at))
            start = None
    if start is not None:
        out.append((start, len(kept)))
    return out


def _selection(scope: Scope, label: LabelOf) -> Selection:
    """A scope's selection over a label: made only for the rows computed or decoded."""
    return Selection(scope[0], scope[1], scope[2], label[0], label[1], label[2], scope[3])


def _ordered(firsts: array[int], groups: dict[str, list[int]], size: int) -> array[int]:
    """The rows' numbers in the published order (indicator, scope, period) from each place's first row number
    (``firsts``: a group's places are ``size`` from ``group * size`` on; ``groups``: each scope type's groups, in
    order, the types' groups one stretch in ``SCOPE_ORDER``'s order)."""
    # A scope type's selections, in place order, once; then each indicator's column of a type is their first
    # numbers plus the indicator's rank among the type's, added in C (a Python loop over a city's 414,000 rows,
    # to fill a place a row and read them all back, took a sixth of a second).
    present = {}
    for scope_type, numbers in groups.items():
        if numbers:
            present[scope_type] = [n for n in firsts[numbers[0] * size:(numbers[-1] + 1) * size] if n >= 0]
    out = array("q")
    for indicator in INDICATORS:
        for scope_type in sorted(present, key=SCOPE_ORDER.__getitem__):
            if indicator.id in _APPLIES[scope_type]:
                out.extend(map(_APPLIES[scope_type].index(indicator.id).__add__, present[scope_type]))
    return out


def _labels(closed: list[str]) -> list[tuple[str, bool]]:
    """Every month, and every quarter and year with a closed month, with whether all its months are closed."""
    months = set(closed)
    labels = dict.fromkeys(label for m in closed for label in periods.containing(m))
    return [(label, set(periods.months_of(label)) <= months) for label in labels]


Scope = tuple[str, str, frozenset[str], frozenset[str] | None]  # type, code, agencies, services (None: all)


def _scopes(agencies: list[Record], performance: list[Record]) -> list[Scope]:
    """The mall (every agency), each sector with agencies, each agency, and each service with performance rows."""
    by_sector: dict[str, set[str]] = defaultdict(set)
    for a in agencies:
        by_sector[a["sector"]].add(a["agency_code"])
    out: list[Scope] = [(MALL, MALL, frozenset(a["agency_code"] for a in agencies), None)]
    out += [(SECTOR, sector, frozenset(codes), None) for sector, codes in sorted(by_sector.items())]
    out += [(AGENCY, a["agency_code"], frozenset({a["agency_code"]}), None) for a in agencies]
    # A service is known from the published performance table (the indicators are recomputable from it).
    services = sorted({(r["service_code"], r["agency_code"]) for r in performance})
    out += [(SERVICE, code, frozenset({agency}), frozenset({code})) for code, agency in services]
    return out


def _row(indicator: Indicator, sel: Selection, kind: str, complete: bool, evidence: Evidence, cover: Coverage,
         targets: Targets) -> Values:
    """One row of the indicators table: its values in ``FIELDS``' order (``kind``: the period's)."""
    measure = indicator.compute(evidence, sel)
    target = met = None
    if indicator.target is not None and sel.scope_type in indicator.target.scopes:
        target = indicator.target.of(targets, sel.month_count)
        met = indicator.target.met(measure.value, target)
    # A tuple, not a dict made and then read again field by field into a row and the memo's columns.
    return (indicator.id, indicator.group, sel.scope_type, sel.scope, kind, sel.period, complete,
            measure.value, indicator.unit, indicator.direction, measure.numerator, measure.denominator,
            cover.covered, cover.expected, target, met, ";".join(cover.gaps) or None)
