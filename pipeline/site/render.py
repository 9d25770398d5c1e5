"""Render pages with Jinja2 (autoescaped) and make every site link relative to the page."""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, Environment, TemplateError
from markupsafe import Markup

from pipeline.core.config import Portal
from pipeline.core.csp import SITE_POLICY
from pipeline.core.errors import SiteError
from pipeline.core.templating import PlainCallable, environment, keep_free_names
from pipeline.site import urls
from pipeline.site.compiled import KeptTemplates
from pipeline.site.inputs_text import InputsText
from pipeline.site.models import SiteData
from pipeline.site.page import Group, Kit, Lazy, Page
from pipeline.site.views import last_update_date, licence_title, licence_url

# Root-relative links written by our own templates; agency text never reaches this point with
# a relative link (the sanitiser drops them), so only the site's links are rewritten: the value of
# an href, src or action attribute (after a space) that starts with "/". The search starts at
# ``="/`` (a literal the regex engine finds fast: a page's other attributes, its classes and labels,
# do not start one); the attribute's name and the space before it are checked by lookbehinds of
# fixed width, one per name, so Python sees the site's links only.
_LINK = re.compile(r'="(/(?:(?<=\shref="/)|(?<=\ssrc="/)|(?<=\saction="/))[^"]*)(?=")')

# The widest space and attribute name that ``_LINK`` looks behind a link's ``="`` for (" action").
_NAME_WIDTH = len(" action")

LAYOUT = "_layout.html"  # the layout's shared parts (``Shared``)
NAV = (("home", urls.HOME), ("agencies", urls.AGENCIES), ("agendas", urls.AGENDAS),
       ("decisions", urls.DECISIONS), ("performance", urls.PERFORMANCE), ("submissions", urls.SUBMISSIONS),
       ("evaluation", urls.EVALUATION), ("data", urls.DATA), ("guide", urls.GUIDE))


def relative(target: str, page_path: str) -> str:
    """``target`` (root-relative) as seen from the folder of ``page_path``, so the site can live anywhere."""
    base = _base(page_path)
    return _relative(target, base, _segments(base))


def _base(page_path: str) -> str:
    """The folder of a page path, ending with a slash."""
    return page_path if page_path.endswith("/") else posixpath.dirname(page_path) + "/"


def _relative(target: str, base: str, start: tuple[str, ...] | None) -> str:
    """``relative`` from the folder ``base``, whose ``_segments`` are ``start``."""
    if start is not None and start and "/." not in target and "//" not in target \
            and "#" not in target and "?" not in target \
            and target[1:len(start[0]) + 2] not in (start[0], start[0] + "/"):
        # The usual link: it shares no folder with the page (its first segment is not the page's
        # first), so it is as many "../" as the page is deep, then the link without its "/".
        return "../" * len(start) + target[1:]
    path = target.split("#", 1)[0].split("?", 1)[0]  # up to the first # or ?
    tail = target[len(path):]
    rel = _relpath(path, base)
    if path.endswith("/") and rel != ".":
        rel += "/"
    elif rel == ".":
        rel = "./"
    return rel + tail


def _relpath(path: str, base: str) -> str:
    """``posixpath.relpath(path, base)`` for two root-relative paths, without its ``abspath`` calls
    (a build asks this for every link of every page: over a million times for a large city)."""
    to, start = _segments(path), _segments(base)
    if to is None or start is None:  # a ".." to resolve: the general function
        return posixpath.relpath(path, base)
    common = 0
    for a, b in zip(to, start, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + list(to[common:])) or "."


@functools.lru_cache(maxsize=4096)
def _segments(path: str) -> tuple[str, ...] | None:
    """The folders and name of a root-relative path as ``normpath`` reads them; None when it holds ``..``."""
    parts = tuple(p for p in path.split("/") if p and p != ".")
    return None if ".." in parts else parts


def relativize(html: str, page_path: str) -> str:
    """Rewrite every root-relative href/src/action in ``html``."""
    # The text between the links and the links' targets, one after the other: the targets are
    # rewritten in a loop of this function, not by a call back from the regex for each link.
    parts = _LINK.split(html)
    if len(parts) == 1:
        return html
    base = _base(page_path)
    start = _segments(base)
    # A page repeats its links (navigation, footer, the agencies of a table): each one once.
    done: dict[str, str] = {}
    up, cut, own = _usual(start)
    for i in range(1, len(parts), 2):
        target = parts[i]
        rel = done.get(target)
        if rel is None:
            # ``_relative``'s usual link, written here: a page has tens of them.
            if up is not None and _is_usual(target, cut, own):
                rel = up + target[1:]
            else:
                rel = '="' + _relative(target, base, start)
            done[target] = rel
        parts[i] = rel
    return "".join(parts)


