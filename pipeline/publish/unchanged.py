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

Most runs find nothing new, and at a city's size loading that cache (15,000 entries) and looking
every file up in it took a third of such a run. The record also keeps the stat digest of the
inputs as the last check walked them (``inputs_stat``: each file's name, size, device, inode,
modification and change time, the key the cache keeps a digest with), when every digest that check
took was one the cache keeps (each file settled, unchanged while read): equal stats then vouch
for the same bytes, as the cache's own entries do, so a check whose walk finds the same stat digest
takes the record's inputs without the cache. Any other walk hashes the bytes, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.core import input_listings, jsonbytes, listings
from pipeline.core.atomic import recover_dir, remove_temps, write_bytes
from pipeline.core.config import Portal, schemas_root
from pipeline.core.paths import SITE_TEMPLATES
from pipeline.core.treehash import (
    DigestCache,
    Scanned,
    feed_digests,
    feed_stats,
    library_versions,
    scan_tree,
    stat_line,
)

RECORD = "publish-inputs.json"  # under <output>/store
DIGESTS = "tree-digests.json"  # under <output>/store: the inputs' files' digests, by stat
LISTINGS = "output-listings.json"  # under <output>/store: the output folders' listings, by stat
INPUT_LISTINGS = "input-listings.json"  # under <output>/store: the datasets' folders' listings, by stat
FOLDERS = ("data", "feedback", "templates", "reports")  # the publish's output folders, in build order
PIPELINE = Path(__file__).resolve().parents[1]
# The folders of the output's own records (caches, digests, the publish record), each file written through a
# temporary name: a run killed while saving them (after the site's word, beside the build) leaves that name there.
# The store's own trees (files, rows, reports) are written by its journal, which tidies them itself.
RECORD_FOLDERS = ("", "store", "store/published-rows", "store/validation")  # and all of ``site-cache``
# By output folder, the lines of each folder of its kept listing as the check stat'ed them (``listings.stat_walk``).
Seen = dict[str, dict[str, list[bytes]]]
LIBRARIES = ("babel", "frictionless", "jinja2", "markdown", "markupsafe", "nh3", "openpyxl")


def input_digests(portal: Portal) -> DigestCache:
    """The digests of the input files kept by the last publish that ran (for ``inputs_digest``, then ``remember``)."""
    return DigestCache(portal.output / "store" / DIGESTS)


def inputs_digest(portal: Portal, as_of: date, cache: DigestCache | None = None) -> str:
    """The SHA-256 (hex) of everything a publish reads (``cache``: the files' digests by stat)."""
    return _inputs_digest(as_of, library_versions(LIBRARIES), scan_inputs(portal), cache or input_digests(portal))


def _inputs_digest(as_of: date, versions: str, scanned: list[Scanned], cache: DigestCache) -> str:
    """``inputs_digest`` of the scanned input trees (``versions``: ``library_versions(LIBRARIES)``)."""
    h = hashlib.sha256(f"as-of {as_of.isoformat()}\0".encode())
    h.update(f"{versions}\0".encode())
    feed_digests(h, scanned, cache)
    return h.hexdigest()


def inputs_stat(as_of: date, versions: str, scanned: list[Scanned]) -> str:
    """The SHA-256 of the scanned input trees' names and stats, the as-of date and the libraries' ``versions``."""
    h = hashlib.sha256(f"inputs-stat 1\0as-of {as_of.isoformat()}\0".encode())
    h.update(f"{versions}\0".encode())
    feed_stats(h, scanned)
    return h.hexdigest()


def scan_inputs(portal: Portal, listed: input_listings.Plan | None = None,
                held: input_listings.Held | None = None) -> list[Scanned]:
    """The folders a publish reads, walked once: the code, the templates, the datasets (and receipts).

    ``listed``: gets the listings of the datasets' folders to keep (``input_listings``); the folders whose stat is
    still the key kept with theirs by the last publish that ran are stat'ed instead of listed (``held`` gets them).
    """
    scanned = scan_tree("pipeline", PIPELINE, ".py")
    scanned += scan_tree("site_templates", SITE_TEMPLATES, None)
    # portal.toml, schemas, reference, submissions, intake log
    if listed is None:
        scanned += scan_tree("datasets", portal.datasets, None)
    else:
        kept = input_listings.load(portal.output / "store" / INPUT_LISTINGS)
        scanned += input_listings.scan("datasets", portal.datasets, kept, listed, held)
    if portal.receipts is not None and not portal.receipts.is_relative_to(portal.datasets):
        scanned += scan_tree("receipts", portal.receipts, None)
    root = schemas_root(portal.datasets)
    if root != portal.datasets:  # a datasets folder without schemas/ is judged by the project's own
        scanned += scan_tree("project-schemas", root / "schemas", None)
    return scanned


def outputs_digest(output: Path, walked: dict[str, Any] | None = None, kept: dict[str, Any] | None = None,
                   seen: Seen | None = None) -> str:
    """A digest of the name, size, inode, modification and change time of every file in the output folders.

    Each folder is stat'ed instead of listed while the listings the last publish kept hold it (``core/listings.py``);
    with ``walked``, every folder whose listing no longer holds is listed, and ``walked`` gets the listings to keep
    (``listings.save``). ``kept``: those listings, when the caller loaded them (``Check.plans``). ``seen``: without
    ``walked``, gets the lines of the folders those listings held, by output folder (``listings.stat_walk``); with it,
    those lines, taken back for the folders unchanged since (``listings.walk``: ``remember`` after the publish).
    """
    h = hashlib.sha256()
    if kept is None:
        kept = listings.load(output / "store" / LISTINGS)
    for folder in (*FOLDERS, "store/index.json"):
        root = output / folder
        if root.is_file():
            h.update(stat_line(folder, root.lstat()))
        elif walked is None:
            listings.stat_walk(h, folder, root, kept.get(folder), None if seen is None else seen.setdefault(folder, {}))
        else:
            lines, walked[folder] = listings.walk(folder, root, kept.get(folder), (seen or {}).get(folder))
            h.update(b"".join(lines))
    return h.hexdigest()


