"""Find active content in HTML with a real parser: script tags, on* handlers, dangerous URLs."""

from __future__ import annotations

from html.parser import HTMLParser

BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcdoc"}


class _Scanner(HTMLParser):
    """Collects every tag with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def scan(html: str, allowed_scripts: tuple[str, ...] = ()) -> list[str]:
    """Every finding: a script not in ``allowed_scripts`` (by src or type), an on* attribute,
    a javascript:/data: URL, an iframe/object/embed."""
    scanner = _Scanner()
    scanner.feed(html)
    found = []
    for tag, attrs in scanner.tags:
        values = dict(attrs)
        if tag == "script":
            key = values.get("src") or values.get("type") or "inline"
            if not any(key.endswith(a) for a in allowed_scripts):
                found.append(f"script {key}")
        # A <meta http-equiv> can redirect (refresh) or set cookies; the one the site itself
        # writes is its Content-Security-Policy, which can only forbid more.
        equiv = (values.get("http-equiv") or "").lower()
        if tag in ("iframe", "object", "embed", "frame", "base", "meta") and (
                tag != "meta" or "http-equiv" in values and equiv != "content-security-policy"):
            found.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"handler {tag} {name}")
            url = "".join((value or "").split()).lower()
            if name in URL_ATTRS and url.startswith(BAD_SCHEMES):
                found.append(f"url {tag} {name}={value}")
    return found
