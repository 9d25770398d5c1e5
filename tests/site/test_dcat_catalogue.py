"""The sample site's DCAT-AP catalogue (Turtle and JSON-LD), read back with rdflib as a harvester would."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, SKOS

BASE = "https://data.mpp.jambikota.go.id"  # the sample's site_url
TABLES = ["agencies", "agency_ikm", "agenda_history", "agendas", "decision_history", "decisions", "indicators",
          "performance", "services", "submissions"]


@pytest.fixture(scope="module")
def graph(site: Path) -> Graph:
    """catalog.ttl parsed."""
    return Graph().parse(site / "data" / "catalog.ttl", format="turtle")


def test_turtle_and_json_ld_say_the_same(site: Path, graph: Graph) -> None:
    other = Graph().parse(site / "data" / "catalog.jsonld", format="json-ld")
    assert len(graph) > 500 and isomorphic(graph, other)


def test_the_catalogue_names_the_mall_its_publisher_licence_languages_and_city(graph: Graph) -> None:
    catalog = URIRef(f"{BASE}/data/")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    assert set(graph.objects(catalog, DCTERMS.title)) == {
        Literal("Data Terbuka Mal Pelayanan Publik Kota Jambi", lang="id"),
        Literal("Open Data of the Jambi City Public Service Mall", lang="en")}
    assert set(graph.objects(catalog, DCTERMS.license)) == {
        URIRef("https://creativecommons.org/licenses/by/4.0/deed.id")}
    assert {str(o) for o in graph.objects(catalog, DCTERMS.language)} == {
        "http://publications.europa.eu/resource/authority/language/IND",
        "http://publications.europa.eu/resource/authority/language/ENG"}
    place = graph.value(catalog, DCTERMS.spatial)
    assert graph.value(place, SKOS.prefLabel) == Literal("Kota Jambi")
    assert str(graph.value(catalog, DCTERMS.modified)) == "2026-11-28"  # the sample's as-of date
    assert {str(d) for d in graph.objects(catalog, DCAT.dataset)} == {f"{BASE}/data/{t}/" for t in TABLES}


def test_every_dataset_carries_the_city_and_its_files(site: Path, graph: Graph) -> None:
    for table in TABLES:
        ds = URIRef(f"{BASE}/data/{table}/")
        assert str(graph.value(ds, DCTERMS.identifier)) == "mpp-kota-jambi-" + table.replace("_", "-")
        titles = {t.language: str(t) for t in graph.objects(ds, DCTERMS.title)}
        assert titles["id"].endswith(" MPP Kota Jambi") and titles["en"].endswith(", MPP Kota Jambi")
        assert {t.language for t in graph.objects(ds, DCTERMS.description)} == {"id", "en"}
        files = {}
        for dist in graph.objects(ds, DCAT.distribution):
            body = (site / "data" / str(dist).rsplit("/", 1)[1]).read_bytes()  # the file exists as published
            assert str(graph.value(dist, DCAT.downloadURL)) == str(dist)
            assert int(graph.value(dist, DCAT.byteSize)) == len(body)
            checksum = graph.value(dist, URIRef("http://spdx.org/rdf/terms#checksum"))
            assert str(graph.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue"))) == \
                hashlib.sha256(body).hexdigest()
            files[str(dist)] = (str(graph.value(dist, DCTERMS["format"])), str(graph.value(dist, DCAT.mediaType)))
        assert files == {
            f"{BASE}/data/{table}.csv": ("CSV", "text/csv"),
            f"{BASE}/data/{table}.json": ("JSON", "application/json"),
            f"{BASE}/data/{table}.xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        }
    period = graph.value(URIRef(f"{BASE}/data/performance/"), DCTERMS.temporal)
    # the sample's performance rows run from 2025-09 to 2026-10
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == \
        ("2025-09-01", "2026-10-31")


def test_the_data_page_links_both_catalogues_in_its_head_and_body(site: Path) -> None:
    for page in ("data/index.html", "en/data/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        head = html.split("</head>", 1)[0]
        links = re.findall(r'<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"', head)
        hrefs = {t: (site / page).parent.joinpath(h).resolve() for t, h in links}
        assert hrefs["text/turtle"] == (site / "data" / "catalog.ttl").resolve()
        assert hrefs["application/ld+json"] == (site / "data" / "catalog.jsonld").resolve()
        assert "catalog.ttl</a>" in html and "catalog.jsonld</a>" in html
