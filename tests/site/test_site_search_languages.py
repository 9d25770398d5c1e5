"""The search index is written one language at a time (Pagefind's memory grows with the pages of one run).

The browser tests of test_site_search.py search both languages of the same site, so they
show that the split index answers as before; here: each bundle holds one language only.
"""

from __future__ import annotations

import json
from pathlib import Path


def test_each_language_has_its_own_bundle(site: Path) -> None:
    bundles = json.loads((site / "pagefind" / "bundles.json").read_text(encoding="utf-8"))
    assert bundles == {"id": {"bundle": "pagefind/", "site": ""}, "en": {"bundle": "pagefind/en/", "site": "en/"}}
    for lang, where in (("id", "pagefind"), ("en", "pagefind/en")):
        entry = json.loads((site / where / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert list(entry["languages"]) == [lang], where  # the run indexed one language, not both
        assert entry["languages"][lang]["page_count"] > 100, where
