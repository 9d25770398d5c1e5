"""The small names index the search page loads for typo suggestions: agencies, their other names,
services and meeting places, each with the page it leads to."""

from __future__ import annotations

import json

from pipeline.site import urls
from pipeline.site.models import SiteData
from pipeline.site.page import Kit

NAMES_FILE = "names.json"  # next to the search page: /cari/names.json, /en/cari/names.json
MIN_WORD = 4  # shorter words (of, dan, UPT) are not worth suggesting


def names_index(data: SiteData, kit: Kit) -> str:
    """JSON {"pages": [[label, url, kind]...], "terms": [[term, page index]...]}.

    The terms are every name, other name and longer word of a name, lower case, each with the
    first page it names; the search page compares a query with each by edit distance and
    suggests the closest (``imigrsi`` -> ``imigrasi``).
    """
    pages: list[tuple[str, str, str]] = []
    terms: dict[str, int] = {}

    def add_name(name: str, label: str, url: str, kind: str, *extra: str) -> None:
        pages.append((label, url, kind))
        words = [w for w in name.replace("(", " ").replace(")", " ").replace(",", " ").split()
                 if len(w) >= MIN_WORD and w.isalpha()]
        for term in (name, *extra, *words):
            terms.setdefault(term.casefold().strip(), len(pages) - 1)

    for a in sorted(data.agencies.values(), key=lambda a: a.agency_code):
        label, url = kit.agency_name(a), kit.url(urls.agency(a.agency_code))
        add_name(label, label, url, "agencies", a.agency_code, *a.alias_list)
        for alias in a.alias_list:  # the words of a longer other name ("catatan sipil") too
            add_name(alias, label, url, "agencies")
    for s in sorted(data.services.values(), key=lambda s: s.service_code):
        label = kit.service_name(s)
        add_name(label, label, kit.url(urls.service(s.service_code)), "performance")
    search = kit.url(urls.SEARCH)
    for place in sorted({g.location.strip() for g in data.agendas if g.location and g.location.strip()}):
        add_name(place, place, f"{search}?q={place}", "place")
    return json.dumps({"pages": pages, "terms": sorted(terms.items())}, ensure_ascii=False, separators=(",", ":"))
