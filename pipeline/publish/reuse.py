"""Files of an output folder reused from the last run when the inputs they were built from are the same.

Each reusable file is built by a pure function of a few inputs (an agency's template: its table's
schema and the agency's code and services; a feedback page: its context) and of the code and
libraries that write it. The SHA-256 of those inputs, with the SHA-256 of the bytes built from
them, is kept by file in ``<output>/store/<folder>-inputs.json`` once the run has put the folder
in place; the next run reads a file back instead of building it when its inputs' digest is
unchanged and the file still holds the bytes recorded (a file rewritten by hand, or left by a run
killed between its swap and its record, is built again). Any change in the pipeline's code or in
openpyxl changes every digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pipeline.core.atomic import regular_bytes, write_bytes
from pipeline.core.treehash import hash_tree, library_versions

PIPELINE = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The SHA-256 of the pipeline's code and of the libraries that write its files."""
    h = hashlib.sha256(f"{library_versions(('openpyxl', 'lxml'))}\0".encode())
    hash_tree(h, "pipeline", PIPELINE, ".py")
    return h.hexdigest()


def inputs_key(*parts: object) -> str:
    """The digest of a file's inputs (their JSON, sorted keys) and of the code."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(f"{code_digest()}\0{text}".encode()).hexdigest()


class Reuse:
    """The files one output folder held after the last run, and the digests of their inputs."""

    def __init__(self, output: Path, folder: str) -> None:
        self.folder = output / folder
        self.record = output / "store" / f"{folder}-inputs.json"
        try:
            old = json.loads(self.record.read_bytes())
        except (OSError, ValueError):
            old = {}
        self.old: dict[str, str] = old if isinstance(old, dict) else {}
        self.new: dict[str, str] = {}
        self.in_place: set[str] = set()  # the files read back from the folder, untouched since

    def get(self, rel: str, key: str, build: Callable[[], bytes]) -> bytes:
        """The file ``rel`` as last built when its inputs' digest is ``key``, else ``build()``."""
        data = self._kept(rel, key)
        if data is None:
            data = build()
        else:
            self.in_place.add(rel)
        self.new[rel] = f"{key} {hashlib.sha256(data).hexdigest()}"
        return data

    def _kept(self, rel: str, key: str) -> bytes | None:
        """The bytes of ``rel`` in place when they were built from ``key`` and are untouched, else None."""
        inputs, _, digest = self.old.get(rel, "").partition(" ")
        if inputs != key or not digest:
            return None
        try:
            # A link or a special file is never read back (nor taken as in place).
            data = regular_bytes(f"{self.folder}/{rel}")
        except OSError:
            return None  # gone or unreadable: built again
        return data if data is not None and hashlib.sha256(data).hexdigest() == digest else None

    def save(self) -> None:
        """Keep this run's digests (call once the folder built from them is in place)."""
        data = (json.dumps(self.new, sort_keys=True) + "\n").encode()
        if self.old != self.new or not self.record.is_file():
            write_bytes(self.record, data)
