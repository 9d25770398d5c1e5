"""The whole sample, built in memory from the world, then written into a datasets folder."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pipeline.core import atomic
from pipeline.core.models import TABLES
from tools.sample.clerk_errors import Intended, Table, inject
from tools.sample.decisions import build_decisions
from tools.sample.files import file_bytes, file_name
from tools.sample.intake import (
    assemble,
    choose_injections,
    late_submissions,
    received_at,
    written_keys,
)
from tools.sample.meetings import agency_meetings
from tools.sample.organiser import organiser_meetings
from tools.sample.performance import performance_files
from tools.sample.records import Ledger
from tools.sample.source import Key, SourceError
from tools.sample.world import World

# The folders and the file the generator writes, relative to the datasets folder.
FOLDERS = ("submissions", "history")
RECEIPTS = "receipts.csv"


@dataclass(frozen=True)
class Sample:
    """Every file of the sample by its path under the datasets folder, and what went into it."""

    files: dict[str, bytes]
    written: set[Key]
    intended: list[Intended]
    late: set[tuple[str, str]]
    contents: dict[Key, Table]
    receipts: list[tuple[str, str, str]]  # (file, sha256, received_at)


def sha256(data: bytes) -> str:
    """SHA-256 hex digest."""
    return hashlib.sha256(data).hexdigest()


def build(world: World) -> Sample:
    """The submissions, the first versions of corrected files, and the intake log."""
    files = performance_files(world)
    ledger = Ledger.empty(list(world.joined))
    organiser_meetings(world, ledger, files)
    agency_meetings(world, ledger)
    build_decisions(world, ledger)
    written = written_keys(world)
    injections = choose_injections(world, ledger, files, written)
    contents = assemble(world, ledger, files, written, set(injections))
    late = late_submissions(world, written)
    intake = world.source.intake
    corrected = {key: (kind, days) for key, kind, days in intake.corrected}
    out: dict[str, bytes] = {}
    receipts: list[tuple[str, str, str]] = []
    intended: list[Intended] = []
    for key in sorted(written):
        table = contents[key]
        when = received_at(world, key[0], key[1], (key[0], key[1]) in late, TABLES.index(key[2]))
        if key in corrected:
            kind, days = corrected[key]
            first = first_version(world, key, table, kind, when)
            out[history_name(world, key)] = first
            receipts.append((file_name(intake, key), sha256(first), when.isoformat()))
            when += timedelta(days=days, hours=1)
        if key in injections:
            found = inject(world, injections[key], key, table)
            assert found is not None, key  # choose_injections tried it on the same rows
            intended.append(found)
        data = file_bytes(intake, key, table, when)
        out[file_name(intake, key)] = data
        receipts.append((file_name(intake, key), sha256(data), when.isoformat()))
    receipts.sort(key=lambda item: (item[2], item[0]))
    out[RECEIPTS] = receipts_bytes(receipts)
    return Sample(out, written, intended, late, contents, receipts)


def history_name(world: World, key: Key) -> str:
    """Where the first, rejected version of a corrected file is kept."""
    return f"history/{key[0]}/{key[1]}/{Path(file_name(world.source.intake, key)).name}"


def first_version(world: World, key: Key, table: Table, kind: str, when: datetime) -> bytes:
    """The bytes of a corrected file as first sent, with the clerk's mistake."""
    original = Table(list(table.header), [dict(row) for row in table.rows])
    if inject(world, kind, key, original) is None:
        raise SourceError(f"intake.toml: corrected file {'/'.join(key)} offers no place for {kind}")
    return file_bytes(world.source.intake, key, original, when)


def receipts_bytes(receipts: list[tuple[str, str, str]]) -> bytes:
    """receipts.csv: the data officer's intake log."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "sha256", "received_at"])
    writer.writerows(receipts)
    return buffer.getvalue().encode("utf-8")


def write(sample: Sample, datasets: Path) -> None:
    """Replace submissions/, history/ and receipts.csv of ``datasets`` with the sample's.

    Each folder is built aside and swapped in whole, so an interrupted run leaves the old one.
    """
    for folder in FOLDERS:
        staging = atomic.staging_dir(datasets / folder)
        for name, data in sample.files.items():
            if name.startswith(f"{folder}/"):
                path = staging / name.removeprefix(f"{folder}/")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        atomic.replace_dir(staging, datasets / folder)
    atomic.write_bytes(datasets / RECEIPTS, sample.files[RECEIPTS])
