"""File rules of the contract: encodings, delimiters, quoting, headers, XLSX, bad input."""

from __future__ import annotations

import time
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal

import pytest
from validate_helpers import (
    csv_text,
    decision_row,
    flat,
    make_datasets,
    perf_row,
    report_for,
    run,
    write_raw,
    write_table,
    write_xlsx,
)

from pipeline.validate.schemas import CONTRACT

PERF = list(CONTRACT["performance"])


@pytest.fixture()
def ds(tmp_path):
    return make_datasets(tmp_path)


def perf_bytes(rows, columns=PERF, delimiter=",", encoding="utf-8") -> bytes:
    return csv_text(rows, columns, delimiter).encode(encoding)


# --- encodings ---------------------------------------------------------------------------

def test_utf8_with_bom_is_accepted(ds):
    write_raw(ds, "2026-10/disdukcapil/performance.csv", b"\xef\xbb\xbf" + perf_bytes([perf_row()]))
    report = report_for(ds, "performance")
    assert report.accepted and report.warnings == []
    assert report.rows[0]["period"] == "2026-10"


def test_utf8_without_bom_keeps_non_ascii_text(ds):
    write_table(ds, "performance", [perf_row(notes="Antrean “lansia” — café")])
    report = report_for(ds, "performance")
    assert report.accepted
    assert report.rows[0]["notes"] == "Antrean “lansia” — café"


def test_windows_1252_is_decoded_with_a_warning_never_mojibake(ds):
    write_raw(ds, "2026-10/disdukcapil/performance.csv",
              perf_bytes([perf_row(notes="Pelayanan “café” – résumé")], encoding="cp1252"))
    report = report_for(ds, "performance")
    assert report.accepted
    assert flat(report.warnings) == [("encoding-converted", None, None)]
    assert report.rows[0]["notes"] == "Pelayanan “café” – résumé"
    assert "Windows-1252" in report.warnings[0].message.id


def test_mixed_utf8_and_cp1252_is_rejected(ds):
    data = perf_bytes([perf_row(notes="café")]) + perf_bytes([perf_row(service_code="kk", notes="résumé")],
                                                             encoding="cp1252").split(b"\n", 1)[1]
    write_raw(ds, "2026-10/disdukcapil/performance.csv", data)
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("encoding-error", None, None)]
    assert "line 3" in report.errors[0].message.en


def test_bytes_undefined_in_cp1252_are_rejected(ds):
    data = perf_bytes([perf_row(notes="X")]).replace(b"X", b"\x81\x8d")
    write_raw(ds, "2026-10/disdukcapil/performance.csv", data)
    assert flat(report_for(ds, "performance").errors) == [("encoding-error", None, None)]


def test_implausible_cp1252_text_is_rejected_not_garbled(ds):
    data = perf_bytes([perf_row(notes="X")]).replace(b"X", b"\xa4\xa6\xbc\xa8")
    write_raw(ds, "2026-10/disdukcapil/performance.csv", data)
    assert flat(report_for(ds, "performance").errors) == [("encoding-error", None, None)]


def test_text_in_another_encoding_is_rejected_not_garbled(ds):
    write_raw(ds, "2026-10/disdukcapil/performance.csv",
              perf_bytes([perf_row(notes="市民服务中心的说明文字很长很长")], encoding="gbk"))
    assert flat(report_for(ds, "performance").errors) == [("encoding-error", None, None)]


def test_utf16_is_rejected_with_advice(ds):
    write_raw(ds, "2026-10/disdukcapil/performance.csv",
              "\ufeff".encode("utf-16-le") + csv_text([perf_row()], PERF).encode("utf-16-le"))
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("encoding-error", None, None)]
    assert "UTF-16" in report.errors[0].message.id


# --- delimiters and quoting ------------------------------------------------------------------

def test_semicolon_file_with_decimal_commas(ds):
    row = perf_row(avg_wait_minutes="12,5", u3="3,45", avg_service_minutes="8")
    write_table(ds, "performance", [row], delimiter=";")
    report = report_for(ds, "performance")
    assert report.accepted, report.errors
    assert report.rows[0]["avg_wait_minutes"] == Decimal("12.5")
    assert report.rows[0]["u3"] == Decimal("3.45")


