"""Judgements kept between runs: a file judged once is not judged again while nothing it depends on changed.

A file's report depends on its bytes, its path (period, agency, table), the rules (the code
of ``validate/`` and ``core/``, frictionless' version, the schemas, the reference tables,
the settings) and, for a decisions file, the agenda ids it may name. The first four make
the entry's name: a SHA-256 over the *rules version* (``rules_version``), the path and the
file's SHA-256; a change to any of them simply misses. The agenda ids are checked on use:
the entry keeps a digest of the set the decisions were judged against, and a different set
judges the file again.

Entries live in ``<output>/store/validation/kept.tsv``, one line each, written only by
``publish`` (``validate`` reads them and writes nothing): a city's 10,800 entries as as many
small files cost an ``open`` and a read each on every run. A line holds the entry's name, its
report as JSON and the file's typed rows as JSON text, apart, so that finding an entry parses
only its report (the rows are decoded only when read: kept_rows.py). A damaged line is a miss.
A report that says the pipeline itself failed (``internal-error``) or the disk could not be
read (``unreadable-file``) is never kept: the next run must try again.

A save after a small change (a new agency-month's 3 files, a late file) appends the new lines to the file
instead of writing its 21 MB again (a city's); an entry no longer used stays until such lines are more than
an eighth of the file, when the file is written whole again, sorted, with only the entries used. An entry
left so is still a true judgement of its name's rules, path and bytes: nothing is trusted that a full save
would have kept out. Where a name has two lines (judged again against other agenda ids), the last one holds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import zlib
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.core import jsonbytes
from pipeline.core.atomic import append_to_read, mostly_used, regular_bytes, write_blocks
from pipeline.core.config import Portal, read_config_file, schemas_root
from pipeline.core.models import REFERENCE_TABLES, TABLES, FileReport, Message, Problem
from pipeline.core.rowcodec import compact_json, encode_rows
from pipeline.core.treehash import hash_tree
from pipeline.validate.agency_keys import FILE as AGENCIES
from pipeline.validate.agency_keys import AgencyKeys
from pipeline.validate.kept_rows import KeptRows, agenda_ids

FOLDER = "validation"
FORMAT = 3  # 2: rows kept as JSON text, decoded only when read (kept_rows.py); 3: one file, a line an entry
KEPT = "kept.tsv"  # in the folder: a JSON header line, then "<name>\t<entry JSON>\t<rows JSON, or nothing>" lines
_HEADER = json.dumps({"format": FORMAT}).encode("ascii") + b"\n"
_NAME = 64  # characters of an entry's name (a SHA-256 in hex)
NOT_KEPT = frozenset({"internal-error", "unreadable-file"})
_PIPELINE = Path(__file__).resolve().parents[1]
# The packages whose code decides a report, and the store's, which writes it: a reused report is
# not written to the store again, so a change to how the store writes one must miss.
_RULE_CODE = ("core", "validate", "store")
_NOT_RULES = ("datasets", "output", "receipts", "ckan", "warnings")  # settings no rule reads


def rules_version(portal: Portal) -> str:
    """SHA-256 (hex) of everything but the file that decides a report."""
    h = hashlib.sha256(f"format {FORMAT}\0frictionless {metadata.version('frictionless')}\0".encode())
    for package in _RULE_CODE:
        hash_tree(h, package, _PIPELINE / package, ".py")
    for name in (*REFERENCE_TABLES, *TABLES):
        with contextlib.suppress(FileNotFoundError):  # a missing schema stops the run before this matters
            h.update(f"schemas/{name}.json\0".encode())
            h.update(hashlib.sha256(read_config_file(schemas_root(portal.datasets), f"schemas/{name}.json")).digest())
    for name in REFERENCE_TABLES:
        h.update(f"reference/{name}.csv\0".encode())
        h.update(hashlib.sha256(read_config_file(portal.datasets, f"reference/{name}.csv")).digest())
    settings = {f.name: getattr(portal, f.name) for f in dataclasses.fields(portal) if f.name not in _NOT_RULES}
    h.update(json.dumps(settings, sort_keys=True, default=str, ensure_ascii=False).encode())
    return h.hexdigest()


def agenda_digest(ids: Iterable[str]) -> str:
    """A short digest of the agenda ids a decisions file was judged against."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class Entry:
    """A kept judgement: the report and, for decisions, the digest of the agenda ids it was judged with."""

    report: FileReport
    agendas: str | None


