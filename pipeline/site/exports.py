"""Where the downloads of what a page shows lie, and the page's links to them.

The decisions register (and its overdue view), the performance table per agency and the
compliance matrix each get a file per language, beside the page (/keputusan/keputusan.csv,
/en/keputusan/keputusan.csv ...), so a journalist needs no join of their own.
"""

from __future__ import annotations

from pipeline.site import urls
from pipeline.site.page import Kit

FORMATS = ("csv", "xlsx")
# Export name -> (folder of the page, file stem).
DECISIONS, OVERDUE, PERFORMANCE, COMPLIANCE = "decisions", "overdue", "performance", "compliance"
WHERE = {DECISIONS: (urls.DECISIONS, "keputusan"), OVERDUE: (urls.DECISIONS, "keputusan-melewati-tenggat"),
         PERFORMANCE: (urls.PERFORMANCE, "kinerja-per-instansi"), COMPLIANCE: (urls.SUBMISSIONS, "kepatuhan")}


def path(kit: Kit, name: str, fmt: str) -> str:
    """Where an export lies in this kit's language."""
    folder, stem = WHERE[name]
    return kit.url(folder) + f"{stem}.{fmt}"


def links(kit: Kit, name: str) -> list[dict[str, str]]:
    """The page's download links: one per format."""
    return [{"format": fmt.upper(), "url": path(kit, name, fmt)} for fmt in FORMATS]
