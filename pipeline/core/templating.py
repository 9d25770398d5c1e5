"""The one Jinja2 environment every HTML page is rendered with, the site's and the feedback pages'.

Autoescaping is on for every template: agency text is untrusted. ``tojson`` writes JSON
(the pages' JSON-LD) with sorted keys and characters as they are, escaping only what
could end a ``<script>`` block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

SITE_TEMPLATES = Path(__file__).resolve().parents[2] / "site_templates"


# What ``getattr`` finds on a plain dict: any other name is one of its keys or nothing.
_DICT_NAMES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja's environment, reading ``x.name`` of a plain dict without raising an AttributeError first."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        """What Jinja's ``getattr`` gives (the attribute, else the item, else undefined).

        The pages' contexts are dicts, read as ``row.name`` millions of times in a city's build;
        Jinja tries the attribute first, which a dict lacks unless the name is one of its own
        methods, and each miss raises and catches an AttributeError.
        """
        if type(obj) is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def environment(folder: Path) -> Environment:
    """A strict, autoescaping environment over the templates in ``folder``."""
    env = _Environment(
        loader=FileSystemLoader(str(folder)), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env
