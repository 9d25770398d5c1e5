"""The site stamp is compared one part at a time (runner/sitestamp.py): a part that differs ends the comparison,
so that after a publish that ran the stat of the store's reports is not taken only to find the stamp stale."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from pipeline.core import listings
from pipeline.core.config import Portal
from pipeline.core.treehash import RACY_NS, stat_line, stat_tree
from pipeline.runner.sitestamp import LISTINGS, _holds, reports_digest


def _never() -> Any:
    raise AssertionError("made after a part that differed")


def _parts(**values: Callable[[], Any]) -> Iterator[tuple[str, Callable[[], Any]]]:
    yield from values.items()


def test_a_differing_part_ends_the_comparison() -> None:
    stamp = {"format": "f", "publish-record": "old", "store-reports": "r"}
    assert not _holds(stamp, _parts(format=lambda: "f", **{"publish-record": lambda: "new", "store-reports": _never}))


def test_every_part_equal_holds_and_any_other_key_set_does_not() -> None:
    made = {"format": lambda: "f", "libraries": lambda: ["jinja2"]}
    assert _holds({"format": "f", "libraries": ["jinja2"]}, _parts(**made))
    assert not _holds({"format": "f", "libraries": ["jinja2"], "extra": 1}, _parts(**made))
    assert not _holds({"format": "f"}, _parts(**made))
    assert not _holds([], _parts(**made))


def _reports_tree(tmp_path: Path) -> Portal:
    """A portal whose store holds a few reports' folders, settled (changed more than ``RACY_NS`` ago)."""
    output = tmp_path / "output"
    for period in ("2026-01", "2026-02"):
        for agency in ("dinkes", "dishub"):
            folder = output / "store" / "reports" / period / agency
            folder.mkdir(parents=True)
            (folder / "agendas.json").write_text("{}")
    (output / "store" / "index.json").write_text("{}")
    time.sleep(RACY_NS / 1e9 + 0.1)  # settled: a folder changed less than that before its walk has no key kept
    return cast(Portal, SimpleNamespace(output=output))  # the walk reads the output folder alone


def _fresh(portal: Portal) -> str:
    """The digest ``stat_tree`` gives the reports now, no listing kept."""
    h = hashlib.sha256()
    stat_tree(h, "store/reports", portal.output / "store" / "reports")
    with contextlib.suppress(OSError):
        h.update(stat_line("store/index.json", (portal.output / "store" / "index.json").lstat()))
    return h.hexdigest()


def test_the_reports_walked_with_the_kept_listings_are_those_of_a_fresh_walk(tmp_path: Path) -> None:
    """The walk that keeps the listings (taken while the site builds) lists only the folders whose stat changed:
    after a new month's folder, a report replaced and one removed, its digest is a fresh walk's."""
    portal = _reports_tree(tmp_path)
    walked: dict[str, Any] = {}
    assert reports_digest(portal, walked) == _fresh(portal)
    assert all(key is not None for _, key, _, _ in walked["store/reports"])  # each folder kept with its key
    listings.save(portal.output.joinpath(*LISTINGS), walked)
    reports = portal.output / "store" / "reports"
    (reports / "2026-03" / "dinkes").mkdir(parents=True)
    (reports / "2026-03" / "dinkes" / "decisions.json").write_text("{}")
    tmp = reports / "2026-01" / "dishub" / ".new"
    tmp.write_text('{"late": true}')
    os.replace(tmp, reports / "2026-01" / "dishub" / "agendas.json")
    (reports / "2026-02" / "dinkes" / "agendas.json").unlink()
    again: dict[str, Any] = {}
    assert reports_digest(portal, again) == _fresh(portal) == reports_digest(portal)
    # Unchanged folders were taken from the kept listings, and the listings kept again describe the tree.
    assert again["store/reports"] == listings.walk("store/reports", reports)[1]
