"""Pages given to Pagefind without the body around their searchable element: the same index bytes (real Pagefind)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.site.pagefind_service import PagefindService
from pipeline.site.search import MANIFEST
from pipeline.site.search_text import searched

HEAD = b'<!doctype html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n<title>Rapat - Portal</title>\n</head>\n'
MAIN = (b'<main id="main" data-pagefind-body data-pagefind-meta="kind:agendas">\n<h1>Rapat layanan</h1>\n'
        b"<p>Rapat koordinasi layanan terpadu.</p>\n</main>\n")


def _page(before: bytes = b'<header class="site-header"><nav><a href="../">Beranda</a></nav></header>\n',
          after: bytes = b'<footer class="site-footer"><p>Diterbitkan oleh dinas.</p></footer>\n') -> bytes:
    """A searchable page as the templates write one, with ``before`` and ``after`` around its main element."""
    return HEAD + b"<body>\n" + before + b'<div class="wrap">\n' + MAIN + b"</div>\n" + after + b"</body>\n</html>\n"


def _bundle(lang: str, pages: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """The bundle Pagefind makes of ``pages`` (URL, HTML)."""
    with PagefindService(120) as pagefind:
        index = pagefind.new_index(lang)
        pagefind.add_pages(index, ((url, html.decode("utf-8")) for url, html in pages))
        return pagefind.files(index)


def test_a_page_is_given_without_its_header_menus_and_footer() -> None:
    page = _page()
    cut = searched(page)
    assert cut == HEAD + b"<body>" + MAIN.rstrip(b"\n") + b"</body>\n</html>\n"
    assert searched(cut) == cut  # nothing more to cut


@pytest.mark.parametrize("before, after", [
    (b"<header><h1>Portal</h1></header>", b""),  # Pagefind's default title: the page's first h1
    (b"", b'<footer><img src="logo.png" alt=""></footer>'),  # its default image: the first img
    (b'<nav data-pagefind-filter="bagian:agenda">Agenda</nav>', b""),  # filters, meta and sorts anywhere
    (b"", b'<FOOTER DATA-PAGEFIND-META="penerbit:dinas">dinas</FOOTER>'),  # in any case
    (b"<!-- <main data-pagefind-body> -->", b""),  # a comment, a script: tags that are none
    (b"", b'<script>document.write("</main>")</script>'),
    (b"<svg><title>ikon</title></svg>", b""),
    (b"<p>Menu \xe2\x80\x93 utama</p>", b""),  # not ASCII: the page is checked as UTF-8 whole
])
def test_a_page_with_anything_pagefind_reads_around_its_main_is_given_whole(before: bytes, after: bytes) -> None:
    page = _page(before, after)
    assert searched(page) is page


@pytest.mark.parametrize("page", [
    b"not html at all", b"\xff\xfe not UTF-8",
    HEAD + b"<body><main><h1>Tanpa tanda</h1></main></body></html>",  # no data-pagefind-body
    HEAD + b"<body><main data-pagefind-body><h1>Tidak ditutup</h1></body></html>",  # no </main>
    HEAD + b"<body><main data-pagefind-body><h1>Tanpa akhir</h1></main>",  # no </body>
])
def test_a_page_of_another_shape_is_given_whole(page: bytes) -> None:
    assert searched(page) is page


def test_pages_cut_and_whole_make_the_same_index() -> None:
    pages = [(f"/agenda/a{n}/", _page()) for n in range(3)]
    pages += [(f"/agenda/b{n}/", _page(b"<nav><h1>Judul lain</h1></nav>")) for n in range(2)]
    pages.append(("/agenda/c/", _page(b'<nav data-pagefind-meta="bagian:menu">Menu</nav>')))
    assert _bundle("id", pages) == _bundle("id", [(url, searched(html)) for url, html in pages])


def test_every_searchable_page_of_the_sample_cut_makes_the_same_index(site: Path) -> None:
    record = json.loads((site / "pagefind" / MANIFEST).read_bytes())
    for lang, table in sorted(record["pages"].items()):
        pages = [("/" + path.removesuffix("index.html"), (site / path).read_bytes()) for path in sorted(table)]
        cut = [(url, searched(html)) for url, html in pages]
        # Nearly all are cut (a page with a name that is not ASCII in its breadcrumbs is given whole).
        assert sum(a is not b for (_, a), (_, b) in zip(cut, pages, strict=True)) > 0.95 * len(pages), lang
        assert sum(len(html) for _, html in cut) < 0.9 * sum(len(html) for _, html in pages), lang
        assert _bundle(lang, cut) == _bundle(lang, pages), lang