def _usual(start: tuple[str, ...] | None) -> tuple[str | None, int, tuple[str, str]]:
    """What tells and writes a usual link (``_relative``) from a page folder of ``start`` (its
    ``_segments``): the ``="`` and "../" it begins with (None: the root or a folder with ".."),
    and the slice of a target, after its "/", that must not be one of the two beginnings of a
    link into the page's first folder."""
    if not start:
        return None, 0, ("", "")
    return '="' + "../" * len(start), len(start[0]) + 2, (start[0], start[0] + "/")


def _is_usual(target: str, cut: int, own: tuple[str, str]) -> bool:
    """True when ``target`` is a usual link from a folder whose ``_usual`` gave ``cut`` and ``own``:
    "../" by depth and the target's own path (no dot segment, doubled slash, fragment or query, and
    not into the folder's first folder, which ``_relative`` shortens)."""
    return ("/." not in target and "//" not in target and "#" not in target and "?" not in target
            and target[1:cut] not in own)


class Shared(PlainCallable):
    """``shared(name, **args)`` in base.html: a macro of _layout.html, rendered once per arguments.

    The macros see their arguments and the language's words and links only (the module's
    variables), so a part rendered once is the part every page with those arguments would render.
    A page is given the parts with their links made relative already (``at``).
    """

    def __init__(self, env: Environment, values: dict[str, Any]) -> None:
        self._module = env.get_template(LAYOUT).make_module(values)
        self._done: dict[tuple[Any, ...], Markup] = {}
        # (part, depth, first folder) -> the part as a page of such a folder shows it (``_at``).
        self._relative: dict[tuple[Any, ...], Markup] = {}
        self._targets: dict[tuple[Any, ...], list[str] | None] = {}  # part -> its links (``_links``)

    def __call__(self, name: str, **args: str | None) -> Markup:
        """The part ``name`` with ``args`` (root-relative links, made relative with the page's)."""
        return self._part((name, *sorted(args.items())))

    def _part(self, key: tuple[Any, ...]) -> Markup:
        """The part of ``key`` (its name, then its arguments), rendered on its first call."""
        part = self._done.get(key)
        if part is None:
            part = self._done[key] = getattr(self._module, key[0])(**dict(key[1:]))
        return part

    def at(self, start: tuple[str, ...] | None) -> SharedAt:
        """``shared`` for a page whose folder's ``_segments`` are ``start``."""
        return SharedAt(self, start)

    def _at(self, key: tuple[Any, ...], start: tuple[str, ...] | None) -> Markup:
        """The part of ``key`` with its links as ``relativize`` writes them from a folder of ``start``,
        when every one of them is a usual link there (``_relative``), whose text depends on the
        folder's depth and first folder only: made once for them. Else the part as it is: the
        page's ``relativize`` rewrites its links, as it rewrites the rest of the page."""
        up, cut, own = _usual(start)
        if up is None or start is None:
            return self._part(key)
        slot = (key, len(start), start[0])
        part = self._relative.get(slot)
        if part is None:
            targets = self._links(key)
            if targets is not None and all(_is_usual(target, cut, own) for target in targets):
                part = Markup(relativize(self._part(key), "/" + "/".join(start) + "/"))
            else:
                part = self._part(key)
            self._relative[slot] = part
        return part

    def _links(self, key: tuple[Any, ...]) -> list[str] | None:
        """The links ``relativize`` finds in the part of ``key``; None when it might find others in
        it once it is in a page: a ``="`` so near its start that the attribute's name before it
        could lie in the page's text (a part stands between tags, so none begins inside a link)."""
        if key not in self._targets:
            part = self._part(key)
            near = part.find('="')
            self._targets[key] = _LINK.findall(part) if near == -1 or near >= _NAME_WIDTH else None
        return self._targets[key]


class SharedAt(PlainCallable):
    """``shared`` as one page calls it: the parts with their links relative to its folder (``Shared._at``)."""

    __slots__ = ("_shared", "_start")

    def __init__(self, shared: Shared, start: tuple[str, ...] | None) -> None:
        self._shared, self._start = shared, start

    def __call__(self, name: str, **args: str | None) -> Markup:
        """The part ``name`` with ``args``, as the page shows it."""
        return self._shared._at((name, *sorted(args.items())), self._start)


