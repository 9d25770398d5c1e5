"""Each agency's cross-rule context kept by digest: an agency whose files are as last run skips working it out.

A decisions file's kept judgement holds only while the agenda ids it may name are those it was judged against
(``cache.Entry.agendas``): finding them walks the agency's months (earlier accepted agendas from the store, this
run's agendas reports) and sorts and hashes each decisions file's set, for every one of a city's 3,600 decisions
files, though after one new agency-month 59 of its 60 agencies read exactly what they read last run. Those ids are
a function of the rules (the cache's version), the agency's submitted files (path and SHA-256: their kept
reports) and its accepted agendas versions in the store (``Store.agendas_versions``; those that are one of its
files, accepted, give what that file's report gives and are left out, so that the key stays the same after the
publish that stored them). An agency whose files' judgements are all kept records that key here with the digest
of its entries' ``agendas``; a later run that finds the same key and every file's entry kept with those same
``agendas`` takes the kept reports as they are: the check each file would make compares exactly those digests,
worked out from exactly those inputs.

Kept in ``<output>/store/validation/agencies.json`` beside the entries, written by ``ValidationCache.save`` after
them (never when they could not be written): a cache whose loss only costs that walk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.core.atomic import regular_bytes, write_blocks

FILE = "agencies.json"  # in the validation cache's folder
FORMAT = 1


def agency_key(version: str, agency: str, files: Sequence[tuple[str, str]],
               agendas: Sequence[tuple[str, str, str]]) -> str:
    """What an agency's cross rules read: the rules' version, its files (path, SHA-256) in path order and its
    accepted agendas versions in the store (period, file, SHA-256) that they do not give already."""
    h = hashlib.sha256(f"{FORMAT}\0{version}\0{agency}\0".encode())
    # (Paths, periods and SHA-256 hold no NUL or newline: one text, no JSON of a city's 10,800 pairs.)
    h.update("\n".join(f"{file}\0{sha256}" for file, sha256 in sorted(files)).encode("utf-8"))
    h.update(b"\n\n")
    h.update("\n".join("\0".join(v) for v in sorted(agendas)).encode("utf-8"))
    return h.hexdigest()


def entries_digest(agendas: Sequence[str | None]) -> str:
    """The digest of the ``agendas`` of an agency's entries, in its files' path order."""
    return hashlib.sha256(json.dumps(list(agendas)).encode("ascii")).hexdigest()


class AgencyKeys:
    """The agencies' keys kept by the last publish (``matches``) and this run's (``record``, written by ``save``)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE
        self._old: dict[str, list[str]] | None = None  # read at the first ``matches``
        self.new: dict[str, list[str]] = {}  # agency -> [key, entries digest]

    def _kept(self) -> dict[str, list[str]]:
        """The keys as the last save wrote them; none when the file is missing, damaged or of another format."""
        if self._old is None:
            self._old = {}
            try:  # (never through a link)
                data = regular_bytes(self.path)
                found: Any = json.loads(data) if data else None
            except (OSError, ValueError):
                found = None
            if isinstance(found, dict) and found.get("format") == FORMAT and isinstance(found.get("agencies"), dict):
                self._old = {str(a): v for a, v in found["agencies"].items()
                             if isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)}
        return self._old

    def matches(self, agency: str, key: str, entries: str) -> bool:
        """True when the last run kept ``agency`` under ``key`` with these entries' digest."""
        return self._kept().get(agency) == [key, entries]

    def record(self, agency: str, key: str, entries: str) -> None:
        """Keep ``agency`` under ``key`` for the next run (its files' entries all kept or put this run)."""
        self.new[agency] = [key, entries]

    def save(self) -> None:
        """Write this run's keys (only them), through a rename, unflushed: a cache; none: no file."""
        if not self.new:
            self.drop()
            return
        data = json.dumps({"format": FORMAT, "agencies": dict(sorted(self.new.items()))},
                          separators=(",", ":")).encode("ascii") + b"\n"
        with contextlib.suppress(OSError):
            write_blocks(self.path, [data], sync=False)
        self._old, self.new = None, {}

    def drop(self) -> None:
        """Remove the file (the entries could not be written: the keys would name entries not there)."""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
        self._old, self.new = None, {}
