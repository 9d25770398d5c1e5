"""The site's templates compiled by an earlier build, kept so that the next build need not compile them.

Compiling the 45 page and macro templates cost a quarter of a second of the build's serial
part (before the languages' processes are forked), in every build, although the templates
rarely change. Jinja keeps a template's compiled code in a "bucket" it checks against the
template's source (a SHA-1 of it); what turns the source into code lies outside that check
(our code generator in core/templating.py, Jinja's and Python's versions), so the folder the
buckets live in is named after the site code (fingerprint.site_code: the pipeline's code,
the templates, the libraries' versions): a build with other code finds no bucket of the old.

Each file holds the SHA-256 of its bucket's bytes ahead of them: a file cut short or changed is
a miss (compiled again, then written over), never code run. Writing is best-effort: a full
disk costs the next build one compile, not this build.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from pathlib import Path

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from pipeline.core.atomic import write_blocks

FOLDER = ("site-cache", "templates")  # under <output>: no output; deleting it costs one compile
_DIGEST = 32  # bytes of SHA-256 ahead of a bucket's bytes
_SALT = 24  # hex digits of the site code naming the folder of its buckets


class KeptTemplates(BytecodeCache):
    """Jinja's bytecode cache in ``<output>/site-cache/templates/<site code>/``, one checked file a template."""

    def __init__(self, output: Path, code: str) -> None:
        self.root = output.joinpath(*FOLDER)
        self.folder = self.root / code[:_SALT]

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` from its file when the file is whole (else leave it empty: compiled)."""
        try:
            body = (self.folder / bucket.key).read_bytes()
        except OSError:
            return
        stored, payload = body[:_DIGEST], body[_DIGEST:]
        if len(stored) < _DIGEST or hashlib.sha256(payload).digest() != stored:
            return
        try:
            bucket.bytecode_from_string(payload)  # Jinja's own checks: its format, the source's checksum
        except Exception:  # noqa: BLE001 - whatever a foreign payload raises, it is a miss
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep ``bucket`` (a compiled template) for later builds; the first one of this code clears the others'."""
        payload = bucket.bytecode_to_string()
        with contextlib.suppress(OSError):
            if not self.folder.is_dir():
                self._prune()
            write_blocks(self.folder / bucket.key, (hashlib.sha256(payload).digest(), payload), sync=False)

    def _prune(self) -> None:
        """Remove the buckets of other code (never read again but by a build going back to that code)."""
        if self.root.is_dir():
            for old in self.root.iterdir():
                if old != self.folder:
                    shutil.rmtree(old, ignore_errors=True)