class _Language:
    """One language's site name, switch words, menu and the shared parts of the layout."""

    def __init__(self, env: Environment, portal: Portal, kit: Kit) -> None:
        self.other = "en" if kit.lang == "id" else "id"
        self.site_name = portal.name_en if kit.lang == "en" and portal.name_en else portal.name
        self.switch_label, self.switch_name = kit.t("switch.label"), kit.t("switch.name")
        self.home_url = kit.url(urls.HOME)
        nav = [{"key": key, "label": kit.t(f"nav.{key}"), "url": kit.url(path)} for key, path in NAV]
        self.nav_urls = frozenset(item["url"] for item in nav)
        self.shared = Shared(env, {
            "t": kit.t, "nav": nav, "search_url": kit.url(urls.SEARCH),
            "feeds": [{"title": kit.t("feed.decisions"), "url": kit.url(urls.feed("keputusan"))},
                      {"title": kit.t("feed.releases"), "url": kit.url(urls.feed("rilis-data"))}],
            "footer": {"publisher": portal.publisher or portal.name, "contact": portal.contact_email,
                       "licence": licence_title(portal, kit.lang), "licence_url": licence_url(portal, kit.lang),
                       "data_url": kit.url(urls.DATA), "guide_url": kit.url(urls.GUIDE),
                       "sitemap": "/sitemap.xml"},
        })


def site_environment(templates: Path, compiled: BytecodeCache | None = None) -> Environment:
    """The environment pages are rendered with: its loaded templates are not checked on disk again
    (the build's fingerprint read them once, and the check was one ``stat`` for every include,
    import and page). ``compiled``: where templates compiled by earlier builds are kept (compiled.py)."""
    env = environment(templates)
    env.auto_reload = False
    env.bytecode_cache = compiled
    return env


def preloaded(templates: Path, compiled: BytecodeCache | None = None) -> Environment:
    """``site_environment`` with every template of the site's pages loaded now (compiled, or taken
    from ``compiled``).

    Made before the languages' processes are forked, so that the other language's process takes
    them compiled instead of compiling each one again (about 0.2 s of CPU a process).
    """
    env = site_environment(templates, compiled)
    if isinstance(compiled, KeptTemplates):  # the free names worked out by an earlier build of this code
        keep_free_names(env, compiled.free_names(), compiled.keep_free_names)
    # The pages' and macros' templates, and the guide's text in each language (content/), not the
    # feedback pages' and the intake's (their own folders).
    for name in sorted(p.relative_to(templates).as_posix() for pattern in ("*.html", "content/*.html")
                       for p in templates.glob(pattern)):
        try:
            env.get_template(name)
        except TemplateError as exc:  # a template that does not compile: named, as ``render`` names it
            raise SiteError(f"site_templates/{name}: {exc!r}") from exc
    return env


