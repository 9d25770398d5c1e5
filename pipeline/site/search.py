"""The search index of each language, made by the process that writes that language's pages.

Every searchable page's text, title, kind and word counts (search_text.py) are taken from its
HTML as the page is written (its bytes are at hand). The index's postings, page lengths and
chunks of page records are kept in ``<output>/site-cache/search-index-<lang>.bin`` with each
page's path and the SHA-256 of its HTML (search_index.py's ``Kept``): a page whose path and
SHA-256 the kept index holds, written again or kept as the live site has it, is neither read nor
tokenised; any other kept page is read from the live site. The index's files are then made and
handed to the site's writer, which stages only the files whose bytes the live site lacks; the
files of the live index that the new one does not have are deleted with the site's other files
gone. The same pages give the same bytes, whether they were tokenised in this build or kept.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from pathlib import Path

from pipeline.site import search_index, search_text
from pipeline.site.keptpickle import load_plain, save_plain
from pipeline.site.rowcache import FOLDER
from pipeline.site.search_index import Kept, Record, build, held
from pipeline.site.search_text import page_text

BUNDLE = "indeks-cari"  # under the site: one folder per language
Entry = tuple[str, str, str, str, int]  # title, kind, text, counts ("word count word count ..."), length
# The kept index is what search_text.py and search_index.py make of the pages: another version of either keeps none.
_CODE = hashlib.sha256(Path(search_text.__file__).read_bytes() + Path(search_index.__file__).read_bytes())
MAGIC = f"mpp-search-index 1 {_CODE.hexdigest()[:16]}\n".encode()


class LanguageIndex:
    """One language's searchable pages, added as they are written or kept; ``files`` makes the index."""

    def __init__(self, lang: str, output: Path | None, read_live: Callable[[str], bytes]) -> None:
        """``output``: the portal's output folder (None: nothing kept); ``read_live(rel)``: a live page's bytes."""
        self.lang = lang
        self.path = kept_path(output, lang) if output is not None else None
        self.read_live = read_live
        self._kept: Kept | None = None
        self._held: dict[str, str] | None = None  # site path -> SHA-256 of the pages the kept index holds
        self._pages: dict[str, tuple[str, Entry | None]] = {}  # site path -> (SHA-256, entry) of pages read
        self._known: dict[str, str] = {}  # site path -> SHA-256 of the pages the kept index holds as they are

    def add(self, rel: str, sha: str, body: bytes) -> None:
        """A page written by this build: tokenised unless the kept index holds these very bytes."""
        if self._holds(rel, sha):
            self._known[rel] = sha
        else:
            self._pages[rel] = (sha, _entry(body))

    def keep(self, rel: str, sha: str) -> None:
        """A page kept as the live site has it: read from the live site unless the kept index holds it."""
        if self._holds(rel, sha):
            self._known[rel] = sha
        else:
            self._pages[rel] = (sha, _entry(self.read_live(rel)))

    def files(self) -> dict[str, bytes]:
        """The index's files by site path; the index is kept for the next build (which then reads
        only the pages changed)."""
        pages: list[tuple[str, str, Record | None]] = [(rel, sha, None) for rel, sha in self._known.items()]
        for rel, (sha, entry) in self._pages.items():
            if entry is not None:
                url = "/" + rel.removesuffix("index.html")
                pages.append((rel, sha, Record(url, *entry)))
        kept = self._loaded()
        made, state = build(pages, kept)
        if state != kept and self.path is not None:
            # A copy that cannot be kept (a read-only or full disk) only makes the next build read every page.
            with contextlib.suppress(OSError):
                save_plain(self.path, MAGIC, state)
                # The former layout's kept entries (39 MB a language at the bench city) are read no more.
                (self.path.parent / f"search-{self.lang}.bin").unlink(missing_ok=True)
        self._kept = self._held = None
        return {f"{BUNDLE}/{self.lang}/{name}": data for name, data in made.items()}

    def _holds(self, rel: str, sha: str) -> bool:
        """Whether the kept index holds the page ``rel`` with these bytes."""
        if self._held is None:
            self._held = held(self._loaded())
        return self._held.get(rel) == sha

    def _loaded(self) -> Kept | None:
        """The kept index, read once (None when there is no file or it is damaged)."""
        if self._kept is None and self._held is None and self.path is not None:
            value = load_plain(self.path, MAGIC)
            self._kept = value if isinstance(value, dict) else None
        return self._kept


def kept_path(output: Path, lang: str) -> Path:
    """Where a language's index is kept under the output folder ``output``."""
    return output / FOLDER / f"search-index-{lang}.bin"


def _entry(body: bytes) -> Entry | None:
    """A page's entry from its HTML (None when it has no searchable element)."""
    page = page_text(body)
    if page is None:
        return None
    counts = " ".join(f"{word} {count}" for word, count in sorted(page.counts.items()))
    return page.title, page.kind, page.text, counts, page.length
