"""Field rules of the contract (types, required, patterns, enums, ranges, lengths): one valid
and one invalid case at least for every field rule of every submitted table."""

from __future__ import annotations

import pytest
from validate_helpers import agenda_row, decision_row, flat, make_datasets, perf_row, report_for, write_table

ROWS = {"performance": perf_row, "agendas": agenda_row, "decisions": decision_row}
IDS = {"agendas": "agenda_id", "decisions": "decision_id"}

INVALID = [
    # performance
    ("performance", "period", "", "constraint-error"),
    ("performance", "period", "2026-1", "constraint-error"),
    ("performance", "period", "Oktober 2026", "constraint-error"),
    ("performance", "agency_code", "Disdukcapil", "constraint-error"),
    ("performance", "agency_code", "", "constraint-error"),
    ("performance", "service_code", "KTP EL", "constraint-error"),
    ("performance", "service_code", "", "constraint-error"),
    ("performance", "applications_received", "", "constraint-error"),
    ("performance", "applications_received", "-1", "constraint-error"),
    ("performance", "applications_received", "1.250", "type-error"),
    ("performance", "applications_received", "1250.0", "type-error"),
    ("performance", "applications_completed", "", "constraint-error"),
    ("performance", "applications_completed", "-3", "constraint-error"),
    ("performance", "completed_within_standard", "", "constraint-error"),
    ("performance", "completed_within_standard", "-1", "constraint-error"),
    ("performance", "avg_wait_minutes", "-0.5", "constraint-error"),
    ("performance", "avg_wait_minutes", "sepuluh", "type-error"),
    ("performance", "avg_service_minutes", "-2", "constraint-error"),
    ("performance", "avg_service_minutes", "8 menit", "type-error"),
    ("performance", "complaints_received", "", "constraint-error"),
    ("performance", "complaints_received", "-1", "constraint-error"),
    ("performance", "complaints_resolved", "", "constraint-error"),
    ("performance", "complaints_resolved", "dua", "type-error"),
    ("performance", "survey_respondents", "-1", "constraint-error"),
    ("performance", "survey_respondents", "12.5", "type-error"),
    *[("performance", f"u{i}", "0.99", "constraint-error") for i in range(1, 10)],
    *[("performance", f"u{i}", "4.01", "constraint-error") for i in (1, 9)],
    ("performance", "u2", "100.0000000000000001", "constraint-error"),
    ("performance", "u4", "baik", "type-error"),
    # agendas
    ("agendas", "agenda_id", "", "constraint-error"),
    ("agendas", "agenda_id", "AGD 1", "constraint-error"),
    ("agendas", "agenda_id", "-AGD", "constraint-error"),
    ("agendas", "agenda_id", "A" * 65, "constraint-error"),
    ("agendas", "date", "", "constraint-error"),
    ("agendas", "date", "14/10/2026", "type-error"),
    ("agendas", "date", "2026-02-30", "type-error"),
    ("agendas", "start_time", "9.30", "type-error"),
    ("agendas", "start_time", "25:00", "type-error"),
    ("agendas", "end_time", "11:30:00", "type-error"),
    ("agendas", "title", "", "constraint-error"),
    ("agendas", "title", "x" * 201, "constraint-error"),
    ("agendas", "type", "", "constraint-error"),
    ("agendas", "type", "rapat", "constraint-error"),
    ("agendas", "type", "Coordination", "constraint-error"),
    ("agendas", "participants", "", "constraint-error"),
    ("agendas", "status", "", "constraint-error"),
    ("agendas", "status", "done", "constraint-error"),
    ("agendas", "minutes_url", "www.jambikota.go.id/notula.pdf", "constraint-error"),
    ("agendas", "minutes_url", "javascript:alert(1)", "constraint-error"),
    ("agendas", "minutes_url", "https://x.go.id/notula final.pdf", "constraint-error"),
    # decisions
    ("decisions", "decision_id", "", "constraint-error"),
    ("decisions", "decision_id", "KPT/1", "constraint-error"),
    ("decisions", "date", "", "constraint-error"),
    ("decisions", "date", "2026-13-01", "type-error"),
    ("decisions", "title", "", "constraint-error"),
    ("decisions", "title", "é" * 201, "constraint-error"),
    ("decisions", "responsible", "", "constraint-error"),
    ("decisions", "follow_up", "", "constraint-error"),
    ("decisions", "due_date", "30-11-2026", "type-error"),
    ("decisions", "status", "", "constraint-error"),
    ("decisions", "status", "selesai", "constraint-error"),
    ("decisions", "status", "in progress", "constraint-error"),
    ("decisions", "completed_on", "kemarin", "type-error"),
    ("decisions", "evidence_url", "ftp://x.go.id/bukti.jpg", "constraint-error"),
]

