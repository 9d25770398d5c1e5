"""Relative links: the build's own path arithmetic gives what ``posixpath.relpath`` gives."""

from __future__ import annotations

import posixpath
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.site.render import relative, relativize

SEGMENT = st.sampled_from(["agenda", "en", "instansi", "dpmptsp", "AG-2025-01", ".", "..", "", "index.html"])
PATH = st.lists(SEGMENT, max_size=6).map(lambda parts: "/" + "/".join(parts))


@settings(max_examples=500, deadline=None)
@given(target=PATH, page=PATH)
def test_relative_matches_posixpath(target: str, page: str) -> None:
    assert relative(target, page) == _expected(target, page)


def test_relative_by_hand() -> None:
    assert relative("/agenda/dpmptsp/AG-1/", "/agenda/dpmptsp/AG-2/") == "../AG-1/"
    assert relative("/", "/en/instansi/bri/") == "../../../"
    assert relative("/assets/site.css", "/index.html") == "assets/site.css"
    assert relative("/en/cari/?q=x#top", "/en/cari/") == "./?q=x#top"


def _expected(target: str, page: str) -> str:
    """``relative`` as ``posixpath.relpath`` gives it (the definition the build follows)."""
    path = target.split("#", 1)[0].split("?", 1)[0]
    tail = target[len(path):]
    base = page if page.endswith("/") else posixpath.dirname(page) + "/"
    rel = posixpath.relpath(path, base)
    if path.endswith("/") and rel != ".":
        rel += "/"
    elif rel == ".":
        rel = "./"
    return rel + tail


LINK = st.tuples(st.sampled_from(["href", "src", "action", "data-x"]), PATH,
                 st.sampled_from(["", "#top", "?q=1", "?q=a#b"]))


@settings(max_examples=300, deadline=None)
@given(links=st.lists(LINK, max_size=8), page=PATH)
def test_relativize_rewrites_each_root_link_as_relative_does(links: list[tuple[str, str, str]], page: str) -> None:
    """Every href/src/action link of a page (repeated ones too) comes out as ``relative`` makes it;
    any other attribute, and the text around, as it was."""
    html = "".join(f'<a {attr}="{path}{tail}">x</a> ' for attr, path, tail in links + links)
    want = "".join(f'<a {attr}="{_expected(path + tail, page) if attr != "data-x" else path + tail}">x</a> '
                   for attr, path, tail in links + links)
    assert relativize(html, page) == want


def test_relativize_by_hand() -> None:
    html = ('<link href="/assets/site.css"><a href="/agenda/">a</a><a href="/agendas/">b</a>'
            '<form action="/cari/"><a href="/agenda/a/AG-1/acara.ics">c</a><a href="mailto:x@y">m</a>')
    assert relativize(html, "/agenda/a/AG-1/") == (
        '<link href="../../../assets/site.css"><a href="../../">a</a><a href="../../../agendas/">b</a>'
        '<form action="../../../cari/"><a href="acara.ics">c</a><a href="mailto:x@y">m</a>')


# The rewriting as it was first written: one regex for the attribute and its link.
_FIRST = re.compile(r'(\s(?:href|src|action))="(/[^"]*)"')
TOKEN = st.sampled_from([" ", "\t", "\n", "x", "=", '"', "/", "href", "src", "action", "data-href", 'href="',
                         ' href="/', ' src="/a', "/b/", "#", "?q", "..", ".", "agenda", " action=\"/", "\u00a0",
                         "\u2003href=\"/c\""])


@settings(max_examples=1000, deadline=None)
@given(tokens=st.lists(TOKEN, max_size=30), page=PATH)
def test_relativize_matches_the_first_regex(tokens: list[str], page: str) -> None:
    """Whatever the text (attributes glued to other text, quotes left open, links inside links),
    the same links are rewritten as by the single regex the build first used."""
    html = "".join(tokens)
    want = _FIRST.sub(lambda m: f'{m.group(1)}="{relative(m.group(2), page)}"', html)
    assert relativize(html, page) == want
