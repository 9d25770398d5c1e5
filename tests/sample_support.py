"""The one publish of the repository's sample that several test modules read (see tests/conftest.py)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

SAMPLE_AS_OF, SAMPLE_NOW = "2026-11-28", "2026-11-28T06:15:00"


@dataclass(frozen=True)
class PublishedSample:
    """The output of one publish of the repository's sample, and the run that wrote it."""

    output: Path
    run: subprocess.CompletedProcess[str]
    seconds: float
