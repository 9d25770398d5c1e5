"""Many rows of a table as CSV lines or JSON lines at once, column by column.

A large table's files were made one value at a time (a Python call, a type test and a dict
lookup for each of the indicators' 7 million values, three times over). A batch of rows is
turned into its columns instead; each column is made ready for its writer in one pass, in C
where its values are of one plain kind (text and integers as they are for the CSV writer,
text through the JSON string encoder), and the rows are put back together by ``csv.writer``
or one ``%`` of a line template each. The bytes are those of ``table_files.csv_bytes`` and
``json_bytes``, the reference writers (tests/test_row_batches.py compares them).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from math import isfinite
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, overload

from pipeline.core.compact import values_in_order

Values = tuple[Any, ...]  # one record's values in field order
_NONE = type(None)


def row_values(names: Sequence[str], records: Sequence[Mapping[str, Any]]) -> list[Values]:
    """Each record's values in the order of ``names`` (a missing field: None, as ``record.get`` reads it)."""
    # Compact rows of these fields hold the values tuple already (the indicators: 7 million values).
    values = values_in_order(records, names)
    if values is not None:
        return values
    if not names:
        return [() for _ in records]
    try:
        return list(map(itemgetter(*names), records)) if len(names) > 1 else [(record[names[0]],) for record in records]
    except KeyError:  # a record without some field
        return [tuple(map(record.get, names)) for record in records]


class RowValues(Sequence[Values]):
    """Each record's values in the order of ``names`` (``row_values``), made for the slices asked for: the table
    writer asks only for the rows it does not take back from the files published last (after one new
    agency-month, a few hundred of the agency tables' 140,000 rows of a large city)."""

    def __init__(self, names: Sequence[str], records: Sequence[Mapping[str, Any]]) -> None:
        self.names, self.records = names, records

    @overload
    def __getitem__(self, i: int) -> Values: ...

    @overload
    def __getitem__(self, i: slice) -> list[Values]: ...

    def __getitem__(self, i: int | slice) -> Values | list[Values]:
        if isinstance(i, slice):
            return row_values(self.names, self.records[i])
        return row_values(self.names, [self.records[i]])[0]

    def __len__(self) -> int:
        return len(self.records)


# At most this many texts a column and type are remembered, of values at most this long (as text):
# the values that repeat (codes, periods, statuses, small counts) come early and often, while a
# column of values each new (identifiers, notes) would be held whole.
MEMO_SIZE = 2048
MEMO_TEXT = 64
# Types whose equal values are written alike, so their texts can be remembered by value (not so for
# Decimals, floats or times: 1 and 1.0 are equal, and so are 10:00 in two time zones).
MEMO_TYPES = frozenset({str, int, bool, date})


class Memo(dict[Any, Any]):
    """The texts of a column's values of one type (see ``MEMO_TYPES``; decimals by their text) and of None,
    each made once (up to ``MEMO_SIZE``)."""

    def __init__(self, make: Callable[[Any], Any], none: Any) -> None:
        super().__init__({None: none})
        self.make = make
        self.misses = 0  # texts made

    def __missing__(self, value: Any) -> Any:
        self.misses += 1
        text = self.make(value)
        if len(self) < MEMO_SIZE and (type(value) is not str or len(value) <= MEMO_TEXT):
            self[value] = text
        return text


class Texts:
    """The texts of one column's values, made column by column: each text of a value that repeats made once.

    Equal values of a type in ``MEMO_TYPES`` are remembered by value; a decimal by its text (which
    gives back the same decimal, digits and exponent: ``Decimal("1")`` and ``Decimal("1.0")`` are
    equal but written apart); None's text is ``none``; anything else is made each time.
    """

    def __init__(self, make: Callable[[Any], Any], none: Any) -> None:
        self.make, self.none = make, none
        self.memos: dict[type, Memo] = {}
        self.forgotten: set[type] = set()  # types whose values rarely repeat: made each time

    def _memo(self, kind: type) -> Memo:
        """The texts of values of ``kind`` made so far (decimals by their text)."""
        memo = self.memos.get(kind)
        if memo is None:
            make = self.make
            memo = self.memos[kind] = Memo(make if kind is not Decimal else lambda text: make(Decimal(text)), self.none)
            if kind is Decimal:
                memo["None"] = self.none  # str(None)
        return memo

    def __call__(self, column: Sequence[Any]) -> list[Any]:
        """The texts of ``column``'s values, in order."""
        kinds = set(map(type, column))
        kinds.discard(_NONE)
        # Only a column of one type (besides None) is looked up by value: 1 and Decimal("1.00") are equal keys.
        if len(kinds) == 1 and (kind := next(iter(kinds))) not in self.forgotten:
            if kind in MEMO_TYPES:
                return self._remembered(kind, list(map(self._memo(kind).__getitem__, column)))
            if kind is Decimal:
                return self._remembered(kind, list(map(self._memo(Decimal).__getitem__, map(str, column))))
        make, none = self.make, self.none
        return [none if value is None else make(value) for value in column]

    def _remembered(self, kind: type, texts: list[Any]) -> list[Any]:
        """``texts``; once nearly all of a batch's values were new with the memo full, ``kind`` is no more
        remembered (a lookup that fails costs more than making the text: one that succeeds, far less)."""
        memo = self.memos[kind]
        if len(memo) >= MEMO_SIZE and memo.misses * 10 > len(texts) * 9:
            self.forgotten.add(kind)
            del self.memos[kind]
        memo.misses = 0
        return texts


