"""The data officer's intake log: when each file version arrived (``file,sha256,received_at``).

The log is the one source of receipt times: the intake service and ``python -m pipeline
receive`` append to it (``append_receipt``), the data officer may add lines by hand, and
publish reads it.  A line that cannot count (a time that is no ISO time, a path that
matches no received file, a SHA-256 that matches no version of that file, a time before
the receipt of an earlier revision) is a warning to the data officer, never a stop of the
run: the file it meant counts as received when publish first saw it.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.core.atomic import write_bytes
from pipeline.core.config import read_config_file
from pipeline.core.errors import ConfigError, PipelineError
from pipeline.store.records import Version

Receipts = dict[tuple[str, str], str]
HEADER = "file,sha256,received_at\n"


class ReceiptLog(dict[tuple[str, str], str]):
    """(file, sha256) -> the ISO receipt time, plus the log's line numbers and its warnings."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[tuple[str, str], int] = {}
        self.warnings: list[str] = []


def submission_path(file: str) -> str:
    """A file path as ``<period>/<agency>/<name>``, however the log or report spells it."""
    text = file.strip().replace("\\", "/").lstrip("./")
    for prefix in ("datasets/", "submissions/"):
        text = text.removeprefix(prefix)
    return text


def local_iso(moment: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 with the portal's offset, to the second (``2026-11-05T09:30:00+07:00``)."""
    if moment.tzinfo is None:  # a time written without offset is local time
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).replace(microsecond=0).isoformat()


def load_receipts(path: Path | None, tz: ZoneInfo, root: Path | None = None) -> ReceiptLog:
    """Map (file, sha256) to the ISO receipt time; a line with a time that is no ISO time is a warning.

    ``path`` lies in ``root`` (the datasets folder; default: the log's own folder) and is
    read without following links below it.  A log that cannot be read at all (no UTF-8,
    no header) is a ConfigError: the officer must mend it before any time can count.
    """
    log = ReceiptLog()
    if path is None:
        return log
    root = root if root is not None else path.parent
    try:
        text = read_config_file(root, path.relative_to(root).as_posix()).decode("utf-8-sig")
    except FileNotFoundError:
        return log  # no log yet: every file counts as received when first seen
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: bukan UTF-8 / not UTF-8"]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = {"file", "sha256", "received_at"} - set(header)
    if missing:
        raise ConfigError([f"{path}: kolom hilang / missing columns: {', '.join(sorted(missing))}"])
    reader.fieldnames = header
    for number, row in enumerate(reader, start=2):
        written = (row["received_at"] or "").strip()
        try:
            when = datetime.fromisoformat(written)
        except ValueError:
            log.warnings.append(
                f"{path.name} baris {number}: received_at {written!r} bukan waktu ISO, baris diabaikan; tulis "
                f"misalnya 2026-11-05T09:30:00+07:00 / line {number}: received_at {written!r} is not an ISO "
                "date-time, line ignored; write e.g. 2026-11-05T09:30:00+07:00")
            continue
        key = (submission_path(row["file"] or ""), (row["sha256"] or "").strip().lower())
        stamp = local_iso(when, tz)
        # Logged twice: the first arrival counts (same offset, so text order is time order).
        if key not in log or stamp < log[key]:
            log[key], log.lines[key] = stamp, number
    return log


def apply_receipts(log: ReceiptLog, versions: Iterable[list[Version]], name: str = "receipts.csv") -> list[str]:
    """Set every version's ``received_at`` from the log; warnings for the lines that cannot count."""
    warnings = list(log.warnings)
    used: set[tuple[str, str]] = set()
    seen_paths: set[str] = set()
    for revisions in versions:
        earlier: str | None = None
        for v in sorted(revisions, key=lambda x: x.revision):
            key = (submission_path(v.file), v.sha256)
            seen_paths.add(key[0])
            stamp = log.get(key)
            if stamp is not None:
                used.add(key)
            if stamp is not None and earlier is not None and stamp < earlier:
                warnings.append(
                    f"{name} baris {log.lines[key]}: {key[0]} revisi {v.revision} tercatat diterima {stamp}, "
                    f"sebelum revisi sebelumnya ({earlier}); baris diabaikan / line {log.lines[key]}: "
                    f"{key[0]} revision {v.revision} is logged as received {stamp}, before the earlier "
                    f"revision ({earlier}); line ignored")
                stamp = None
            v.received_at = stamp or v.first_seen
            earlier = v.received_at
    for key in sorted(set(log) - used, key=lambda k: log.lines[k]):
        number = log.lines[key]
        if key[0] in seen_paths:
            warnings.append(
                f"{name} baris {number}: SHA-256 {key[1][:12]}… tidak cocok dengan versi mana pun dari "
                f"{key[0]} yang pernah diperiksa (salah tulis, atau versi yang diganti sebelum terbit); "
                f"`python -m pipeline receive` menghitungnya / line {number}: SHA-256 {key[1][:12]}… "
                f"matches no version of {key[0]} ever judged (mistyped, or a version replaced before "
                "it was published); `python -m pipeline receive` computes it")
        else:
            warnings.append(
                f"{name} baris {number}: {key[0]} tidak cocok dengan berkas mana pun yang diterima "
                f"/ line {number}: {key[0]} matches no received file")
    return warnings


@contextmanager
def _log_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the log while it is rewritten (the intake and the CLI may write at once)."""
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def append_receipt(datasets: Path, log: Path | None, file: str, sha256: str, received_at: str) -> None:
    """Add one line to the log, atomically and under its lock (the whole log is rewritten by a rename)."""
    if log is None:
        raise PipelineError("portal.toml tidak menyebut log tanda terima (receipts) / portal.toml names no "
                            "receipts log (receipts); isi misalnya receipts = \"receipts.csv\" / set e.g. "
                            "receipts = \"receipts.csv\"")
    with _log_lock(log):
        try:
            old = read_config_file(datasets, log.relative_to(datasets).as_posix())
        except FileNotFoundError:
            old = HEADER.encode("utf-8")
        if old and not old.endswith(b"\n"):
            old += b"\n"
        line = io.StringIO()
        csv.writer(line, lineterminator="\n").writerow([file, sha256, received_at])
        write_bytes(log, old + line.getvalue().encode("utf-8"))
