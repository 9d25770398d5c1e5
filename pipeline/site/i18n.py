"""Words per language: the strings table of site_templates/strings.toml and its translator."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pipeline.core.errors import SiteError
from pipeline.core.formatting import LANGS
from pipeline.core.templating import PlainCallable


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


class Translator(PlainCallable):
    """``t("key", n=3)``: the text of a key in one language, with str.format fields filled."""

    def __init__(self, strings: dict[str, str], lang: str) -> None:
        self.strings, self.lang = strings, lang

    def __call__(self, key: str, **fields: object) -> str:
        """Look up ``key``; a missing key is a bug in the site, so it fails the build."""
        try:
            text = self.strings[key]
        except KeyError:
            raise SiteError(f"strings.toml: kunci tidak ada / missing key {key!r}") from None
        return text.format(**fields) if fields else text
