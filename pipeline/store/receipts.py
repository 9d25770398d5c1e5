"""The data officer's intake log: when each file version arrived (``file,sha256,received_at``)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.core.config import read_config_file
from pipeline.core.errors import ConfigError

Receipts = dict[tuple[str, str], str]


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


def load_receipts(path: Path | None, tz: ZoneInfo, root: Path | None = None) -> Receipts:
    """Map (file, sha256) to the ISO receipt time; ConfigError listing every bad line.

    ``path`` lies in ``root`` (the datasets folder; default: the log's own folder) and is
    read without following links below it.
    """
    if path is None:
        return {}
    root = root if root is not None else path.parent
    try:
        text = read_config_file(root, path.relative_to(root).as_posix()).decode("utf-8-sig")
    except FileNotFoundError:
        return {}  # no log yet: every file counts as received when first seen
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: bukan UTF-8 / not UTF-8"]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = {"file", "sha256", "received_at"} - set(header)
    if missing:
        raise ConfigError([f"{path}: kolom hilang / missing columns: {', '.join(sorted(missing))}"])
    reader.fieldnames = header
    receipts: Receipts = {}
    problems: list[str] = []
    for number, row in enumerate(reader, start=2):
        try:
            when = datetime.fromisoformat((row["received_at"] or "").strip())
        except ValueError:
            problems.append(
                f"{path} baris/row {number}: received_at {row['received_at']!r} bukan waktu ISO "
                "/ is not an ISO date-time (2026-11-05T09:30:00+07:00)"
            )
            continue
        key = (submission_path(row["file"] or ""), (row["sha256"] or "").strip().lower())
        stamp = local_iso(when, tz)
        # Logged twice: the first arrival counts (same offset, so text order is time order).
        receipts[key] = min(stamp, receipts.get(key, stamp))
    if problems:
        raise ConfigError(problems)
    return receipts
