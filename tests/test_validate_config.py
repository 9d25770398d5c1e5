"""Schemas and reference tables: the contract's skeleton, texts, examples, and broken configurations."""

from __future__ import annotations

import json
import re

import pytest
from frictionless import Schema
from validate_helpers import REPO, make_datasets, run

from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError
from pipeline.runner.exitcodes import exit_code_for
from pipeline.validate.reference import load_reference
from pipeline.validate.schemas import load_schemas

SCHEMAS = REPO / "datasets" / "schemas"
# The contract's columns, in order, with their types and keys (written out here, not read
# from the pipeline's own copy in pipeline/validate/schemas.py).
S, I, N, D, T, B = "string", "integer", "number", "date", "time", "boolean"  # noqa: E741 -- one-letter type names keep the column table readable
COLUMNS = {
    "agencies": [("agency_code", S), ("name", S), ("name_en", S), ("sector", S), ("counter", S),
                 ("joined_on", D), ("website", S), ("active", B), ("aliases", S)],
    "services": [("service_code", S), ("agency_code", S), ("name", S), ("name_en", S), ("standard_time", S),
                 ("fee_idr", I), ("requirements", S), ("legal_basis", S)],
    "performance": [("period", S), ("agency_code", S), ("service_code", S), ("applications_received", I),
                    ("applications_completed", I), ("completed_within_standard", I), ("avg_wait_minutes", N),
                    ("avg_service_minutes", N), ("complaints_received", I), ("complaints_resolved", I),
                    ("survey_respondents", I), *[(f"u{i}", N) for i in range(1, 10)], ("notes", S)],
    "agendas": [("agenda_id", S), ("date", D), ("start_time", T), ("end_time", T), ("title", S), ("type", S),
                ("participants", S), ("attendees", S), ("location", S), ("status", S), ("summary", S), ("minutes_url", S)],
    "decisions": [("decision_id", S), ("date", D), ("agenda_id", S), ("title", S), ("description", S),
                  ("responsible", S), ("follow_up", S), ("due_date", D), ("status", S), ("completed_on", D),
                  ("evidence_url", S)],
}
KEYS = {"agencies": ["agency_code"], "services": ["service_code"],
        "performance": ["period", "agency_code", "service_code"], "agendas": ["agenda_id"],
        "decisions": ["decision_id"]}


@pytest.mark.parametrize("table", list(COLUMNS))
def test_project_schema_follows_the_contract(table):
    descriptor = json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))
    schema = Schema.from_descriptor(descriptor)
    assert [(f.name, f.type) for f in schema.fields] == COLUMNS[table]
    assert schema.primary_key == KEYS[table]
    for item in [descriptor, *descriptor["fields"]]:
        for key in ("title", "description", "title_en", "description_en"):
            assert item[key].strip(), (table, item.get("name"), key)
    for spec in descriptor["fields"]:
        field = schema.get_field(spec["name"])
        assert "example" in spec, spec["name"]
        assert not field.read_cell(spec["example"])[1], (spec["name"], spec["example"])
        if spec["type"] == "time":
            assert spec["format"] == "%H:%M"
        if spec["name"].endswith(("_url", "website")):
            assert spec["constraints"]["pattern"] == "^https?://[^\\s]+$"


@pytest.mark.parametrize("table, name, rule, value", [
    ("agencies", "agency_code", "pattern", "^[a-z][a-z0-9-]{1,31}$"),
    ("agencies", "sector", "enum", ["central-government", "regional-government", "state-enterprise",
                                   "regional-enterprise", "private", "non-government"]),
    ("services", "service_code", "pattern", "^[a-z][a-z0-9-]{1,63}$"),
    ("services", "fee_idr", "minimum", 0),
    ("performance", "period", "pattern", "^[0-9]{4}-(0[1-9]|1[0-2])$"),
    ("performance", "u1", "minimum", 1),
    ("performance", "u9", "maximum", 4),
    ("agendas", "agenda_id", "pattern", "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    ("agendas", "title", "maxLength", 200),
    ("decisions", "decision_id", "pattern", "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    ("decisions", "title", "maxLength", 200),
    ("decisions", "status", "enum", ["open", "in-progress", "done", "cancelled"]),
])
def test_schema_constraints_match_the_contract(table, name, rule, value):
    descriptor = json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))
    spec = next(f for f in descriptor["fields"] if f["name"] == name)
    assert spec["constraints"][rule] == value