class ValidationCache:
    """The kept judgements of one rules version; ``save`` writes this run's new ones (publish only)."""

    def __init__(self, root: Path, version: str) -> None:
        self.root = root
        self.version = version
        self.used: set[str] = set()
        self.new: dict[str, bytes] = {}  # name -> "<entry JSON>\t<rows JSON>" of a fresh judgement
        # Files whose kept report this run used as it is: the store already holds that report and
        # those rows (written by the run that judged them), so it does not write them again.
        self.reused: set[str] = set()
        # The file's bytes and where each entry's line lies in them (``_read``): read at the first ``get``.
        self._data = b""
        self._lines: dict[str, tuple[int, int, int]] | None = None
        # The agenda ids of each accepted agendas file whose kept judgement was found, by (file, SHA-256).
        self.agendas: dict[tuple[str, str], frozenset[str]] = {}
        self._decoded: dict[str, Any] = {}  # entries' JSON decoded ahead by ``prefetch``, by name
        self._names: dict[tuple[str, str], str] = {}  # the names ``prefetch`` worked out, by (file, SHA-256)
        # What the file held when first read (kept past ``release``): for ``save`` to append to it.
        self._disk: _Disk | None = None
        # Each agency's cross-rule context kept by digest (agency_keys.py), written by ``save`` after the entries.
        self.agencies = AgencyKeys(root)

    def prefetch(self, files: Iterable[tuple[str, str]]) -> None:
        """Decode the entries of these (file, SHA-256) pairs at once, for ``get``: one JSON text for a city's
        10,800 entries costs a third less than one call each (a damaged line leaves them to ``get``)."""
        data, lines = self._found()
        names = []
        for pair in files:
            name = self._names[pair] = self._name(*pair)  # (for ``get``: not worked out again)
            if name in lines:
                names.append(name)
        view = memoryview(data)
        try:
            decoded = jsonbytes.loads(b"[" + b",".join(view[lines[n][0]:lines[n][1]] for n in names) + b"]")
            # (A damaged line that still parses cannot pass for another: ``get`` checks the file, SHA-256 and CRC.)
            self._decoded = dict(zip(names, decoded, strict=True))
        except ValueError:
            return

    @classmethod
    def for_portal(cls, portal: Portal) -> ValidationCache:
        """The cache under ``<output>/store`` for the portal's present rules."""
        return cls(portal.output / "store" / FOLDER, rules_version(portal))

    def _name(self, file: str, sha256: str) -> str:
        return hashlib.sha256(f"{self.version}\0{file}\0{sha256}".encode()).hexdigest()

    def _found(self) -> tuple[bytes, dict[str, tuple[int, int, int]]]:
        """The file's bytes and its lines, read once (again after ``release``)."""
        if self._lines is None:
            self._data, self._lines = _read(self.root / KEPT)
            if self._disk is None:
                self._disk = _Disk(len(self._data), self._data.count(b"\n") - 1, self._data.endswith(b"\n"))
        return self._data, self._lines

    def get(self, file: str, sha256: str) -> Entry | None:
        """The kept judgement of this file's bytes under the present rules, or None."""
        name = self._names.get((file, sha256)) or self._name(file, sha256)
        data, lines = self._found()
        at = lines.get(name)
        if at is None:
            return None
        start, tab, end = at
        try:
            found = self._decoded.pop(name, None)
            if found is None:
                found = jsonbytes.loads(data[start:tab])
            text = data[tab + 1:end]
            if zlib.crc32(text) != found["rows_crc"]:
                return None  # damaged: judge the file again
            rows = text.decode("utf-8") if text else None
            digest = found.get("rows_sha256")
            entry = Entry(_report(found["report"], rows, digest if isinstance(digest, str) else None),
                          found.get("agendas"))
        except (ValueError, KeyError, TypeError):
            return None  # unreadable: judge the file again
        if entry.report.file != file or entry.report.sha256 != sha256:
            return None
        self.used.add(name)
        self.reused.add(file)
        if entry.report.table == "agendas" and entry.report.accepted and isinstance(entry.report.rows, KeptRows):
            self.agendas[(file, sha256)] = entry.report.rows.agenda_ids
        return entry

    def agenda_ids(self, file: str, sha256: str) -> frozenset[str] | None:
        """The agenda ids of the accepted agendas file ``file`` with these bytes, when its kept judgement was found
        (``Store.previous_agenda_ids``), else None."""
        return self.agendas.get((file, sha256))

    def release(self) -> None:
        """Let go of the file's bytes (the kept judgements found hold what they need); ``save`` reads it again."""
        self._data, self._lines, self._decoded, self._names = b"", None, {}, {}

    def put(self, report: FileReport, agendas: str | None) -> bool:
        """Keep a fresh judgement (unless it says the machine failed); False when it is not kept."""
        self.reused.discard(report.file)
        if report.sha256 is None or any(p.code in NOT_KEPT for p in (*report.errors, *report.warnings)):
            return False
        # A file holding personal data is judged again each time rather than kept: its typed rows
        # would copy the raw values out of the private store of received files.
        if any(p.code.startswith("personal-data") for p in report.errors):
            return False
        name = self._name(report.file, report.sha256)
        self.used.add(name)
        rows = b"" if report.rows is None else _rows_text(report.rows).encode("utf-8")
        # The rows' CRC-32: a line cut short (or otherwise damaged) is found here, not when a later stage
        # decodes the rows (kept_rows.py), which would fail the run.
        # And their SHA-256, as ``Store.encoded_digest`` takes it (the text has no trailing line break): a publish
        # keys each agency's table part by its versions' digests, 10,800 texts hashed again each run without it.
        entry = {"agendas": agendas, "report": _record(report), "rows_crc": zlib.crc32(rows),
                 "rows_sha256": hashlib.sha256(rows).hexdigest() if rows else None}
        self.new[name] = compact_json(entry).rstrip(b"\n") + b"\t" + rows
        return True

    def save(self) -> None:
        """Write the entries this run used (kept or new; none of earlier rules or gone files) as the file, or
        append the new ones to it while it holds few others (see the module docstring).

        Written through a temporary file and a rename, not flushed: a failure here, or a power loss
        that leaves the file short, costs only judgements next time, never the run (errors are ignored).
        """
        written = False
        with contextlib.suppress(OSError):
            if self._appended():
                self._drop_others()
                self.new, self._disk = {}, None  # (a second save reads the file again)
                self.release()
                self.agencies.save()  # after the entries it names
                return
            data, lines = self._found()

            def pieces() -> Iterator[bytes | memoryview]:
                yield _HEADER
                view = memoryview(data)
                for name in sorted(self.used):
                    if name in self.new:
                        yield name.encode("ascii") + b"\t" + self.new[name] + b"\n"
                    elif (at := lines.get(name)) is not None:  # the line as read, not encoded again
                        yield view[at[0] - _NAME - 1:at[2]]
                        yield b"\n"

            write_blocks(self.root / KEPT, pieces(), sync=False)
            written = True
            self._drop_others()
        if written:
            self.agencies.save()  # after the entries it names
        else:  # the entries it would name may not be there
            self.agencies.drop()
        self.new = {}
        self.release()
        self._disk = None  # (a second save reads the file again)

    def _appended(self) -> bool:
        """Append this run's new lines to the file as read, when it holds few unused entries; False when the file
        must be written whole (not read by this run, changed since, cut short, or too many unused entries)."""
        disk = self._disk
        if disk is None or not disk.whole or disk.size == 0:
            return False
        lines = [name for name in sorted(self.used) if name in self.new]
        unused = disk.count + len(lines) - len(self.used)  # lines a full save would not write
        if not mostly_used(unused, disk.count + len(lines)):
            return False
        if not lines:
            return True  # the file holds every entry used: nothing to write
        # A line cut short by a failed write is a damaged line: a miss next time.
        return append_to_read(self.root / KEPT, disk.size,
                              [b"".join(name.encode("ascii") + b"\t" + self.new[name] + b"\n" for name in lines)])

    def _drop_others(self) -> None:
        """Remove an earlier format's entries (a folder of files each) and a stopped save's temporary file."""
        for item in os.scandir(self.root):
            if item.name in (KEPT, AGENCIES) or (item.name.startswith(".") and not item.name.startswith(f".{KEPT}.")):
                continue  # (a temporary file of a save that was stopped is removed)
            if item.is_dir(follow_symlinks=False):
                shutil.rmtree(item.path)
            else:
                os.unlink(item.path)


