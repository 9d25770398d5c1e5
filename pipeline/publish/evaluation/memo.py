"""Indicator rows kept from the last publish, by selection, reused while what a selection reads is unchanged.

The indicators of one selection (a scope over a month, quarter or year) are a pure function of
a few slices of the evidence: the meetings dated in its months (any organiser: invitations and
who met whom cross agencies), the decisions of its agencies with their reported history, the
submissions, performance rows and published files of its agencies in its months, the agencies
table, the targets and the day stocks are taken. ``Slices`` digests each slice once per run; a
selection's key is the digest of the slices it reads, its identity and the pipeline's code
(``reuse.inputs_key``). After one new agency-month only the selections that read that agency's
files, or the months its meetings are dated in, are computed again.

The rows are kept in ``<output>/store/indicators-memo.json`` (a cache: when it is missing or
unreadable every selection is computed).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.core.atomic import write_bytes
from pipeline.core.config import Targets
from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import Evidence, Selection
from pipeline.publish.reuse import inputs_key

FILE = "indicators-memo.json"  # under <output>/store
Key = tuple[str, str]  # (month, agency)


def _digest(value: object) -> str:
    """The SHA-256 of a value's repr (rows are dicts in a fixed key order; Decimal's repr keeps its digits)."""
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()


class Slices:
    """The digest of every slice of the evidence a selection can read."""

    def __init__(self, ev: Evidence) -> None:
        self.meetings = {m: _digest(rows) for m, rows in ev.agendas_by_month.items()}
        history: dict[str, list[object]] = defaultdict(list)
        for key, rows in sorted(ev.history.items()):
            history[key[0]].append(rows)
        self.decisions = {a: _digest((ev.decisions.get(a, []), history.get(a, [])))
                          for a in set(ev.decisions) | set(history)}
        first: dict[Key, list[str]] = defaultdict(list)
        for period, agency, table in sorted(ev.rejected_first):
            first[(period, agency)].append(table)
        published = sorted(ev.published)
        cells = set(ev.submissions) | set(ev.performance) | set(first)
        cells.update(k for table in published for k in ev.published[table])
        self.cells = {k: _digest((ev.submissions.get(k, []), ev.performance.get(k, []),
                                  [k in ev.published[t] for t in published], first.get(k, [])))
                      for k in cells}
        self.agencies = _digest(sorted(ev.agencies.items()))

    def key(self, sel: Selection, complete: bool, targets: Targets) -> str:
        """The digest of everything the indicators of ``sel`` read."""
        agencies = sorted(sel.agencies)
        return inputs_key(
            "indicators", sel.scope_type, sel.scope, agencies, None if sel.services is None else sorted(sel.services),
            sel.period, list(sel.months), sel.end.isoformat(), complete, repr(targets), self.agencies,
            [self.meetings.get(m) for m in sel.months],
            [self.decisions.get(a) for a in agencies],
            [self.cells.get((m, a)) for m in sel.months for a in agencies],
        )


def _encode(value: Any) -> Any:
    """A cell in JSON (exact decimals tagged, so ``1.50`` stays a Decimal with its digits; ``get`` undoes it)."""
    return {"d": str(value)} if isinstance(value, Decimal) else value


class Memo:
    """The rows of every selection computed by the last run, by key; this run's, to keep for the next."""

    def __init__(self, path: Path | None, fields: Iterable[str]) -> None:
        self.path = path
        self.fields = list(fields)  # every row's keys, in order
        self.old: dict[str, Any] = {}
        if path is not None:
            try:
                found = json.loads(path.read_bytes())
            except (OSError, ValueError):
                found = None  # none yet, or unreadable: every selection is computed
            if isinstance(found, dict) and found.get("fields") == self.fields and isinstance(found.get("rows"), dict):
                self.old = found["rows"]
        self.new: dict[str, list[list[Any]]] = {}

    def get(self, key: str) -> list[Record] | None:
        """The rows kept under ``key`` (None when there are none)."""
        rows = self.old.get(key)
        if not isinstance(rows, list):
            return None
        self.new[key] = rows
        # _decode inlined: every kept row of every selection passes here.
        return [dict(zip(self.fields, [Decimal(v["d"]) if type(v) is dict else v for v in row], strict=True))
                for row in rows]

    def put(self, key: str, rows: Iterable[Record]) -> None:
        """Keep the rows computed under ``key``."""
        self.new[key] = [[_encode(row[name]) for name in self.fields] for row in rows]

    def save(self) -> None:
        """Write this run's rows (only those used: the file never grows with old selections)."""
        if self.path is None:
            return
        data = json.dumps({"fields": self.fields, "rows": self.new}, sort_keys=True, separators=(",", ":"))
        write_bytes(self.path, data.encode("utf-8"))
