"""The site's compiled templates (``templating._CodeGenerator``: a run of output yielded joined, a loop's
output gathered and yielded once, the words called directly, a dict's item read and a str escaped in
the template's code) give the text a stock Jinja environment gives; and the link regex of
``render.relativize`` finds the links the previous one found."""

from __future__ import annotations

import re

import pytest
from jinja2 import DictLoader, Environment, UndefinedError
from markupsafe import Markup

from pipeline.core.templating import PlainCallable
from pipeline.site.render import _LINK, relativize
from tests.site.test_render_engine import ours, stock


class Words(PlainCallable):
    """Words that show their key, fields and language, and fail on a missing key."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **fields: object) -> str:
        if key == "missing":
            raise KeyError(key)
        return f"<{self.lang}:{key}{sorted(fields.items()) if fields else ''}>"


def context_aware() -> object:
    """A function that wants the context (Jinja's ``pass_context``): still given it."""
    from jinja2 import pass_context

    @pass_context
    def here(ctx: object, suffix: str = "") -> str:
        return f"[{ctx['lang']}{suffix}]"  # type: ignore[index]
    return here


TEMPLATES = {
    "base.html": '<html lang="{{ lang }}">{% block head %}<title>{{ page.title }} & co</title>{% endblock %}\n'
                 '{% for c in crumbs %}<a href="{{ c.url }}">{{ c.label }}</a>{% endfor %}'
                 '<main>{% block main %}{% endblock %}</main>{{ t("foot", year=2026) }}\n',
    "_m.html": '{% macro tag(x, y="d") %}<b class="{{ y }}">{{ x }}</b>{% for i in [1, 2] %}{{ i }}{% endfor %}'
               '{% endmacro %}\n{% macro wrap() %}[{{ caller() }}]{% endmacro %}\n',
    "_part.html": "<i>{{ row.title }}</i>{% for k in row.cells %}{{ k }};{% endfor %}",
    "page.html": '{% extends "base.html" %}{% import "_m.html" as m with context %}'
                 '{% for x in rows %}never shown {{ x }}{% endfor %}'
                 '{% block main %}<h1>{{ page.title }}</h1>{{ t("a") }} {{ t("b", n=1) }} {{ t(*args) }}'
                 '{{ t(**kw) }}{{ m.tag(page.title) }}{{ m.tag(page.title, y=t("c")) }}'
                 '{% call m.wrap() %}{{ t("in") }}{% endcall %}{{ here() }}{{ here("!") }}'
                 '{% for row in rows %}<tr>{{ loop.index }}/{{ loop.length }} {{ row.title }} {{ row.get }} '
                 '{{ row.items }} {{ row["title"] }} {{ row.n }}{% if row.n %}+{% endif %}'
                 '{% for k in row.cells %}<td>{{ k }}{{ t("cell") }}</td>{% else %}<td>none</td>{% endfor %}'
                 '{% include "_part.html" %}{% set s %}{% for k in row.cells %}{{ k }}{% endfor %}{% endset %}'
                 '{{ s }}</tr>{% else %}<p>{{ t("empty") }}</p>{% endfor %}'
                 '{% for item in tree recursive %}<li>{{ item.name }}{% if item.kids %}<ul>{{ loop(item.kids) }}'
                 '</ul>{% endif %}</li>{% endfor %}{{ safe }}{{ none }}{{ 3 }}{{ 2.5 }}{{ page.missing is defined }}'
                 '{% endblock %}',
    "plain.html": '{% for row in rows %}{{ row.title }}{% for k in row.cells %}{{ k }}{% endfor %}|{% endfor %}'
                  '{{ t("x") }}{{ t("x", class="k") }}',
}

ROWS = [
    {"title": "<a & b>", "cells": ["x<", Markup("<i>y</i>"), 3], "n": 0, "get": "a get key", "items": "an items key"},
    {"title": "\"quoted\" 'x'", "cells": [], "n": 2.5, "get": None, "items": [1]},
]


def values(lang: str, rows: list[dict[str, object]]) -> dict[str, object]:
    """A page's context."""
    return {
        "lang": lang, "t": Words(lang), "here": context_aware(), "rows": rows, "args": ["d"], "kw": {"key": "e"},
        "page": {"title": "T<&>"}, "crumbs": [{"url": "/a/", "label": "A"}, {"url": "/a/b/", "label": "<B>"}],
        "tree": [{"name": "r", "kids": [{"name": "k<", "kids": []}]}], "safe": Markup("<em>ok</em>"), "none": None,
    }


def envs() -> tuple[Environment, Environment]:
    """The site's environment and a stock one over ``TEMPLATES``."""
    return ours(TEMPLATES), stock(DictLoader(TEMPLATES))


@pytest.mark.parametrize("rows", [ROWS, [], ROWS[:1]])
@pytest.mark.parametrize("name", ["page.html", "plain.html"])
def test_compiled_templates_give_stock_jinjas_text(name: str, rows: list[dict[str, object]]) -> None:
    """Loops (nested, with ``loop``, ``else``, recursive, in a block, at the top of an extending
    template, inside a ``set`` block and a macro), includes, calls of words with fields, ``*args``,
    ``**kwargs`` and a Python keyword, of macros and of a function wanting the context, dict items
    and a dict's method names, Markup, numbers and None: Jinja's own text."""
    env, plain = envs()
    for lang in ("id", "en", "id"):
        assert env.get_template(name).render(values(lang, rows)) == plain.get_template(name).render(values(lang, rows))


def test_the_words_are_called_directly() -> None:
    """The compiled code calls a PlainCallable without ``Context.call``, a macro through it."""
    env, _ = envs()
    source = env.compile(TEMPLATES["page.html"], "page.html", raw=True)
    assert "in environment.plain_types else context.call(" in source
    assert "yield concat((" in source  # a run of output yielded joined


def test_errors_stay_errors() -> None:
    """A missing field, a missing word and a non-callable still fail as they did."""
    env, _ = envs()
    env.loader = DictLoader({"a.html": "{% for r in rows %}{{ r.missing }}{% endfor %}",
                             "b.html": "x{{ t('missing') }}", "c.html": "{{ rows() }}"})
    with pytest.raises(UndefinedError):
        env.get_template("a.html").render(rows=[{"title": 1}])
    with pytest.raises(KeyError):
        env.get_template("b.html").render(t=Words("id"))
    with pytest.raises(TypeError):
        env.get_template("c.html").render(rows=[1])


# The pattern ``relativize`` searched links with before it started at ``="/``.
_PREVIOUS = re.compile(r'="(?:(?<=\shref=")|(?<=\ssrc=")|(?<=\saction="))(/[^"]*)(?=")')


@pytest.mark.parametrize("html", [
    '<a href="/a/">x</a><img src="/b.png"><form action="/c/">',
    'href="/at/the/start" <a\thref="/tab/"> <a\nhref="/nl/"> <a ahref="/no/"> <a data-href="/no/">',
    '<a href="/x href="/y">', '<a href="/x" href="/y">', '<p title="/a/">', '<a href="//host/">', '<a href="">',
    '<a href="/unclosed', '<a href=/bare>', '="/', ' href="/', ' href="/"', '<a  src="/two/spaces/">',
    '<a href="/a?q=1#top">' * 3 + '<a href="/."><a href="/../x">', '<a href="relative/"><a href="#top">',
])
def test_the_link_regex_finds_the_links_it_found(html: str) -> None:
    """The links are the previous pattern's, split at the same places, and rewritten alike."""
    assert _LINK.split(html) == _PREVIOUS.split(html)
    assert _LINK.findall(html) == _PREVIOUS.findall(html)
    for page in ("/", "/a/", "/en/a/b/"):
        assert isinstance(relativize(html, page), str)


def test_the_words_are_read_for_one_key_and_fail_alike() -> None:
    """``t("key")`` read as the words' item gives the call's text; a missing key fails the build
    with the same error read either way; fields still go through the call."""
    from pipeline.core.errors import SiteError
    from pipeline.site.i18n import Translator

    t = Translator({"a": "A {n}", "b": "B"}, "id")
    env = ours({"p.html": '{{ t("a") }}|{{ t("b") }}|{{ t("a", n=2) }}|{{ t(key) }}', "m.html": '{{ t("nope") }}'})
    source = env.compile('{{ t("a") }}', "x.html", raw=True)
    assert ".words['a'] if type(" in source
    assert env.get_template("p.html").render(t=t, key="b") == "A {n}|B|A 2|B"
    with pytest.raises(SiteError, match="missing key 'nope'") as read:
        env.get_template("m.html").render(t=t)
    with pytest.raises(SiteError) as called:
        t("nope")
    assert str(read.value) == str(called.value)
    assert t.strings.get("nope", "x") == "x"  # labels look keys up with a default, as before


def test_a_months_sums_are_those_of_sum() -> None:
    """``stats.totals`` adds each field in the rows' order, as ``sum`` did: none, one and many rows."""
    import random

    from pipeline.site.models import Perf
    from pipeline.site.stats import totals

    rng = random.Random(7)
    rows = [Perf("2026-10", "a", f"s{i}", rng.randrange(10**12), rng.randrange(100), rng.randrange(100), None, None,
                 rng.randrange(50), rng.randrange(50), rng.choice([None, 0, rng.randrange(10**20)]), None, None, None,
                 None) for i in range(40)]
    for some in ([], rows[:1], rows[:7], rows):
        got = totals("2026-10", some)
        assert (got.received, got.completed, got.within_standard, got.complaints_received, got.complaints_resolved,
                got.respondents) == (sum(r.received for r in some), sum(r.completed for r in some),
                                     sum(r.within_standard for r in some), sum(r.complaints_received for r in some),
                                     sum(r.complaints_resolved for r in some), sum(r.respondents or 0 for r in some))
