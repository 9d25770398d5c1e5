"""A build's check (``fingerprint.inputs_fingerprint``) made by a forked child while the build reads its data.

After a new month the check took 0.2 s at the bench city (each file of the trees it reads stat'ed again, the
digests of the files the data stage wrote fed), at the head of the build's longest path, while the other core
had little to do: the site data read after it does not depend on its answer, only on digests of files it would
otherwise hash (the published files, the store's reports), which are known before the check ends. With what the
site child read ahead (readahead.py), the check is made by a child forked at once; the build reads its data
meanwhile, taking each digest it needs from ``Apart.digests``: the digests the last build kept and those of the
files this run's data stage wrote, each only while the file's stat is the one kept with it (as the check itself
takes them), a store's report by its stat now. Once the data is read, the child's fingerprint decides as before:
the same as the live site's, the build is skipped (nothing was written but the copies' staging folder, removed);
else what the check found becomes the build's check in this process (``fingerprint.adopt``), as if made here.
"""

from __future__ import annotations

import gc
import os
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.core.treehash import DigestCache
from pipeline.runner import isolate
from pipeline.site import fingerprint
from pipeline.site.readahead import ReadAhead


class _Known(DigestCache):
    """Digests taken only under their stat key (``known``): ``found`` takes the file's stat now."""

    def found(self, path: str) -> str | None:
        """The kept digest of ``path`` while its stat is the one kept with it (None: the caller reads it)."""
        try:
            st = os.lstat(path)
        except OSError:
            return None
        return self.known(path, st, fresh=True)


class Apart:
    """The check made by a child (``result``), its digests known meanwhile (``digests``)."""

    def __init__(self, portal: Portal, as_of: date, templates: Path, search: bool,
                 written: dict[str, list[Any]], ahead: ReadAhead) -> None:
        self._portal, self._templates = portal, templates

        def check() -> tuple[str, fingerprint.Found]:
            gc.disable()  # its collector walks nothing: the parent's objects it shares stay unwritten (not copied)
            inputs = fingerprint.inputs_fingerprint(portal, as_of, templates, search, written, ahead)
            return inputs, fingerprint.found(portal, templates)

        self._child: isolate.Child[tuple[str, fingerprint.Found]] = isolate.start("site check", check,
                                                                                  died=SiteError)
        path = portal.output.joinpath(*fingerprint.DIGESTS)
        # Taken here as the child takes them (the same read ahead, the same stat), offered in the same order.
        kept = ahead.digests(path)
        self._kept = kept if kept is not None else DigestCache(path).kept
        self._offered = {**ahead.offered, **written}
        self._names = ahead.prescan.names if ahead.prescan is not None else {}
        self.digests: DigestCache = _Known(path, {**self._kept, **self._offered})
        self.digests.names = self._names

    def result(self) -> str:
        """The check's fingerprint; what it found is this process's check from now on (``fingerprint.checked``)."""
        inputs, what = self._child.result()
        fingerprint.adopt(self._portal, self._templates, self._kept, self._offered, self._names, what)
        return inputs

    def stop(self) -> None:
        """Kill the child (a failure of the build)."""
        self._child.stop()
