"""Return the C heap's free pages to the system once a process freed much of what it held."""

from __future__ import annotations

import contextlib
import ctypes


def give_back() -> None:
    """glibc's ``malloc_trim(0)``: the free pages of the C heap returned to the system (elsewhere nothing).

    Freed memory otherwise stays mapped in the process, and counted in its resident size and the tree's peak.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
