"""The publish stage: the published tables, the data package, feedback pages and agency templates.

``publish_data`` (``pipeline.publish.run``) validates, updates the store and swaps the
new output folders in. The package imports it only when it is asked for: the publish
command's nothing-new check (``unchanged.py``) needs none of the stages' code (openpyxl,
the tables, the store), and importing it all took about half of a run with nothing new.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PublishResult", "publish_data"]


def __getattr__(name: str) -> Any:
    """``publish_data`` and ``PublishResult``, imported from ``run`` when first asked for."""
    if name in __all__:
        from pipeline.publish import run

        return getattr(run, name)
    raise AttributeError(f"module 'pipeline.publish' has no attribute {name!r}")
