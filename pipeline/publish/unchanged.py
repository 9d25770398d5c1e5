"""Skip a publish when nothing it reads has changed since the last one, and nothing it wrote was touched.

A publish is a function of: the submitted files (names, kinds and bytes), the intake log,
``portal.toml``, the schemas, the reference tables, the as-of date, the pipeline's code,
the templates and the libraries that shape its bytes. Their SHA-256 (``inputs``) is kept
with the last run's counts in ``<output>/store/publish-inputs.json``, beside a digest of the
name, size, inode, modification and change time of every file that run left in the output folders
(``outputs``: cheap, and any rewrite or deletion changes it). When both match, the run
would write the same bytes again: it is skipped, and no file is written.

The inputs' SHA-256 reads only the files whose stat changed since the last publish: the others'
digests are kept in ``<output>/store/tree-digests.json`` (``core/treehash.py`` DigestCache), which
only a publish that ran writes, after its swap; a skipped run reads it and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.core.atomic import recover_dir, write_bytes
from pipeline.core.config import Portal, schemas_root
from pipeline.core.templating import SITE_TEMPLATES
from pipeline.core.treehash import DigestCache, hash_tree, library_versions, stat_line, stat_tree

RECORD = "publish-inputs.json"  # under <output>/store
DIGESTS = "tree-digests.json"  # under <output>/store: the inputs' files' digests, by stat
FOLDERS = ("data", "feedback", "templates", "reports")  # the publish's output folders, in build order
PIPELINE = Path(__file__).resolve().parents[1]
LIBRARIES = ("babel", "frictionless", "jinja2", "markdown", "markupsafe", "nh3", "openpyxl")


def input_digests(portal: Portal) -> DigestCache:
    """The digests of the input files kept by the last publish that ran (for ``inputs_digest``, then ``remember``)."""
    return DigestCache(portal.output / "store" / DIGESTS)


def inputs_digest(portal: Portal, as_of: date, cache: DigestCache | None = None) -> str:
    """The SHA-256 (hex) of everything a publish reads (``cache``: the files' digests by stat)."""
    h = hashlib.sha256(f"as-of {as_of.isoformat()}\0".encode())
    h.update(f"{library_versions(LIBRARIES)}\0".encode())
    _hash_files(h, portal, cache or input_digests(portal))
    return h.hexdigest()


def _hash_files(h: Any, portal: Portal, cache: DigestCache) -> None:
    """Feed the folders a publish reads: the code, the templates, the datasets (and receipts)."""
    hash_tree(h, "pipeline", PIPELINE, ".py", cache)
    hash_tree(h, "site_templates", SITE_TEMPLATES, None, cache)
    hash_tree(h, "datasets", portal.datasets, None, cache)  # portal.toml, schemas, reference, submissions, intake log
    if portal.receipts is not None and not portal.receipts.is_relative_to(portal.datasets):
        hash_tree(h, "receipts", portal.receipts, None, cache)
    root = schemas_root(portal.datasets)
    if root != portal.datasets:  # a datasets folder without schemas/ is judged by the project's own
        hash_tree(h, "project-schemas", root / "schemas", None, cache)


def outputs_digest(output: Path) -> str:
    """A digest of the name, size, inode, modification and change time of every file in the output folders."""
    h = hashlib.sha256()
    for folder in (*FOLDERS, "store/index.json"):
        root = output / folder
        if root.is_file():
            h.update(stat_line(folder, root.lstat()))
            continue
        stat_tree(h, folder, root)
    return h.hexdigest()


@dataclass(frozen=True)
class Check:
    """What the check read: the inputs' digests and their SHA-256 (for the publish that follows, which
    does not read them again), and ``last``: the last run's record when nothing changed, else None."""

    digests: DigestCache
    inputs: str
    last: dict[str, Any] | None


def check(portal: Portal, as_of: date) -> Check:
    """Whether anything changed since the last publish; an interrupted swap of an output folder is
    completed first (never skipped), since the outputs' stat is part of the check."""
    digests = input_digests(portal)
    inputs = inputs_digest(portal, as_of, digests)
    for name in FOLDERS:
        recover_dir(portal.output / name)
    return Check(digests, inputs, unchanged(portal, inputs))


def unchanged(portal: Portal, inputs: str) -> dict[str, Any] | None:
    """The last run's record when its inputs are ``inputs`` and its outputs are untouched, else None."""
    try:
        record = json.loads((portal.output / "store" / RECORD).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("inputs") != inputs:
        return None
    return record if record.get("outputs") == outputs_digest(portal.output) else None


def remember(portal: Portal, inputs: str, accepted: int, rejected: int, needs_action: tuple[str, ...] = (),
             cache: DigestCache | None = None) -> None:
    """Keep this run's inputs, counts, NEEDS ACTION lines and outputs for the next run (written only
    when they differ): a skipped run prints the same lines, so a cron log still names whom to chase.
    The input files' digests are kept too: those ``cache`` found when the run began are not read again,
    only the files that were too recent to keep then (``DigestCache.recheck``: the trees are not walked
    again; without ``cache`` they are)."""
    data = (json.dumps({"inputs": inputs, "outputs": outputs_digest(portal.output), "accepted": accepted,
                        "rejected": rejected, "needs_action": list(needs_action)}, sort_keys=True) + "\n").encode()
    path = portal.output / "store" / RECORD
    try:
        same = path.read_bytes() == data
    except OSError:
        same = False
    if not same:
        write_bytes(path, data)
    if cache is not None:
        final = cache.recheck()
    else:
        final = input_digests(portal).again()
        _hash_files(hashlib.sha256(), portal, final)
    final.save()
