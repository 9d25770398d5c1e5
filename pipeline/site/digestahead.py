"""The digests of the files a site build's check reads whose kept digest no longer holds, read during the data stage.

The check (``fingerprint.inputs_fingerprint``) takes a file's SHA-256 from the kept digests while its stat is the
one kept with it, and reads every other file. Whenever those stats changed wholesale (an output restored or
copied: every inode and change time differs; a skipped build never keeps what its check read), that was a read
of each of a city's 25,700 files, 0.36 s on the site stage's critical path after the data stage. The command's
process is idle on the other core while the data stage works (runner/steps.py): it walks the trees there and
reads those files, and the site child forked from it at the commit takes them over (``ReadAhead.offered``).

An entry read ahead is kept by the rule of ``DigestCache.digest``: only when the file's stat was the same before
and after the read and it was last changed ``RACY_NS`` before the read. The check takes it, as the digest of a
file another stage wrote (``DigestCache.offer``), only while the file's stat is still that key: a file the data
stage writes again afterwards has another inode or change time, and is read by the check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.core.treehash import DigestCache, entry_name, stat_fields
from pipeline.site import fingerprint
from pipeline.site.prescan import Prescan

_EVERY = 256  # files passed between two questions whether to stop


def read_changed(output: Path, templates: Path, kept: dict[str, list[Any]], prescan: Prescan,
                 stop: Callable[[], bool] | None = None) -> dict[str, list[Any]]:
    """Entry name -> [*stat key, SHA-256] of each regular file of the build's trees whose entry in ``kept``
    (the kept digests) does not match its stat now, read now (``prescan``: the trees' walk); as far as
    ``stop`` lets it (asked every ``_EVERY`` files: what was read until then is kept)."""
    reader = DigestCache(output.joinpath(*fingerprint.DIGESTS), {})  # kept apart: every file it meets is read
    reader.names = prescan.names
    passed = 0
    for label, root, suffix in fingerprint.trees(output, templates):
        for item in prescan.scan(label, root, suffix):
            if isinstance(item, bytes):
                continue
            _, path, st = item
            passed += 1
            if stop is not None and passed % _EVERY == 0 and stop():
                return reader.seen
            entry = kept.get(prescan.names.get(path) or entry_name(path))
            if entry is not None and entry[:-1] == stat_fields(st):
                continue  # the check takes it from the kept digests
            try:
                reader.digest(path, st)  # kept in ``seen`` only when settled and unchanged while read
            except OSError:
                continue  # the check names it
    return reader.seen
