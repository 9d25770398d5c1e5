"""Whether a ``publish`` command may leave the site as it is without even starting the site stage.

Starting the site stage costs a child process, the site's imports and its own check (a walk of
every file it reads, ~30,000 at a city's size). After the publish step of the same command,
the publish record (``<output>/store/publish-inputs.json``) describes the present: the inputs it
names were hashed by this command, and the stat digest of data, feedback, templates, reports
and ``store/index.json`` was taken by this command or matched by it. The site reads those and
the code and templates (hashed in the record's inputs), plus a few things the record does not
cover: the store's reports, the schemas and ``portal.toml`` as the site reads them, the settings
(which the environment may override), Python's and the site libraries' versions and the
environment variables the site reads. The stamp (``<output>/site-cache/site-stamp.json``) holds
the digest of the publish record and of the site's fingerprint file when the site was last built
or checked by a publish that ran, and each of those other things (libraries and variables by
name, so that the check here needs no import of the site). When all are still equal, the
site's own check would find the same inputs: the stage is skipped here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from pipeline.core import listings
from pipeline.core.atomic import write_bytes
from pipeline.core.config import Portal, read_config_file, schemas_root, settings_json
from pipeline.core.errors import PipelineError
from pipeline.core.models import TABLES
from pipeline.core.treehash import library_versions, stat_line

STAMP = ("site-cache", "site-stamp.json")  # under <output>: no output; deleting it costs one site check
LISTINGS = ("site-cache", "report-listings.json")  # under <output>: the store's reports' folders (``reports_digest``)
FORMAT = "mpp-site-stamp 1"
LEFT_OVERS = (".site.old", ".site.new")  # core/atomic.py's swap folders beside <output>/site
NOT_SETTINGS = ("ckan", "warnings")  # the push's settings (a token) and load warnings change no page


def current(portal: Portal, as_of: date) -> dict[str, Any] | None:
    """The site's fingerprint record when the stamp still holds for this output, else None."""
    if any(os.path.lexists(portal.output / name) for name in LEFT_OVERS):
        return None  # an interrupted swap: the site stage finishes or discards it first
    try:
        stamp = json.loads(portal.output.joinpath(*STAMP).read_bytes())
        libraries, variables = stamp["libraries"], stamp["variables"]
        if not (isinstance(libraries, list) and all(isinstance(n, str) for n in libraries)
                and isinstance(variables, list) and all(isinstance(n, str) for n in variables)):
            return None
        site = json.loads((portal.output / "site" / ".build-fingerprint").read_bytes())
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    if not isinstance(site, dict) or not _holds(stamp, _parts(portal, as_of, libraries, variables)):
        return None
    return site


def _holds(stamp: Any, parts: Iterator[tuple[str, Callable[[], Any]]]) -> bool:
    """True when ``stamp`` is the dict of ``parts``, made one part at a time up to the first that differs: after a
    publish that ran, its record's digest already differs, and the stat of the store's 10,800 reports is not taken."""
    if not isinstance(stamp, dict):
        return False
    keys = set()
    for key, make in parts:
        keys.add(key)
        if key not in stamp or stamp[key] != make():
            return False
    return keys == set(stamp)


def write(portal: Portal, as_of: date, libraries: Iterable[str], variables: Iterable[str],
          reports: str | None = None, walked: dict[str, Any] | None = None) -> None:
    """Keep the stamp of the site now in place (only when it changed; a failure costs one site check).

    ``reports``: ``reports_digest`` as taken since the store's reports were last written (else taken here), with
    the listings it ``walked``, kept here too.
    """
    if reports is None:
        walked = {}
        reports = reports_digest(portal, walked)
    if walked is not None:
        listings.save(portal.output.joinpath(*LISTINGS), walked)
    stamp = _stamp(portal, as_of, list(libraries), list(variables), reports)
    body = (json.dumps(stamp, sort_keys=True) + "\n").encode()
    path = portal.output.joinpath(*STAMP)
    with contextlib.suppress(OSError):
        if path.read_bytes() == body:
            return
    with contextlib.suppress(OSError):
        write_bytes(path, body)


def _stamp(portal: Portal, as_of: date, libraries: list[str], variables: list[str],
           reports: str | None = None) -> dict[str, Any]:
    """What the stamp holds for the present state (each part a SHA-256, "absent" when missing)."""
    # The store's reports' stat as already taken, when given (during the site build), else taken now.
    return {key: reports if key == "store-reports" and reports is not None else make()
            for key, make in _parts(portal, as_of, libraries, variables)}


def _parts(portal: Portal, as_of: date, libraries: list[str],
           variables: list[str]) -> Iterator[tuple[str, Callable[[], Any]]]:
    """The stamp's parts, each with how to make it: the cheap ones and those a publish changes first."""
    yield "format", lambda: FORMAT
    yield "as-of", as_of.isoformat
    yield "publish-record", lambda: _file_digest(portal.output / "store" / "publish-inputs.json")
    yield "site-fingerprint", lambda: _file_digest(portal.output / "site" / ".build-fingerprint")
    yield "python", lambda: f"{sys.version_info[0]}.{sys.version_info[1]}"
    yield "libraries", lambda: libraries
    yield "variables", lambda: variables
    yield "environment", lambda: {name: os.environ.get(name) for name in variables}
    yield "settings", lambda: _settings_digest(portal)
    yield "config", lambda: _config_digest(portal)
    yield "versions", lambda: library_versions(libraries)
    yield "store-reports", lambda: reports_digest(portal)


def _file_digest(path: Any) -> str:
    """The SHA-256 of a file's bytes, or "absent"."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def reports_digest(portal: Portal, walked: dict[str, Any] | None = None) -> str:
    """The stat digest of the store's reports and index (the site's report pages read them).

    Their 14,000 folders (a city's) are stat'ed instead of listed while the listings the stamp kept hold them
    (``core/listings.py``); with ``walked``, ``walked`` gets the listings to keep too (a folder whose stat is still
    the one kept with its listing is not listed again: after a new month, all but the new month's and its parents').
    """
    h = hashlib.sha256()
    root, rel = portal.output / "store" / "reports", "store/reports"
    kept = listings.load(portal.output.joinpath(*LISTINGS)).get(rel)
    if walked is None:
        listings.stat_walk(h, rel, root, kept)
    else:
        lines, walked[rel] = listings.walk(rel, root, kept)
        h.update(b"".join(lines))
    with contextlib.suppress(OSError):
        h.update(stat_line("store/index.json", (portal.output / "store" / "index.json").lstat()))
    return h.hexdigest()


def _config_digest(portal: Portal) -> str:
    """The SHA-256 of ``portal.toml`` and the schemas, read where the site reads them."""
    h = hashlib.sha256()
    for root, rel in [(portal.datasets, "portal.toml"),
                      *((schemas_root(portal.datasets), f"schemas/{t}.json") for t in TABLES)]:
        try:
            data = read_config_file(root, rel)
        except (OSError, PipelineError):  # absent or refused: the site's own check decides what it means
            data = b"\0absent"
        h.update(f"{rel}\0{len(data)}\0".encode() + data)
    return h.hexdigest()


def _settings_digest(portal: Portal) -> str:
    """The SHA-256 of the settings as loaded (the environment may override portal.toml)."""
    return hashlib.sha256(settings_json(portal, NOT_SETTINGS)).hexdigest()