@dataclasses.dataclass(frozen=True)
class _Disk:
    """The file as first read: its size, its lines (damaged ones too; not the header) and whether its last line
    is whole."""

    size: int
    count: int
    whole: bool


def _read(path: Path) -> tuple[bytes, dict[str, tuple[int, int, int]]]:
    """The file's bytes and, by entry name, where its report starts, where it ends (a tab follows) and where
    its rows end; none when the file is missing, unreadable, a link or of another format."""
    try:
        data = regular_bytes(path)
    except OSError:
        return b"", {}
    if data is None or not data.startswith(_HEADER):
        return b"", {}
    lines = {}
    size, at = len(data), len(_HEADER)
    while at < size:
        end = data.find(b"\n", at)
        end = size if end < 0 else end
        tab = at + _NAME
        rows = data.find(b"\t", tab + 1, end) if data[tab:tab + 1] == b"\t" else -1
        if rows > 0:  # else a damaged line: its file is judged again
            lines[data[at:tab].decode("ascii", "replace")] = (tab + 1, rows, end)
        at = end + 1
    return data, lines


def _problem_record(p: Problem) -> dict[str, Any]:
    return {"code": p.code, "id": p.message.id, "en": p.message.en, "row": p.row, "field": p.field,
            "value": p.value, "cell": p.cell}


