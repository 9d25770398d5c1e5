"""The site stamp is compared one part at a time (runner/sitestamp.py): a part that differs ends the comparison,
so that after a publish that ran the stat of the store's reports is not taken only to find the stamp stale."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pipeline.runner.sitestamp import _holds


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
