"""The search index behind the interface of an incremental build, by indexing every searchable page.

The build asks for ``index_site(staging, live, searchable, read_html)`` and applies the
returned ``SearchChanges`` in its swap like its own files. This version gives Pagefind a full
tree (every searchable page in ``staging``: hard links to the live ones that did not change),
runs it as a cold build does, and reports the whole bundle as written; the build then moves
only the bundle files whose bytes differ from the live ones. A partitioned index that rebuilds
only the parts holding changed pages can take its place behind the same signature.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.oserrors import naming
from pipeline.site import search


@dataclass(frozen=True)
class SearchChanges:
    """Site-relative paths of index files staged (``written``) and of live ones to delete (``removed``)."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def index_site(staging: Path, live: Path | None, searchable: dict[str, dict[str, str]],
               read_html: Callable[[str], bytes]) -> SearchChanges:
    """Index every page of ``searchable`` (language -> site path -> SHA-256) into ``staging``."""
    for paths in searchable.values():
        for rel in paths:
            target = staging / rel
            if target.exists():  # rewritten by this build
                continue
            with naming(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                try:  # no copy of 50,000 unchanged pages: a link to the live file (same disk)
                    if live is None:
                        raise OSError
                    os.link(live / rel, target)
                except OSError:
                    target.write_bytes(read_html(rel))
    search.index_site(staging, {lang: len(paths) for lang, paths in searchable.items()})
    bundle = staging / search.BUNDLE
    written = sorted(p.relative_to(staging).as_posix() for p in bundle.rglob("*") if p.is_file())
    removed: list[str] = []
    if live is not None and (live / search.BUNDLE).is_dir():
        new = set(written)
        removed = sorted(rel for p in (live / search.BUNDLE).rglob("*")
                         if p.is_file() and (rel := p.relative_to(live).as_posix()) not in new)
    return SearchChanges(written, removed)