REQUIRED = {
    "agencies": {"agency_code", "name", "sector", "active"},
    "services": {"service_code", "agency_code", "name", "standard_time", "fee_idr"},
    "performance": {"period", "agency_code", "service_code", "applications_received",
                    "applications_completed", "completed_within_standard", "complaints_received",
                    "complaints_resolved"},
    "agendas": {"agenda_id", "date", "title", "type", "participants", "status"},
    "decisions": {"decision_id", "date", "title", "responsible", "follow_up", "status"},
}


@pytest.mark.parametrize("table", list(COLUMNS))
def test_required_fields_match_the_contract(table):
    descriptor = json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))
    required = {f["name"] for f in descriptor["fields"] if f.get("constraints", {}).get("required")}
    assert required == REQUIRED[table]


def test_schemas_are_read_from_the_datasets_dir(tmp_path):
    ds = make_datasets(tmp_path)
    path = ds / "schemas" / "agendas.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in descriptor["fields"] if f["name"] == "title")["constraints"]["maxLength"] = 5
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    assert load_schemas(ds)["agendas"].constraints("title")["maxLength"] == 5


def test_broken_schemas_list_every_problem_at_once(tmp_path):
    ds = make_datasets(tmp_path)
    (ds / "schemas" / "agendas.json").write_text("{not json", encoding="utf-8")
    perf = json.loads((ds / "schemas" / "performance.json").read_text(encoding="utf-8"))
    perf["fields"] = [f for f in perf["fields"] if f["name"] != "u7"]
    next(f for f in perf["fields"] if f["name"] == "notes")["type"] = "text"
    (ds / "schemas" / "performance.json").write_text(json.dumps(perf), encoding="utf-8")
    (ds / "schemas" / "decisions.json").unlink()
    with pytest.raises(ConfigError) as info:
        load_schemas(ds)
    text = "\n".join(info.value.problems)
    assert exit_code_for(info.value) == 2
    assert "schemas/agendas.json" in text and "JSON" in text
    assert "u7" in text and "'text'" in text
    assert "schemas/decisions.json" in text
    assert len(info.value.problems) == 4


def test_broken_reference_lists_every_problem_at_once(tmp_path):
    ds = make_datasets(tmp_path)
    agencies = ds / "reference" / "agencies.csv"
    agencies.write_text(agencies.read_text(encoding="utf-8")
                        .replace("state-enterprise", "bumn")
                        .replace("kantor-pajak,", "disdukcapil,"), encoding="utf-8")
    services = ds / "reference" / "services.csv"
    services.write_text(services.read_text(encoding="utf-8") + "paspor,imigrasi,Paspor,3 hari kerja,-5,,\n",
                        encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_reference(load_portal(ds, tmp_path / "out"))
    text = "\n".join(info.value.problems)
    assert "agencies.csv baris/row 4, sector" in text
    assert "agencies.csv baris/row 5, agency_code" in text
    assert "services.csv baris/row 8, fee_idr" in text
    assert "imigrasi" in text and "\"kantor-pajak\"" in text  # npwp lost its agency
    assert len(info.value.problems) == 5


def test_service_of_an_unknown_agency_and_unknown_organizer(tmp_path):
    ds = make_datasets(tmp_path)
    services = ds / "reference" / "services.csv"
    services.write_text(services.read_text(encoding="utf-8") + "paspor,imigrasi,Paspor,3 hari kerja,0,,\n",
                        encoding="utf-8")
    toml = ds / "portal.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('organizer = "dpmptsp"', 'organizer = "mpp"'),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        run(ds)
    assert len(info.value.problems) == 2
    assert "imigrasi" in info.value.problems[0] and "mpp" in info.value.problems[1]


def test_reference_is_typed(tmp_path):
    ref = load_reference(load_portal(make_datasets(tmp_path), tmp_path / "out"))
    assert ref.agencies["disdukcapil"].active is True
    assert ref.agencies["disdukcapil"].joined_on.isoformat() == "2024-01-15"
    assert ref.services["ktp-el"].fee_idr == 0
    assert ref.services_of("disdukcapil") == ["ktp-el", "kk", "akta-lahir"]


def test_every_code_is_documented_and_has_a_message():
    import pipeline.validate.messages as messages
    from pipeline.validate.messages_text import CATALOGUE

    documented = set(re.findall(r"^([a-z][a-z-]+[a-z])\s+[EW]\s", messages.__doc__, re.M))
    in_catalogue = {key.split(":")[0] for key in CATALOGUE} - {"table-error"}
    assert documented == in_catalogue
    warnings = set(re.findall(r"^([a-z][a-z-]+[a-z])\s+W\s", messages.__doc__, re.M))
    assert warnings == set(messages.WARNING_CODES)
    for key, (text_id, text_en) in CATALOGUE.items():
        assert text_id and text_en and text_id != text_en, key
