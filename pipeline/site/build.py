"""Build the whole site into a staging folder, then swap it in place of <output>/site.

Order (everything is gathered before anything is written):
  0. fingerprint every input; when it equals the one stored with the current site, stop
     (the site would come out byte for byte the same);
  1. read <output>/data (and feedback, templates) into SiteData;
  2. build every page's context, both languages;
  3. render pages, copy assets and published files, write feeds, calendars, sitemap, catalogue;
  4. index with Pagefind;
  5. write the fingerprint into the staging folder and swap it in (the previous site stays
     until this point, so a fingerprint always describes the pages beside it).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.core.atomic import recover_dir, replace_dir, staging_dir
from pipeline.core.config import Portal
from pipeline.core.errors import SiteError
from pipeline.core.formatting import LANGS, Formatter
from pipeline.core.oserrors import SITE_INTACT, describe, naming
from pipeline.core.templating import SITE_TEMPLATES
from pipeline.site import dcat, downloads, feeds, fingerprint, meta, names, urls
from pipeline.site.i18n import Translator, load_strings
from pipeline.site.loader import load_site_data
from pipeline.site.models import SiteData
from pipeline.site.page import Kit, Page
from pipeline.site.pages import all_pages
from pipeline.site.render import Renderer
from pipeline.site.search import index_site
from pipeline.site.writer import Writer

TEMPLATES = SITE_TEMPLATES


@dataclass(frozen=True)
class BuildResult:
    """What a build produced (for the CLI line and the tests)."""

    root: Path
    pages: int
    files: int
    skipped: bool = False


def kits(templates: Path) -> dict[str, Kit]:
    """One kit (words, formats) per language."""
    strings = load_strings(templates / "strings.toml")
    return {lang: Kit(lang, Translator(strings[lang], lang), Formatter(lang)) for lang in LANGS}


def build_site(portal: Portal, as_of: date, templates: Path = TEMPLATES, search: bool = True) -> BuildResult:
    """Render the site from <output>/data into <output>/site, replacing it only when complete.

    Skipped (the site left as it is) when no input changed since the site there was built.
    A failure of the machine (a full disk) is a SiteError naming the path; the staging
    folder is removed and the previous site stays.
    """
    try:
        return _build(portal, as_of, templates, search)
    except OSError as exc:
        raise SiteError(f"situs / site: {describe(exc, SITE_INTACT)}") from None


def _build(portal: Portal, as_of: date, templates: Path, search: bool) -> BuildResult:
    """The build itself (see ``build_site``)."""
    target = portal.output / "site"
    recover_dir(target)  # an interrupted swap first: the fingerprint must describe the pages there
    inputs = fingerprint.inputs_fingerprint(portal, as_of, templates, search)
    previous = fingerprint.read_record(target)
    if previous is not None and previous.get("inputs") == inputs:
        pages_n, files_n = int(previous.get("pages", 0)), int(previous.get("files", 0))
        print(f"Situs / site: tidak ada masukan yang berubah, pembangunan dilewati / no input changed, "
              f"build skipped ({pages_n} halaman / pages) -> {target}")
        return BuildResult(target, pages_n, files_n, skipped=True)
    data = load_site_data(portal, as_of)
    lang_kits = kits(templates)
    pages = {lang: all_pages(data, kit) for lang, kit in lang_kits.items()}
    staging = staging_dir(target)
    try:
        writer = Writer(staging)
        searchable = _write_pages(writer, Renderer(templates, data), pages, lang_kits)
        page_count = sum(len(p) for p in pages.values())
        paths = [p.path for p in pages["id"]]
        del pages  # the rendered contexts are no longer needed: free them before Pagefind runs
        _write_files(writer, data, templates, lang_kits, paths)
        if search:
            # No live site to compare with yet: every partition is built, from the pages just written.
            index_site(staging, None, searchable, lambda rel: (staging / rel).read_bytes())
        # Not through the writer: it is no page of the site, and no page links to it.
        with naming(staging / fingerprint.FILE_NAME):
            (staging / fingerprint.FILE_NAME).write_bytes(fingerprint.record(inputs, page_count, len(writer.written)))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_dir(staging, target)
    print(f"Situs / site: {page_count} halaman / pages, {len(writer.written)} berkas / files -> {target}")
    return BuildResult(target, page_count, len(writer.written))


def _write_pages(writer: Writer, renderer: Renderer, pages: dict[str, list[Page]],
                 lang_kits: dict[str, Kit]) -> dict[str, dict[str, str]]:
    """Render and write every page of every language; return the SHA-256 of each searchable page's
    HTML by language and site-relative path (what the search index is built from)."""
    searchable: dict[str, dict[str, str]] = {}
    for lang, kit in lang_kits.items():
        digests = searchable.setdefault(lang, {})
        for page in pages[lang]:
            rel = urls.output_file(kit.url(page.path))
            body = renderer.render(page, kit).encode("utf-8")
            writer.write_bytes(rel, body)
            if page.searchable:
                digests[rel] = hashlib.sha256(body).hexdigest()
    return searchable


def _write_files(writer: Writer, data: SiteData, templates: Path, lang_kits: dict[str, Kit], paths: list[str]) -> None:
    """Assets, the published files, feedback pages, templates, feeds, calendars and machine files."""
    output = data.portal.output
    writer.copy_tree(templates / "static", "/assets")
    # Browsers ask for /favicon.ico whatever a page links (a PDF viewer, an old browser...).
    writer.write_bytes("/favicon.ico", (templates / "static" / "favicon.ico").read_bytes())
    writer.copy_tree(output / "data", "/data")
    # The reports under /laporan/ are pages of the site (pages/reports.py), one language each;
    # the bilingual copies in <output>/feedback/ are the agencies' own.
    writer.copy_tree(output / "templates", "/templat")
    for kit in lang_kits.values():
        writer.write_bytes(kit.url(urls.feed("keputusan")), feeds.decisions_feed(data, kit))
        writer.write_bytes(kit.url(urls.feed("rilis-data")), feeds.releases_feed(data, kit))
        writer.write_text(kit.url(urls.SEARCH) + names.NAMES_FILE, names.names_index(data, kit))
        for path, body in downloads.files(data, kit).items():
            writer.write_bytes(path, body)
    for path, body in feeds.agency_calendars(data).items():
        writer.write_bytes(path, body)
    writer.write_text("/sitemap.xml", meta.sitemap(data, paths))
    writer.write_text("/robots.txt", meta.robots(data))
    catalogue = dcat.catalogue_graph(data)
    writer.write_text(urls.data_file(dcat.JSONLD_FILE), dcat.jsonld(catalogue))
    writer.write_text(urls.data_file(dcat.TURTLE_FILE), dcat.turtle(catalogue))
