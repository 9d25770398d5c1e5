"""The cycle collector set aside while tables are built (core/collector.py)."""

from __future__ import annotations

import gc

import pytest

from pipeline.core import collector


def test_the_collector_is_paused_then_what_was_made_is_frozen() -> None:
    """Inside: no automatic collection; after: enabled again, with what the block made out of its walks."""
    assert gc.isenabled()
    before = gc.get_freeze_count()
    try:
        with collector.set_aside():
            assert not gc.isenabled()
            made = [[n] for n in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= before + len(made)
    finally:
        gc.unfreeze()


def test_after_a_failure_it_is_enabled_and_nothing_is_frozen() -> None:
    """A block that raises leaves the collector as it was and freezes nothing (its traceback stays collectable)."""
    before = gc.get_freeze_count()
    with pytest.raises(ValueError), collector.set_aside():
        raise ValueError("stop")
    assert gc.isenabled() and gc.get_freeze_count() == before
