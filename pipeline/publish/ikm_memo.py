"""Each performance row's IKM and grade kept from the last publish, by the digest of its month and agency's rows.

The IKM of a row is a pure function of the row, and the rows of one month and agency are those decoded from
bytes whose SHA-256 the store gives (``Store.rows_digest``): kept under that digest and the pipeline's code
digest, a month's IKM is read back instead of computed (a city's 28,000 rows took a quarter of a second every
run, after one new agency-month as after none). The file is a cache: missing, unreadable, for other code, or a
line of the wrong length, and the rows are computed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pipeline.core import jsonbytes
from pipeline.core.atomic import write_blocks
from pipeline.core.ikm import grade, row_ikm
from pipeline.publish.reuse import code_digest

FILE = "ikm-memo.json"  # under <output>/store, beside the indicators' memo
Graded = tuple[Decimal | None, str | None]  # a row's IKM and grade (``ikm.row_ikm``)


class IkmMemo:
    """The IKM and grade of every performance row by its month and agency's rows digest; this run's, to keep."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.old = _read(path, "rows") if path is not None else {}
        self.new: dict[str, list[list[str | None]]] = {}  # digest -> each row's [IKM as text, grade], as saved
        # digest -> the IKM of all the rows (``tables.agency_ikm``'s), as text or None: kept as the rows' are.
        self.old_groups = _read(path, "groups") if path is not None else {}
        self.new_groups: dict[str, str | None] = {}
        # Each kept (IKM text, grade) pair already checked, read back: a city's 28,000 rows hold a few hundred.
        self.seen: dict[tuple[str, str], Graded] = {}

    def graded(self, digest: str | None, rows: Sequence[Mapping[str, Any]]) -> list[Graded]:
        """The IKM and grade of each row (``ikm.row_ikm``): kept under ``digest``, the digest of the encoded rows
        they were decoded from (None: unknown), or computed."""
        if digest is None:
            return list(map(row_ikm, rows))
        kept = self.old.get(digest)
        found = _decoded(kept, len(rows), self.seen) if kept is not None else None
        if found is not None:
            self.new[digest] = kept  # type: ignore[assignment]  # its shape checked by ``_decoded``
            return found
        made = list(map(row_ikm, rows))
        self.new[digest] = pairs(made)
        return made

    def keep(self, digest: str) -> None:
        """Keep what is kept under ``digest`` (rows and group) for the next run, though this run did not read it
        (its month and agency's table rows were kept whole: table_parts.py)."""
        if digest in self.old:
            self.new[digest] = self.old[digest]  # type: ignore[assignment]  # checked when read
        if digest in self.old_groups:
            self.new_groups[digest] = self.old_groups[digest]  # type: ignore[assignment]

    def group(self, digest: str | None, compute: Callable[[], Decimal | None]) -> Decimal | None:
        """The IKM of one month and agency's rows together kept under ``digest`` (None: unknown), or ``compute()``."""
        if digest is None:
            return compute()
        kept = self.old_groups.get(digest, False)  # False: none kept (None is an IKM of nobody)
        if kept is None:
            self.new_groups[digest] = None
            return None
        found = _cents(kept) if isinstance(kept, str) else None
        if found is not None:
            self.new_groups[digest] = str(found)
            return found
        value = compute()
        self.new_groups[digest] = None if value is None else str(value)
        return value

    def save(self) -> None:
        """Write this run's cells (only those used: the file never grows with versions no longer published)."""
        if self.path is None:
            return
        write_blocks(self.path, [jsonbytes.dumps({"code": code_digest(), "rows": dict(sorted(self.new.items())),
                                                  "groups": dict(sorted(self.new_groups.items()))})])


def _read(path: Path, part: str) -> dict[str, object]:
    """The kept ``part`` by digest; none when the file is missing, unreadable or from other code."""
    try:
        head = jsonbytes.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(head, dict) or head.get("code") != code_digest() or not isinstance(head.get(part), dict):
        return {}
    kept: dict[str, object] = head[part]
    return kept


def _cents(text: str) -> Decimal | None:
    """A kept IKM back: a finite number of cents, else None (a damaged line, computed again)."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() and number.as_tuple().exponent == -2 else None


def _decoded(kept: object, count: int, seen: dict[tuple[str, str], Graded]) -> list[Graded] | None:
    """A kept line as the rows' (IKM, grade); None when it is not ``count`` such pairs (computed again).
    ``seen``: the pairs checked already (each a valid pair's value, read back once)."""
    if not isinstance(kept, list) or len(kept) != count:
        return None
    out: list[Graded] = []
    for pair in kept:
        if not isinstance(pair, list) or len(pair) != 2:
            return None
        value, letter = pair
        if value is None and letter is None:
            out.append((None, None))
            continue
        if not isinstance(value, str) or not isinstance(letter, str):
            return None
        known = seen.get((value, letter))
        if known is None:
            number = _cents(value)
            # Cents, and the grade of that IKM: a line damaged into other valid JSON is computed again.
            if number is None or grade(number) != letter:
                return None
            known = seen[(value, letter)] = (number, letter)
        out.append(known)
    return out


def pairs(made: Sequence[Graded]) -> list[list[str | None]]:
    """Rows' (IKM, grade) as the file keeps them."""
    return [[None if value is None else str(value), letter] for value, letter in made]
