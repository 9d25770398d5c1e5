"""Split a language's searchable pages into partitions of bounded size that stay put when pages come and go.

Pagefind holds every page of one index in memory, so each partition is indexed on its own.
Pages are grouped by section (agendas, decisions, everything else), sorted by path (an
agency's pages together), and cut where a page's path hashes to a boundary (content-defined
chunking, as rsync does): a new or changed page moves only its own partition's borders,
not those of every partition after it. No border falls within ``MIN_PAGES`` of the last one
and one falls about every ``AVERAGE_PAGES`` after that (as FastCDC does), so partitions are
of like size: a new month re-indexes two or three partitions of a few hundred pages (measured
at 20 agencies x 24 months: 535 pages a language instead of 1,063 with cuts every 1,000 pages
on average), while the search page opens 10 partitions a language instead of 7. The group
of larger pages cuts more often (``GROUP_PAGES``), so that its partitions hold about as many
bytes as the others (Pagefind's time grows with the HTML it parses). A run of
pages longer than the cap without a boundary is cut before it exceeds ``cap`` pages or
``byte_cap`` bytes of HTML: Pagefind's memory while it builds an index grows with the text
it holds (measured: about ten times the HTML), so a run of large pages (agency pages) is cut
by bytes, not by count.
"""

from __future__ import annotations

import hashlib
import os

CAP_VARIABLE = "PIPELINE_SEARCH_PARTITION_PAGES"
DEFAULT_CAP = 2000  # pages per Pagefind run
MIN_PAGES, AVERAGE_PAGES = 100, 150  # no cut within MIN_PAGES of the last; then one every AVERAGE_PAGES on average
BYTE_CAP = 16 * 2**20  # HTML bytes per Pagefind run: about 170 MB for Pagefind while it builds the index
SECTIONS = ("agenda", "keputusan")  # each its own group; every other searchable page goes to "inti"
# The "inti" group's pages (an agency's page, its services') are four times an agenda's bytes
# (measured at the bench city: 23-37 KB against 7), and every new month changes an agency's
# page and its services' pages: cut there every 40 pages on average (never within 25), so its
# partitions hold 1-3 MB of HTML like the others, not 3-6 MB. A new agency-month then
# re-indexes 4.4 MB of them on average instead of 8.5 (the bench city's 60 agencies), for 9
# partitions of the group instead of 3.
GROUP_PAGES = {"inti": (25, 40)}  # group -> (MIN_PAGES, AVERAGE_PAGES) of its own


def partition_cap() -> int:
    """The most pages one partition holds: ``PIPELINE_SEARCH_PARTITION_PAGES`` or 2,000."""
    return env_count(CAP_VARIABLE, DEFAULT_CAP)


def env_count(name: str, default: int) -> int:
    """A count of at least 1 from the environment variable ``name``; ``default`` when unset or not a number."""
    raw = os.environ.get(name, "").strip()
    try:
        return max(1, int(raw)) if raw else default
    except ValueError:
        return default


def partitions(paths: list[str], lang: str, cap: int, sizes: dict[str, int] | None = None,
               byte_cap: int = BYTE_CAP) -> dict[str, list[str]]:
    """The partitions of one language's page paths (site-relative), by name; each list sorted
    (``sizes``: each page's HTML bytes, for ``byte_cap``)."""
    prefix = "" if lang == "id" else f"{lang}/"
    groups: dict[str, list[tuple[str, str]]] = {}
    for path in paths:
        key = path.removeprefix(prefix)  # both languages cut alike
        section = key.split("/", 1)[0]
        groups.setdefault(section if section in SECTIONS else "inti", []).append((key, path))
    result: dict[str, list[str]] = {}
    for group, members in sorted(groups.items()):
        fewest, mean = GROUP_PAGES.get(group, (MIN_PAGES, AVERAGE_PAGES))
        # A small cap (the tests) scales both down; a forced cut by the cap is then rare.
        average, least = max(1, min(cap // 2, mean)), min(cap // 4, fewest)
        members.sort()
        chunk: list[tuple[str, str]] = []
        held = 0
        for key, path in members:
            size = sizes.get(path, 0) if sizes else 0
            if chunk and (len(chunk) >= cap or held + size > byte_cap
                          or (len(chunk) >= least and _boundary(key, average))):
                result[_name(group, chunk[0][0])] = [p for _, p in chunk]
                chunk, held = [], 0
            chunk.append((key, path))
            held += size
        if chunk:
            result[_name(group, chunk[0][0])] = [p for _, p in chunk]
    return result


def _boundary(key: str, average: int) -> bool:
    """True when a partition starts at this page (one page in ``average`` on average)."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % average == 0


def _name(group: str, first: str) -> str:
    """A partition's name: its group and a hash of its first page (stable while that page stays first)."""
    return f"{group}-{hashlib.sha256(first.encode('utf-8')).hexdigest()[:10]}"
