"""The decisions register's pages are keyed by what each one shows: a page whose rows did not change
keeps its key (not rendered again) when only the first page's summary (the overdue count, the date)
changed, and a page whose key is kept has the bytes it had."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from pipeline.core.config import Portal
from pipeline.site.build import TEMPLATES, kits
from pipeline.site.loader import load_site_data
from pipeline.site.models import Decision, SiteData
from pipeline.site.pages import decisions
from pipeline.site.render import Renderer

AS_OF = date(2026, 11, 28)
OVERDUE = 60  # overdue decisions: the register's first three pages (25 rows a page)


def _register(data: SiteData, lang: str) -> dict[str, tuple[str, bytes]]:
    """Each register page's key and bytes in ``lang``."""
    kit = kits(TEMPLATES)[lang]
    renderer = Renderer(TEMPLATES, data)
    return {page.path: (renderer.key(page, kit, "code"), renderer.render(page, kit).encode())
            for page in decisions.register(data, kit)}


def _many(data: SiteData) -> SiteData:
    """The data with ``OVERDUE`` overdue decisions (due one day after another) and 40 done ones."""
    d = data.decisions[0]
    late = [dataclasses.replace(d, decision_id=f"L-{n:03}", status="open", completed_on=None, overdue=True,
                                due_date=date(2026, 1, 1) + timedelta(days=n)) for n in range(OVERDUE)]
    done = [dataclasses.replace(d, decision_id=f"D-{n:03}", status="done", overdue=False,
                                date=date(2025, 1, 1) + timedelta(days=n)) for n in range(40)]
    # The last overdue one is the oldest decision: once done, it is the register's last row.
    late[-1] = dataclasses.replace(late[-1], date=date(2020, 1, 1))
    return dataclasses.replace(data, decisions=[*late, *done])


def _settled(data: SiteData) -> SiteData:
    """The last overdue decision done, and the next day."""
    last = data.decisions[OVERDUE - 1]
    followed: Decision = dataclasses.replace(last, status="done", overdue=False, completed_on=AS_OF)
    return dataclasses.replace(data, as_of=AS_OF + timedelta(days=1),
                               decisions=[*data.decisions[:OVERDUE - 1], followed, *data.decisions[OVERDUE:]])


def test_a_register_page_keeps_its_key_while_only_the_first_pages_summary_changes(fixture_portal: Portal) -> None:
    before = _many(load_site_data(fixture_portal, AS_OF))
    after = _settled(before)
    for lang in ("id", "en"):
        old, new = _register(before, lang), _register(after, lang)
        assert list(old) == list(new) and len(old) == 4
        first, second, *rest = old
        # The first page sums the register up (the overdue count, the date): new. The second's rows
        # are the same: its key too. The third lost its last overdue row, the fourth gained it.
        assert old[first][0] != new[first][0] and old[first][1] != new[first][1]
        assert old[second] == new[second]
        for path in rest:
            assert old[path][0] != new[path][0] and old[path][1] != new[path][1]


def test_a_register_page_whose_key_is_kept_shows_the_same(fixture_portal: Portal) -> None:
    # A change of the date alone (the next day) leaves every page but the first as it was, key and bytes.
    before = _many(load_site_data(fixture_portal, AS_OF))
    after = dataclasses.replace(before, as_of=AS_OF + timedelta(days=1))
    for lang in ("id", "en"):
        old, new = _register(before, lang), _register(after, lang)
        changed = {path for path in old if old[path][0] != new[path][0]}
        assert changed == {"/keputusan/"}
        assert all(old[path][1] == new[path][1] for path in old if path not in changed)
        assert old["/keputusan/"][1] != new["/keputusan/"][1]
