"""Cross-table and cross-month rules, warnings versus errors, header-only files."""

from __future__ import annotations

import pytest
from validate_helpers import (
    agenda_row,
    csv_text,
    decision_row,
    flat,
    make_datasets,
    perf_row,
    report_for,
    run,
    write_raw,
    write_table,
)

from pipeline.validate.schemas import CONTRACT

NO_SURVEY = {"survey_respondents": "", **{f"u{i}": "" for i in range(1, 10)}}


@pytest.fixture()
def ds(tmp_path):
    return make_datasets(tmp_path)


def perf(ds, **kw):
    write_table(ds, "performance", [perf_row(**kw)])
    return report_for(ds, "performance")


def agenda(ds, **kw):
    write_table(ds, "agendas", [agenda_row(**kw)])
    return report_for(ds, "agendas")


def decision(ds, **kw):
    write_table(ds, "decisions", [decision_row(**kw)])
    return report_for(ds, "decisions")


# --- performance ---------------------------------------------------------------------------

@pytest.mark.parametrize("kw, expected", [
    ({"period": "2026-09"}, ("period-mismatch", 2, "period")),
    ({"agency_code": "dpmptsp"}, ("agency-mismatch", 2, "agency_code")),
    ({"service_code": "paspor"}, ("unknown-service", 2, "service_code")),
    ({"service_code": "izin-usaha"}, ("service-agency-mismatch", 2, "service_code")),
    ({"completed_within_standard": "1211"},
     ("completed-within-standard-exceeds-completed", 2, "completed_within_standard")),
])
def test_performance_cross_errors(ds, kw, expected):
    report = perf(ds, **kw)
    assert report.status == "rejected"
    assert flat(report.errors) == [expected]


def test_performance_cross_rules_pass_on_matching_values(ds):
    report = perf(ds, completed_within_standard="1210", applications_completed="1210",
                  applications_received="1210", complaints_resolved="4", avg_wait_minutes="480")
    assert report.accepted and report.warnings == []


def test_messages_name_the_folder_and_the_agencys_own_services(ds):
    report = perf(ds, service_code="izin-usaha", period="2026-09")
    period, service = report.errors
    assert "2026-10" in period.message.id and "2026-09" in period.message.id
    assert "dpmptsp" in service.message.id and "ktp-el, kk, akta-lahir" in service.message.id


@pytest.mark.parametrize("kw, expected", [
    ({"applications_completed": "1300", "completed_within_standard": "1200"},
     ("completed-exceeds-received", 2, "applications_completed")),
    ({"complaints_resolved": "5"}, ("resolved-exceeds-received", 2, "complaints_resolved")),
    ({"avg_wait_minutes": "480.5"}, ("long-wait", 2, "avg_wait_minutes")),
])
def test_performance_warnings_do_not_reject(ds, kw, expected):
    report = perf(ds, **kw)
    assert report.accepted
    assert flat(report.warnings) == [expected]


def test_survey_complete_or_absent_is_valid(ds):
    assert perf(ds).accepted
    assert perf(ds, **NO_SURVEY).accepted
    assert perf(ds, **{**NO_SURVEY, "survey_respondents": "0"}).accepted


def test_survey_incomplete(ds):
    report = perf(ds, u5="", u9="")
    assert flat(report.errors) == [("survey-incomplete", 2, "u5")]
    assert "u5, u9" in report.errors[0].message.id


def test_survey_columns_missing_with_respondents(ds):
    columns = [c for c in CONTRACT["performance"] if not c.startswith("u")]
    write_table(ds, "performance", [perf_row()], columns=columns)
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("survey-incomplete", 2, "u1")]
    assert report.errors[0].cell is None


@pytest.mark.parametrize("respondents", ["0", ""])
def test_survey_unexpected(ds, respondents):
    report = perf(ds, **{**NO_SURVEY, "survey_respondents": respondents, "u2": "3.5"})
    assert flat(report.errors) == [("survey-unexpected", 2, "u2")]