def test_semicolon_decimal_comma_out_of_range_reports_original_value(ds):
    write_table(ds, "performance", [perf_row(u3="4,7")], delimiter=";")
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("constraint-error", 2, "u3")]
    assert report.errors[0].value == "4,7"
    assert report.errors[0].cell == "N2"


def test_decimal_comma_in_an_integer_field_is_a_type_error(ds):
    write_table(ds, "performance", [perf_row(applications_received="1,250")], delimiter=";")
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("type-error", 2, "applications_received")]
    assert report.errors[0].value == "1,250"
    assert "1250" in report.errors[0].message.id


def test_decimal_comma_in_a_comma_file_is_a_type_error(ds):
    write_table(ds, "performance", [perf_row(u3="3,45")])
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("type-error", 2, "u3")]
    assert report.errors[0].value == "3,45"


def test_quoted_delimiters_and_newlines_keep_record_numbers(ds):
    rows = [perf_row(notes="Catatan; dengan, pemisah\ndan baris baru\r\nlagi"),
            perf_row(service_code="kk", applications_received="banyak")]
    write_table(ds, "performance", rows, delimiter=";")
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("type-error", 3, "applications_received")]
    assert report.errors[0].cell == "D3"
    assert report.rows[0]["notes"].startswith("Catatan; dengan, pemisah\n")


def test_old_mac_line_endings(ds):
    text = csv_text([perf_row(), perf_row(service_code="kk")], PERF, delimiter=";").replace("\r\n", "\r")
    write_raw(ds, "2026-10/disdukcapil/performance.csv", text.encode())
    report = report_for(ds, "performance")
    assert report.accepted and len(report.rows) == 2


def test_tab_delimited_file_is_rejected(ds):
    write_table(ds, "performance", [perf_row()], delimiter="\t")
    assert flat(report_for(ds, "performance").errors) == [("delimiter-error", None, None)]


def test_unclosed_quote_is_reported_not_swallowed(ds):
    text = csv_text([perf_row()], PERF) + "2026-10,disdukcapil,kk,1,1,1,,,0,0,,,,,,,,,,,\"tidak ditutup\n"
    write_raw(ds, "2026-10/disdukcapil/performance.csv", text.encode())
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("malformed-csv", 3, None)]


# --- headers -------------------------------------------------------------------------------

def test_headers_are_trimmed_case_insensitive_and_in_any_order(ds):
    columns = list(reversed(PERF))
    text = csv_text([perf_row(u3="9")], columns)
    header, rest = text.split("\r\n", 1)
    header = ",".join(f"  {c.upper()} " for c in header.split(","))
    write_raw(ds, "2026-10/disdukcapil/performance.csv", (header + "\r\n" + rest).encode())
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("constraint-error", 2, "u3")]
    assert report.errors[0].cell == "H2"  # u3 is the 8th column of the reversed header


def test_missing_optional_columns_are_fine(ds):
    columns = [c for c in PERF if c not in ("notes", "avg_service_minutes", "avg_wait_minutes")]
    write_table(ds, "performance", [perf_row()], columns=columns)
    report = report_for(ds, "performance")
    assert report.accepted
    assert report.rows[0]["notes"] is None and report.rows[0]["avg_wait_minutes"] is None


def test_missing_required_column_names_the_column(ds):
    columns = [c for c in PERF if c != "complaints_received"]
    write_table(ds, "performance", [perf_row()], columns=columns)
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("missing-label", 1, "complaints_received")]
    assert "complaints_received" in report.errors[0].message.id


def test_duplicate_column_is_an_error(ds):
    text = csv_text([perf_row()], PERF).replace("notes", "Period", 1)
    write_raw(ds, "2026-10/disdukcapil/performance.csv", text.encode())
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("duplicate-label", 1, "period")]
    assert report.errors[0].cell == "U1" and report.errors[0].value == "Period"


def test_unknown_column_is_an_error_with_a_suggestion(ds):
    columns = [c if c != "service_code" else "sevice_code" for c in PERF] + ["keterangan"]
    rows = [{**perf_row(), "sevice_code": "ktp-el"}]
    write_table(ds, "performance", rows, columns=columns)
    report = report_for(ds, "performance")
    assert flat(report.errors) == [
        ("missing-label", 1, "service_code"), ("extra-label", 1, "sevice_code"), ("extra-label", 1, "keterangan"),
    ]
    assert "service_code" in report.errors[1].message.id
    assert "keterangan" in report.errors[2].message.en


