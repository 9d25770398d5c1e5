"""The follow-up of decisions: which statuses are still open, and when a decision is overdue."""

from __future__ import annotations

from datetime import date

OPEN_STATUSES = ("open", "in-progress")


def is_overdue(status: str | None, due: date | None, as_of: date) -> bool:
    """True when a decision is still open after its due date (on the due date itself it is not late)."""
    return status in OPEN_STATUSES and due is not None and as_of > due
