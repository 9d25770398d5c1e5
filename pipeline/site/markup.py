"""Untrusted agency text: Markdown rendered, then sanitised; URL fields shown only if http(s)."""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

import markdown
import nh3
from markupsafe import Markup

# What agency Markdown may produce. No images (they would load from another host, and
# data: URLs can carry anything), no headings above h3 (the page owns h1 and h2).
_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "code", "pre", "blockquote",
         "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del"}
_ATTRIBUTES = {"a": {"href"}, "th": {"scope"}}
_SCHEMES = {"http", "https", "mailto"}
# Headings h1/h2 in agency text are demoted, so the page outline stays the site's own.
_REL = "noopener noreferrer nofollow ugc"
_HEADING = re.compile(r"<(/?)h[12](\s|>)")
# What a shown URL may not hold: whitespace (``str.isspace``'s, which ``\s`` matches in a str
# pattern), control characters, and characters that would end or break an attribute.
_UNSAFE_IN_URL = re.compile(r'[\s\x00-\x1f<>"`]')


def _only_absolute(tag: str, attr: str, value: str) -> str | None:
    """Keep an href only when it is an absolute http(s) or mailto link."""
    if tag == "a" and attr == "href":
        return value if urlsplit(value.strip()).scheme.lower() in _SCHEMES else None
    return value


# One converter, reset between texts (python-markdown instances keep state). Raw HTML in
# agency text is shown as typed, not interpreted; nh3 below is the second line of defence.
_MD = markdown.Markdown(extensions=["sane_lists"], output_format="html")
_MD.preprocessors.deregister("html_block")
_MD.inlinePatterns.deregister("html")
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript",
                        "svg", "math", "textarea", "select", "title"},
    attributes=_ATTRIBUTES,
    attribute_filter=_only_absolute,
    url_schemes=_SCHEMES,
    link_rel=None,  # added below, only on links that kept their href (rel needs href)
    strip_comments=True,
    url_relative="deny",
)


@functools.lru_cache(maxsize=8192)
def render_markdown(text: str | None) -> Markup:
    """Agency Markdown as safe HTML (empty Markup for no text).

    Cached: each text is shown on its page in both languages, and in lists beside it.
    """
    if not text or not text.strip():
        return Markup("")
    _MD.reset()
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h3{m.group(2)}", _MD.convert(text))
    clean = _CLEANER.clean(html).replace("<a href=", f'<a rel="{_REL}" href=')
    return Markup(clean)


def safe_url(value: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL without spaces or control characters, else None."""
    if not value:
        return None
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if _UNSAFE_IN_URL.search(url):
        return None
    return url
