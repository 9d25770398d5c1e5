"""What of a page Pagefind is given: the page without the parts of its body around its searchable element.

Pagefind indexes only the element marked ``data-pagefind-body`` (the templates' ``<main>``), but
it parses the whole page first: the header, menus, search form, breadcrumbs and footer are a
third of an agenda page's bytes, and parsing them was about a tenth of Pagefind's time for a
city (measured: 31 s of Pagefind CPU instead of 35 s for 33,000 pages). Pagefind reads nothing
else of the body around that element but ``data-pagefind-*`` attributes and the first ``<h1>``
and ``<img>`` (its default title and image): when the parts cut hold none of these, nor anything
that could hide a tag from this plain scan (a comment, a script, a raw-text element), nor any
byte that is not ASCII (so the page's UTF-8 is checked in what is kept), Pagefind makes the very
same index from the cut page (tests/site/test_site_search_text.py checks the bytes on every
searchable page of the sample). Any other page is given whole.
"""

from __future__ import annotations

import re

BODY, MAIN, MAIN_END, BODY_END = b"<body", b"<main", b"</main>", b"</body>"
MARK = b"data-pagefind-body"  # on the searchable element's own tag
# In a part cut, any of these tags keeps the page whole (matched on lower case; a tag's name ends at
# a space, "/" or ">"): what Pagefind reads outside the searchable element; what could hold a
# "<body", "<main" or "</main>" that is no tag (comments, scripts, raw text, foreign content); a
# second body or head. So does any ``data-pagefind`` (searched apart: one pattern for both is
# three times slower).
_KEEP_WHOLE = re.compile(rb"<(?:!|/?(?:h1|img|main|body|head|html|script|style|title|textarea|template|iframe"
                         rb"|noscript|noembed|noframes|xmp|plaintext|svg|math)(?=[\s/>]))")
_PAGEFIND = b"data-pagefind"


def searched(html: bytes) -> bytes:
    """``html`` without the body's parts before its first ``<main data-pagefind-body ...>`` and
    after its last ``</main>``, when nothing there counts for Pagefind (see above); else ``html``."""
    body = html.find(BODY)
    if body < 0:
        return html
    opened = html.find(b">", body) + 1
    start = html.find(MAIN, opened)
    end = html.rfind(MAIN_END)
    close = html.rfind(BODY_END)
    if opened <= 0 or start < 0 or end < start or close < end + len(MAIN_END):
        return html
    if MARK not in html[start:html.find(b">", start)]:
        return html
    before, after = html[opened:start], html[end + len(MAIN_END):close]
    if not (_plain(before) and _plain(after)):
        return html
    return b"".join((html[:opened], html[start:end + len(MAIN_END)], html[close:]))


def _plain(part: bytes) -> bool:
    """Whether ``part`` is ASCII holding nothing Pagefind reads nor any tag's hiding place."""
    if not part.isascii():
        return False
    lower = part.lower()
    return _PAGEFIND not in lower and _KEEP_WHOLE.search(lower) is None
