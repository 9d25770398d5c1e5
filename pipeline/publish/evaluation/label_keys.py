"""The memo keys of every selection of one period label, kept by the digest of all that label's selections read.

A run makes one key a selection (``memo.Slices.keys``: 47,589 at a city, each a digest of its slices joined),
and after one new agency-month all but a few labels' selections read exactly what they read last run. A
label's digest covers every slice any of its selections can read (every agency's cells, meetings and
decisions over its months, and every scope's part of a key): when it is the one kept, each key is the one
the label's selections had then, taken back instead of made again. The file is a cache: missing,
unreadable, from other code, or a line that does not check (its own digest), and the keys are made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from pipeline.core.atomic import write_blocks
from pipeline.publish.reuse import code_digest

FILE = "indicators-keys.tsv"  # under <output>/store, beside the indicators' memo
KEY = 64  # hex digits of a key (a SHA-256)
FORMAT = 1


def _check(keys: bytes) -> bytes:
    """A line's check: the first 16 bytes of the SHA-256 of its keys, in hex."""
    return hashlib.sha256(keys).hexdigest()[:32].encode("ascii")


class LabelKeys:
    """The keys of each label's selections by the label's digest, as last kept; this run's, to keep."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.old = _read(path) if path is not None else {}
        self.new: dict[str, bytes] = {}  # label digest -> its keys concatenated (hex)

    def find(self, digest: str, count: int) -> list[str] | None:
        """The ``count`` keys kept under ``digest`` (kept again for the next run), or None."""
        line = self.old.get(digest)
        if line is None:
            return None
        check, keys = line[:32], line[33:]
        if line[32:33] != b"\t" or len(keys) != KEY * count or _check(keys) != check:
            return None  # damaged, or another count of scopes: made again
        self.new[digest] = keys
        text = keys.decode("ascii")
        return [text[at:at + KEY] for at in range(0, len(text), KEY)]

    def put(self, digest: str, keys: list[str]) -> None:
        """Keep the keys made for a label's selections under its digest."""
        self.new[digest] = "".join(keys).encode("ascii")

    def save(self) -> None:
        """Write this run's labels (only those used: the file never grows with labels no longer made)."""
        if self.path is None:
            return
        header = json.dumps({"format": FORMAT, "code": code_digest()}, separators=(",", ":")).encode("utf-8")
        write_blocks(self.path, _lines(header, self.new), sync=False)  # a cache: a torn file fails its checks


def _lines(header: bytes, new: dict[str, bytes]) -> Iterator[bytes]:
    """The file's lines: the header, then "<label digest>\\t<check>\\t<keys>" in digest order."""
    yield header + b"\n"
    for digest, keys in sorted(new.items()):
        yield b"%s\t%s\t%s\n" % (digest.encode("ascii"), _check(keys), keys)


def _read(path: Path) -> dict[str, bytes]:
    """Each kept line after its digest (its check, a tab, its keys) by label digest; none when the file is
    missing, unreadable or from other code."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    head, _, body = data.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:
        return {}
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("code") != code_digest():
        return {}
    kept = {}
    for line in body.split(b"\n"):
        digest, tab, rest = line.partition(b"\t")
        if tab and len(digest) == KEY:  # else a damaged line: its label's keys are made
            kept[digest.decode("ascii", "replace")] = rest
    return kept
