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

Beside them, the templates' free names (core/templating.py ``free_names``: which context names a
template of macros reads, worked out by parsing it), checked the same way: a function of the
templates and the code too, which each language's process worked out again in every build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from pathlib import Path

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from pipeline.core.atomic import write_blocks
from pipeline.core.templating import FreeNames

FOLDER = ("site-cache", "templates")  # under <output>: no output; deleting it costs one compile
_DIGEST = 32  # bytes of SHA-256 ahead of a bucket's bytes
_SALT = 24  # hex digits of the site code naming the folder of its buckets
FREE_NAMES = "free-names.json"  # beside the buckets: the templates' free names (``KeptTemplates.free_names``)


class KeptTemplates(BytecodeCache):
    """Jinja's bytecode cache in ``<output>/site-cache/templates/<site code>/``, one checked file a template."""

    def __init__(self, output: Path, code: str) -> None:
        self.root = output.joinpath(*FOLDER)
        self.folder = self.root / code[:_SALT]
        self._free: FreeNames = {}  # the free names kept (``free_names``) or written (``keep_free_names``)

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

    def free_names(self) -> FreeNames:
        """The templates' free names kept by an earlier build of this code (``templating.keep_free_names``);
        none when the file is absent, damaged or not of that layout (they are then worked out again)."""
        try:
            body = (self.folder / FREE_NAMES).read_bytes()
        except OSError:
            return {}
        stored, payload = body[:_DIGEST], body[_DIGEST:]
        if len(stored) < _DIGEST or hashlib.sha256(payload).digest() != stored:
            return {}
        try:
            names = json.loads(payload)
        except ValueError:
            return {}
        if not isinstance(names, dict) or not all(isinstance(n, str) and _names(free) for n, free in names.items()):
            return {}
        self._free = {name: None if free is None else tuple(free) for name, free in names.items()}
        return dict(self._free)

    def keep_free_names(self, names: FreeNames) -> None:
        """Keep the templates' free names for later builds, when they hold more than the kept ones."""
        if names.items() <= self._free.items():
            return
        self._free = dict(names)
        payload = json.dumps({name: None if free is None else list(free) for name, free in names.items()},
                             sort_keys=True).encode()
        with contextlib.suppress(OSError):
            if not self.folder.is_dir():
                self._prune()
            write_blocks(self.folder / FREE_NAMES, (hashlib.sha256(payload).digest(), payload), sync=False)

    def _prune(self) -> None:
        """Remove the buckets of other code (never read again but by a build going back to that code)."""
        if self.root.is_dir():
            for old in self.root.iterdir():
                if old != self.folder:
                    shutil.rmtree(old, ignore_errors=True)


def _names(free: object) -> bool:
    """Whether a kept entry is a template's free names as written (a list of texts, or null)."""
    return free is None or (isinstance(free, list) and all(isinstance(n, str) for n in free))
