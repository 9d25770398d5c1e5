"""Names and titles that carry the mall's city, shared by the CKAN push and the DCAT catalogue.

Hundreds of malls publish the same ten tables; a province that gathers them in one CKAN must
never see two datasets called just "Kinerja layanan". Every name and title made here says
which mall it belongs to.
"""

from __future__ import annotations


def mall_label(city: str) -> str:
    """How a title names the mall: ``MPP Kota Jambi``."""
    return f"MPP {city}"


def dataset_title(title: str, city: str, lang: str) -> str:
    """A table's title with its mall: ``Kinerja layanan MPP Kota Jambi`` / ``Service performance, MPP Kota Jambi``."""
    return f"{title} {mall_label(city)}" if lang == "id" else f"{title}, {mall_label(city)}"


def dataset_name(prefix: str, table: str) -> str:
    """The stable name of a table's dataset: ``<prefix>-<table>``, ``_`` -> ``-`` (``mpp-kota-jambi-performance``)."""
    return f"{prefix}-{table}".replace("_", "-").lower()
