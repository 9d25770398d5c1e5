"""A lazy page's inputs are written out once for both languages of its path, never for the wrong inputs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, cast

from pipeline.site.build import TEMPLATES, kits
from pipeline.site.models import SiteData
from pipeline.site.page import Kit, Lazy, Page
from pipeline.site.render import Renderer

WRITTEN: list[object] = []
PATH = "/instansi/bapenda/2026/"  # deep enough to carry no build date: the key needs no site data


@dataclass(frozen=True, repr=False)
class Inputs:
    """Inputs that count how often they are written out."""

    rows: tuple[Any, ...]
    names: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        WRITTEN.append(self)
        return f"Inputs({self.rows!r}, {self.names!r})"


def make(inputs: Inputs, kit: Kit) -> Page:
    """A page of the inputs (never built here)."""
    return Page(PATH, "agency_year.html", "", "agencies")


def _lazy(inputs: Inputs) -> Lazy[Inputs]:
    return Lazy(PATH, "agency_year.html", inputs, make)


def _keys(*pages: tuple[str, Inputs]) -> list[str]:
    renderer, lang_kits = Renderer(TEMPLATES, cast(SiteData, None)), kits(TEMPLATES)
    return [renderer.key(_lazy(inputs), lang_kits[lang], "code") for lang, inputs in pages]


def test_equal_inputs_of_the_two_languages_are_written_out_once() -> None:
    WRITTEN.clear()
    rows = (("2026-01", 12), ("2026-02", 7))
    id_key, en_key = _keys(("id", Inputs(rows)), ("en", Inputs(tuple(rows))))
    assert len(WRITTEN) == 1
    # The same keys as with each language's inputs written out by itself.
    assert [id_key, en_key] == [_keys(("id", Inputs(rows)))[0], _keys(("en", Inputs(rows)))[0]]
    assert id_key != en_key  # the language is in the key


def test_other_inputs_in_the_other_language_are_written_out_and_keyed_as_theirs() -> None:
    WRITTEN.clear()
    a, b = Inputs((("2026-01", 12),)), Inputs((("2026-01", 13),))
    _, en_key = _keys(("id", a), ("en", b))
    assert len(WRITTEN) == 2
    assert en_key == _keys(("en", b))[0] != _keys(("en", a))[0]


def test_a_path_keyed_again_in_the_same_language_is_written_out_again() -> None:
    # The text is handed over once: a third page of the path (another build's data in a test)
    # writes its own inputs out.
    WRITTEN.clear()
    a = Inputs((("2026-01", 12),))
    keys = _keys(("id", a), ("en", a), ("id", Inputs((("2026-01", 99),))))
    assert len(WRITTEN) == 2 and keys[2] == _keys(("id", Inputs((("2026-01", 99),))))[0]


def test_a_lazy_page_key_is_the_digest_of_its_whole_text_as_before() -> None:
    # Hashed in two pieces, the key is still the SHA-256 of the one text it was made of (so a
    # live site's keys stay valid), a lone surrogate of an agency's text included.
    inputs = Inputs((("2026-01", "Rapat \ud800 ké"),), {"a": "b"})
    (key,) = _keys(("en", inputs))
    text = (f"lazy\0code\0en\0{PATH}\0agency_year.html\0{make.__module__}.make\0False\0None\0"
            f"Inputs({inputs.rows!r}, {inputs.names!r})")
    assert key == hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
