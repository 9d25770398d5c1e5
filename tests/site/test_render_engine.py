"""The faster rendering gives Jinja's own bytes: the site's environment against a stock one, and
the parts it reuses (modules of macros, the layout's shared parts) against making them anew."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment, FileSystemLoader, StrictUndefined, UndefinedError
from markupsafe import Markup

from pipeline.core.templating import PlainCallable, environment
from pipeline.site.build import TEMPLATES, kits
from pipeline.site.loader import load_site_data
from pipeline.site.page import Kit
from pipeline.site.pages import all_pages, built
from pipeline.site.render import Renderer, _Language

AS_OF = date(2026, 11, 28)


def stock(loader: FileSystemLoader | DictLoader) -> Environment:
    """Jinja's environment with the site's settings and nothing of ours."""
    env = Environment(loader=loader, autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


def ours(templates: dict[str, str]) -> Environment:
    """The site's environment over ``templates``."""
    env = environment(Path("."))
    env.loader = DictLoader(templates)
    return env


def test_every_page_renders_as_stock_jinja_renders_it(fixture_portal) -> None:
    """Each page of both languages, rendered by the site's renderer, equals the page a stock Jinja
    environment renders from a fresh context each time (modules and shared parts made anew)."""
    data = load_site_data(fixture_portal, AS_OF)
    fast = Renderer(TEMPLATES, data)
    plain = Renderer(TEMPLATES, data)
    plain.env = stock(FileSystemLoader(str(TEMPLATES)))

    def fresh(kit: Kit) -> _Language:
        return _Language(plain.env, data.portal, kit)

    plain._language = fresh  # type: ignore[method-assign]  # the layout's parts made for each page
    pages = 0
    for kit in kits(TEMPLATES).values():
        for page in all_pages(data, kit):
            page = built(page, kit)
            assert fast.render(page, kit) == plain.render(page, kit), page.path
            pages += 1
    assert pages > 100
    assert fast.env.modules, "modules of macros were reused"  # type: ignore[attr-defined]


class Words(PlainCallable):
    """A stand-in for the words: the key in brackets, with a mark for the language."""

    def __init__(self, mark: str) -> None:
        self.mark = mark

    def __call__(self, key: str, **fields: object) -> str:
        return f"<{self.mark}:{key}{fields or ''}>"


TEMPLATES_ = {
    "_m.html": '{% macro tag(x) %}<b>{{ t("tag") }} {{ x }}</b>{% endmacro %}\n'
               '{% macro wrap() %}[{{ caller() }}]{% endmacro %}\n',
    "_n.html": '{% import "_m.html" as m with context %}\n{% macro both(x) %}{{ m.tag(x) }}{{ lang }}{% endmacro %}',
    "_state.html": '{% set prefix = t("p") %}{% macro tag(x) %}{{ prefix }}{{ x }}{% endmacro %}',
    "_inc.html": '{% macro tag(x) %}{% include "_part.html" %}{% endmacro %}',
    "_part.html": "{{ here }}",
    "page.html": '{% import "_m.html" as m with context %}{% import "_n.html" as n with context %}'
                 '{% from "_state.html" import tag with context %}{% import "_inc.html" as inc with context %}'
                 '{{ m.tag(row.title) }}|{{ n.both(row.items) }}|{{ tag(row.keys) }}|{{ inc.tag(1) }}|'
                 '{% call m.wrap() %}{{ row.title }}{% endcall %}|{{ row.get }}|{{ safe }}|{{ none }}|{{ 3 }}|'
                 '{{ row["title"] }}|{{ t("x", n=1) }}\n',
}


@pytest.mark.parametrize("context", [
    {"row": {"title": "<a & b>", "items": "kept as an item", "keys": 3}, "safe": Markup("<i>ok</i>"), "none": None},
    {"row": {"title": "\"quoted\" 'x'", "items": [1, 2], "keys": None}, "safe": "<not safe>", "none": 0},
])
def test_templates_render_as_stock_jinja(context: dict[str, object]) -> None:
    """Dict fields, dict method names, Markup, numbers, None, macros with caller, imports with
    context (reused or not), words: the same text as Jinja's own environment gives."""
    env, plain = ours(TEMPLATES_), stock(DictLoader(TEMPLATES_))
    for lang, words in (("id", Words("id")), ("en", Words("en")), ("id", Words("id")), ("id", Words("x"))):
        for here in ("/a/", "/b/"):
            values = {**context, "t": words, "lang": lang, "here": here}
            assert env.get_template("page.html").render(values) == plain.get_template("page.html").render(values)


