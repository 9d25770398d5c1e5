"""Content-Security-Policy: on every HTML file, in force in Chromium, and the site (search too) still works under it."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

# Written out by hand: what the site's pages may load (their own host only, no WebAssembly)
# and what the agencies' feedback pages may (their own inline stylesheet).
SITE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'")
FEEDBACK_POLICY = "default-src 'none'; style-src '{hash}'; img-src 'self'; base-uri 'none'; form-action 'none'"
# A page records every violation the browser reports, from before its first byte is parsed.
COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


class _Head(HTMLParser):
    """The CSP meta elements of a page, the tags seen before the first one, and the inline parts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.policies: list[str] = []
        self.before: list[str] = []
        self.inline_styles: list[str] = []
        self.style_attrs: list[str] = []
        self.inline_scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(values.get("content") or "")
        elif not self.policies:
            self.before.append(tag)
        if "style" in values:
            self.style_attrs.append(tag)
        if tag == "style" or (tag == "script" and "src" not in values):
            self._in = f"{tag} {values.get('type', '')}".strip()
            if tag == "style":
                self.inline_styles.append("")
            else:
                self.inline_scripts.append(self._in)

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.inline_styles[-1] += data

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def _read(path: Path) -> _Head:
    parser = _Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def test_every_html_file_carries_the_policy_before_anything_it_governs(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    # The file-check reports under /laporan/ are pages of the site now, with the site's policy.
    reports = [p for p in pages if p.relative_to(site).as_posix().startswith(("laporan/", "en/laporan/"))]
    assert len(pages) > 200 and len(reports) > 50
    wrong = {}
    for path in pages:
        head = _read(path)
        if head.policies != [SITE_POLICY] or set(head.before) - {"html", "head", "meta"}:
            wrong[path.relative_to(site).as_posix()] = (head.policies, head.before)
    assert wrong == {}


def test_site_pages_need_nothing_inline(site: Path) -> None:
    """No style attribute or element (charts included) and no inline script but JSON-LD data."""
    found = {}
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        head = _read(path)
        scripts = [s for s in head.inline_scripts if s != "script application/ld+json"]
        if head.style_attrs or head.inline_styles or scripts:
            found[rel] = (head.style_attrs, len(head.inline_styles), scripts)
    assert found == {}


def _paths(site: Path) -> list[str]:
    """One page of every type, both languages for some, the feedback pages and a search."""
    def first(pattern: str) -> str:
        match = sorted(site.glob(pattern))
        assert match, pattern
        return "/" + match[0].relative_to(site).as_posix().removesuffix("index.html")

    return ["/", "/en/", "/instansi/", first("instansi/*/index.html"), first("sektor/*/index.html"),
            "/layanan/", first("layanan/*/index.html"), "/kinerja/", first("kinerja/*/index.html"),
            "/agenda/", first("agenda/[0-9]*/index.html"), first("agenda/[a-z]*/*/index.html"),
            "/keputusan/", first("keputusan/[0-9]*/index.html"), first("keputusan/*/*/index.html"),
            first("instansi/*/[0-9]*/index.html"), "/kepatuhan/", first("kepatuhan/*/index.html"),
            "/data/", first("data/*/index.html"), "/en/data/agendas/", "/data/perubahan/", "/untuk-instansi/",
            "/en/untuk-instansi/", "/laporan/index.html", first("laporan/*/*/index.html"),
            first("laporan/*/*/performance.html"), "/en/laporan/", first("en/laporan/*/*/index.html"),
            # a rejected file's report, with a long value in its problem table
            "/laporan/2025-09/pdam/agendas.html", "/en/laporan/2025-09/pdam/agendas.html"]


def test_no_page_type_violates_the_policy(browser, server: str, site: Path) -> None:
    # Its own context: the feedback pages have no icon, so Chromium's /favicon.ico request is a
    # 404 there, which the shared page fixture would count as an error of the site.
    context = browser.new_context()
    pg = context.new_page()
    pg.add_init_script(COLLECT)
    console: list[str] = []
    pg.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    violations = {}
    for path in _paths(site):
        pg.goto(server + path, wait_until="networkidle")
        found = pg.evaluate("window.__csp")
        if found:
            violations[path] = found
    # The table pages carry schema.org JSON-LD: data, not a script the policy has to allow.
    pg.goto(server + "/data/agendas/", wait_until="networkidle")
    assert pg.locator('script[type="application/ld+json"]').count() == 1
    assert pg.evaluate("window.__csp") == []
    context.close()
    assert violations == {} and console == []


@pytest.mark.parametrize(("path", "link"), [("/cari/?q=Kependudukan", "/instansi/disdukcapil/"),
                                            ("/en/cari/?q=Population", "/en/instansi/disdukcapil/")])
def test_search_works_under_the_policy(page, server: str, path: str, link: str) -> None:
    page.add_init_script(COLLECT)
    page.goto(server + path)
    page.locator(f"#results a[href*='{link}']").first.wait_for(timeout=15000)
    assert page.locator("#results li").count() > 0
    assert page.evaluate("window.__csp") == []


def test_the_policy_is_in_force(browser, server: str) -> None:
    """What the policy forbids is refused and reported: inline script and style, another host."""
    context = browser.new_context()
    pg = context.new_page()
    pg.add_init_script(COLLECT)
    refused: list[str] = []
    pg.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    for path in ("/", "/laporan/index.html"):
        pg.goto(server + path, wait_until="networkidle")
        pg.evaluate("""() => {
            const s = document.createElement("script"); s.textContent = "window.__ran = 1"; document.body.append(s);
            const st = document.createElement("style"); st.textContent = "body{color:red}"; document.head.append(st);
            const img = document.createElement("img"); img.src = "http://192.0.2.1/x.png"; document.body.append(img);
        }""")
        # Chromium reports each refusal as an event: wait for the three (not for a fixed time).
        pg.wait_for_function("new Set(window.__csp.map((v) => v.split(/[ -]/)[0])).size >= 3", timeout=15000)
        assert pg.evaluate("window.__ran") is None, path
        directives = sorted({re.split(r"[ -]", v)[0] for v in pg.evaluate("window.__csp")})
        assert directives == ["img", "script", "style"], (path, pg.evaluate("window.__csp"))
    context.close()
    assert refused


def test_webassembly_is_refused_and_search_needs_none(browser, server: str) -> None:
    """The search is plain JavaScript: the policy allows no WebAssembly, and a search works under it."""
    context = browser.new_context()
    pg = context.new_page()
    pg.add_init_script(COLLECT)
    pg.goto(server + "/cari/?q=Kependudukan")
    pg.locator("#results a[href*='/instansi/disdukcapil/']").first.wait_for(timeout=15000)
    assert pg.evaluate("window.__csp") == []
    # The smallest module (magic and version): compiling it is refused by the page's policy.
    refused = pg.evaluate("""() => WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
        .then(() => "compiled", (err) => err.name)""")
    assert refused == "CompileError"
    context.close()
