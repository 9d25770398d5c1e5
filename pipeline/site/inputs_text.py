"""``repr`` of a lazy page's declared inputs, the same text written faster.

A page key is made of ``repr(inputs)`` (render.py ``Renderer.key``). At a city's size that
text was the costliest part of a build that renders a few hundred pages out of sixty thousand:
the same records (an agency, an agenda, a decision) are written out again for every page that
names them, each through the dataclass ``__repr__`` and its recursion guard. ``InputsText``
gives the very same text (the keys, and so the pages kept, stay what they were), writing each
record of the site data once per build and taking it back by identity afterwards.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pipeline.core import records
from pipeline.site import models

# The records read into SiteData: they live as long as the build, so one written out stays
# valid for it. Classes whose own ``__repr__`` is not the generated one are written by ``repr``.
_RECORD_MODULES = frozenset({models.__name__, records.__name__})


class InputsText:
    """Writes ``repr`` of plain values, the records' texts kept by identity for one build."""

    def __init__(self) -> None:
        # id -> (the record, its text): the record is held so that its id cannot be taken by another.
        self._records: dict[int, tuple[Any, str]] = {}
        # class -> its repr fields' names, or None when the class is written by ``repr`` itself.
        self._fields: dict[type, tuple[str, ...] | None] = {}

    def text(self, value: Any) -> str:
        """Exactly ``repr(value)``."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            return repr(value)
        if kind is tuple:
            if len(value) == 1:
                return f"({self.text(value[0])},)"
            return "(" + ", ".join(map(self.text, value)) + ")"
        if kind is list:
            return "[" + ", ".join(map(self.text, value)) + "]"
        if kind is dict:
            return "{" + ", ".join(f"{self.text(k)}: {self.text(v)}" for k, v in value.items()) + "}"
        if kind.__module__ in _RECORD_MODULES:
            kept = self._records.get(id(value))
            if kept is not None and kept[0] is value:
                return kept[1]
            # A record holds plain values only: its own ``repr`` writes it as fast as anything here.
            text = repr(value)
            self._records[id(value)] = (value, text)
            return text
        names = self._fields[kind] if kind in self._fields else self._learn(kind)
        if names is None:
            return repr(value)
        return f"{kind.__qualname__}(" + ", ".join(f"{n}={self.text(getattr(value, n))}" for n in names) + ")"

    def _learn(self, kind: type) -> tuple[str, ...] | None:
        """The fields a dataclass's generated ``__repr__`` writes, or None for any other class."""
        names: tuple[str, ...] | None = None
        # The generated method wraps a function made in ``dataclasses._create_fn`` (Python 3.11 to 3.12).
        made = getattr(getattr(kind.__repr__, "__wrapped__", None), "__qualname__", "")
        if dataclasses.is_dataclass(kind) and "__repr__" in vars(kind) and made.startswith("__create_fn__."):
            names = tuple(f.name for f in dataclasses.fields(kind) if f.repr)
        self._fields[kind] = names
        return names
