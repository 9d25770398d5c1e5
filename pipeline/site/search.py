"""The search index of each language, made by the process that writes that language's pages.

Every searchable page's text, title, kind and word counts (search_text.py) are taken from its
HTML as the page is written (its bytes are at hand); a page kept as it is (unchanged since the
live site) is taken from ``<output>/site-cache/search-<lang>.bin`` by the SHA-256 of its HTML,
or read from the live site when it is not kept there. The index's files (search_index.py)
are then made from every page of the language and handed to the site's writer, which stages
only the files whose bytes the live site lacks; the files of the live index that the new one
does not have are deleted with the site's other files gone. The same pages give the same bytes,
whether they were tokenised in this build or kept.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from pathlib import Path

from pipeline.site import search_index, search_text
from pipeline.site.keptpickle import load_plain, save_plain
from pipeline.site.rowcache import FOLDER
from pipeline.site.search_index import Kept, Record, build
from pipeline.site.search_text import page_text

BUNDLE = "indeks-cari"  # under the site: one folder per language
Entry = tuple[str, str, str, str, int]  # title, kind, text, counts ("word count word count ..."), length
# The kept entries are what search_text.py makes of a page: another version of it keeps none.
_TEXT_CODE = hashlib.sha256(Path(search_text.__file__).read_bytes()).hexdigest()[:16]
MAGIC = f"mpp-search-pages 1 {_TEXT_CODE}\n".encode()
# The kept postings and chunks are what search_index.py makes of the entries: another version of it keeps none.
_INDEX_CODE = hashlib.sha256(Path(search_index.__file__).read_bytes()).hexdigest()[:16]
INDEX_MAGIC = f"mpp-search-index 1 {_TEXT_CODE} {_INDEX_CODE}\n".encode()


class LanguageIndex:
    """One language's searchable pages, added as they are written or kept; ``files`` makes the index."""

    def __init__(self, lang: str, output: Path | None, read_live: Callable[[str], bytes]) -> None:
        """``output``: the portal's output folder (None: nothing kept); ``read_live(rel)``: a live page's bytes."""
        self.lang = lang
        self.path = output / FOLDER / f"search-{lang}.bin" if output is not None else None
        self.state_path = output / FOLDER / f"search-index-{lang}.bin" if output is not None else None
        self.read_live = read_live
        self._kept: dict[str, Entry] | None = None
        self._pages: dict[str, tuple[str, Entry | None]] = {}  # site path -> (SHA-256, entry)

    def add(self, rel: str, sha: str, body: bytes) -> None:
        """A page written by this build: its entry from its bytes (the kept one when there is)."""
        self._pages[rel] = (sha, self._loaded().get(sha) or _entry(body))

    def keep(self, rel: str, sha: str) -> None:
        """A page kept as the live site has it: its kept entry, else its live bytes'."""
        entry = self._loaded().get(sha)
        self._pages[rel] = (sha, entry if entry is not None else _entry(self.read_live(rel)))

    def files(self) -> dict[str, bytes]:
        """The index's files by site path; the entries of this build's pages, and the index's
        postings and chunks, are kept for the next build (which then reads only the pages changed)."""
        pages = []
        for rel, (sha, entry) in self._pages.items():
            if entry is not None:
                title, kind, text, counts, length = entry
                pages.append((rel, sha, Record("/" + rel.removesuffix("index.html"), title, kind, text, counts, length)))
        kept = load_plain(self.state_path, INDEX_MAGIC) if self.state_path is not None else None
        made, state = build(pages, kept if isinstance(kept, dict) else None)
        files = {f"{BUNDLE}/{self.lang}/{name}": data for name, data in made.items()}
        self._save()
        if kept != state:
            self._save_state(state)
        return files

    def _save_state(self, state: Kept) -> None:
        """Keep the index's postings and chunks for the next build."""
        if self.state_path is None:
            return
        # A copy that cannot be kept only makes the next build read every page's words again.
        with contextlib.suppress(OSError):
            save_plain(self.state_path, INDEX_MAGIC, state)

    def _save(self) -> None:
        """Keep the entries of this build's pages when they differ from those kept."""
        if self.path is None:
            return
        kept = self._loaded()
        entries = {sha: entry for sha, entry in self._pages.values() if entry is not None}
        if entries.keys() != kept.keys():
            # A copy that cannot be kept (a read-only or full disk) only makes the next build slower.
            with contextlib.suppress(OSError):
                save_plain(self.path, MAGIC, entries)
        self._kept = None

    def _loaded(self) -> dict[str, Entry]:
        """The kept entries, read once (none when there is no file or it is damaged)."""
        if self._kept is None:
            self._kept = load(self.path) if self.path is not None else {}
        return self._kept


def _entry(body: bytes) -> Entry | None:
    """A page's entry from its HTML (None when it has no searchable element)."""
    page = page_text(body)
    if page is None:
        return None
    counts = " ".join(f"{word} {count}" for word, count in sorted(page.counts.items()))
    return page.title, page.kind, page.text, counts, page.length


def load(path: Path) -> dict[str, Entry]:
    """The entries kept in ``path``, or none when it is absent, damaged or of another version."""
    entries = load_plain(path, MAGIC)
    if not isinstance(entries, dict) or not all(_is_entry(v) for v in entries.values()):
        return {}
    return entries


def _is_entry(value: object) -> bool:
    """Whether a kept value has the shape of an ``Entry``."""
    return (type(value) is tuple and len(value) == 5 and all(type(v) is str for v in value[:4])
            and type(value[4]) is int)
