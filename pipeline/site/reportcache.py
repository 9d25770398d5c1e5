"""A kept copy of the problems each stored report shows, by the report's SHA-256, so that a build
takes them instead of reading and decoding every report of the store again (10,800 of them in a
large city, of which a new month changes a handful).

What a report page shows of a report (``publish.feedback.shown_problems`` of its errors and
warnings) follows from the report's bytes and the code that shows them: a kept entry is used only
under the digest of those bytes (taken from the build's check, ``fingerprint.checked``, while the
report's stat is the one kept with it, or from the bytes just read) and only while the code is the
one that kept it. The file is checked whole (magic and the payload's SHA-256, ``keptpickle``):
anything else counts as nothing kept, and no class may be unpickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.publish import feedback
from pipeline.site.keptpickle import load_plain, save_plain

if TYPE_CHECKING:
    from pipeline.site.readahead import ReadAhead

FILE_NAME = "report-problems.bin"  # under <output>/site-cache/: deleting it costs one slower build
MAGIC = b"mpp-report-problems 1\n"

Problems = list[dict[str, Any]]
Shown = tuple[Problems, Problems]  # (errors, warnings) as a report page shows them


class KeptReports:
    """The kept problems of ``folder`` (None: nothing kept, nothing written), by report digest."""

    def __init__(self, folder: Path | None, ahead: ReadAhead | None = None) -> None:
        """``ahead``: the kept file's ``load`` taken while the data stage worked (readahead.py), while unchanged."""
        self.path = folder / FILE_NAME if folder is not None else None
        taken = ahead.take((self.path,)) if ahead is not None and self.path is not None else None
        self._kept: dict[str, Shown] = (taken[0] if taken is not None else
                                        load(self.path) if self.path is not None else {})
        self._used: dict[str, Shown] = {}  # this build's reports: what ``save`` keeps

    def get(self, sha256: str) -> Shown | None:
        """The problems kept for the report whose bytes have this digest, or None."""
        found = self._kept.get(sha256)
        if found is not None:
            self._used[sha256] = found
        return found

    def put(self, sha256: str, shown: Shown) -> None:
        """Remember the problems of a report read in this build, to be kept by ``save``."""
        self._used[sha256] = shown

    def save(self) -> None:
        """Keep the problems of this build's reports; the file is written only when it would hold
        other reports than it does (unchanged, it is not rewritten)."""
        if self.path is None or self._used.keys() == self._kept.keys():
            return
        # A copy that cannot be kept (a read-only or full disk) only makes the next build slower.
        with contextlib.suppress(OSError):
            save_plain(self.path, MAGIC, (_code(), self._used))


def shown(report: dict[str, Any]) -> Shown:
    """What a report page shows of a report: its errors and warnings (``shown_problems``)."""
    return feedback.shown_problems(report["errors"]), feedback.shown_problems(report["warnings"])


def load(path: Path) -> dict[str, Shown]:
    """The problems kept in ``path`` by the code running now, or none (absent, damaged, other code)."""
    value = load_plain(path, MAGIC)
    if not (isinstance(value, tuple) and len(value) == 2 and value[0] == _code() and isinstance(value[1], dict)):
        return {}
    kept: dict[str, Shown] = value[1]
    for key, entry in kept.items():
        if not (type(key) is str and type(entry) is tuple and len(entry) == 2
                and type(entry[0]) is list and type(entry[1]) is list):
            return {}
    return kept


@cache
def _code() -> str:
    """The SHA-256 of the code that turns a report into what its page shows, and of Python's version."""
    h = hashlib.sha256(sys.version.encode() + b"\0")
    for module in (feedback.__file__, __file__):
        h.update(Path(str(module)).read_bytes() + b"\0")
    return h.hexdigest()
