"""The page budget: every HTML page of the site at most 30 KB gzipped, measured the same way everywhere."""

from __future__ import annotations

import gzip
from pathlib import Path

# A page a phone on a slow connection loads in a couple of seconds. Lists longer than fit
# are cut into numbered or per-month/per-year pages, so no page grows with the history.
PAGE_BUDGET = 30 * 1024
LEVEL = 9  # gzip level of the measure (what a server sending pre-compressed files would use)


def page_sizes(site: Path) -> dict[str, int]:
    """The gzipped size of every HTML page under ``site``, by path relative to it."""
    out = {}
    for path in sorted(site.rglob("*.html")):
        out[path.relative_to(site).as_posix()] = len(gzip.compress(path.read_bytes(), LEVEL))
    return out


def over_budget(sizes: dict[str, int], budget: int = PAGE_BUDGET) -> dict[str, int]:
    """The pages larger than the budget, largest first."""
    return dict(sorted(((k, v) for k, v in sizes.items() if v > budget), key=lambda kv: (-kv[1], kv[0])))
