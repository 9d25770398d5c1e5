"""Files for machines: sitemap.xml (an index of sitemap-N.xml above the protocol's limits) and robots.txt
(the DCAT catalogue is pipeline.site.dcat)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape, quoteattr

from pipeline.site import urls
from pipeline.site.models import SiteData
from pipeline.site.views import last_update_date

# What ``escape`` and ``quoteattr`` change: a text without any of these is written as it is.
_ESCAPED = frozenset("&<>\"'\n\r\t")


# The sitemaps protocol's limits for one file: 50,000 URLs and 50 MB (52,428,800 bytes) uncompressed.
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n')
_TAIL = "</urlset>\n"


def sitemap(data: SiteData, paths: list[str]) -> str:
    """Every page in both languages, each with its hreflang alternates, as one sitemap file."""
    return _urlset(list(_entries(data, paths)))


def sitemaps(data: SiteData, paths: list[str], max_urls: int = MAX_URLS,
             max_bytes: int = MAX_BYTES) -> list[tuple[str, str]]:
    """(site path, text) of the sitemap files: ``/sitemap.xml`` alone (``sitemap``) while it is within
    the protocol's limits, else ``/sitemap.xml`` as a sitemap index naming ``/sitemap-1.xml``, ``-2``...,
    each within them (a page's two languages stay in one file)."""
    entries = list(_entries(data, paths))
    if 2 * len(entries) <= max_urls:  # else not one file whatever its size (a city's 30 MB not joined for nothing)
        whole = _urlset(entries)
        if len(whole.encode("utf-8")) <= max_bytes:
            return [("/sitemap.xml", whole)]
    room = max_bytes - len((_HEAD + _TAIL).encode("utf-8"))
    parts: list[list[str]] = [[]]
    size = 0
    for entry in entries:
        # Its octets and line feed: an ASCII entry (any whose address is) is not encoded to count them.
        octets = (len(entry) if entry.isascii() else len(entry.encode("utf-8"))) + 1
        if parts[-1] and (2 * (len(parts[-1]) + 1) > max_urls or size + octets > room):
            parts.append([])
            size = 0
        parts[-1].append(entry)
        size += octets
    files = [(f"/sitemap-{n}.xml", _urlset(part)) for n, part in enumerate(parts, 1)]
    updated = last_update_date(data)
    lastmod = f"<lastmod>{updated.isoformat()}</lastmod>" if updated else ""
    index = ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    index += [f"<sitemap><loc>{escape(data.portal.site_url + path)}</loc>{lastmod}</sitemap>" for path, _ in files]
    index.append("</sitemapindex>")
    return [("/sitemap.xml", "\n".join(index) + "\n"), *files]


def sitemaps_key(data: SiteData, paths: list[str], code: str) -> str:
    """The SHA-256 of everything the sitemap files come from: the site code (which holds the site's
    address and these limits), the data's date (every entry's lastmod) and the page paths."""
    updated = last_update_date(data)
    head = f"sitemaps\0{code}\0{data.portal.site_url}\0{updated.isoformat() if updated else ''}\0"
    return hashlib.sha256((head + "\n".join(sorted(set(paths)))).encode("utf-8", "surrogatepass")).hexdigest()


def kept_sitemaps(key: str, live_key: Callable[[str], str | None]) -> list[str] | None:
    """The site paths of the live sitemap files when they were made with ``key`` (``live_key``: a
    live file's key, None when it has none or there is no such file): ``/sitemap.xml`` and the
    numbered files after it while each has that key; None when ``/sitemap.xml`` has another key.

    A numbered file left from a build of other inputs has another key: it is not kept (and goes).
    """
    if live_key("/sitemap.xml") != key:
        return None
    kept = ["/sitemap.xml"]
    while live_key(f"/sitemap-{len(kept)}.xml") == key:
        kept.append(f"/sitemap-{len(kept)}.xml")
    return kept


def _urlset(entries: list[str]) -> str:
    """A sitemap file of the given entries (``_entries``)."""
    # One join, not a string made for each entry and its line feed.
    return _HEAD + "\n".join(entries) + "\n" + _TAIL if entries else _HEAD + _TAIL


def _entries(data: SiteData, paths: list[str]) -> Iterator[str]:
    """One text for each page path: its two ``<url>`` elements (Indonesian, English), without the last line feed."""
    base = data.portal.site_url
    updated = last_update_date(data)
    # One date for every page: each is rebuilt from the same published data.
    lastmod = f"<lastmod>{updated.isoformat()}</lastmod>" if updated else ""
    # The three alternates as text, then the two entries: one string per page (a city has 30,000),
    # written at once when neither the site's address nor the path holds a character to escape.
    plain = not _ESCAPED.intersection(base)
    for path in sorted(set(paths)):
        if plain and not _ESCAPED.intersection(path):
            here_id, here_en = base + path, base + "/en" + path
            alternates = (f'<xhtml:link rel="alternate" hreflang="id" href="{here_id}"/>\n'
                          f'<xhtml:link rel="alternate" hreflang="en" href="{here_en}"/>\n'
                          f'<xhtml:link rel="alternate" hreflang="x-default" href="{here_id}"/>\n')
            yield (f"<url><loc>{here_id}</loc>{lastmod}\n{alternates}</url>\n"
                   f"<url><loc>{here_en}</loc>{lastmod}\n{alternates}</url>")
            continue
        here = {lang: base + urls.localise(path, lang) for lang in ("id", "en")}
        escaped = [f'<xhtml:link rel="alternate" hreflang="{alt}" href={quoteattr(here[code])}/>'
                   for alt, code in (("id", "id"), ("en", "en"), ("x-default", "id"))]
        lines: list[str] = []
        for lang in ("id", "en"):
            lines.append(f"<url><loc>{escape(here[lang])}</loc>{lastmod}")
            lines.extend(escaped)
            lines.append("</url>")
        yield "\n".join(lines)


def robots(data: SiteData) -> str:
    """Allow everything; point at the sitemap."""
    return f"User-agent: *\nAllow: /\nSitemap: {data.portal.site_url}/sitemap.xml\n"
