"""Relative links: the build's own path arithmetic gives what ``posixpath.relpath`` gives."""

from __future__ import annotations

import posixpath

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.site.render import relative

SEGMENT = st.sampled_from(["agenda", "en", "instansi", "dpmptsp", "AG-2025-01", ".", "..", "", "index.html"])
PATH = st.lists(SEGMENT, max_size=6).map(lambda parts: "/" + "/".join(parts))


@settings(max_examples=500, deadline=None)
@given(target=PATH, page=PATH)
def test_relative_matches_posixpath(target: str, page: str) -> None:
    base = page if page.endswith("/") else posixpath.dirname(page) + "/"
    expected = posixpath.relpath(target, base)
    if target.endswith("/") and expected != ".":
        expected += "/"
    elif expected == ".":
        expected = "./"
    assert relative(target, page) == expected


def test_relative_by_hand() -> None:
    assert relative("/agenda/dpmptsp/AG-1/", "/agenda/dpmptsp/AG-2/") == "../AG-1/"
    assert relative("/", "/en/instansi/bri/") == "../../../"
    assert relative("/assets/site.css", "/index.html") == "assets/site.css"
    assert relative("/en/cari/?q=x#top", "/en/cari/") == "./?q=x#top"
