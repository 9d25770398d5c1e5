"""Files for machines: sitemap.xml and robots.txt (the DCAT catalogue is pipeline.site.dcat)."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from pipeline.site import urls
from pipeline.site.models import SiteData
from pipeline.site.views import last_update_date

# What ``escape`` and ``quoteattr`` change: a text without any of these is written as it is.
_ESCAPED = frozenset("&<>\"'\n\r\t")


def sitemap(data: SiteData, paths: list[str]) -> str:
    """Every page in both languages, each with its hreflang alternates."""
    base = data.portal.site_url
    updated = last_update_date(data)
    # One date for every page: each is rebuilt from the same published data.
    lastmod = f"<lastmod>{updated.isoformat()}</lastmod>" if updated else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    # The three alternates as text, then the two entries: one string per page (a city has 30,000),
    # written at once when neither the site's address nor the path holds a character to escape.
    plain = not _ESCAPED.intersection(base)
    for path in sorted(set(paths)):
        if plain and not _ESCAPED.intersection(path):
            here_id, here_en = base + path, base + "/en" + path
            alternates = (f'<xhtml:link rel="alternate" hreflang="id" href="{here_id}"/>\n'
                          f'<xhtml:link rel="alternate" hreflang="en" href="{here_en}"/>\n'
                          f'<xhtml:link rel="alternate" hreflang="x-default" href="{here_id}"/>\n')
            lines.append(f"<url><loc>{here_id}</loc>{lastmod}\n{alternates}</url>\n"
                         f"<url><loc>{here_en}</loc>{lastmod}\n{alternates}</url>")
            continue
        here = {lang: base + urls.localise(path, lang) for lang in ("id", "en")}
        escaped = [f'<xhtml:link rel="alternate" hreflang="{alt}" href={quoteattr(here[code])}/>'
                   for alt, code in (("id", "id"), ("en", "en"), ("x-default", "id"))]
        for lang in ("id", "en"):
            lines.append(f"<url><loc>{escape(here[lang])}</loc>{lastmod}")
            lines.extend(escaped)
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(data: SiteData) -> str:
    """Allow everything; point at the sitemap."""
    return f"User-agent: *\nAllow: /\nSitemap: {data.portal.site_url}/sitemap.xml\n"
