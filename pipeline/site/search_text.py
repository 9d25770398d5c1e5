"""What the search index knows of a page: its searchable element's text, title and kind, and its words.

The searchable element is the templates' ``<main data-pagefind-body data-pagefind-meta="kind:...">``
(the attribute names are kept from the Pagefind days: no page changes for them). Its text is the
element with its tags cut out: the pages are our own templates' output, where every ``<`` of the
data is escaped, so a tag is ``<`` up to the next ``>`` and ``html.unescape`` gives the text back.
A tag is replaced by a space (``</li><li>`` must not glue two words), runs of white space become one.

Words (``words``) are folded the way search.js folds a query: lower case, accents removed (NFD
without the combining marks), cut at every character that is not a letter or digit; a compound
such as "e-KTP" counts by each part ("e", "ktp") and as a whole ("ektp"), which is what a query
"e-KTP" or "eKTP" is folded to.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

MAIN_MARK = b"data-pagefind-body"
_MAIN = re.compile(rb"<main\b[^>]*\bdata-pagefind-body\b[^>]*>", re.IGNORECASE)
_KIND = re.compile(rb'data-pagefind-meta="kind:([^"]*)"')
_MAIN_END = b"</main>"
_H1 = re.compile(rb"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_PART = re.compile(r"[^\W_]+")  # letters and digits: the parts of a word
_OTHER = re.compile(r"[^\x00-\x7f]+")
# A word of a heading counts more than once, as Pagefind weighs headings: 7 times in an <h1> ... 2 in an <h6>.
HEADING_WEIGHTS = {"1": 7, "2": 6, "3": 5, "4": 4, "5": 3, "6": 2}


@dataclass(frozen=True)
class PageText:
    """A searchable page as the index sees it: title, kind, text, and each word's weighted count."""

    title: str
    kind: str
    text: str
    counts: dict[str, int]  # word -> occurrences in the text, a heading's counted by its weight
    length: int  # words of the text (for BM25's length normalisation)


def page_text(body: bytes) -> PageText | None:
    """The searchable part of a page's HTML (None when it has no searchable element)."""
    found = _MAIN.search(body)
    if found is None:
        return None
    end = body.rfind(_MAIN_END)
    if end < found.end():
        end = len(body)
    kind = _KIND.search(found.group(0))
    inner = body[found.end():end].decode("utf-8")
    h1 = _H1.search(body)
    title = plain(h1.group(1).decode("utf-8")) if h1 else ""
    text = plain(inner)
    tokens = words(text)
    counts = Counter(tokens)
    for heading in _HEADING.finditer(inner):
        extra = HEADING_WEIGHTS[heading.group(1)] - 1
        for word in words(plain(heading.group(2))):
            counts[word] += extra
    # ``text`` holds its words one space apart (``plain``): counting the spaces counts them.
    return PageText(title, kind.group(1).decode("utf-8") if kind else "", text, dict(counts),
                    text.count(" ") + 1 if text else 0)


def plain(fragment: str) -> str:
    """An HTML fragment of our templates as text: tags cut, entities decoded, white space one space.

    ``str.split`` and the ``re`` module's ``\\s`` know the same white space (``str.isspace``); split and joined, a
    page's text took a third of the time a ``\\s+`` substitution and a strip took (a quarter of indexing a page).
    """
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def fold(text: str) -> str:
    """Lower case without accents (search.js's ``fold``)."""
    text = text.lower()
    if text.isascii():
        return text
    # Only the runs of other characters are looked at one by one (a page's text is nearly all ASCII).
    return _OTHER.sub(_unmarked, unicodedata.normalize("NFD", text))


def _unmarked(run: re.Match[str]) -> str:
    """A run of characters that are not ASCII without its marks (Unicode category M)."""
    return "".join(c for c in run.group() if unicodedata.category(c)[0] != "M")


def words(text: str) -> list[str]:
    """The words of ``text`` as indexed: each part of a token, and a compound token also whole."""
    out: list[str] = []
    for token in fold(text).split():
        if token.isalnum():
            out.append(token)
            continue
        parts = _PART.findall(token)
        out.extend(parts)
        if len(parts) > 1:
            out.append("".join(parts))
    return out
