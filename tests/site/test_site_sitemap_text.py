"""The sitemap written a page at a time (``meta.sitemap``) is the one the general rule writes:
every path and the site's address escaped for XML, plain ones written as they are."""

from __future__ import annotations

import dataclasses
from xml.sax.saxutils import escape, quoteattr

import pytest

from pipeline.core.config import load_portal
from pipeline.site import meta, urls
from pipeline.site.loader import load_site_data
from pipeline.site.models import SiteData
from pipeline.site.views import last_update_date
from tests.site.fixture_data import write_fixture
from tests.site.test_site_incremental import AS_OF


def _reference(data: SiteData, paths: list[str]) -> str:
    """The sitemap by the general rule (escape and quoteattr for every value), as it was written before."""
    base = data.portal.site_url
    updated = last_update_date(data)
    lastmod = f"<lastmod>{updated.isoformat()}</lastmod>" if updated else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for path in sorted(set(paths)):
        here = {lang: base + urls.localise(path, lang) for lang in ("id", "en")}
        alternates = [f'<xhtml:link rel="alternate" hreflang="{alt}" href={quoteattr(here[code])}/>'
                      for alt, code in (("id", "id"), ("en", "en"), ("x-default", "id"))]
        for lang in ("id", "en"):
            lines.append(f"<url><loc>{escape(here[lang])}</loc>{lastmod}")
            lines.extend(alternates)
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SiteData:
    """The small published fixture's site data."""
    datasets, output = write_fixture(tmp_path_factory.mktemp("sitemap"))
    return load_site_data(load_portal(datasets, output), AS_OF)


PATHS = ["/", "/agenda/", "/instansi/dpmptsp/2026/", "/agenda/a&b/1/", "/x/<y>/", "/q/it's/", '/q/"a"/',
         "/q/both'\"/", "/q/tab\there/", "/agenda/", "/instansi/dpmptsp/"]


@pytest.mark.parametrize("site_url", ["https://data.example.go.id", "", "https://x.example/?a=1&b=2"])
def test_the_sitemap_is_the_general_rules(data: SiteData, site_url: str) -> None:
    data = dataclasses.replace(data, portal=dataclasses.replace(data.portal, site_url=site_url))
    assert meta.sitemap(data, PATHS) == _reference(data, PATHS)
    assert meta.sitemap(data, []) == _reference(data, [])


def test_a_sitemap_without_a_date_has_no_lastmod(data: SiteData) -> None:
    bare = dataclasses.replace(data, releases=[], submissions=[])
    assert last_update_date(bare) is None
    text = meta.sitemap(bare, PATHS)
    assert "<lastmod>" not in text and text == _reference(bare, PATHS)
