"""The processors this process may run on: what it and the children it forks share."""

from __future__ import annotations

import os


def usable() -> int:
    """The processors this process may run on (its affinity where the system tells it, else every one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