def test_trailing_empty_column_is_ignored_but_headless_data_is_not(ds):
    text = csv_text([perf_row()], PERF).replace("\r\n", ",\r\n")
    write_raw(ds, "2026-10/disdukcapil/performance.csv", text.encode())
    assert report_for(ds, "performance").accepted
    text = csv_text([perf_row()], PERF + [""]).replace(",\r\n", ",x\r\n").replace("notes,x", "notes,")
    write_raw(ds, "2026-10/disdukcapil/performance.csv", text.encode())
    assert flat(report_for(ds, "performance").errors) == [("blank-label", 1, None)]


# --- rows ----------------------------------------------------------------------------------

def test_ragged_rows_are_reported_per_row(ds):
    good = csv_text([perf_row(), perf_row(service_code="kk")], PERF).split("\r\n")
    lines = [good[0], good[1].rsplit(",", 2)[0], good[2] + ",extra", ""]
    write_raw(ds, "2026-10/disdukcapil/performance.csv", "\r\n".join(lines).encode())
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("missing-cell", 2, "u9"), ("missing-cell", 2, "notes"), ("extra-cell", 3, None)]
    assert report.errors[2].value == "extra" and report.errors[2].cell == "V3"


def test_blank_row_inside_is_an_error_trailing_blank_rows_are_not(ds):
    header, first, second, _ = csv_text([perf_row(), perf_row(service_code="kk")], PERF).split("\r\n")
    write_raw(ds, "2026-10/disdukcapil/performance.csv", f"{header}\r\n{first}\r\n,,\r\n{second}\r\n".encode())
    assert flat(report_for(ds, "performance").errors) == [("blank-row", 3, None)]
    write_raw(ds, "2026-10/disdukcapil/performance.csv", f"{header}\r\n{first}\r\n{second}\r\n,,,,\r\n\r\n".encode())
    assert report_for(ds, "performance").accepted


@pytest.mark.parametrize("cell", ["NaN", "sNaN", "Infinity", "-inf", "nan"])
def test_nan_and_infinity_are_type_errors_with_the_original_value(ds, cell):
    write_table(ds, "performance", [perf_row(u5=cell, avg_wait_minutes=cell)])
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("type-error", 2, "avg_wait_minutes"), ("type-error", 2, "u5")]
    assert [p.value for p in report.errors] == [cell, cell]


# --- XLSX ----------------------------------------------------------------------------------

def test_xlsx_is_read_as_the_strings_typed(ds):
    agenda = ["agenda_id", "date", "start_time", "end_time", "title", "type", "participants", "status"]
    write_xlsx(ds, "agendas", [agenda, ["AGD-1", datetime(2026, 10, 14), dtime(9, 0), dtime(11, 30),
                                        "Rapat", "dialogue", "disdukcapil", "held"]])
    perf = [PERF[:11], ["2026-10", "disdukcapil", "ktp-el", 1250.0, 1210, 1175, 12.5, None, 4, 4, None]]
    write_xlsx(ds, "performance", perf)
    reports = run(ds)
    agendas = reports["submissions/2026-10/disdukcapil/agendas.xlsx"]
    performance = reports["submissions/2026-10/disdukcapil/performance.xlsx"]
    assert agendas.accepted and performance.accepted, (agendas.errors, performance.errors)
    assert agendas.rows[0]["date"] == date(2026, 10, 14)
    assert agendas.rows[0]["start_time"] == dtime(9, 0)
    assert performance.rows[0]["applications_received"] == 1250


def test_xlsx_period_that_excel_turned_into_a_date_reads_as_the_month(ds):
    # A clerk types 2026-10 in a General cell; Excel stores 1 October 2026.
    perf = [PERF[:11], [datetime(2026, 10, 1), "disdukcapil", "ktp-el", 10, 10, 9, None, None, 0, 0, None]]
    write_xlsx(ds, "performance", perf)
    report = report_for(ds, "performance", ext="xlsx")
    assert report.accepted, report.errors
    assert report.rows[0]["period"] == "2026-10"


