"""The outside tools some tests need (Nu HTML Checker, axe-core, Lighthouse, Chromium, tmpfs mounts): missing means failed.

A test whose tool is missing fails with what to install, so that ``make test`` (CI) cannot pass
without the checks. To run the rest on a machine without them, set ``SKIP_MISSING_TOOLS=1``:
those tests are then skipped, each with the same message (``pytest -rs`` lists them).
``make test`` clears that variable.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parent.parent
VNU = REPO / ".cache/node/node_modules/vnu-jar/build/dist/vnu.jar"
AXE = REPO / ".cache/node/node_modules/axe-core/axe.min.js"
NODE_PREFIX = REPO / ".cache/node"
LIGHTHOUSE = NODE_PREFIX / "node_modules/lighthouse/core/index.js"
CHROMIUM = Path("/usr/bin/chromium")


def missing(message: str) -> NoReturn:
    """Fail the test (or skip it, with SKIP_MISSING_TOOLS=1) naming what to install."""
    text = f"{message} (SKIP_MISSING_TOOLS=1 skips the tests that need it instead of failing them)"
    if os.environ.get("SKIP_MISSING_TOOLS") == "1":
        pytest.skip(text)
    pytest.fail(text, pytrace=False)


def require_vnu() -> Path:
    """The Nu HTML Checker's jar, with java to run it."""
    if not VNU.is_file():
        missing(f"the Nu HTML Checker is missing ({VNU}): run `make node-deps` (npm package vnu-jar)")
    if shutil.which("java") is None:
        missing("java is missing (the Nu HTML Checker runs on it): run `make system-deps` (default-jre-headless)")
    return VNU


def require_axe() -> Path:
    """axe-core's script."""
    if not AXE.is_file():
        missing(f"axe-core is missing ({AXE}): run `make node-deps` (npm package axe-core)")
    return AXE


def require_lighthouse() -> Path:
    """Lighthouse's package folder prefix (the npm prefix holding it), with node to run it."""
    if not LIGHTHOUSE.is_file():
        missing(f"Lighthouse is missing ({LIGHTHOUSE}): run `make node-deps` (npm package lighthouse)")
    if shutil.which("node") is None:
        missing("node is missing (Lighthouse runs on it): run `make system-deps` (nodejs)")
    return NODE_PREFIX


def require_chromium() -> Path:
    """Debian's Chromium."""
    if not CHROMIUM.is_file():
        missing(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    return CHROMIUM