def test_duplicate_service_row_is_a_primary_key_error(ds):
    write_table(ds, "performance", [perf_row(), perf_row(service_code="kk"), perf_row()])
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("primary-key", 4, "service_code")]
    assert "2" in report.errors[0].message.id and report.errors[0].cell == "C4"


def test_same_service_in_two_agencies_files_is_not_a_duplicate(ds):
    write_table(ds, "performance", [perf_row()])
    write_table(ds, "performance", [perf_row()], period="2026-09")
    reports = run(ds)
    assert [flat(r.errors) for r in reports.values()] == [[("period-mismatch", 2, "period")], []]


def test_header_only_performance_is_an_error_other_tables_are_valid(ds):
    for table in ("performance", "agendas", "decisions"):
        write_table(ds, table, [])
    reports = run(ds)
    assert flat(report_for(ds, "performance").errors) == [("no-rows", None, None)]
    assert reports["submissions/2026-10/disdukcapil/agendas.csv"].accepted
    assert reports["submissions/2026-10/disdukcapil/decisions.csv"].accepted


def test_header_only_with_blank_lines_is_still_header_only(ds):
    write_raw(ds, "2026-10/disdukcapil/performance.csv",
              (csv_text([], list(CONTRACT["performance"])) + ",,,\r\n\r\n").encode())
    assert [p.code for p in report_for(ds, "performance").errors] == ["no-rows"]


# --- agendas -------------------------------------------------------------------------------

@pytest.mark.parametrize("kw, expected", [
    ({"start_time": "14:00", "end_time": "09:00"}, ("end-before-start", 2, "end_time")),
    ({"participants": "disdukcapil;dinas-x"}, ("unknown-participant", 2, "participants")),
    ({"participants": "disdukcapil, dpmptsp"}, ("unknown-participant", 2, "participants")),
    ({"status": "held", "date": "2026-11-01"}, ("held-after-period", 2, "status")),
])
def test_agenda_cross_errors(ds, kw, expected):
    report = agenda(ds, **kw)
    assert report.status == "rejected"
    assert flat(report.errors) == [expected]


@pytest.mark.parametrize("kw", [
    {"start_time": "09:00", "end_time": "09:00"},
    {"start_time": "", "end_time": "09:00"},
    {"participants": " disdukcapil ; dpmptsp ;"},
    {"status": "held", "date": "2026-10-31"},
    {"status": "held", "date": "2026-09-30"},
    {"status": "planned", "date": "2026-12-05"},
    {"status": "cancelled", "date": "2026-09-01"},
])
def test_agenda_cross_rules_pass(ds, kw):
    report = agenda(ds, **kw)
    assert report.accepted and report.warnings == [], (report.errors, report.warnings)


def test_planned_before_the_period_is_a_warning(ds):
    report = agenda(ds, status="planned", date="2026-09-30")
    assert report.accepted
    assert flat(report.warnings) == [("planned-before-period", 2, "status")]
    assert "2026-09-30" in report.warnings[0].message.id


def test_unknown_participant_suggests_the_listed_code(ds):
    report = agenda(ds, participants="disdukcapil;DPMPTSP")
    assert "Mungkin maksudnya dpmptsp?" in report.errors[0].message.id


def test_duplicate_agenda_id(ds):
    write_table(ds, "agendas", [agenda_row(), agenda_row(title="Lagi")])
    assert flat(report_for(ds, "agendas").errors) == [("primary-key", 3, "agenda_id")]


# --- decisions -----------------------------------------------------------------------------

@pytest.mark.parametrize("kw, expected", [
    ({"date": "2026-11-01", "due_date": ""}, ("date-after-period", 2, "date")),
    ({"responsible": "dinas-x"}, ("unknown-responsible", 2, "responsible")),
    ({"due_date": "2026-10-13"}, ("due-before-date", 2, "due_date")),
    ({"status": "done"}, ("completed-on-missing", 2, "completed_on")),
    ({"status": "in-progress", "completed_on": "2026-10-20"}, ("completed-on-unexpected", 2, "completed_on")),
    ({"status": "done", "completed_on": "2026-10-13"}, ("completed-on-before-date", 2, "completed_on")),
    ({"status": "done", "completed_on": "2026-11-02"}, ("completed-on-after-period", 2, "completed_on")),
    ({"agenda_id": "AGD-404"}, ("unknown-agenda", 2, "agenda_id")),
])
def test_decision_cross_errors(ds, kw, expected):
    report = decision(ds, **kw)
    assert report.status == "rejected"
    assert flat(report.errors) == [expected]


