"""``repr`` of a lazy page's declared inputs, the same text written faster; and the shorter text a
page key is made of, with each record of the site data written as the digest of its ``repr``.

A page key is made of its inputs' text (render.py ``Renderer.key``). At a city's size that
text was the costliest part of a build that renders a few hundred pages out of sixty thousand:
the same records (an agency, an agenda, a decision) are written out again for every page that
names them, each through the dataclass ``__repr__`` and its recursion guard. ``InputsText``
writes each record of the site data once per build and takes it back by identity afterwards.

``InputsText()`` gives exactly ``repr``. ``InputsText(digests=True)`` writes a record as
``#`` and the SHA-256 of its ``repr`` instead (a city's pages name records 300,000 times, which
was 128 MB of text per language to join, encode and hash): a record's ``repr`` is complete (its
class and plain values), so the digest stands for it; and no value page inputs hold writes a
``#`` outside quotes, so the text still tells every inputs object from every other one.
"""

from __future__ import annotations

import dataclasses
import decimal
import hashlib
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import Any, cast

from pipeline.core import records
from pipeline.site import models

# The records read into SiteData: they live as long as the build, so one written out stays
# valid for it. Classes whose own ``__repr__`` is not the generated one are written by ``repr``.
_RECORD_MODULES = frozenset({models.__name__, records.__name__})
# Values whose ``repr`` is the C one and holds no record: a container of nothing else is written
# by ``repr`` itself, not element by element.
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None), date, datetime, time, timedelta,
                                    decimal.Decimal})


def _plain_tuples(values: Iterable[Any]) -> bool:
    """Whether every one of ``values`` is a tuple of plain values (written by ``repr`` itself)."""
    return all(type(v) is tuple for v in values) and _PLAIN.issuperset(map(type, chain.from_iterable(values)))


class InputsText:
    """Writes ``repr`` of plain values, the records' texts kept by identity for one build."""

    def __init__(self, digests: bool = False) -> None:
        """``digests``: write each record as the digest of its ``repr`` (see the module's docstring)."""
        self._digests = digests
        # id -> the text of a record written: each one is held in ``_held`` for as long as this
        # writer lives, so no other object can have its id meanwhile.
        self._known: dict[int, str] = {}
        self._held: list[Any] = []
        # class -> how to write a value of it (learnt on first sight, ``_learn``).
        self._writers: dict[type, Callable[[Any], str]] = dict.fromkeys(_PLAIN, repr)
        self._writers.update({tuple: self._tuple, list: self._list, dict: self._dict})
        self._as_record = self._record  # the writer of records, one object (``text`` tells it by identity)

    def text(self, value: Any) -> str:
        """Exactly ``repr(value)`` (records as digests with ``digests``)."""
        kind = type(value)
        writer = self._writers.get(kind)
        if writer is None:
            writer = self._learn(kind)
        if writer is self._as_record:
            # Only a record can have been written before (``_known`` holds nothing else): the texts,
            # numbers and containers of inputs, most of the values, are not looked up in it (a
            # dict of every record of the city, whose misses cost more than writing a short text).
            known = self._known.get(id(value))
            if known is not None:
                return known
        return writer(value)

    def write_all(self, values: Iterable[Any]) -> None:
        """Write each value now (``text``), so that a process forked after this takes their texts
        instead of writing them again (``build._write_pages``: the site data's records)."""
        for value in values:
            self.text(value)

    def know(self, taken: Iterable[tuple[Any, str]]) -> None:
        """Take each (record, its text) as written (``recordtexts``: kept by the last build for the same row)."""
        for value, text in taken:
            self._known[id(value)] = text
            self._held.append(value)

    def each(self, values: Collection[Any]) -> list[str]:
        """``text`` of each of ``values``, in order (records written already taken back in one pass)."""
        return self._written(values)

    def _tuple(self, value: tuple[Any, ...]) -> str:
        """A tuple: ``repr`` itself when it holds plain values only, else element by element."""
        if _PLAIN.issuperset(map(type, value)):
            return repr(value)
        texts = self._written(value)
        if len(value) == 1:
            return f"({texts[0]},)"
        return "(" + ", ".join(texts) + ")"

    def _list(self, value: list[Any]) -> str:
        """A list, as ``_tuple``."""
        if _PLAIN.issuperset(map(type, value)):
            return repr(value)
        return "[" + ", ".join(self._written(value)) + "]"

    def _written(self, values: Collection[Any]) -> list[str]:
        """The texts of ``values``, in order. The usual sequence of page inputs holds records written
        already (an agency's agendas, an agenda's versions): their texts are taken by identity in
        one pass of C loops, without a call of ``text`` for each (a city's keys name records
        hundreds of thousands of times). A hit is the record itself: every record in ``_known`` is
        held alive, so no other object has its id."""
        texts = list(map(self._known.get, map(id, values)))
        if None in texts:  # anything else among them (a plain value, a record not yet written)
            text = self.text
            return [t if t is not None else text(v) for t, v in zip(texts, values, strict=True)]
        return cast(list[str], texts)  # no None among them

    def _dict(self, value: dict[Any, Any]) -> str:
        """A dict, as ``_tuple`` (keys and values)."""
        # Plain keys (the usual codes and periods) or tuples of them ((period, table) of reports): written by
        # ``repr`` itself, the values by ``repr`` too when plain, else element by element.
        if _PLAIN.issuperset(map(type, value)) or _plain_tuples(value):
            if _PLAIN.issuperset(map(type, value.values())):
                return repr(value)
            return "{" + ", ".join(map("{}: {}".format, map(repr, value), self._written(value.values()))) + "}"
        text = self.text
        return "{" + ", ".join(f"{text(k)}: {text(v)}" for k, v in value.items()) + "}"

    def _record(self, value: Any) -> str:
        """A record of the site data: written out (or digested) once, then taken back by identity."""
        # A record holds plain values only: its own ``repr`` writes it as fast as anything here.
        text = repr(value)
        if self._digests:
            text = "#" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        self._known[id(value)] = text
        self._held.append(value)
        return text

    def _learn(self, kind: type) -> Callable[[Any], str]:
        """How to write a value of ``kind``: a record's way, field by field for a dataclass whose
        ``__repr__`` is the generated one, else ``repr`` itself."""
        writer: Callable[[Any], str] = repr
        if kind.__module__ in _RECORD_MODULES:
            writer = self._as_record
        else:
            # The generated method wraps a function made in ``dataclasses._create_fn`` (Python 3.11 to 3.12).
            made = getattr(getattr(kind.__repr__, "__wrapped__", None), "__qualname__", "")
            if dataclasses.is_dataclass(kind) and "__repr__" in vars(kind) and made.startswith("__create_fn__."):
                writer = self._fields_writer(kind)
        self._writers[kind] = writer
        return writer

    def _fields_writer(self, kind: type) -> Callable[[Any], str]:
        """The writer of a dataclass's generated ``repr``: its qualified name, then each field shown."""
        names = tuple(f.name for f in dataclasses.fields(kind) if f.repr)
        heads = [f"{kind.__qualname__}({names[0]}=", *(f", {n}=" for n in names[1:])] if names else []
        text = self.text

        def write(value: Any) -> str:
            if not names:
                return f"{kind.__qualname__}()"
            parts = []
            for head, name in zip(heads, names, strict=True):
                parts.append(head)
                field = getattr(value, name)
                parts.append(repr(field) if type(field) in _PLAIN else text(field))
            parts.append(")")
            return "".join(parts)
        return write