# Values the CSV writer writes as ``cell_text`` does: text as it is, an integer in decimal, None empty.
_CSV_AS_IS = frozenset({str, int, _NONE})


class CsvLines:
    """Rows' CSV lines (text, each with its LF) as ``csv_bytes`` writes them; ``text`` writes any value but
    text, integers and None, or ``texts[type(value)]`` when given (the same text, sooner)."""

    def __init__(self, text: Callable[[Any], str], texts: Mapping[type, Callable[[Any], str]] | None = None) -> None:
        self.text, self.texts = text, dict(texts or {})
        self.lines: list[str] = []
        self.writer = csv.writer(SimpleNamespace(write=self.lines.append), lineterminator="\n")  # one write a row
        self.columns: dict[int, Texts] = {}  # each column's texts, made once it holds more than text and integers

    def _text(self, value: Any) -> Any:
        """What the CSV writer is given for ``value``."""
        kind = type(value)
        if kind in _CSV_AS_IS:
            return value
        return self.texts.get(kind, self.text)(value)

    def __call__(self, rows: Sequence[Values]) -> list[str]:
        """The lines of ``rows``."""
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for at, column in enumerate(columns):
            if not _CSV_AS_IS.issuperset(map(type, column)):
                texts = self.columns.get(at)
                if texts is None:
                    texts = self.columns[at] = Texts(self._text, None)
                columns[at] = texts(column)
        self.writer.writerows(zip(*columns, strict=True) if columns else rows)
        lines = self.lines[:]
        self.lines.clear()
        return lines


class JsonLines:
    """Rows' JSON object lines as ``encoder`` writes ``{name: value, ...}`` (keys in field order).

    ``encoder`` is a ``json.JSONEncoder`` without indent: its item and key separators make the
    line template; values of the kinds below are written as its C encoder writes them inside
    an object, any other value by ``encoder.encode`` itself; ``texts[type(value)]``, when given,
    writes a value of that type (the same text, sooner).
    """

    def __init__(self, names: Sequence[str], encoder: json.JSONEncoder,
                 texts: Mapping[type, Callable[[Any], str]] | None = None) -> None:
        indent: Any = encoder.indent  # typed as set, but None unless given
        if indent is not None:
            raise ValueError("an indented encoder writes no one-line records")
        self.names: list[str] = list(names)
        self.encoder: json.JSONEncoder = encoder
        string = json.encoder.encode_basestring_ascii if encoder.ensure_ascii else json.encoder.encode_basestring
        self.string = string
        item, key = encoder.item_separator, encoder.key_separator
        self.template = "{" + item.join(string(n).replace("%", "%%") + key + "%s" for n in names) + "}"
        # A repeated name keeps one key in a dict: written through the encoder, as a dict.
        self.plain = len(set(self.names)) == len(self.names)
        self.columns = [Texts(self.value, "null") for _ in names]
        default = encoder.default
        self.kinds: dict[type, Callable[[Any], str]] = {
            str: string, int: int.__repr__, bool: {True: "true", False: "false"}.__getitem__,
            _NONE: lambda value: "null", float: self._float,
            # What the C encoder hands to ``default``: written as what ``default`` gives.
            **{kind: lambda value: self.value(default(value)) for kind in (Decimal, date, time, datetime)},
            **(texts or {}),
        }

    def _float(self, value: float) -> str:
        """A float as the C encoder writes it (``NaN`` and ``Infinity`` allowed or refused by the encoder)."""
        return float.__repr__(value) if isfinite(value) else str(self.encoder.encode(value))

    def value(self, value: Any) -> str:
        """One value's JSON text."""
        write = self.kinds.get(type(value))
        return write(value) if write is not None else str(self.encoder.encode(value))

    def __call__(self, rows: Sequence[Values]) -> list[str]:
        """The lines of ``rows`` (without separators)."""
        if not self.plain:
            encode, names = self.encoder.encode, self.names
            return [encode(dict(zip(names, row, strict=True))) for row in rows]
        if not self.names or not rows:
            return ["{}"] * len(rows)
        columns = [texts(column) for texts, column in zip(self.columns, zip(*rows, strict=True), strict=True)]
        return list(map(self.template.__mod__, zip(*columns, strict=True)))
