"""Long lists cut into numbered pages, and the links between them ("Halaman 2 dari 14")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pipeline.site.page import Kit

T = TypeVar("T")

# Rows per numbered page: a phone screen or two of stacked rows, and far inside the 30 KB
# gzipped page budget whatever the size of the mall.
PER_PAGE = 25
# Numbered links shown on each side of the current page (the first and last are always shown).
NEAR = 2


def chunks(rows: Sequence[T], size: int = PER_PAGE) -> list[list[T]]:
    """The rows cut into pages of ``size``, in order; one empty page when there are none."""
    return [list(rows[i:i + size]) for i in range(0, len(rows), size)] or [[]]


def pager(kit: Kit, number: int, count: int, url_of: Callable[[int], str], label: str) -> dict[str, Any] | None:
    """The navigation of page ``number`` of ``count``: previous, next and nearby numbers; None for one page."""
    if count <= 1:
        return None
    shown = sorted({1, count, *range(max(1, number - NEAR), min(count, number + NEAR) + 1)})
    items: list[dict[str, Any]] = []
    for before, n in zip([0, *shown], shown, strict=False):
        if n - before > 1:
            items.append({"gap": True})  # numbers left out between two shown ones
        items.append({"gap": False, "n": n, "url": kit.url(url_of(n)), "current": n == number})
    return {"label": label, "status": kit.t("pager.status", page=number, pages=count),
            "prev": kit.url(url_of(number - 1)) if number > 1 else None,
            "next": kit.url(url_of(number + 1)) if number < count else None, "links": items}
