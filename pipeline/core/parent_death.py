"""Ask Linux to kill the calling process when its parent dies (SIGKILL included).

A child left running by a killed run (a stage process, a Pagefind) would otherwise go on
beside the next run. libc's prctl is looked up once, at import, in the parent: a child
between fork and exec should not load libraries.
"""

from __future__ import annotations

import ctypes
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, or None where there is none (not Linux)."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def die_with_parent() -> bool:
    """Be killed when the parent dies; False where the system has no such guard."""
    if _PRCTL is None:
        return False
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)
    return True