VALID = [
    ("performance", "applications_received", "0"),
    ("performance", "applications_received", " 7 "),
    ("performance", "avg_wait_minutes", ""),
    ("performance", "avg_wait_minutes", "0"),
    ("performance", "avg_wait_minutes", "12"),
    ("performance", "avg_service_minutes", ""),
    ("performance", "u1", "1"),
    ("performance", "u9", "4"),
    ("performance", "u5", "3.456"),
    ("performance", "notes", "Catatan panjang " * 40),
    ("agendas", "agenda_id", "a"),
    ("agendas", "agenda_id", "AGD_2026.10-01"),
    ("agendas", "agenda_id", "A" * 64),
    ("agendas", "start_time", ""),
    ("agendas", "end_time", ""),
    ("agendas", "title", "x" * 200),
    ("agendas", "title", "é" * 200),
    ("agendas", "location", ""),
    ("agendas", "summary", "**Hasil**: disepakati\n\n- satu\n- dua"),
    ("agendas", "minutes_url", ""),
    ("agendas", "minutes_url", "http://jambikota.go.id/notula.pdf"),
    ("decisions", "agenda_id", ""),
    ("decisions", "description", ""),
    ("decisions", "due_date", ""),
    ("decisions", "evidence_url", "https://jambikota.go.id/bukti.jpg?id=1"),
    *[("agendas", "type", t) for t in ("coordination", "dialogue", "monitoring-evaluation",
                                       "public-consultation", "staff-development", "outreach", "other")],
    *[("agendas", "status", s) for s in ("held", "postponed", "cancelled")],
    *[("decisions", "status", s) for s in ("open", "in-progress", "cancelled")],
]


@pytest.mark.parametrize("table, name, cell, code", INVALID)
def test_invalid_cell_rejects_the_file_naming_row_and_field(tmp_path, table, name, cell, code):
    ds = make_datasets(tmp_path)
    if table == "performance":
        rows, expected_row = [perf_row(**{name: cell})], 2
    else:
        bad = ROWS[table](**{IDS[table]: "X-2"})
        bad[name] = cell
        rows, expected_row = [ROWS[table](), bad], 3
    write_table(ds, table, rows)
    report = report_for(ds, table)
    assert report.status == "rejected"
    assert flat(report.errors) == [(code, expected_row, name)]
    problem = report.errors[0]
    assert problem.value == cell
    assert name in problem.message.id and name in problem.message.en
    assert problem.cell is not None and problem.cell.endswith(str(expected_row))


@pytest.mark.parametrize("table, name, cell", VALID)
def test_valid_cell_is_accepted(tmp_path, table, name, cell):
    ds = make_datasets(tmp_path)
    write_table(ds, table, [ROWS[table](**{name: cell})])
    report = report_for(ds, table)
    assert report.errors == [], report.errors
    assert report.accepted


def test_enum_message_lists_the_allowed_values(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "agendas", [agenda_row(type="rapat")])
    message = report_for(ds, "agendas").errors[0].message
    for choice in ("coordination", "dialogue", "monitoring-evaluation", "outreach", "other"):
        assert choice in message.id and choice in message.en


def test_pattern_message_explains_the_pattern_in_words(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "agendas", [agenda_row(agenda_id="AGD 1")])
    message = report_for(ds, "agendas").errors[0].message
    assert "tanpa spasi" in message.id and "no spaces" in message.en
    assert "^[" not in message.id


def test_required_message_gives_an_example(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "performance", [perf_row(complaints_received="")])
    message = report_for(ds, "performance").errors[0].message
    assert "wajib diisi" in message.id and "for example 4" in message.en


def test_leading_space_is_pointed_out(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "agendas", [agenda_row(status=" held")])
    report = report_for(ds, "agendas")
    assert flat(report.errors) == [("constraint-error", 2, "status")]
    assert "spasi" in report.errors[0].message.id


def test_accepted_rows_are_typed(tmp_path):
    from datetime import date, time
    from decimal import Decimal

    ds = make_datasets(tmp_path)
    write_table(ds, "performance", [perf_row(avg_service_minutes="")])
    write_table(ds, "agendas", [agenda_row()])
    write_table(ds, "decisions", [decision_row(status="done", completed_on="2026-10-20")])
    perf = report_for(ds, "performance").rows[0]
    assert perf["applications_received"] == 1250 and perf["u1"] == Decimal("3.2")
    assert perf["avg_service_minutes"] is None and perf["notes"] is None
    agenda = report_for(ds, "agendas").rows[0]
    assert agenda["date"] == date(2026, 10, 14) and agenda["end_time"] == time(11, 30)
    decision = report_for(ds, "decisions").rows[0]
    assert decision["completed_on"] == date(2026, 10, 20) and decision["agenda_id"] is None


def test_messages_name_no_city_of_their_own() -> None:
    # Any MPP runs the pipeline: an example address in a message must not be Jambi's.
    from pipeline.validate.messages_text import CATALOGUE, PATTERN_WORDS

    texts = [t for pair in CATALOGUE.values() for t in pair] + [t for m in PATTERN_WORDS.values() for t in (m.id, m.en)]
    assert texts and not [t for t in texts if "jambi" in t.casefold()]
