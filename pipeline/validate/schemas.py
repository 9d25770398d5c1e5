"""Load the Table Schemas of a datasets directory and check them against the contract.

The schemas (``<datasets>/schemas/<table>.json``) are data: constraints, titles and
examples live there, never in code.  What code fixes is the contract's skeleton — every
field name with its type, and each primary key — because the cross-table rules and the
published tables read fields by those names.  A schema that breaks the skeleton, is not
valid JSON or is rejected by frictionless raises one ConfigError listing every problem.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from frictionless import FrictionlessException, Schema

from pipeline.core.config import read_config_file, schemas_root
from pipeline.core.errors import ConfigError
from pipeline.core.ikm import ELEMENTS
from pipeline.core.models import REFERENCE_TABLES, TABLES

_SURVEY = dict.fromkeys(ELEMENTS, "number")

# The contract's field names and types, in the contract's order (contract.md).
CONTRACT: dict[str, dict[str, str]] = {
    "agencies": {
        "agency_code": "string", "name": "string", "name_en": "string", "sector": "string",
        "counter": "string", "joined_on": "date", "website": "string", "active": "boolean",
        "aliases": "string",
    },
    "services": {
        "service_code": "string", "agency_code": "string", "name": "string", "name_en": "string",
        "standard_time": "string", "fee_idr": "integer", "requirements": "string",
        "legal_basis": "string",
    },
    "performance": {
        "period": "string", "agency_code": "string", "service_code": "string",
        "applications_received": "integer", "applications_completed": "integer",
        "completed_within_standard": "integer", "avg_wait_minutes": "number",
        "avg_service_minutes": "number", "complaints_received": "integer",
        "complaints_resolved": "integer", "survey_respondents": "integer",
        **_SURVEY, "notes": "string",
    },
    "agendas": {
        "agenda_id": "string", "date": "date", "start_time": "time", "end_time": "time",
        "title": "string", "type": "string", "participants": "string", "attendees": "string",
        "location": "string", "status": "string", "summary": "string", "minutes_url": "string",
    },
    "decisions": {
        "decision_id": "string", "date": "date", "agenda_id": "string", "title": "string",
        "description": "string", "responsible": "string", "follow_up": "string",
        "due_date": "date", "status": "string", "completed_on": "date", "evidence_url": "string",
    },
}

PRIMARY_KEYS: dict[str, list[str]] = {
    "agencies": ["agency_code"],
    "services": ["service_code"],
    "performance": ["period", "agency_code", "service_code"],
    "agendas": ["agenda_id"],
    "decisions": ["decision_id"],
}

BATCH_FIELD = "_file"
# Building a frictionless Schema costs ~10 ms; a process that validates twice reuses it.
_CACHE: dict[tuple[str, str], tuple[TableSchema | None, list[str]]] = {}
_TYPES = {"string", "integer", "number", "date", "time", "datetime", "boolean", "year",
          "yearmonth", "duration", "any", "array", "object", "geopoint", "geojson", "list"}
_TEXT_KEYS = ("title", "description", "title_en", "description_en")


@dataclass(frozen=True)
class TableSchema:
    """One table's schema: the frictionless Schema (reused for every file) and its descriptor."""

    name: str
    schema: Schema
    descriptor: dict[str, Any]

    @cached_property
    def field_names(self) -> list[str]:
        """Field names in schema order."""
        return [f.name for f in self.schema.fields]

    @cached_property
    def _specs(self) -> dict[str, dict[str, Any]]:
        """Field descriptors by name (looked up for every cell, so built once)."""
        return {f["name"]: f for f in self.descriptor["fields"]}

    def field(self, name: str) -> dict[str, Any]:
        """The descriptor of one field."""
        return self._specs[name]

    def field_type(self, name: str) -> str:
        """The frictionless type of one field."""
        kind: str = self._specs[name].get("type", "string")  # one of _TYPES, checked on loading
        return kind

    def constraints(self, name: str) -> dict[str, Any]:
        """The constraints of one field (empty dict when none)."""
        return dict(self.field(name).get("constraints", {}))

    def is_required(self, name: str) -> bool:
        """True when the contract makes the field required."""
        return bool(self.constraints(name).get("required"))

    @property
    def primary_key(self) -> list[str]:
        """The primary key fields."""
        return list(self.schema.primary_key)

    @cached_property
    def unique_fields(self) -> list[str]:
        """Fields with a ``unique`` constraint (checked per file, outside the batch)."""
        return [n for n in self.field_names if self.constraints(n).get("unique")]

    @cached_property
    def batch_schema(self) -> Schema:
        """The schema with a leading ``_file`` number in the primary key.

        Rows of many files go through frictionless in one stream (opening a resource
        costs more than checking a small file); ``_file`` keeps the primary key per
        file.  ``unique`` is dropped here because it would span files.
        """
        descriptor = copy.deepcopy(self.descriptor)
        for spec in descriptor["fields"]:
            spec.get("constraints", {}).pop("unique", None)
        descriptor["fields"].insert(0, {"name": BATCH_FIELD, "type": "integer"})
        descriptor["primaryKey"] = [BATCH_FIELD, *self.primary_key]
        return Schema.from_descriptor(descriptor)


