"""A kept copy of every agenda's VEVENT bytes by its key, so that a build which makes the mall's
calendar again takes the unchanged events from one file instead of reading each agenda's live
.ics file (11,824 of them in a large city).

An event's key (``feeds.calendar_files``) is the SHA-256 of the site code (the pipeline's code
and the libraries' versions among it) and the event's declared inputs: its bytes follow from
the key alone, so a kept event is used only under its key and never goes stale. The file is
checked whole (magic and the payload's SHA-256): anything else (absent, damaged, another
layout) counts as nothing kept, the events are taken as before (the live file or icalendar),
and the copy is written again. Only str keys and bytes values may be unpickled: a kept file
cannot make the build run anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from pipeline.site.keptpickle import load_plain, plain_bytes, save_plain
from pipeline.site.rowcache import FOLDER

FILE_NAME = "calendar-events.bin"  # under <output>/site-cache/: deleting it costs one slower calendar build
MAGIC = b"mpp-calendar-events 1\n"


class KeptEvents:
    """The kept events of ``folder`` (None: nothing kept, nothing written), read on first use."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / FILE_NAME if folder is not None else None
        self._kept: dict[str, bytes] | None = None
        self._new: dict[str, bytes] = {}  # made (or read from a live file) in this build

    @classmethod
    def of_output(cls, output: Path) -> KeptEvents:
        """The kept events of a portal's output folder."""
        return cls(output / FOLDER)

    def get(self, key: str) -> bytes | None:
        """The event kept under ``key``, or None (read from the file only when first asked)."""
        return self._loaded().get(key)

    def put(self, key: str, event: bytes) -> None:
        """Remember an event made in this build, to be kept by ``save``."""
        self._new[key] = event

    def save(self, keys: Iterable[str]) -> None:
        """Keep the events of ``keys`` (this build's agendas) known now; the file is written only
        when it would hold other keys than it does (unchanged, it is not rewritten)."""
        if self.path is None or (not self._new and self._kept is None):
            return  # no event made or asked for: every calendar was kept, and so is the file
        kept = self._loaded()
        events = {}
        for key in keys:
            event = self._new.get(key) or kept.get(key)
            if event is not None:
                events[key] = event
        if events.keys() != kept.keys():
            # A copy that cannot be kept (a read-only or full disk) only makes the next build slower.
            with contextlib.suppress(OSError):
                save_plain(self.path, MAGIC, events)

    def _loaded(self) -> dict[str, bytes]:
        """The kept events, read once (an empty dict when there are none or the file is damaged)."""
        if self._kept is None:
            self._kept = load(self.path) if self.path is not None else {}
        return self._kept


def dump(events: dict[str, bytes]) -> bytes:
    """The kept file's bytes: magic, the payload's SHA-256, then the payload."""
    return plain_bytes(MAGIC, events)


def load(path: Path) -> dict[str, bytes]:
    """The events kept in ``path``, or none when it is absent or damaged."""
    events = load_plain(path, MAGIC)
    if not (isinstance(events, dict) and all(type(k) is str and type(v) is bytes for k, v in events.items())):
        return {}
    return events