def _problem(d: dict[str, Any]) -> Problem:
    return Problem(d["code"], Message(d["id"], d["en"]), d["row"], d["field"], d["value"], d["cell"])


def _record(r: FileReport) -> dict[str, Any]:
    """A report with its typed rows, as JSON."""
    return {"file": r.file, "period": r.period, "agency": r.agency, "table": r.table, "status": r.status,
            "errors": [_problem_record(p) for p in r.errors], "warnings": [_problem_record(p) for p in r.warnings],
            "sha256": r.sha256,
            "row_count": None if r.rows is None else len(r.rows),
            "agenda_ids": None if r.rows is None else sorted(agenda_ids(r.rows)),
            "omitted_errors": r.omitted_errors, "omitted_warnings": r.omitted_warnings}


def _rows_text(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as the JSON text ``KeptRows`` decodes: beside the entry's JSON, so reading the entry neither
    scans nor builds them."""
    return compact_json(encode_rows(rows)).decode("utf-8").rstrip("\n")


def _report(d: dict[str, Any], rows: str | None, digest: str | None = None) -> FileReport:
    """The report ``_record`` wrote, with its rows' JSON text (None: a report without rows) and that text's SHA-256
    when kept."""
    if (rows is None) != (d["row_count"] is None):
        raise ValueError("kept rows and their count disagree")  # a damaged line
    return FileReport(d["file"], d["period"], d["agency"], d["table"], d["status"],
                      [_problem(p) for p in d["errors"]], [_problem(p) for p in d["warnings"]], d["sha256"],
                      None if rows is None else KeptRows(rows, d["row_count"], frozenset(d["agenda_ids"]), digest),
                      d["omitted_errors"],
                      d["omitted_warnings"])
