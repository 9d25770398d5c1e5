"""Golden output: a publish of the sample with a fixed as-of date and clock gives known bytes.

The checksums of every file under output/data, output/site, output/feedback and
output/reports are committed in tests/golden/sample-publish.sha256 (not the outputs
themselves). A refactoring must leave them all unchanged. One file is compared apart:
site/.build-fingerprint holds a hash of the pipeline's own code (so that new code rebuilds
the site), which any change to the code changes by design; its page and file counts are
compared, its code hash only for its form. So is site/.build-manifest (each page's key holds
the same code hash): its file digests are compared with the files beside it. When the output changes on
purpose, regenerate the file with ``GOLDEN_UPDATE=1 pytest tests/test_golden_output.py``
and say why in the commit message. The publish is the session's shared one
(``published_sample`` in tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from tests.sample_support import PublishedSample

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "sample-publish.sha256"
FOLDERS = ("data", "feedback", "reports", "site")
FINGERPRINT = "site/.build-fingerprint"
MANIFEST = "site/.build-manifest"
# What the sample's site holds (also in its fingerprint record): 3,626 pages, 4,054 files.
# From 4,622: the site's own search index (per language a meta file, 3 word shards and 31 or 32
# chunks of page records: 71 files) instead of Pagefind's bundles (658 files).
# From 4,617: the search partitions of agency and service pages are cut about every 40 pages,
# so those of each language are two partitions instead of one (five files more, the same
# fragment files).
# From 4,033: the search index's format 3 (word shards per group of pages, cut every 16 KB of
# postings): the sample's index (one group of pages a language) has 25 word shards instead of 4.
# From 4,035: the search index's word shards are binary (format 2), cut every 128 KB of postings:
# the sample's index has two shards fewer (71 -> 69 files).
# From 4,622: the search partitions are cut no closer than 100 pages apart, so the sample's
# agendas of each language are one partition instead of two (five files fewer).
# From 3,963: the record counts every file but itself, the search index's 648 and the build
# manifest included (it counted only the files the page writer produced).
# From 3,526 / 3,862: the decisions register's second page and 49 agency year pages
# (/instansi/<code>/<year>/) per language, and the DCAT catalogue in Turtle (catalog.ttl).
# From 832 / 2,515: the 1,347 file-check reports under /laporan/ (index, agency months, received
# files) are rendered pages of the site in each language (2,694 pages) instead of 1,347 copied
# bilingual files. From 760 / 2,177: the evaluation section (7 pages and 26 scorecards per
# language, the indicators catalogue page and its 3 files); each of the 25 active agencies' three
# templates under /templat/<agency>/; the agency_ikm catalogue page and the calendar page (2
# languages each), agency_ikm.csv/.json/.xlsx, 2 names.json, 16 downloads of what pages show, two
# favicons, the coordination calendar, 164 .ics.
SITE_PAGES, SITE_FILES = 3626, 4054


def checksums(output: Path) -> dict[str, str]:
    """SHA-256 of every file under the compared folders, by path relative to ``output``."""
    found = {}
    for folder in FOLDERS:
        for path in sorted((output / folder).rglob("*")):
            if path.is_file():
                found[path.relative_to(output).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def read_golden() -> dict[str, str]:
    """The committed checksums (``<sha256>  <path>`` lines, as sha256sum writes them)."""
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines if line)}


@pytest.fixture
def published(published_sample: PublishedSample) -> Path:
    """``make publish`` on the sample (without the push), fixed as-of date and clock (tests/conftest.py)."""
    return published_sample.output


def test_publish_of_the_sample_matches_the_golden_checksums(published: Path) -> None:
    found = checksums(published)
    if os.environ.get("GOLDEN_UPDATE") == "1":
        GOLDEN.write_text("".join(f"{d}  {p}\n" for p, d in sorted(found.items())), encoding="utf-8")
    golden = read_golden()
    for name in (FINGERPRINT, MANIFEST):
        golden.pop(name, None)
        found.pop(name, None)
    missing, extra = sorted(set(golden) - set(found)), sorted(set(found) - set(golden))
    changed = sorted(p for p in set(golden) & set(found) if golden[p] != found[p])
    assert (missing, extra, changed) == ([], [], []), (
        f"{len(missing)} missing, {len(extra)} extra, {len(changed)} changed; first: "
        f"{(missing + extra + changed)[:10]}")


def test_the_build_fingerprint_counts_the_same_site(published: Path) -> None:
    record = json.loads((published / FINGERPRINT).read_bytes())
    assert sorted(record) == ["files", "inputs", "manifest", "pages"]
    assert (record["pages"], record["files"]) == (SITE_PAGES, SITE_FILES)
    assert re.fullmatch(r"[0-9a-f]{64}", record["inputs"])
    body = (published / MANIFEST).read_bytes()
    assert record["manifest"] == hashlib.sha256(body).hexdigest()
    site = {p.removeprefix("site/"): d for p, d in checksums(published).items()
            if p.startswith("site/") and p not in (FINGERPRINT, MANIFEST)}
    assert json.loads(body)["files"] == site
