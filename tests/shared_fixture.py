"""A guard for fixtures shared by several tests (module or session scope): they must stay read-only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def digest_tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (hidden ones too), by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@contextmanager
def read_only(*folders: Path) -> Iterator[None]:
    """Fail at teardown when a test added, removed or changed a file under ``folders``.

    A test that writes into a shared fixture makes the tests after it depend on the order
    they run in; a test that needs to change files works on a copy of its own.
    """
    before = {folder: digest_tree(folder) for folder in folders}
    yield
    for folder, files in before.items():
        after = digest_tree(folder)
        changed = sorted(k for k in set(files) | set(after) if files.get(k) != after.get(k))
        assert not changed, f"a test wrote into the shared fixture {folder}: {changed[:10]}"