@dataclass(frozen=True)
class Check:
    """What the check read: the inputs' digests and their SHA-256 (for the publish that follows, which
    does not read them again), and ``last``: the last run's record when nothing changed, else None.

    ``digests`` is None only when nothing changed and the inputs were known by their stat (no publish follows).
    ``plans``: the output folders' listings the last publish kept (``core/listings.py``), for the publish's
    staging (``listings.present``) and ``remember``, which do not load them again; ``seen``: the lines the check
    took of the folders they held (``outputs_digest``), for ``remember`` to take back where nothing changed since.
    """

    digests: DigestCache | None
    inputs: str
    last: dict[str, Any] | None
    plans: dict[str, Any] | None = None
    seen: Seen | None = None


def recover(output: Path) -> None:
    """At a publish's start, under the lock: complete or undo the output folders' interrupted swaps, and remove the
    temporary files a killed run left among the output's records (``RECORD_FOLDERS``, and the site's template
    cache below ``site-cache``)."""
    for name in FOLDERS:
        recover_dir(output / name)
    for rel in RECORD_FOLDERS:
        remove_temps(output / rel)
    remove_site_cache_temps(output)


def remove_site_cache_temps(output: Path) -> None:
    """Remove the temporary files a killed run left anywhere below ``<output>/site-cache`` (under the lock, with no
    other process of this run writing there: a publish's start, or a ``build`` command's)."""
    cache = output / "site-cache"
    if not cache.is_symlink():  # (never followed; os.walk follows no link below it)
        for folder, _, _ in os.walk(cache):
            remove_temps(folder)


def check(portal: Portal, as_of: date) -> Check:
    """Whether anything changed since the last publish; an interrupted swap of an output folder is
    completed first (never skipped), since the outputs' stat is part of the check."""
    listed: input_listings.Plan = {}
    held: input_listings.Held = {}
    scanned, versions = scan_inputs(portal, listed, held), library_versions(LIBRARIES)
    stats = inputs_stat(as_of, versions, scanned)
    recover(portal.output)
    record = _record(portal)
    plans = listings.load(portal.output / "store" / LISTINGS)
    seen: Seen = {}
    outputs = outputs_digest(portal.output, kept=plans, seen=seen) if record is not None else None
    if (record is not None and record.get("inputs_stat") == stats and isinstance(record.get("inputs"), str)
            and record.get("outputs") == outputs):
        return Check(None, record["inputs"], record)  # the inputs known by their stat, as the cache knows a file
    digests = input_digests(portal)
    inputs = _inputs_digest(as_of, versions, scanned, digests)
    digests.scanned_stat = stats  # kept with the record by ``remember`` when every digest was sure
    digests.scanned_listings = listed  # kept by ``remember`` (``input_listings.save``)
    digests.held_listings = held  # the folders not listed, for the publish's layout scan (not listed again)
    same = record is not None and record.get("inputs") == inputs and record.get("outputs") == outputs
    return Check(digests, inputs, record if same else None, plans, seen)


def _record(portal: Portal) -> dict[str, Any] | None:
    """The last publish's record, or None when it is absent or unreadable."""
    try:
        record = jsonbytes.loads((portal.output / "store" / RECORD).read_bytes())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def remember(portal: Portal, inputs: str, accepted: int, rejected: int, needs_action: tuple[str, ...] = (),
             cache: DigestCache | None = None, plans: dict[str, Any] | None = None, seen: Seen | None = None) -> None:
    """Keep this run's inputs, counts, NEEDS ACTION lines and outputs for the next run (written only
    when they differ): a skipped run prints the same lines, so a cron log still names whom to chase.
    The input files' digests are kept too: those ``cache`` found when the run began are not read again,
    only the files that were too recent to keep then (``DigestCache.recheck``: the trees are not walked
    again; without ``cache`` they are). ``plans``: the output folders' listings kept by the last run, when the
    caller has them (``Check.plans``): only the folders changed since are listed; ``seen``: the lines the check took
    of those folders (``Check.seen``): only the files of the folders changed since are stat'ed."""
    # The digests of the files too recent to keep when the check read them, read again now that they have settled;
    # the inputs' stat only when every digest the check took is one the cache keeps under the stat the check saw,
    # then or now (``DigestCache.recheck``).
    final = cache.recheck() if cache is not None else None
    stats = cache.scanned_stat if cache is not None and final is not None and not final.unsure else None
    walked: dict[str, Any] = {}
    outputs = outputs_digest(portal.output, walked, plans, seen)
    data = (json.dumps({"inputs": inputs, "inputs_stat": stats, "outputs": outputs,
                        "accepted": accepted, "rejected": rejected, "needs_action": list(needs_action)},
                       sort_keys=True) + "\n").encode()
    path = portal.output / "store" / RECORD
    try:
        same = path.read_bytes() == data
    except OSError:
        same = False
    if not same:
        write_bytes(path, data)
    listings.save(portal.output / "store" / LISTINGS, walked)
    listed = cache.scanned_listings if cache is not None else None
    if final is None:
        final, listed = input_digests(portal).again(), {}
        feed_digests(hashlib.sha256(), scan_inputs(portal, listed), final)
    final.save()
    if listed is not None:
        input_listings.save(portal.output / "store" / INPUT_LISTINGS, listed)
