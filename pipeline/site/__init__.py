"""The public website: published data in, a static site out (``build_site``)."""

from __future__ import annotations

from pipeline.site.build import build_site

__all__ = ["build_site"]
