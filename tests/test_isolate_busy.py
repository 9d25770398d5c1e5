"""``isolate.Child.busy``: True while a forked child works, False once it has answered or died (real forks)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline.core.errors import SiteError
from pipeline.runner import isolate

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _settled(child: isolate.Child[object], seconds: float = 20.0) -> bool:
    """Wait until the child is no longer busy (at most ``seconds``); whether it is."""
    end = time.monotonic() + seconds
    while child.busy() and time.monotonic() < end:
        time.sleep(0.01)
    return not child.busy()


def test_busy_until_it_answers(tmp_path: Path) -> None:
    go = tmp_path / "go"

    def work() -> str:
        while not go.exists():
            time.sleep(0.01)
        return "done"

    child = isolate.start("test", work, died=SiteError)
    try:
        time.sleep(0.2)
        assert child.busy()
        go.touch()
        assert _settled(child)
        assert child.result() == "done"
    finally:
        child.stop()


def test_not_busy_once_dead_without_an_answer() -> None:
    child = isolate.start("test", lambda: os._exit(3), died=SiteError)
    try:
        assert _settled(child)
        with pytest.raises(SiteError):
            child.result()
    finally:
        child.stop()
