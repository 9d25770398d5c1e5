"""The search index is split by language and into partitions (Pagefind's memory grows with the pages of one run).

The browser tests of test_site_search.py search both languages of the site built with
partitions of at most 50 pages, so they show that the merged bundles answer as one index
would; here: the layout, one language per bundle, and the cap.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.site.conftest import SMALL_PARTITIONS


def _entry(site: Path, folder: str) -> dict:
    """A bundle's Pagefind entry file."""
    return json.loads((site / folder / "pagefind-entry.json").read_text(encoding="utf-8"))


def _searchable(site: Path, lang: str) -> int:
    """How many pages of one language are marked for search (the attribute Pagefind indexes)."""
    english = [p for p in site.rglob("*.html") if p.relative_to(site).as_posix().startswith("en/")]
    pages = english if lang == "en" else [p for p in site.rglob("*.html") if p not in set(english)]
    return sum(1 for p in pages if "data-pagefind-body" in p.read_text(encoding="utf-8"))


def _check(site: Path, cap: int) -> dict[str, dict]:
    """Check the layout of a site's search index; return bundles.json."""
    bundles = json.loads((site / "pagefind" / "bundles.json").read_text(encoding="utf-8"))
    assert sorted(bundles) == ["en", "id"]
    for lang, mine in bundles.items():
        assert mine["runtime"] == f"pagefind/{lang}/"
        assert (site / mine["runtime"] / "pagefind.js").is_file()
        assert not (site / mine["runtime"] / "pagefind-ui.js").exists()  # Pagefind's own UI is not shipped
        counts = []
        for part in mine["parts"]:
            assert part.startswith(f"pagefind/{lang}/p/"), part
            entry = _entry(site, part)
            assert list(entry["languages"]) == [lang], part  # one language per bundle
            assert not (site / part / "pagefind.js").exists(), part  # the runtime is loaded once
            counts.append(entry["languages"][lang]["page_count"])
        assert max(counts) <= cap, (lang, counts)
        assert sum(counts) == _searchable(site, lang), lang  # every searchable page in exactly one partition
    return bundles


def test_each_language_has_its_own_bundles(site: Path) -> None:
    bundles = _check(site, 2000)
    for lang, mine in bundles.items():  # agendas, decisions and everything else, each cut on its own
        assert {p.split("/p/")[1].split("-")[0] for p in mine["parts"]} == {"agenda", "inti", "keputusan"}, lang
        assert len(mine["parts"]) <= 6, lang  # about 300 pages: a boundary is rare at 2,000


def test_partitions_hold_at_most_the_cap(partitioned_site: Path) -> None:
    bundles = _check(partitioned_site, SMALL_PARTITIONS)
    for lang, mine in bundles.items():
        assert len(mine["parts"]) >= 6, lang  # about 300 searchable pages per language