def load_schemas(datasets: Path, tables: tuple[str, ...] | None = None) -> dict[str, TableSchema]:
    """Load ``<datasets>/schemas/<table>.json`` for every table; ConfigError lists all problems."""
    problems: list[str] = []
    loaded: dict[str, TableSchema] = {}
    root = schemas_root(datasets)
    for name in tables or (*REFERENCE_TABLES, *TABLES):
        schema = _load_one(root, name, problems)
        if schema is not None:
            loaded[name] = schema
    if problems:
        raise ConfigError(problems)
    return loaded


def _load_one(root: Path, name: str, problems: list[str]) -> TableSchema | None:
    """Read one schema file (built schemas are reused while the file's text is unchanged)."""
    where = f"schemas/{name}.json"
    try:
        text = read_config_file(root, where).decode("utf-8")
    except FileNotFoundError:
        problems.append(f"{where}: berkas skema tidak ada / schema file is missing")
        return None
    except ConfigError as exc:  # a link, a FIFO, a device: named, never read
        problems.extend(exc.problems)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{where}: tidak dapat dibaca / cannot be read: {exc}")
        return None
    key = (name, text)
    if key not in _CACHE:
        found: list[str] = []
        _CACHE[key] = (_build(text, name, where, found), found)
    schema, found = _CACHE[key]
    problems.extend(found)
    return schema


def _build(text: str, name: str, where: str, problems: list[str]) -> TableSchema | None:
    """Parse, check and build one schema, appending problems instead of raising."""
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(f"{where}: bukan JSON yang sah / not valid JSON: {exc}")
        return None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("fields"), list):
        problems.append(f"{where}: harus objek JSON dengan daftar \"fields\""
                        " / must be an object with a \"fields\" list")
        return None
    before = len(problems)
    _check_skeleton(descriptor, name, where, problems)
    if len(problems) > before:
        return None
    try:
        schema = Schema.from_descriptor(descriptor)
    except FrictionlessException as exc:
        reasons = [r.message for r in exc.reasons] or [exc.error.message]
        problems.extend(f"{where}: {r}" for r in reasons)
        return None
    return TableSchema(name=name, schema=schema, descriptor=descriptor)


def _check_skeleton(d: dict[str, Any], name: str, where: str, problems: list[str]) -> None:
    """Check field names, types, patterns, texts and the primary key against the contract."""
    fields = {f.get("name"): f for f in d["fields"] if isinstance(f, dict)}
    for key in _TEXT_KEYS:
        if not isinstance(d.get(key), str) or not d[key].strip():
            problems.append(f"{where}: \"{key}\" skema wajib diisi / schema \"{key}\" is required")
    for field_name, kind in CONTRACT[name].items():
        spec = fields.get(field_name)
        if spec is None:
            problems.append(f"{where}: kolom kontrak \"{field_name}\" tidak ada / contract field is missing")
            continue
        found = spec.get("type", "string")
        if found not in _TYPES:
            problems.append(f"{where}: \"{field_name}\" bertipe tidak dikenal / unknown type {found!r}")
        elif found != kind:
            problems.append(f"{where}: \"{field_name}\" harus bertipe / must be of type {kind} (found {found})")
        for key in _TEXT_KEYS:
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                problems.append(f"{where}: \"{field_name}\" tanpa / has no \"{key}\"")
        pattern = spec.get("constraints", {}).get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                problems.append(f"{where}: \"{field_name}\" pola tidak sah / invalid pattern: {exc}")
    for extra, spec in fields.items():
        if extra not in CONTRACT[name] and spec.get("type", "string") not in _TYPES:
            problems.append(f"{where}: \"{extra}\" bertipe tidak dikenal / unknown type {spec.get('type')!r}")
    if d.get("primaryKey") != PRIMARY_KEYS[name]:
        problems.append(
            f"{where}: primaryKey harus / must be {PRIMARY_KEYS[name]} (found {d.get('primaryKey')!r})"
        )
