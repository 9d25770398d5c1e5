"""Turn the published CSV text back into Python values, using each field's schema type."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pipeline.core.errors import SiteError

Row = dict[str, Any]
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _boolean(text: str) -> bool:
    """Frictionless' default true/false spellings."""
    low = text.strip().lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _datetime(text: str) -> datetime:
    """ISO 8601 date-time; a trailing Z means UTC."""
    return datetime.fromisoformat(text)


def _number(text: str) -> float | int:
    """A number as published; integers stay integers (exact, however long: 10^400 is valid)."""
    return int(text) if _INTEGER.fullmatch(text) else float(text)


_CASTS: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "number": _number,
    "boolean": _boolean,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "datetime": _datetime,
}


def read_table(path: Path, schema: dict[str, Any]) -> list[Row]:
    """Read one published CSV into typed rows (empty cells become None)."""
    types = {f["name"]: f.get("type", "string") for f in schema.get("fields", [])}
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError(f"{path}: tidak dapat dibaca / cannot be read: {exc}") from None
    typed: list[Row] = []
    for number, raw in enumerate(rows, start=2):
        typed.append({name: _cast(path, number, name, types.get(name, "string"), text)
                      for name, text in raw.items() if name is not None})
    return typed


def _cast(path: Path, row: int, name: str, kind: str, text: str | None) -> Any:
    """Cast one cell; published data that does not match its own schema is a machine failure."""
    if text is None or text == "":
        return None
    cast = _CASTS.get(kind)
    if cast is None:
        return text
    try:
        return cast(text)
    except ValueError:
        raise SiteError(
            f"{path}: baris {row}, kolom {name}: {text!r} bukan {kind} / row {row}, field {name}: not a {kind}"
        ) from None
