"""Above the sitemaps protocol's limits (50,000 URLs, 50 MB a file) /sitemap.xml is a sitemap index
naming /sitemap-N.xml files each within them; below, it is the one sitemap as before."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from pipeline.core.config import load_portal
from pipeline.site import meta
from pipeline.site.loader import load_site_data
from pipeline.site.models import SiteData
from tests.site.fixture_data import write_fixture
from tests.site.test_site_incremental import AS_OF

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SiteData:
    """The small published fixture's site data."""
    datasets, output = write_fixture(tmp_path_factory.mktemp("sitemap-index"))
    return load_site_data(load_portal(datasets, output), AS_OF)


def _locs(text: str, tag: str) -> list[str]:
    """The ``<loc>`` of every ``tag`` element of a sitemap file (parsed as XML)."""
    return [el.findtext("s:loc", namespaces=NS) or "" for el in ET.fromstring(text.encode()).findall(f"s:{tag}", NS)]


PATHS = [f"/instansi/a{n:03}/" for n in range(40)] + ["/agenda/a&b/1/", "/x/<y>/", "/"]


def test_within_the_limits_one_file_as_before(data: SiteData) -> None:
    assert meta.sitemaps(data, PATHS) == [("/sitemap.xml", meta.sitemap(data, PATHS))]
    assert meta.sitemaps(data, PATHS, max_urls=2 * len(PATHS)) == [("/sitemap.xml", meta.sitemap(data, PATHS))]


@pytest.mark.parametrize("limits", [{"max_urls": 10}, {"max_urls": 11}, {"max_bytes": 4000},
                                    {"max_urls": 30, "max_bytes": 6000}])
def test_above_the_limits_an_index_of_files_within_them(data: SiteData, limits: dict[str, int]) -> None:
    data = dataclasses.replace(data, portal=dataclasses.replace(data.portal, site_url="https://x.example"))
    files = meta.sitemaps(data, PATHS, **limits)
    index, parts = files[0], files[1:]
    assert index[0] == "/sitemap.xml" and len(parts) > 1
    assert [path for path, _ in parts] == [f"/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    assert _locs(index[1], "sitemap") == [f"https://x.example{path}" for path, _ in parts]
    assert index[1].count("<lastmod>") == len(parts)
    urls: list[str] = []
    for _, text in parts:
        found = _locs(text, "url")
        assert len(found) <= limits.get("max_urls", meta.MAX_URLS) and len(found) % 2 == 0  # both languages of a page
        assert len(text.encode()) <= limits.get("max_bytes", meta.MAX_BYTES)
        urls += found
    assert urls == _locs(meta.sitemap(data, PATHS), "url")  # every URL once, in the one sitemap's order


def test_the_protocols_limit_of_urls(data: SiteData) -> None:
    """25,001 pages are 50,002 URLs: two files under an index; 25,000 pages stay one file."""
    paths = [f"/p/{n}/" for n in range(25_001)]
    assert [path for path, _ in meta.sitemaps(data, paths[:-1])] == ["/sitemap.xml"]
    files = meta.sitemaps(data, paths)
    assert [path for path, _ in files] == ["/sitemap.xml", "/sitemap-1.xml", "/sitemap-2.xml"]
    assert [text.count("<url>") for _, text in files[1:]] == [50_000, 2]


def _reference_files(data: SiteData, paths: list[str], max_urls: int, max_bytes: int) -> list[tuple[str, str]]:
    """The numbered files as the split was written before: each entry encoded to count its octets,
    each file's entries joined one line at a time."""
    entries = list(meta._entries(data, paths))
    room = max_bytes - len((meta._HEAD + meta._TAIL).encode("utf-8"))
    parts: list[list[str]] = [[]]
    size = 0
    for entry in entries:
        octets = len(entry.encode("utf-8")) + 1
        if parts[-1] and (2 * (len(parts[-1]) + 1) > max_urls or size + octets > room):
            parts.append([])
            size = 0
        parts[-1].append(entry)
        size += octets
    return [(f"/sitemap-{n}.xml", meta._HEAD + "".join(e + "\n" for e in part) + meta._TAIL)
            for n, part in enumerate(parts, 1)]


# Names of more than one octet a character: the byte limit counts octets, not characters.
WIDE = [*PATHS, "/instansi/dinas-pariwisata-ñ/", "/agenda/rapat-koordinasi-€/1/", "/cari/日本/"]


@pytest.mark.parametrize("site_url", ["https://x.example", "https://dat\u00e4.example"])
@pytest.mark.parametrize("limits", [{"max_urls": 10, "max_bytes": meta.MAX_BYTES}, {"max_urls": 1000, "max_bytes": 3000},
                                    {"max_urls": 1000, "max_bytes": 2400}, {"max_urls": 12, "max_bytes": 5000}])
def test_the_files_are_cut_where_the_octets_and_urls_say_as_before(data: SiteData, site_url: str,
                                                                    limits: dict[str, int]) -> None:
    data = dataclasses.replace(data, portal=dataclasses.replace(data.portal, site_url=site_url))
    files = meta.sitemaps(data, WIDE, **limits)
    assert files[1:] == _reference_files(data, WIDE, **limits)
    for _, text in files[1:]:
        assert len(text.encode("utf-8")) <= limits["max_bytes"]


def test_no_pages_give_an_empty_sitemap(data: SiteData) -> None:
    assert meta.sitemaps(data, []) == [("/sitemap.xml", meta._HEAD + meta._TAIL)]
