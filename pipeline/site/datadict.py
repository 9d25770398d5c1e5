"""The published tables as the site describes them: reading order, media types and the data dictionary.

Shared by the catalogue pages, the page for agencies and the machine-readable catalogue.
"""

from __future__ import annotations

from typing import Any

from pipeline.core.models import PUBLISHED_TABLES, REFERENCE_TABLES
from pipeline.site.models import FieldInfo, SiteData, TableInfo
from pipeline.site.page import Kit

# Reading order: what the agencies report month by month first, the reference tables last.
ORDER = tuple(t for t in PUBLISHED_TABLES if t not in REFERENCE_TABLES) + REFERENCE_TABLES
MEDIA = {"CSV": "text/csv", "JSON": "application/json", "ZIP": "application/zip",
         "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def constraint_text(constraints: dict[str, Any], kit: Kit, technical: bool = True) -> str:
    """The rules of a field in words (allowed values, bounds; the pattern only for technical readers)."""
    parts = []
    if "enum" in constraints:
        parts.append(kit.t("dict.enum", values=", ".join(str(v) for v in constraints["enum"])))
    if "minimum" in constraints:
        parts.append(kit.t("dict.minimum", value=constraints["minimum"]))
    if "maximum" in constraints:
        parts.append(kit.t("dict.maximum", value=constraints["maximum"]))
    if "maxLength" in constraints:
        parts.append(kit.t("dict.max_length", value=constraints["maxLength"]))
    if "pattern" in constraints and technical:
        parts.append(kit.t("dict.pattern", value=constraints["pattern"]))
    if constraints.get("unique"):
        parts.append(kit.t("dict.unique"))
    return "; ".join(parts)


def dictionary(fields: tuple[FieldInfo, ...], kit: Kit, technical: bool = True) -> list[dict[str, Any]]:
    """The data dictionary rows of a table's fields (clerks get the rules without regular expressions)."""
    return [{"name": f.name, "type": f.type, "title": f.title[kit.lang], "description": f.description[kit.lang],
             "required": f.required, "rules": constraint_text(f.constraints, kit, technical)} for f in fields]


def ordered_tables(data: SiteData) -> list[TableInfo]:
    """Tables in reading order (the monthly ones first)."""
    return sorted(data.tables.values(), key=lambda t: (ORDER.index(t.name) if t.name in ORDER else 99, t.name))