class Renderer:
    """The Jinja environment over site_templates/ and the context shared by every page."""

    def __init__(self, templates: Path, data: SiteData, pair: bool = True, texts: InputsText | None = None,
                 env: Environment | None = None) -> None:
        """``pair``: the languages' pages of a path come one after the other (``_inputs_text``);
        False in a process that renders one language, where nothing would ever be taken back.
        ``texts``: the writer of inputs' texts (one with digests), its records' texts perhaps
        written already (``build._write_pages``: once for every language's process). ``env``: an
        environment of ``site_environment(templates)``, its templates perhaps compiled already
        (``preloaded``: once for every language's process)."""
        self.env = env if env is not None else site_environment(templates)
        self.data = data
        self._pair = pair
        # Site path -> (template, builder, inputs, their text) of the lazy page last keyed there
        # in another language, taken back by the next language's page of that path.
        self._texts: dict[str, tuple[str, Any, Any, bytes]] = {}
        # ``repr`` of inputs, each record of the data written once, as the digest of its ``repr``.
        self._writer = texts if texts is not None else InputsText(digests=True)
        self._languages: dict[Kit, _Language] = {}

    def common(self, page: Page, kit: Kit) -> dict[str, Any]:
        """What the base layout needs: language switch, navigation, site name, canonical URL."""
        lang = self._language(kit)
        portal = self.data.portal
        here = kit.url(page.path)
        return {
            "lang": kit.lang, "t": kit.t, "f": kit.f, "page": page, "here": here, "csp": SITE_POLICY,
            "site_name": lang.site_name,
            "canonical": portal.site_url + here if portal.site_url else None,
            "switch": {"url": urls.localise(page.path, lang.other), "lang": lang.other, "label": lang.switch_label,
                       "name": lang.switch_name},
            # x-default: the Indonesian page, for a reader whose language is neither.
            "alternates": [{"lang": name, "url": (portal.site_url or "") + urls.localise(page.path, code)}
                           for name, code in (("id", "id"), ("en", "en"), ("x-default", "id"))],
            "data_updated": self.data_updated(page, kit),
            "nav_current": here if here in lang.nav_urls else None,
            "home_url": lang.home_url,
            "shared": lang.shared.at(_segments(_base(here))),
        }

    def _language(self, kit: Kit) -> _Language:
        """The layout's words and links in ``kit``'s language, made on its first page."""
        lang = self._languages.get(kit)
        if lang is None:
            lang = self._languages[kit] = _Language(self.env, self.data.portal, kit)
        return lang

    def data_updated(self, page: Page | Lazy[Any], kit: Kit) -> str | None:
        """The footer's "data last updated" date, on the pages that sum up the whole mall only.

        Those are the home page and the top-level pages (/kinerja/, /keputusan/, /kalender/...),
        which change with every release anyway. A page of one agenda, decision, month or file
        does not carry it: its own dates say when its data arrived, and a date that changes
        with every release would make every page new each time (rewritten, re-indexed).
        """
        if page.path.count("/") > 2:
            return None
        return kit.f.date(last_update_date(self.data))

    def key(self, page: Page | Lazy[Any], kit: Kit, code: str) -> str:
        """The SHA-256 of everything the page's bytes come from (``code``: ``fingerprint.site_code``).

        A lazy page's key is made of its declared inputs, not of a built context: its path,
        template and builder, and ``repr`` of the inputs object, which is all its builder
        receives (with the kit, whose words and formats are in ``code``); each record of the
        site data in it is written as the digest of its ``repr`` (``InputsText``). Nothing is built.

        The template sees the page (path, titles, crumbs, context) and the shared context of
        ``common``, which is made of the page, the language, the portal's settings (in ``code``)
        and the footer's date; so equal keys give equal bytes. The context holds plain values
        only (strings, numbers, dates, lists, dicts and dataclasses of them, tested), whose
        ``repr`` is complete and does not depend on the process.
        """
        if isinstance(page, Lazy):
            maker = f"{page.make.__module__}.{page.make.__qualname__}"
            head = (f"lazy\0{code}\0{kit.lang}\0{page.path}\0{page.template}\0{maker}\0{page.searchable}\0"
                    f"{self.data_updated(page, kit)}\0")
            # The digest of head and inputs written one after the other: that of the two joined
            # (UTF-8 encodes text piece by piece), without copying the inputs' text into one string.
            h = hashlib.sha256(head.encode("utf-8", "surrogatepass"))
            h.update(self._inputs_text(page))
            return h.hexdigest()
        text = f"{code}\0{kit.lang}\0{self.data_updated(page, kit)}\0{page!r}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def group_key(self, group: Group[Any], kit: Kit, code: str) -> str:
        """The SHA-256 of everything a group's pages come from: the site code, the language, the
        group's name, its ``expand`` and ``repr`` of its inputs (``page.Group``)."""
        maker = f"{group.expand.__module__}.{group.expand.__qualname__}"
        h = hashlib.sha256(f"group\0{code}\0{kit.lang}\0{group.name}\0{maker}\0".encode("utf-8", "surrogatepass"))
        # The slot cannot be a page's: a page's path starts with "/".
        h.update(self._text(f"group:{group.name}", "", group.expand, group.inputs))
        return h.hexdigest()

    def _inputs_text(self, page: Lazy[Any]) -> bytes:
        """``repr`` of a lazy page's inputs (UTF-8), written once for the languages of one path (``_text``)."""
        return self._text(page.path, page.template, page.make, page.inputs)

    def _text(self, slot: str, template: str, make: Any, inputs: Any) -> bytes:
        """``repr`` of declared inputs (UTF-8), written once for the languages of one page or group.

        The languages' pages of a path (and groups of a name) are declared with equal inputs (a
        builder gathers them from the data; only ``make`` sees the language): when the other
        language's inputs are equal, of the same class, for the same template and builder, their
        text is taken instead of writing it again (writing every page's inputs was the costliest
        step of a build that renders a few pages out of tens of thousands). The text is ``repr``'s,
        written by ``InputsText`` (each record of the site data written out once per build, as a digest).
        """
        if not self._pair:  # one language here: kept texts would only pile up, never taken back
            return self._writer.text(inputs).encode("utf-8", "surrogatepass")
        kept = self._texts.pop(slot, None)
        if (kept is not None and kept[0] == template and kept[1] is make
                and type(kept[2]) is type(inputs) and kept[2] == inputs):
            return kept[3]
        text = self._writer.text(inputs).encode("utf-8", "surrogatepass")
        self._texts[slot] = (template, make, inputs, text)
        return text

    def render(self, page: Page | Lazy[Any], kit: Kit) -> str:
        """The finished HTML of one page (a lazy page built first), links relative to its own folder."""
        if isinstance(page, Lazy):
            page = page.build(kit)
        try:
            html = self.env.get_template(page.template).render(**self.common(page, kit), **page.context)
        except SiteError:
            raise
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            # A template bug: name the template and the page instead of a bare traceback.
            raise SiteError(f"site_templates/{page.template} ({kit.url(page.path)}): {exc!r}") from exc
        return relativize(html, kit.url(page.path))
