"""A page to render, and the language kit every context builder works with."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any, Generic, Protocol, TypeVar

from pipeline.core.errors import SiteError
from pipeline.core.formatting import Formatter
from pipeline.core.records import Agency, Service
from pipeline.site import urls
from pipeline.site.i18n import Translator

# Standard times as agencies write them, and their English units (singular, plural).
DURATION = re.compile(r"(\d+)\s+(menit|jam|hari kerja|hari)", re.IGNORECASE)
DURATION_EN = {"menit": ("minute", "minutes"), "jam": ("hour", "hours"), "hari kerja": ("working day", "working days"),
               "hari": ("day", "days")}


@dataclass
class Page:
    """One HTML page: where it goes, which template renders it, and its context."""

    path: str
    template: str
    title: str
    section: str
    context: dict[str, Any] = field(default_factory=dict)
    crumbs: list[tuple[str, str]] = field(default_factory=list)
    searchable: bool = False
    description: str = ""


class HasAgencies(Protocol):
    """What names an agency on a page: the whole site data, or a page's own declared inputs."""

    @property
    def agencies(self) -> Mapping[str, Agency]:
        """Agency code -> agency."""


In = TypeVar("In")


@dataclass(frozen=True)
class Lazy(Generic[In]):
    """A page known by its declared ``inputs``; its context is built only when its key changed.

    ``make`` receives the inputs object and the language kit, nothing else: what a page shows
    can only come from what its key is made of (``Renderer.key``: the site code, the language,
    the path, the template, ``make`` and ``repr(inputs)``). The inputs hold plain values only
    (text, numbers, dates, tuples, dicts and dataclasses of them), gathered from the lookup
    indexes without formatting anything, so an unchanged page costs its inputs and one digest.
    """

    path: str
    template: str
    inputs: In
    make: Callable[[In, Kit], Page]
    searchable: bool = False

    def __post_init__(self) -> None:
        """Refuse a builder that could reach more than its inputs (a closure, a lambda, a partial)."""
        _module_level(self.make, f"{self.path}: a lazy page's builder")

    def build(self, kit: Kit) -> Page:
        """The page itself, its context built from the inputs alone."""
        page = self.make(self.inputs, kit)
        if (page.path, page.template, page.searchable) != (self.path, self.template, self.searchable):
            # Key and bytes would describe two different pages: a bug of the builder.
            raise SiteError(f"{self.make.__qualname__}: {page.path} {page.template} is not the declared "
                            f"{self.path} {self.template}")
        return page


G = TypeVar("G")


def _module_level(make: Callable[..., Any], what: str) -> None:
    """Refuse a function that could reach more than its arguments (a closure, a lambda, a partial)."""
    name = getattr(make, "__qualname__", "")
    if not isinstance(make, FunctionType) or make.__closure__ is not None or "<" in name or "." in name:
        raise SiteError(f"{what} must be a module-level function (it sees its inputs and nothing else): {make!r}")


@dataclass(frozen=True)
class Group(Generic[G]):
    """Lazy pages made from one declared ``inputs`` object (all the agendas of one agency, say).

    ``expand`` receives the inputs and nothing else, so the group's pages (their paths, templates,
    builders and inputs) are a function of what its key is made of (``Renderer.group_key``: the
    site code, the language, the name, ``expand`` and ``repr(inputs)``): when that key is the live
    site's, the build takes the group's pages, keys and digests from the live manifest without
    making them. ``name`` is unique among one language's groups.
    """

    name: str
    inputs: G
    expand: Callable[[G], Iterable[Lazy[Any]]]

    def __post_init__(self) -> None:
        """Refuse an ``expand`` that could reach more than the inputs."""
        _module_level(self.expand, f"group {self.name}: its expand")

    def pages(self) -> Iterator[Lazy[Any]]:
        """The group's pages, each a lazy page (a page built at once would not be keyed by its inputs)."""
        for page in self.expand(self.inputs):
            if not isinstance(page, Lazy):
                raise SiteError(f"group {self.name}: {page!r} is not a lazy page")
            yield page


@dataclass(frozen=True)
class Sourced(Generic[G]):
    """A group whose inputs are gathered only when needed: ``gather(*args)``, known until then by its
    ``source``, the digest of every record those inputs may be gathered from (sources.py); a group whose
    source gives the live key is taken from the live site without being gathered (``build._write_item``)."""

    name: str
    source: str
    gather: Callable[..., G]
    args: tuple[Any, ...]
    expand: Callable[[G], Iterable[Lazy[Any]]]

    def group(self) -> Group[G]:
        """The group itself, its inputs gathered now."""
        return Group(self.name, self.gather(*self.args), self.expand)


def grouped(sources: Mapping[str, str], name: str, gather: Callable[..., G], args: tuple[Any, ...],
            expand: Callable[[G], Iterable[Lazy[Any]]]) -> Group[G] | Sourced[G]:
    """The group ``name`` of ``gather(*args)``'s inputs, gathered later when ``sources`` (the build's, by
    name) holds its source, else now."""
    source = sources.get(name)
    if source is None:
        return Group(name, gather(*args), expand)
    return Sourced(name, source, gather, args, expand)


def expanded(items: Iterable[Page | Lazy[Any] | Group[Any] | Sourced[Any]]) -> Iterator[Page | Lazy[Any]]:
    """The pages of ``items``, each group's in its place."""
    for item in items:
        one = item.group() if isinstance(item, Sourced) else item
        if isinstance(one, Group):
            yield from one.pages()
        else:
            yield one


@dataclass(frozen=True)
class Kit:
    """One language's words, formats and links."""

    lang: str
    t: Translator
    f: Formatter

    def url(self, path: str) -> str:
        """A page path in this kit's language."""
        return urls.localise(path, self.lang)

    def agency_name(self, agency: Agency | None, code: str = "") -> str:
        """An agency's name in this language (the code if the agency is unknown)."""
        if agency is None:
            return code
        return agency.name_en if self.lang == "en" and agency.name_en else agency.name

    def service_name(self, service: Service) -> str:
        """A service's name in this language (its English name on English pages, when given)."""
        return service.name_en if self.lang == "en" and service.name_en else service.name

    def duration(self, text: str) -> str:
        """A service standard time as agencies write it ("30 menit", "14 hari kerja"), in this language."""
        match = DURATION.fullmatch(text.strip())
        if self.lang != "en" or match is None:
            return text
        n, unit = int(match[1]), match[2].casefold()
        return f"{n} {DURATION_EN[unit][0 if n == 1 else 1]}"

    def agency_link(self, data: HasAgencies, code: str) -> dict[str, str | None]:
        """Name and page link of an agency (no link when the code is unknown)."""
        agency = data.agencies.get(code)
        return {"name": self.agency_name(agency, code), "url": self.url(urls.agency(code)) if agency else None,
                "code": code}

    def label(self, group: str, code: str | None) -> str:
        """The readable label of an enum code (sector, status, type ...), the code if unknown."""
        if code is None:
            return ""
        return self.t.strings.get(f"{group}.{code}", code)
