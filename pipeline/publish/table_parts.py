"""Each agency's rows of the tables made from the store, kept from the last publish by what they were built from.

An agency's rows of the performance, agency_ikm, agendas, agenda_history, decisions (without ``overdue``, which
depends on the as-of date) and decision_history tables, and where its agendas were read (``agenda_sources``), are
a pure function of its published versions of the agendas, decisions and performance tables and of the code: kept
under the SHA-256 of those versions' encoded rows (``Store.encoded_digest``, no row decoded) and their periods,
an agency whose versions are as last run takes its part back instead of decoding its files and building its rows
again (after one new agency-month, 59 of a city's 60 agencies). The tables then splice the parts in their
published order (tables.py).

The file is a cache, read only when its header names this code: a part whose checksum does not match its bytes
is built again, so is every part when the file is missing, damaged or from other code. It is written after the
store's commit (``Memo.save``) with the parts this run used, through a rename; parts built this run wait in an
unnamed temporary file beside it, so a first publish holds no more in memory than before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import tempfile
import zlib
from pathlib import Path
from typing import IO, Any

from pipeline.core.atomic import regular_bytes, write_blocks
from pipeline.core.config import Portal
from pipeline.core.errors import ConfigError
from pipeline.publish.datapackage import published_schemas
from pipeline.publish.reuse import code_digest
from pipeline.publish.table_files import field_names

FILE = "table-parts.bin"  # under <output>/store, beside the indicators' memo
FORMAT = 2  # 2: a CRC-32 a part
Part = dict[str, Any]  # table or ``sources`` -> the agency's rows (see ``tables._agency_part``)


def _check(data: bytes | memoryview) -> str:
    """A part's checksum: finds a file cut short or damaged (a CRC-32: a city's 17 MB in 8 ms, a BLAKE2b took 19)."""
    return f"{zlib.crc32(data):08x}"


class TableParts:
    """Parts kept from the last run (``find``), and this run's (``put``), written by ``save``."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data = b""
        self.old: dict[str, tuple[str, str, int, int]] = {}  # agency -> (key, checksum, start, end) in ``data``
        self._read()
        # agency -> (key, where its bytes are: "old" in ``data`` or "new" in ``spill``, start, end)
        self.used: dict[str, tuple[str, str, int, int]] = {}
        self._spill: IO[bytes] | None = None
        self._spilled = 0
        self._held: list[bytes] = []  # parts made when no temporary file could be made (a full disk)

    def _read(self) -> None:
        """The kept parts' index and bytes; none when the file is missing, unreadable or from other code."""
        try:  # (never through a link)
            data = regular_bytes(self.path) if self.path is not None else None
        except OSError:
            return
        if not data:
            return
        end = data.find(b"\n")
        try:
            head = json.loads(data[:end])
            if head.get("format") != FORMAT or head.get("code") != code_digest():
                return
            base = end + 1
            old = {str(agency): (str(key), str(check), base + int(start), base + int(stop))
                   for agency, key, check, start, stop in head["parts"]}
        except (ValueError, TypeError, AttributeError, KeyError):
            return
        self.data, self.old = data, old

    def find(self, agency: str, key: str) -> Part | None:
        """The agency's part kept under ``key``, None when not kept, damaged or not read back."""
        entry = self.old.get(agency)
        if entry is None or entry[0] != key:
            return None
        _, check, start, end = entry
        view = memoryview(self.data)[start:end]
        if len(view) != end - start or _check(view) != check:
            return None
        try:
            part = pickle.loads(view)
        except Exception:  # noqa: BLE001  # any damage reads as a miss: the part is built again
            return None
        if not isinstance(part, dict):
            return None
        self.used[agency] = (key, "old", start, end)
        return part

    def put(self, agency: str, key: str, part: Part) -> None:
        """Keep the part built this run for ``agency`` under ``key`` (written by ``save``)."""
        data = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
        if self._spill is None and not self._held:
            # Beside the store, not in it: a cache must not take the room the store's commit needs (a store on
            # its own filesystem would run out one file early).
            folder = self.path.parent.parent if self.path is not None and self.path.parent.parent.is_dir() else None
            try:  # unnamed: gone when closed (by ``save``) or with the process, however it ends
                self._spill = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
            except OSError:
                self._spill = None
        if self._spill is not None:
            try:  # at its own offset: a short or failed write before it leaves nothing in the way
                self._spill.seek(self._spilled)
                self._spill.write(data)
                self._spill.flush()
            except OSError:  # a full disk: the part is not kept (built again next run)
                return
            self.used[agency] = (key, "new", self._spilled, self._spilled + len(data))
            self._spilled += len(data)
        else:
            self.used[agency] = (key, "held", len(self._held), len(self._held) + 1)
            self._held.append(data)

    def _bytes(self, where: str, start: int, end: int) -> bytes | memoryview:
        """A used part's bytes."""
        if where == "old":
            return memoryview(self.data)[start:end]
        if where == "held":
            return self._held[start]
        assert self._spill is not None
        self._spill.seek(start)
        return self._spill.read(end - start)

    def save(self) -> None:
        """Write the parts this run used (only those: the file never keeps agencies no longer published)."""
        if self.path is None:
            return
        unchanged = (all(where == "old" for _, where, _, _ in self.used.values())
                     and self.used.keys() == self.old.keys())
        if not unchanged:
            entries, pieces, at = [], [], 0
            for agency in sorted(self.used):
                key, where, start, end = self.used[agency]
                data = self._bytes(where, start, end)
                entries.append([agency, key, _check(data), at, at + len(data)])
                pieces.append(data)
                at += len(data)
            head = json.dumps({"format": FORMAT, "code": code_digest(), "parts": entries},
                              separators=(",", ":")).encode("utf-8")
            with contextlib.suppress(OSError):  # a cache: its loss costs work only
                write_blocks(self.path, [head + b"\n", *pieces], sync=False)
        self.close()

    def close(self) -> None:
        """Let go of the spill file."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None


def part_key(entries: list[object]) -> str:
    """The key of an agency's part: what it is built from (its versions' table, period and encoded rows digest, in
    the store's order, and the fields its rows' digests are of)."""
    return hashlib.sha256(repr(entries).encode("utf-8")).hexdigest()



def published_fields(portal: Portal) -> dict[str, list[str]] | None:
    """Each published table's field names in its schema's order (those the data files write), None when a schema
    cannot be read (the data files then say why; the tables come without their rows' digests)."""
    try:
        return {name: field_names(schema) for name, schema in published_schemas(portal).items()}
    except (ConfigError, KeyError, TypeError):
        return None
