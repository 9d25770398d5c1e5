"""Words per language: the strings table of site_templates/strings.toml and its translator."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pipeline.core.errors import SiteError
from pipeline.core.formatting import LANGS
from pipeline.core.templating import Words


def load_strings(path: Path) -> dict[str, dict[str, str]]:
    """strings.toml (``key = ["Indonesian", "English"]``) as {lang: {key: text}}."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SiteError(f"{path}: {exc}") from None
    flat: dict[str, list[str]] = {}
    _flatten(table, "", flat)
    bad = [k for k, v in flat.items() if not (isinstance(v, list) and len(v) == 2)]
    if bad:
        raise SiteError(f"{path}: harus [id, en] / must be [id, en]: {', '.join(bad)}")
    return {lang: {k: v[i] for k, v in flat.items()} for i, lang in enumerate(LANGS)}


def _flatten(table: dict[str, Any], prefix: str, out: dict[str, list[str]]) -> None:
    """Dotted keys for nested TOML tables (``[status]`` + ``open`` -> ``status.open``)."""
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(value, f"{prefix}{key}.", out)
        else:
            out[f"{prefix}{key}"] = value


class _Strings(dict[str, str]):
    """One language's strings: a missing key fails the build (a bug in the site), read as an item
    (the templates' ``t("key")``, ``templating.Words``) or through the call."""

    def __missing__(self, key: str) -> str:
        raise SiteError(f"strings.toml: kunci tidak ada / missing key {key!r}")


class Translator(Words):
    """``t("key", n=3)``: the text of a key in one language, with str.format fields filled."""

    def __init__(self, strings: dict[str, str], lang: str) -> None:
        self.strings, self.lang = strings, lang
        self.words = _Strings(strings)  # ``t("key")`` in a template: this item, not a call

    def __call__(self, key: str, **fields: object) -> str:
        """Look up ``key``; a missing key is a bug in the site, so it fails the build."""
        text = self.words[key]
        return text.format(**fields) if fields else text
