"""Files for machines: sitemap.xml, robots.txt and the DCAT catalogue of the published tables."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from pipeline.site import urls
from pipeline.site.datadict import MEDIA, ordered_tables
from pipeline.site.models import SiteData
from pipeline.site.views import last_update_date


def sitemap(data: SiteData, paths: list[str]) -> str:
    """Every page in both languages, each with its hreflang alternates."""
    base = data.portal.site_url
    updated = last_update_date(data)
    # One date for every page: each is rebuilt from the same published data.
    lastmod = f"<lastmod>{updated.isoformat()}</lastmod>" if updated else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for path in sorted(set(paths)):
        for lang in ("id", "en"):
            lines.append(f"<url><loc>{escape(base + urls.localise(path, lang))}</loc>{lastmod}")
            lines.extend(f'<xhtml:link rel="alternate" hreflang="{alt}"'
                         f' href={quoteattr(base + urls.localise(path, code))}/>'
                         for alt, code in (("id", "id"), ("en", "en"), ("x-default", "id")))
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(data: SiteData) -> str:
    """Allow everything; point at the sitemap."""
    return f"User-agent: *\nAllow: /\nSitemap: {data.portal.site_url}/sitemap.xml\n"


def dcat_catalog(data: SiteData) -> str:
    """A DCAT-AP style catalogue (JSON-LD) of every published table and its distributions."""
    portal, base = data.portal, data.portal.site_url
    datasets = []
    for t in ordered_tables(data):
        ds = {
            "@id": base + urls.table(t.name), "@type": "dcat:Dataset",
            "dct:identifier": t.name,
            "dct:title": [{"@language": "id", "@value": t.title["id"]}, {"@language": "en", "@value": t.title["en"]}],
            "dct:description": [{"@language": "id", "@value": t.description["id"]},
                                {"@language": "en", "@value": t.description["en"]}],
            "dct:publisher": {"@type": "foaf:Organization", "foaf:name": portal.publisher or portal.name},
            "dct:license": portal.licence_url or portal.licence_id,
            "dcat:landingPage": base + urls.table(t.name),
            "dcat:distribution": [{
                "@type": "dcat:Distribution", "dcat:downloadURL": base + urls.data_file(i.name),
                "dcat:mediaType": MEDIA.get(i.format, i.format), "dcat:byteSize": i.bytes,
                "spdx:checksum": {"@type": "spdx:Checksum", "spdx:algorithm": "spdx:checksumAlgorithm_sha256",
                                  "spdx:checksumValue": i.sha256}} for i in t.files],
        }
        if t.periods:
            ds["dct:temporal"] = {"@type": "dct:PeriodOfTime", "dcat:startDate": t.periods[0],
                                  "dcat:endDate": t.periods[1]}
        datasets.append(ds)
    catalog = {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "foaf": "http://xmlns.com/foaf/0.1/", "spdx": "http://spdx.org/rdf/terms#"},
        "@id": base + urls.data_file("catalog.jsonld"), "@type": "dcat:Catalog",
        "dct:title": [{"@language": "id", "@value": portal.name},
                      {"@language": "en", "@value": portal.name_en or portal.name}],
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": portal.publisher or portal.name},
        "dct:license": portal.licence_url or portal.licence_id,
        "foaf:homepage": base + "/",
        "dcat:dataset": datasets,
    }
    if data.releases:
        catalog["dct:modified"] = data.releases[0].date.isoformat()
    return json.dumps(catalog, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
