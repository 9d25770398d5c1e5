"""The mall's DCAT-AP catalogue (Turtle and JSON-LD) for harvesters such as CKAN's ckanext-dcat.

One ``dcat:Catalog`` (the mall, its publisher, licence, languages, city, last release) and one
``dcat:Dataset`` per published table with a ``dcat:Distribution`` per file. Titles and
descriptions are language-tagged literals, Indonesian and English; every title names the mall
(``Kinerja layanan MPP Kota Jambi``) and every identifier carries the city, so a province that
harvests hundreds of malls never sees two alike. Built as an RDF graph with rdflib (what
ckanext-dcat parses with), never by pasting strings.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from pipeline.core.naming import dataset_name, dataset_title, mall_label
from pipeline.core.periods import first_day, last_day
from pipeline.core.settings import slug
from pipeline.site import urls
from pipeline.site.datadict import MEDIA, ordered_tables
from pipeline.site.models import SiteData, TableInfo
from pipeline.site.views import last_update_date

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
# EU vocabularies that DCAT-AP names for languages and frequencies.
LANGUAGE = {"id": URIRef("http://publications.europa.eu/resource/authority/language/IND"),
            "en": URIRef("http://publications.europa.eu/resource/authority/language/ENG")}
MONTHLY = URIRef("http://publications.europa.eu/resource/authority/frequency/MONTHLY")
TURTLE_FILE, JSONLD_FILE = "catalog.ttl", "catalog.jsonld"
CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "skos": str(SKOS), "spdx": str(SPDX),
           "vcard": str(VCARD), "xsd": str(XSD)}


def catalogue_graph(data: SiteData) -> Graph:
    """The catalogue as an RDF graph (blank nodes named, so the files come out the same every run)."""
    portal, base = data.portal, data.portal.site_url
    g = Graph()
    for prefix, uri in CONTEXT.items():
        g.bind(prefix, Namespace(uri))
    catalog = URIRef(base + urls.DATA)
    mall = mall_label(portal.city)
    g.add((catalog, RDF.type, DCAT.Catalog))
    _texts(g, catalog, DCTERMS.title, {"id": portal.name, "en": portal.name_en or portal.name})
    _texts(g, catalog, DCTERMS.description, {
        "id": f"Data terbuka {mall}: agenda, keputusan, kinerja layanan, dan penyampaian data instansi, "
              "diperbarui setiap bulan.",
        "en": f"Open data of {mall}: agendas, decisions, service performance and the agencies' data "
              "submissions, updated every month."})
    g.add((catalog, FOAF.homepage, URIRef(base + "/")))
    common = _common(g, data)
    for predicate, value in common:
        g.add((catalog, predicate, value))
    updated = last_update_date(data)
    if updated:
        g.add((catalog, DCTERMS.modified, Literal(updated.isoformat(), datatype=XSD.date)))
    for table in ordered_tables(data):
        g.add((catalog, DCAT.dataset, _dataset(g, data, table, common)))
    return g


def turtle(graph: Graph) -> str:
    """The catalogue in Turtle (rdflib sorts subjects and predicates: stable bytes)."""
    return graph.serialize(format="turtle")


def jsonld(graph: Graph) -> str:
    """The catalogue in compact JSON-LD, its nodes and values sorted so that the bytes are stable."""
    doc = json.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True))
    return json.dumps(_sorted(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _common(g: Graph, data: SiteData) -> list[tuple[URIRef, Any]]:
    """Publisher, licence, languages and place: the same for the catalogue and every dataset."""
    portal = data.portal
    publisher = BNode("penerbit")
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal(portal.publisher or portal.name)))
    if portal.site_url:
        g.add((publisher, FOAF.homepage, URIRef(portal.site_url + "/")))
    place = BNode("wilayah")
    g.add((place, RDF.type, DCTERMS.Location))
    g.add((place, SKOS.prefLabel, Literal(portal.city)))
    found: list[tuple[URIRef, Any]] = [(DCTERMS.publisher, publisher), (DCTERMS.spatial, place)]
    licence = _licence(g, data)
    if licence is not None:
        found.append((DCTERMS.license, licence))
    found += [(DCTERMS.language, LANGUAGE[lang]) for lang in portal.languages if lang in LANGUAGE]
    return found


def _licence(g: Graph, data: SiteData) -> URIRef | None:
    """The licence as the document it links to, with its title and id (what harvesters match on)."""
    portal = data.portal
    if not portal.licence_url:
        return None
    licence = URIRef(portal.licence_url)
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((licence, DCTERMS.identifier, Literal(portal.licence_id)))
    if portal.licence_title:
        g.add((licence, DCTERMS.title, Literal(portal.licence_title)))
    return licence


def _dataset(g: Graph, data: SiteData, table: TableInfo, common: list[tuple[URIRef, Any]]) -> URIRef:
    """One table: titles with the mall, its identifier with the city, coverage and distributions."""
    portal, base = data.portal, data.portal.site_url
    page = base + urls.table(table.name)
    ds = URIRef(page)
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.identifier, Literal(dataset_name(portal.ckan.dataset_prefix, table.name))))
    _texts(g, ds, DCTERMS.title, {lang: dataset_title(table.title[lang], portal.city, lang) for lang in ("id", "en")})
    _texts(g, ds, DCTERMS.description, table.description)
    g.add((ds, DCAT.landingPage, URIRef(page)))
    g.add((ds, DCTERMS.accrualPeriodicity, MONTHLY))
    for predicate, value in common:
        g.add((ds, predicate, value))
    if portal.contact_email:
        contact = BNode("kontak-" + slug(table.name))
        g.add((ds, DCAT.contactPoint, contact))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(portal.publisher or portal.name)))
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{portal.contact_email}")))
    updated = last_update_date(data)
    if updated:
        g.add((ds, DCTERMS.modified, Literal(updated.isoformat(), datatype=XSD.date)))
    if table.periods:
        period = BNode("cakupan-" + slug(table.name))
        g.add((ds, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(first_day(table.periods[0]).isoformat(), datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(last_day(table.periods[1]).isoformat(), datatype=XSD.date)))
    for item in table.files:
        url = URIRef(base + urls.data_file(item.name))
        g.add((ds, DCAT.distribution, url))
        g.add((url, RDF.type, DCAT.Distribution))
        _texts(g, url, DCTERMS.title, {"id": f"{table.title['id']} ({item.format})",
                                      "en": f"{table.title['en']} ({item.format})"})
        g.add((url, DCAT.accessURL, URIRef(page)))
        g.add((url, DCAT.downloadURL, url))
        # Literal media type and format: what ckanext-dcat itself writes and reads back as CKAN's
        # "mimetype" and "format" (a URI there would become the format's name).
        g.add((url, DCAT.mediaType, Literal(MEDIA.get(item.format, item.format))))
        g.add((url, DCTERMS["format"], Literal(item.format)))
        g.add((url, DCAT.byteSize, Literal(item.bytes, datatype=XSD.nonNegativeInteger)))
        for predicate, value in common:
            if predicate == DCTERMS.license:
                g.add((url, predicate, value))
        if updated:
            g.add((url, DCTERMS.modified, Literal(updated.isoformat(), datatype=XSD.date)))
        checksum = BNode("sha256-" + slug(item.name))
        g.add((url, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(item.sha256, datatype=XSD.hexBinary)))
    return ds


def _texts(g: Graph, subject: URIRef, predicate: URIRef, texts: dict[str, str]) -> None:
    """One literal per language, Indonesian first (empty texts left out)."""
    for lang in ("id", "en"):
        if texts.get(lang):
            g.add((subject, predicate, Literal(texts[lang], lang=lang)))


def _sorted(value: Any) -> Any:
    """JSON-LD arrays are unordered sets: sort them (by their JSON) so that a graph has one spelling."""
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value