@pytest.mark.parametrize("value, text", [
    (None, ""), (True, "true"), (1250, "1250"), (1250.0, "1250"), (3.45, "3.45"), (0.1 + 0.2, "0.3"),
    (datetime(2026, 10, 14), "2026-10-14"), (date(2026, 10, 14), "2026-10-14"),
    (datetime(2026, 10, 14, 9, 30), "2026-10-14 09:30"), (dtime(9, 5), "09:05"),
    (datetime(1899, 12, 30, 13, 30), "13:30"), ("  teks ", "  teks "),
])
def test_xlsx_cells_render_as_typed(value, text):
    from pipeline.validate.xlsx import render_cell

    assert render_cell(value) == text


def test_xlsx_errors_carry_the_sheet_cell(ds):
    perf = [PERF[:11], ["2026-10", "disdukcapil", "ktp-el", "seribu", 1210, 1175, None, None, 4, 4, None]]
    write_xlsx(ds, "performance", perf)
    report = report_for(ds, "performance", ext="xlsx")
    assert flat(report.errors) == [("type-error", 2, "applications_received")]
    assert report.errors[0].value == "seribu" and report.errors[0].cell == "D2"


def test_csv_that_is_really_an_xlsx(ds):
    path = write_xlsx(ds, "performance", [PERF, ["2026-10"]], name="performance.csv")
    assert path.name == "performance.csv"
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("not-a-csv", None, None)]
    assert "performance.xlsx" in report.errors[0].message.id


def test_xlsx_that_is_really_text(ds):
    write_raw(ds, "2026-10/disdukcapil/performance.xlsx", perf_bytes([perf_row()]))
    report = report_for(ds, "performance", ext="xlsx")
    assert flat(report.errors) == [("not-an-xlsx", None, None)]
    assert "performance.csv" in report.errors[0].message.en


def test_damaged_xlsx(ds):
    write_raw(ds, "2026-10/disdukcapil/performance.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50)
    assert flat(report_for(ds, "performance", ext="xlsx").errors) == [("not-an-xlsx", None, None)]


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("data, code", [
    (b"", "empty-file"),
    (b"\r\n\r\n", "empty-file"),
    (b",,,,\r\n1,2\r\n", "empty-file"),
    (bytes(range(256)) * 40, "not-a-csv"),
    (b"%PDF-1.7\n%binary", "not-a-csv"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "not-a-csv"),
])
def test_bad_files_get_one_clear_error(ds, data, code):
    write_raw(ds, "2026-10/disdukcapil/performance.csv", data)
    report = report_for(ds, "performance")
    assert flat(report.errors) == [(code, None, None)]
    assert report.rows is None and len(report.sha256) == 64


def test_50_mb_file_is_rejected_fast_without_parsing(ds):
    path = ds / "submissions" / "2026-10" / "disdukcapil" / "performance.csv"
    path.parent.mkdir(parents=True)
    line = csv_text([perf_row()], PERF).split("\r\n")[1].encode() + b"\r\n"
    with path.open("wb") as fh:
        fh.write(csv_text([], PERF).encode())
        fh.write(line * (50 * 1024 * 1024 // len(line)))
    started = time.perf_counter()
    report = report_for(ds, "performance")
    print(f"\n50 MB file judged in {time.perf_counter() - started:.2f} s")  # measured, not asserted
    # Read, it would have been too-many-rows (5,000 at most): the size alone decided.
    assert flat(report.errors) == [("file-too-large", None, None)]
    assert "50.0 MB" in report.errors[0].message.en


def test_text_where_numbers_belong(ds):
    write_table(ds, "performance", [perf_row(applications_received="seribu", u1="baik", survey_respondents="NA")])
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("type-error", 2, "applications_received"),
                                   ("type-error", 2, "survey_respondents"), ("type-error", 2, "u1")]


def test_one_bad_file_does_not_stop_the_others(ds):
    write_raw(ds, "2026-10/disdukcapil/performance.csv", bytes(range(256)) * 10)
    write_table(ds, "decisions", [decision_row()])
    write_table(ds, "performance", [perf_row(agency_code="dpmptsp", service_code="izin-usaha")], agency="dpmptsp")
    reports = run(ds)
    assert [r.status for r in reports.values()] == ["accepted", "rejected", "accepted"]
