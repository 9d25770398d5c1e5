"""Find the feedback pages the publish stage wrote, by period, agency and table."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.core.models import TABLES

_PERIOD = re.compile(r"^\d{4}-\d{2}$")
_SKIP = {"index", "feedback", "laporan"}


def _parse(rel: Path) -> tuple[str | None, str | None, str | None]:
    """(period, agency, table) named by a feedback page's path, whatever its exact layout."""
    parts = [*rel.parts[:-1], rel.stem]
    period = next((p for p in parts if _PERIOD.match(p)), None)
    table = next((t for p in parts for t in TABLES if p == t or p.endswith(f"-{t}") or p.startswith(f"{t}.")), None)
    rest = [p for p in parts if p != period and p not in _SKIP and not any(t in p for t in TABLES)]
    agency = rest[-1] if rest else None
    return period, agency, table


def _pages(folder: Path) -> list[Path]:
    """Every HTML page under ``folder``, relative to it, sorted."""
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder) for p in folder.rglob("*.html"))


def files(folder: Path) -> dict[tuple[str, str, str], str]:
    """(period, agency, table) -> path of that file's feedback page, relative to the folder."""
    found: dict[tuple[str, str, str], str] = {}
    for rel in _pages(folder):
        period, agency, table = _parse(rel)
        if period and agency and table:
            found.setdefault((period, agency, table), rel.as_posix())
    return found


def months(folder: Path) -> dict[tuple[str, str], str]:
    """(period, agency) -> path of that agency's monthly summary page, relative to the folder."""
    found: dict[tuple[str, str], str] = {}
    for rel in _pages(folder):
        period, agency, table = _parse(rel)
        if period and agency and not table:
            found.setdefault((period, agency), rel.as_posix())
    return found
