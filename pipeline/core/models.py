"""Records shared by every stage: problems found in agency files and per-file reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# The monthly tables agencies send, and the reference tables the data officer keeps.
TABLES = ("agendas", "decisions", "performance")
REFERENCE_TABLES = ("agencies", "services")
# The published tables, in the Data Package's order: every stage that lists them reads this.
PUBLISHED_TABLES = (
    "agencies", "services", "performance", "agency_ikm", "agendas", "agenda_history", "decisions",
    "decision_history", "submissions", "indicators",
)
# A row of a published table: field name -> typed value.
Record = dict[str, Any]
ACCEPTED = "accepted"
REJECTED = "rejected"


@dataclass(frozen=True)
class Message:
    """One message in Indonesian (first) and English."""

    id: str
    en: str

    def to_json(self) -> dict[str, str]:
        """The contract's ``{"id": ..., "en": ...}`` object."""
        return {"id": self.id, "en": self.en}


@dataclass(frozen=True)
class Problem:
    """An error or warning in a submitted file, as the contract describes it.

    ``cell`` is the spreadsheet reference (``D14``) shown on feedback pages; it is
    not part of the contract's JSON shape, so ``to_json`` leaves it out.
    """

    code: str
    message: Message
    row: int | None = None
    field: str | None = None
    value: str | None = None
    cell: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The contract's problem object."""
        return {
            "code": self.code,
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "message": self.message.to_json(),
        }


@dataclass
class FileReport:
    """The outcome of one submitted file (or one layout error, whose ``file`` is the path).

    ``rows`` holds the parsed, typed rows of an accepted file for later stages; it is
    never serialised into the report.
    """

    file: str
    period: str | None
    agency: str | None
    table: str | None
    status: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    sha256: str | None = None
    rows: Sequence[dict[str, Any]] | None = None  # a list, or a kept judgement's ``KeptRows``
    # Problems left out of a long list and counted in its too-many-problems summary.
    omitted_errors: int = 0
    omitted_warnings: int = 0

    @property
    def accepted(self) -> bool:
        """True when the file passed every error-level rule."""
        return self.status == ACCEPTED

    @property
    def error_count(self) -> int:
        """How many errors the file has, those only counted in a summary included."""
        return len(self.errors) - (1 if self.omitted_errors else 0) + self.omitted_errors

    @property
    def warning_count(self) -> int:
        """How many warnings the file has, those only counted in a summary included."""
        return len(self.warnings) - (1 if self.omitted_warnings else 0) + self.omitted_warnings

    def to_json(self) -> dict[str, Any]:
        """The contract's report object."""
        return {
            "file": self.file,
            "period": self.period,
            "agency": self.agency,
            "table": self.table,
            "status": self.status,
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }
