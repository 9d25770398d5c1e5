"""Records of the accepted store: file versions, per-key pointers, and what an update changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.core.models import FileReport

Key = tuple[str, str, str]


@dataclass
class Version:
    """One distinct file version (by SHA-256) of a key."""

    period: str
    agency: str
    table: str
    revision: int
    sha256: str
    file: str
    first_seen: str
    received_at: str
    status: str
    errors: int
    warnings: int

    @property
    def key(self) -> Key:
        """(period, agency, table)."""
        return (self.period, self.agency, self.table)

    def _path(self, kind: str, suffix: str) -> str:
        return f"{kind}/{self.period}/{self.agency}/{self.table}/r{self.revision:03d}{suffix}"

    @property
    def blob(self) -> str:
        """Path of the received bytes, relative to the store."""
        ext = self.file.rsplit(".", 1)[-1].lower() if "." in self.file else "bin"
        return self._path("files", f"-{self.sha256[:12]}.{ext}")

    @property
    def rows_path(self) -> str:
        """Path of the typed rows (accepted versions only)."""
        return self._path("rows", ".json")

    @property
    def report_path(self) -> str:
        """Path of the latest validation report of this version."""
        return self._path("reports", ".json")


@dataclass
class Pointer:
    """Which revision of a key is current (last seen) and which is published."""

    current: int
    published: int | None

    @property
    def kept(self) -> int | None:
        """The older accepted revision that stays published while the current one is not (else None)."""
        return self.published if self.published not in (None, self.current) else None


@dataclass
class Changes:
    """What one update found: genuinely new versions and what the change log records."""

    new: list[Version] = field(default_factory=list)
    added: list[Version] = field(default_factory=list)
    corrected: list[Version] = field(default_factory=list)
    rejected: list[Version] = field(default_factory=list)
    withdrawn: list[Version] = field(default_factory=list)
    reference: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the change log gets an event."""
        return bool(self.added or self.corrected or self.rejected or self.withdrawn or self.reference)

    def event(self, day: date, now: str) -> dict[str, Any]:
        """The change-log event of this update: one flat item per change (kind in ``change``)."""
        items: list[dict[str, Any]] = [{"change": "reference", "table": name} for name in sorted(self.reference)]
        for kind in ("added", "corrected", "rejected", "withdrawn"):
            items += [{"change": kind, "file": v.file, "period": v.period, "agency": v.agency,
                       "table": v.table, "revision": v.revision, "sha256": v.sha256}
                      for v in getattr(self, kind)]
        return {"date": day.isoformat(), "published_at": now, "changes": items}


def report_record(report: FileReport) -> dict[str, Any]:
    """The contract's report object, each problem also with its spreadsheet ``cell``."""
    data = report.to_json()
    for kind in ("errors", "warnings"):
        for obj, problem in zip(data[kind], getattr(report, kind), strict=True):
            obj["cell"] = problem.cell
    return data