def test_a_missing_field_still_fails() -> None:
    env = ours({"p.html": "{{ row.missing }}"})
    with pytest.raises(UndefinedError):
        env.get_template("p.html").render(row={"title": "x"})


def test_modules_are_reused_only_for_macro_files_and_equal_values() -> None:
    env = ours(TEMPLATES_)
    assert env.free_names("_m.html") == ("t",)  # type: ignore[attr-defined]
    assert env.free_names("_n.html") == ("lang", "t")  # type: ignore[attr-defined]  # with _m.html's
    assert env.free_names("_state.html") is None  # type: ignore[attr-defined]  # a value of its own
    assert env.free_names("_inc.html") == ("here",)  # type: ignore[attr-defined]  # the included part's
    assert env.free_names("page.html") is None  # type: ignore[attr-defined]
    words = Words("id")
    for here in ("/a/", "/a/", "/b/"):
        env.get_template("page.html").render(row={"title": "t", "items": "", "keys": ""}, t=words, lang="id",
                                             here=here, safe="", none=None)
    made = sorted((name, values) for name, _, values in env.modules)  # type: ignore[attr-defined]
    # _m.html once (the page's import and _n.html's read the same t), _inc.html once per page path.
    assert [name for name, _ in made] == ["_inc.html", "_inc.html", "_m.html", "_n.html"]


def test_safe_url_refuses_the_characters_it_refused() -> None:
    """One regex instead of a test per character: the same characters refused, every code point."""
    import sys

    from pipeline.site.markup import _UNSAFE_IN_URL

    for code in range(sys.maxunicode + 1):
        c = chr(code)
        assert bool(_UNSAFE_IN_URL.search(c)) == (c.isspace() or ord(c) < 32 or c in '<>"`'), hex(code)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_cached_numbers_and_times_are_babels(lang: str) -> None:
    """The cached texts are those Babel makes each time; -0.0 and 0.0, 1 and 1.0 kept apart."""
    from datetime import time, timedelta, timezone
    from decimal import Decimal

    from babel.dates import format_time

    from pipeline.core.formatting import Formatter

    f = Formatter(lang)
    values: list[float | int | Decimal] = [0, 0.0, -0.0, 1, 1.0, -1, 2.5, 3.5, 0.125, 1234567, 1234.5678, 10**30,
                                           1e-9, float("nan"), float("inf"), Decimal("1.50"), Decimal("1.5")]
    for digits in (0, 1, 2):
        for value in values * 2:  # the second time from the cache
            assert f.number(value, digits) == f._number(value, digits), (value, digits)
    assert f.number(-0.0, 1) != f.number(0.0, 1)
    pattern = "HH.mm" if lang == "id" else "HH:mm"
    for t in (time(9, 5), time(9, 5), time(23, 59, 59), time(9, 5, tzinfo=timezone(timedelta(hours=7)))):
        assert f.time(t) == format_time(t, pattern, locale=f.locale)


