"""Where the project's own folders are, without the code that reads them (the nothing-new check imports no Jinja2)."""

from __future__ import annotations

from pathlib import Path

SITE_TEMPLATES = Path(__file__).resolve().parents[2] / "site_templates"
