"""The Content-Security-Policy of every HTML page the pipeline writes, set by a <meta> element.

The public site loads everything from its own host: its stylesheet, the one script (search)
and the search index's files. No WebAssembly (the search is plain JavaScript), no inline script or style anywhere; the
schema.org JSON-LD blocks are data, which a policy does not block. ``frame-ancestors`` has
no effect in a <meta> element: set it as a header on the web server (README).

The agencies' feedback pages are sent on their own (one HTML file per report, opened from
the site, a mail or a folder), so their stylesheet stays inline, allowed by its SHA-256.
"""

from __future__ import annotations

import base64
import hashlib

SITE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
))


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline <style> text."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def feedback_policy(css: str) -> str:
    """A feedback page: its own inline stylesheet and nothing else (no script, form or frame)."""
    return "; ".join((
        "default-src 'none'",
        f"style-src {style_hash(css)}",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
    ))