@pytest.mark.parametrize("kw", [
    {"date": "2026-10-31"},
    {"date": "2025-03-01"},
    {"due_date": "2026-10-14"},
    {"due_date": ""},
    {"status": "done", "completed_on": "2026-10-14"},
    {"status": "done", "completed_on": "2026-10-31"},
    {"status": "cancelled", "completed_on": ""},
    {"responsible": "dpmptsp;disdukcapil"},
])
def test_decision_cross_rules_pass(ds, kw):
    report = decision(ds, **kw)
    assert report.accepted and report.warnings == [], report.errors


# --- agendas named by decisions, across files and months -------------------------------------

def decisions_naming(ds, agenda_id="AGD-1", period="2026-10"):
    write_table(ds, "decisions", [decision_row(agenda_id=agenda_id, date=f"{period}-14", due_date="")],
                period=period)


def test_agenda_in_this_submission(ds):
    write_table(ds, "agendas", [agenda_row()])
    decisions_naming(ds)
    assert report_for(ds, "decisions").accepted


def test_agenda_in_this_submission_counts_even_if_that_file_is_rejected(ds):
    write_table(ds, "agendas", [agenda_row(), agenda_row(agenda_id="AGD-2", type="rapat")])
    decisions_naming(ds, "AGD-2")
    reports = run(ds)
    assert reports["submissions/2026-10/disdukcapil/agendas.csv"].status == "rejected"
    assert reports["submissions/2026-10/disdukcapil/decisions.csv"].accepted


def test_agenda_in_an_earlier_accepted_period(ds):
    write_table(ds, "agendas", [agenda_row(date="2026-08-14")], period="2026-08")
    decisions_naming(ds)
    assert report_for(ds, "decisions").accepted


def test_agenda_in_an_earlier_rejected_period_does_not_count(ds):
    write_table(ds, "agendas", [agenda_row(date="2026-08-14", type="rapat")], period="2026-08")
    decisions_naming(ds)
    assert flat(report_for(ds, "decisions").errors) == [("unknown-agenda", 2, "agenda_id")]


def test_agenda_in_a_later_period_does_not_count(ds):
    write_table(ds, "agendas", [agenda_row(date="2026-11-14")], period="2026-11")
    decisions_naming(ds)
    assert flat(report_for(ds, "decisions").errors) == [("unknown-agenda", 2, "agenda_id")]


def test_agenda_of_another_agency_does_not_count(ds):
    write_table(ds, "agendas", [agenda_row()], agency="dpmptsp")
    decisions_naming(ds)
    assert flat(report_for(ds, "decisions").errors) == [("unknown-agenda", 2, "agenda_id")]


def test_agenda_accepted_in_an_earlier_run_counts(ds):
    decisions_naming(ds)
    asked = []

    def previous(agency, period):
        asked.append((agency, period))
        return {"AGD-1"} if agency == "disdukcapil" else set()

    report = run(ds, previous)["submissions/2026-10/disdukcapil/decisions.csv"]
    assert report.accepted and asked == [("disdukcapil", "2026-10")]


# --- reference status ----------------------------------------------------------------------

def test_period_before_the_agency_joined_is_a_warning(ds):
    write_table(ds, "decisions", [decision_row(date="2026-05-14", due_date="")], period="2026-05",
                agency="kantor-pajak")
    write_table(ds, "decisions", [decision_row()], agency="kantor-pajak")
    reports = run(ds)
    early = reports["submissions/2026-05/kantor-pajak/decisions.csv"]
    assert early.accepted and flat(early.warnings) == [("period-before-joined", None, None)]
    assert reports["submissions/2026-10/kantor-pajak/decisions.csv"].warnings == []
