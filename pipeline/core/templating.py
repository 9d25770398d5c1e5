"""The one Jinja2 environment every HTML page is rendered with, the site's and the feedback pages'.

Autoescaping is on for every template: agency text is untrusted. ``tojson`` writes JSON
(the pages' JSON-LD) with sorted keys and characters as they are, escaping only what
could end a ``<script>`` block.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

SITE_TEMPLATES = Path(__file__).resolve().parents[2] / "site_templates"


def environment(folder: Path) -> Environment:
    """A strict, autoescaping environment over the templates in ``folder``."""
    env = Environment(
        loader=FileSystemLoader(str(folder)), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env
