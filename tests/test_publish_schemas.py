"""The published Table Schemas: bilingual, valid, and in step with the submitted schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from frictionless import Schema

ROOT = Path(__file__).resolve().parent.parent / "datasets" / "schemas"
# The published tables, written out (not read from pipeline.core.models).
PUBLISHED = ("agencies", "services", "performance", "agency_ikm", "agendas", "agenda_history", "decisions",
             "decision_history", "submissions", "indicators")
EXTRA = {  # columns the publish stage adds to what agencies and the data officer send
    "agencies": set(), "services": set(), "performance": {"ikm", "ikm_grade"},
    "agendas": {"agency_code", "period"}, "decisions": {"agency_code", "period", "overdue"},
}
CONTRACT = {
    "decision_history": ["agency_code", "decision_id", "period", "status", "follow_up", "completed_on"],
    "submissions": ["period", "agency_code", "table", "status", "received_at", "on_time", "revision",
                    "errors", "warnings", "sha256"],
}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", PUBLISHED)
def test_schema_is_valid_and_bilingual(name: str) -> None:
    descriptor = load(ROOT / "published" / f"{name}.json")
    Schema.from_descriptor(descriptor)  # raises on an invalid schema
    for item in [descriptor, *descriptor["fields"]]:
        assert all(item.get(k) for k in ("title", "description", "title_en", "description_en")), item.get("name")


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_submitted_columns_keep_their_names_types_and_rules(name: str) -> None:
    submitted = {f["name"]: f for f in load(ROOT / f"{name}.json")["fields"]}
    published = {f["name"]: f for f in load(ROOT / "published" / f"{name}.json")["fields"]}
    assert set(published) == set(submitted) | EXTRA[name]
    for field_name, field in submitted.items():
        assert published[field_name]["type"] == field["type"], field_name
        assert published[field_name].get("constraints", {}) == field.get("constraints", {}), field_name


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_derived_tables_have_the_contract_columns_in_order(name: str) -> None:
    assert [f["name"] for f in load(ROOT / "published" / f"{name}.json")["fields"]] == CONTRACT[name]


def test_every_published_table_has_a_schema_file_and_nothing_else_does() -> None:
    assert {p.stem for p in (ROOT / "published").glob("*.json")} == set(PUBLISHED)


def test_agenda_history_columns_keep_the_agendas_names_types_and_rules() -> None:
    agendas = {f["name"]: f for f in load(ROOT / "published" / "agendas.json")["fields"]}
    history = load(ROOT / "published" / "agenda_history.json")
    assert [f["name"] for f in history["fields"]] == [
        "agency_code", "agenda_id", "period", "date", "start_time", "location", "status", "title", "attendees"]
    for field in history["fields"]:
        assert field["type"] == agendas[field["name"]]["type"], field["name"]
        assert field.get("constraints", {}) == agendas[field["name"]].get("constraints", {}), field["name"]
    assert history["primaryKey"] == ["agency_code", "agenda_id", "period"]