def test_an_environment_keeps_a_bounded_number_of_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived environment (the intake service's) whose names take ever new values."""
    from pipeline.core import templating

    monkeypatch.setattr(templating, "_MODULES_KEPT", 3)
    env = ours({"_m.html": "{% macro tag() %}{{ t }}{% endmacro %}",
                "p.html": '{% import "_m.html" as m with context %}{{ m.tag() }}'})
    for n in range(10):
        assert env.get_template("p.html").render(t=str(n)) == str(n)
        assert len(env.modules) <= 3  # type: ignore[attr-defined]


def test_loaded_templates_are_kept_only_while_not_reloaded(tmp_path: Path) -> None:
    """With ``auto_reload`` off (a site build), a template is loaded once and taken again as it is;
    with it on (Jinja's default), an edited template is read again, as Jinja does."""
    (tmp_path / "page.html").write_text("one {{ x }}\n")
    env = environment(tmp_path)
    assert env.get_template("page.html").render(x=1) == "one 1\n"
    (tmp_path / "page.html").write_text("two {{ x }}\n")
    env.cache.clear()  # Jinja's own cache dropped: the kept one is not Jinja's
    env.auto_reload = False
    first = env.get_template("page.html")
    assert first.render(x=1) == "two 1\n"
    assert env.get_template("page.html") is first
    assert env.get_template("page.html", parent="other.html") is first
    (tmp_path / "page.html").write_text("three {{ x }}\n")
    assert env.get_template("page.html").render(x=1) == "two 1\n"  # the file changed: the kept template stays
    env.auto_reload = True
    os.utime(tmp_path / "page.html", (1, 1))  # a new mtime, whatever the clock's resolution
    assert env.get_template("page.html").render(x=1) == "three 1\n"


MACROS = {
    "_k.html": '{% macro one(a, b) %}<{{ a }}|{{ b }}>{% endmacro %}\n'
               '{% macro dflt(a, b="d") %}<{{ a }}|{{ b }}>{% endmacro %}\n'
               '{% macro kw(a) %}<{{ a }}|{{ kwargs }}>{% endmacro %}\n'
               '{% macro va(a) %}<{{ a }}|{{ varargs }}>{% endmacro %}\n'
               '{% macro wrap(a) %}[{{ a }}{{ caller() }}]{% endmacro %}\n'
               '{% macro empty() %}<empty>{% endmacro %}\n',
    "page.html": '{% import "_k.html" as k %}{% macro here(x) %}{{ x }}!{% endmacro %}'
                 '{{ k.one(v, "&") }}{{ k.one(a=v, b=1) }}{{ k.one(v, b=2) }}{{ k.dflt(v) }}{{ k.dflt(v, v) }}'
                 '{{ k.kw(v) }}{{ k.kw(v, z=v) }}{{ k.va(v) }}{{ k.va(v, 1, v) }}{% call k.wrap(v) %}in{% endcall %}'
                 '{{ k.empty() }}{{ here(v) }}{% for x in [v, 1] %}{{ here(x) }}{% endfor %}'
                 '{% set s %}{{ k.one(v, v) }}{% endset %}{{ s }}{{ k.one(v, v)|length }}{{ k.one(v, v) ~ v }}\n',
}


@pytest.mark.parametrize("value", ["<a & 'b'>", Markup("<i>ok</i>"), 0, None])
def test_macros_called_straight_give_jinjas_text(value: object) -> None:
    """A macro given all its arguments by position is called straight (``_Context.call``): the same
    text and escaping as Jinja's own call, and every other kind of call (defaults, keywords,
    ``kwargs``, ``varargs``, ``caller``) as it was."""
    env, plain = ours(MACROS), stock(DictLoader(MACROS))
    assert env.get_template("page.html").render(v=value) == plain.get_template("page.html").render(v=value)


def test_a_macro_given_too_many_arguments_still_fails() -> None:
    env = ours({"p.html": "{% macro one(a) %}{{ a }}{% endmacro %}{{ one(1, 2) }}"})
    with pytest.raises(TypeError):
        env.get_template("p.html").render()


def test_relativize_writes_the_general_relative_path() -> None:
    """The usual link written in ``relativize``'s own loop is the path ``posixpath.relpath`` gives,
    for pages at the root, in a folder, deep, sharing the link's first folder or only its name's start."""
    from pipeline.site.render import relativize
    from tests.site.test_site_links import _expected as expected

    targets = ["/", "/a/", "/a/b/", "/ab/", "/a/b/c.html", "/ab/x/", "/x/?q=1", "/a/#top", "/a/./b/", "/en/a/",
               "/agenda/lbh/2023-06/", "/agenda/", "/agendas/x/", "/assets/site.css"]
    pages = ["/", "/a/", "/a/b/", "/a/b/c/", "/ab/", "/en/a/b/", "/agenda/lbh/AG-1/", "/agenda/x.html", "/x/"]
    for page in pages:
        html = "".join(f'<a href="{t}">x</a><img src="{t}"><form action="{t}">' for t in targets)
        html += '<p title="/a/">no link</p><a data-href="/a/">no link either</a>'
        want = "".join(f'<a href="{expected(t, page)}">x</a><img src="{expected(t, page)}">'
                       f'<form action="{expected(t, page)}">' for t in targets)
        want += '<p title="/a/">no link</p><a data-href="/a/">no link either</a>'
        assert relativize(html, page) == want, page


def test_layout_parts_come_relative_as_the_page_would_make_them(fixture_portal) -> None:
    """The layout's shared parts, given to each page with their links relative to its folder
    already (once per depth and first folder, ``Shared.at``), make the bytes the page makes when
    it is given them root-relative and rewrites their links itself."""
    data = load_site_data(fixture_portal, AS_OF)
    fast = Renderer(TEMPLATES, data)
    plain = Renderer(TEMPLATES, data)

    def root_relative(kit: Kit) -> _Language:
        lang = _Language(plain.env, data.portal, kit)
        lang.shared.at = lambda start, shared=lang.shared: shared  # type: ignore[method-assign, misc]
        return lang

    plain._language = root_relative  # type: ignore[method-assign]
    depths = set()
    for kit in kits(TEMPLATES).values():
        for page in all_pages(data, kit):
            page = built(page, kit)
            assert fast.render(page, kit) == plain.render(page, kit), page.path
            depths.add(kit.url(page.path).count("/"))
    assert {1, 2, 3, 4} <= depths
