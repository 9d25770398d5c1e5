"""Python's cycle collector kept off the millions of objects a stage makes and keeps, none of them garbage."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def set_aside() -> Iterator[None]:
    """Pause the automatic cycle collections for the block; when it succeeds, freeze what is alive.

    Each automatic collection walks the objects still alive: while the city's tables are built
    (414,000 indicator rows, their values and the evidence indexes) those walks were a fifth of
    the indicators' time after one new agency-month, and merely paused, the first collection
    after the block walked everything it made at once (half a second). What the block made
    forms no cycle: frozen (``gc.freeze``, as the site's data in site/loader.py) the collector
    no longer walks it, and reference counting still frees it. The publish stage runs in its
    own forked process (runner/isolate.py), so nothing stays frozen beyond it. Not frozen after
    a failure: the traceback's frames would be kept alive.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
