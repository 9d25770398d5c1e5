"""A small crawler: every internal link and resource of a site served over HTTP, fragments included."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.error import HTTPError, URLError
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.request import urlopen


class _Links(HTMLParser):
    """Collects href/src targets and every id on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for name in ("href", "src", "action"):
            if values.get(name) is not None:
                self.links.append(values[name] or "")


@dataclass
class CrawlResult:
    """What the crawl saw: pages fetched, broken targets, missing fragments."""

    pages: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    broken: list[str] = field(default_factory=list)
    missing_fragments: list[str] = field(default_factory=list)


def _fetch(url: str) -> tuple[int, str, bytes]:
    """Status, content type and body of a GET."""
    try:
        with urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except HTTPError as exc:
        return exc.code, "", b""
    except URLError as exc:
        return 0, str(exc), b""


def crawl(base: str, starts: list[str]) -> CrawlResult:
    """Follow every same-host link from ``starts``; record what is broken."""
    host = urlsplit(base).netloc
    result = CrawlResult()
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []
    queue, seen = deque(base + s for s in starts), set()
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        status, ctype, body = _fetch(url)
        if status != 200:
            result.broken.append(f"{status} {url}")
            continue
        if "text/html" not in ctype:
            result.resources.add(url)
            continue
        result.pages.add(url)
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        ids[url] = parser.ids
        for raw in parser.links:
            target, frag = urldefrag(urljoin(url, raw))
            if urlsplit(target).netloc != host or urlsplit(target).scheme not in ("http", "https"):
                continue
            target = target.split("?")[0]
            if frag:
                fragments.append((url, target, frag))
            if target not in seen:
                queue.append(target)
    for source, target, frag in fragments:
        if target in ids and frag not in ids[target]:
            result.missing_fragments.append(f"{source} -> {target}#{frag}")
    return result
