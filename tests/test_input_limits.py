"""Limits before memory: file size, unpacked workbook size, rows, columns, cell length, XML bombs.

The hostile files are real: zip bombs and entity bombs inside real .xlsx containers, a
sheet of a million rows, a CSV header repeating one column 1.65 million times.  The
heavy ones run through the real ``validate`` command in a subprocess whose wall time
and peak memory are measured.
"""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest
from validate_helpers import (
    REPO,
    agenda_row,
    csv_text,
    flat,
    make_datasets,
    perf_row,
    report_for,
    write_raw,
    write_table,
    write_xlsx,
)

from pipeline.core.config import Limits, load_portal
from pipeline.core.errors import ConfigError
from pipeline.validate.schemas import CONTRACT
from pipeline.validate.xlsx_zip import DAMAGED, ZipRefused, check_container

PERF = list(CONTRACT["performance"])
SHEET = "xl/worksheets/sheet1.xml"
MB = 1024 * 1024
# A subprocess running `python -m pipeline validate` and reporting its wall time and peak RSS.
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.monotonic()\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "elapsed = time.monotonic() - t\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "sys.stderr.buffer.write(r.stderr)\n"
    "print(f'{elapsed} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {r.returncode}')\n"
    "sys.stdout.buffer.write(r.stdout)\n"
)


@pytest.fixture()
def ds(tmp_path: Path) -> Path:
    return make_datasets(tmp_path)


def set_portal(ds: Path, **values: object) -> None:
    """Set top-level keys of the datasets folder's portal.toml (written as TOML literals)."""
    path = ds / "portal.toml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line.split("=")[0].strip() not in values]
    at = lines.index("[ckan]")
    lines[at:at] = [f"{key} = {value}" for key, value in values.items()] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def workbook(rows: list[list[object]]) -> bytes:
    """A real workbook written by openpyxl."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rebuild(data: bytes, name: str, write: Callable[[io.BufferedIOBase, bytes], None]) -> bytes:
    """The same ZIP with member ``name`` rewritten by ``write(fh, old_bytes)`` (deflated, level 9)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            old = src.read(info.filename)
            if info.filename == name:
                with dst.open(name, "w", force_zip64=False) as fh:
                    write(fh, old)
            else:
                dst.writestr(info.filename, old)
    return out.getvalue()


def padded_sheet(megabytes: int) -> Callable[[io.BufferedIOBase, bytes], None]:
    """A writer that pads a sheet with ``megabytes`` MB of spaces inside <sheetData> (valid XML)."""
    def write(fh: io.BufferedIOBase, old: bytes) -> None:
        head, tail = old.split(b"<sheetData>", 1)
        fh.write(head + b"<sheetData>")
        for _ in range(megabytes):
            fh.write(b" " * MB)
        fh.write(tail)
    return write


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """Make the local header and the central directory declare ``size`` for member ``name``."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<I", buf, info.header_offset + 22, size)
    central = buf.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", buf, central + 28)[0]
        if bytes(buf[central + 46:central + 46 + name_len]) == name.encode():
            struct.pack_into("<I", buf, central + 24, size)
            return bytes(buf)
        central = buf.find(b"PK\x01\x02", central + 4)
    raise AssertionError("member not found in the central directory")


def measured_validate(ds: Path) -> tuple[float, float, float, int, list[dict]]:
    """`python -m pipeline validate --json` in a subprocess: wall s, CPU s, peak MB, exit code, reports."""
    cmd = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "pipeline", "validate", "--json",
           "--datasets", str(ds), "--output", str(ds.parent / "out")]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    first, _, rest = result.stdout.partition("\n")
    elapsed, cpu, rss_kb, code = first.split()
    return float(elapsed), float(cpu), int(rss_kb) / 1024, int(code), json.loads(rest)


def only_report(reports: list[dict]) -> dict:
    (report,) = reports
    return report


# --- limits in portal.toml ---------------------------------------------------------------------

def test_default_limits(ds, tmp_path):
    portal = load_portal(ds, tmp_path / "out")
    assert portal.limits == Limits(max_file_mb=1.0, max_xlsx_uncompressed_mb=50.0, max_rows=5000,
                                   max_columns=60, max_cell_chars=32767)
    assert portal.max_file_mb == 1.0  # the fixture's own setting, still read where pages show it


def test_nan_inf_zero_and_negative_limits_are_config_errors_all_at_once(ds, tmp_path):
    set_portal(ds, max_file_mb="nan", max_xlsx_uncompressed_mb="inf", max_rows=-1, max_columns=0,
               max_cell_chars=40000)
    with pytest.raises(ConfigError) as caught:
        load_portal(ds, tmp_path / "out")
    problems = caught.value.problems
    for key, found in [("max_file_mb", "nan"), ("max_xlsx_uncompressed_mb", "inf"), ("max_rows", "-1"),
                       ("max_columns", "0")]:
        assert any(f"'{key}'" in p and "above 0, not nan or inf" in p and found in p for p in problems), key
    assert any("'max_cell_chars'" in p and "32767" in p and "40000" in p for p in problems)
    assert len(problems) == 5


@pytest.mark.parametrize("key, value", [("max_file_mb", "-inf"), ("max_rows", "inf"), ("max_rows", "2.5"),
                                        ("max_cell_chars", '"banyak"'), ("max_file_mb", "0.0")])
def test_each_bad_limit_alone_is_refused(ds, tmp_path, key, value):
    set_portal(ds, **{key: value})
    with pytest.raises(ConfigError) as caught:
        load_portal(ds, tmp_path / "out")
    assert len(caught.value.problems) == 1 and f"'{key}'" in caught.value.problems[0]


def test_a_bad_limit_exits_2_from_the_command(ds):
    set_portal(ds, max_file_mb="inf")
    result = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--datasets", str(ds)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "max_file_mb" in result.stderr and "Traceback" not in result.stderr


# --- rows, columns, cell length ----------------------------------------------------------------

def test_rows_up_to_the_limit_pass_and_one_more_is_refused(ds):
    set_portal(ds, max_rows=40)
    rows = [agenda_row(agenda_id=f"AGD-{i}") for i in range(40)]
    write_table(ds, "agendas", rows)
    assert report_for(ds, "agendas").accepted
    write_table(ds, "agendas", rows + [agenda_row(agenda_id="AGD-40")])
    report = report_for(ds, "agendas")
    assert flat(report.errors) == [("too-many-rows", 42, None)]
    assert "more than 40 data rows" in report.errors[0].message.en
    assert "lebih dari 40 baris data" in report.errors[0].message.id


def test_empty_rows_count_too_and_reading_stops_there(ds):
    set_portal(ds, max_rows=10)
    text = csv_text([perf_row()], PERF) + ("," * (len(PERF) - 1) + "\r\n") * 20_000
    write_raw(ds, "2026-10/disdukcapil/performance.csv", text.encode())
    assert flat(report_for(ds, "performance").errors) == [("too-many-rows", 12, None)]


def test_a_sheet_with_too_many_rows_is_refused(ds):
    set_portal(ds, max_rows=100)
    write_xlsx(ds, "performance", [PERF] + [[f"baris {i}"] for i in range(150)])
    report = report_for(ds, "performance", ext="xlsx")
    assert flat(report.errors) == [("too-many-rows", 102, None)]


def test_a_wide_header_is_refused_before_header_mapping(ds):
    header = ",".join(["notes"] * 61)
    write_raw(ds, "2026-10/disdukcapil/performance.csv", f"{header}\r\n".encode())
    report = report_for(ds, "performance")
    assert flat(report.errors) == [("too-many-columns", 1, None)]  # not 60 duplicate-label errors
    assert "Row 1 has 61 columns (up to column BI), above the limit of 60" in report.errors[0].message.en


def test_a_wide_quoted_row_is_refused_by_the_reader(ds):
    header = ",".join(['"notes"'] * 61)
    write_raw(ds, "2026-10/disdukcapil/performance.csv", f"{header}\r\n".encode())
    assert flat(report_for(ds, "performance").errors) == [("too-many-columns", 1, None)]


def test_commas_on_a_line_inside_a_quoted_cell_are_not_columns(ds):
    notes = "daftar:\n" + ",".join(["x"] * 80) + "\nselesai"
    write_table(ds, "performance", [perf_row(notes=notes)])
    report = report_for(ds, "performance")
    assert report.accepted and report.rows[0]["notes"] == notes


def test_a_wide_data_row_is_refused(ds):
    text = csv_text([perf_row()], PERF).rstrip("\r\n") + "," * 50 + "\r\n"
    write_raw(ds, "2026-10/disdukcapil/performance.csv", text.encode())
    assert flat(report_for(ds, "performance").errors) == [("too-many-columns", 2, None)]


def test_a_wide_sheet_row_is_refused(ds):
    write_xlsx(ds, "performance", [PERF, ["x"] * 70])
    assert flat(report_for(ds, "performance", ext="xlsx").errors) == [("too-many-columns", 2, None)]


def test_a_40000_character_csv_cell_is_refused_naming_the_cell(ds):
    write_table(ds, "performance", [perf_row(notes="a" * 40_000)])
    report = report_for(ds, "performance")
    assert [(p.code, p.row, p.cell) for p in report.errors] == [("cell-too-long", 2, "U2")]
    assert "Cell U2 holds 40000 characters, above the limit of 32767" in report.errors[0].message.en
    assert "Sel U2 berisi 40000 karakter" in report.errors[0].message.id
    assert len(report.errors[0].message.en) < 1000  # the value is shown shortened


def test_a_cell_past_csvs_own_field_limit_is_too_long_not_broken_quoting(ds):
    import csv

    import frictionless.formats.csv.parser  # noqa: F401 - it raises the ceiling when imported

    # csv's default ceiling is 131,072 characters; frictionless raises it when its CSV plugin
    # loads, which this reader must not count on.
    saved = csv.field_size_limit(131_072)
    try:
        write_table(ds, "performance", [perf_row(notes="c" * 140_000)])
        errors = report_for(ds, "performance").errors
    finally:
        csv.field_size_limit(saved)
    assert [(p.code, p.cell) for p in errors] == [("cell-too-long", "U2")]


def test_a_cell_of_exactly_32767_characters_is_accepted(ds):
    write_table(ds, "performance", [perf_row(notes="a" * 32_767)])
    report = report_for(ds, "performance")
    assert report.accepted and report.rows[0]["notes"] == "a" * 32_767


def test_a_40000_character_sheet_cell_is_refused(ds):
    # openpyxl cuts what it writes at 32,767 characters: the longer cell is put in the XML by hand.
    data = workbook([PERF, ["2026-10", "disdukcapil", "ktp-el"] + [""] * 17 + ["PENANDA"]])
    data = rebuild(data, SHEET, lambda fh, old: fh.write(old.replace(b"PENANDA", b"b" * 40_000)))
    write_raw(ds, "2026-10/disdukcapil/performance.xlsx", data)
    report = report_for(ds, "performance", ext="xlsx")
    assert [(p.code, p.cell) for p in report.errors] == [("cell-too-long", "U2")]


def test_a_smaller_cell_limit_from_portal_toml(ds):
    set_portal(ds, max_cell_chars=100)
    write_table(ds, "performance", [perf_row(notes="a" * 101)])
    assert [(p.code, p.cell) for p in report_for(ds, "performance").errors] == [("cell-too-long", "U2")]


# --- workbooks: unpacked size, lying directories, entity bombs ---------------------------------

@lru_cache(maxsize=1)
def zip_bomb() -> bytes:
    """A real workbook of 0.4 MB whose sheet inflates to 400 MB (built once: it takes seconds)."""
    return rebuild(workbook([PERF]), SHEET, padded_sheet(400))


def test_a_zip_bomb_workbook_is_refused_unread(ds):
    data = zip_bomb()
    assert len(data) < 1 * MB  # passes the 1 MB file limit of the fixture
    write_raw(ds, "2026-10/disdukcapil/performance.xlsx", data)
    report = report_for(ds, "performance", ext="xlsx")
    # Only the directory's sizes were read: openpyxl would have found a header and no rows.
    assert flat(report.errors) == [("xlsx-too-large", None, None)]
    size = float(re.search(r"content is ([0-9.]+) MB", report.errors[0].message.en).group(1))
    assert 400 <= size < 401 and "above the 50.0 MB limit" in report.errors[0].message.en


def test_a_workbook_whose_directory_lies_about_the_size_is_refused_quickly(ds):
    data = lie_about_size(zip_bomb(), SHEET, 3000)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(i.file_size for i in archive.infolist()) < 50 * MB  # the directory says it is small
    write_raw(ds, "2026-10/disdukcapil/performance.xlsx", data)
    report = report_for(ds, "performance", ext="xlsx")
    assert flat(report.errors) == [("not-an-xlsx", None, None)]


def test_the_container_check_inflates_and_stops_past_the_declared_size():
    data = lie_about_size(rebuild(workbook([PERF]), SHEET, padded_sheet(20)), SHEET, 3000)
    with pytest.raises(ZipRefused) as caught:
        check_container(data, 50 * MB)
    assert caught.value.kind == DAMAGED
    check_container(workbook([PERF]), 50 * MB)  # an honest workbook passes


def test_the_unpacked_limit_comes_from_portal_toml(ds):
    set_portal(ds, max_xlsx_uncompressed_mb=0.01)
    write_xlsx(ds, "performance", [PERF, ["2026-10"] * 21])
    assert flat(report_for(ds, "performance", ext="xlsx").errors) == [("xlsx-too-large", None, None)]


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
               for i in range(1, 10))
    + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_a_billion_laughs_sheet_is_refused(ds):
    data = rebuild(workbook([PERF]), SHEET, lambda fh, old: fh.write(BILLION_LAUGHS))
    write_raw(ds, "2026-10/disdukcapil/performance.xlsx", data)
    report = report_for(ds, "performance", ext="xlsx")
    assert flat(report.errors) == [("not-an-xlsx", None, None)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_the_container_check_refuses_a_document_type_declaration(encoding):
    """The first guard, independent of openpyxl's parser: no DTD in any part."""
    text = BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>')
    data = rebuild(workbook([PERF]), SHEET, lambda fh, old: fh.write(text.encode(encoding)))
    with pytest.raises(ZipRefused) as caught:
        check_container(data, 50 * MB)
    assert caught.value.kind == DAMAGED


def test_openpyxl_itself_refuses_the_entity_bomb():
    """The second guard: even past the container check, openpyxl's parser is defusedxml's."""
    from defusedxml import EntitiesForbidden

    from pipeline.validate.xlsx import _load_workbook

    data = rebuild(workbook([PERF]), SHEET, lambda fh, old: fh.write(BILLION_LAUGHS))
    book = _load_workbook(data)
    with pytest.raises(EntitiesForbidden):  # refused at the declaration, nothing expanded
        list(book.worksheets[0].iter_rows(values_only=True))
    book.close()


# --- the attacks of the issue, measured through the real command -------------------------------

def _million_rows(fh: io.BufferedIOBase, old: bytes) -> None:
    """A sheet of a million one-cell rows, without a <dimension> (27 MB: within the 50 MB limit)."""
    fh.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for _ in range(100):
        fh.write(b"<row><c><v>1</v></c></row>" * 10_000)
    fh.write(b"</sheetData></worksheet>")


@pytest.mark.parametrize("attack", ["zip-bomb", "million-rows", "wide-header"])
def test_the_attacks_are_refused_fast_and_in_little_memory(ds, attack):
    set_portal(ds, max_file_mb=10)
    if attack == "zip-bomb":
        rel, code = "performance.xlsx", "xlsx-too-large"
        data = zip_bomb()
    elif attack == "million-rows":
        rel, code = "performance.xlsx", "too-many-rows"
        data = rebuild(workbook([PERF]), SHEET, _million_rows)
    else:
        rel, code = "performance.csv", "too-many-columns"
        data = b"notes," * 1_650_000 + b"notes\r\n"  # 9.9 MB
    assert len(data) < 10 * MB
    write_raw(ds, f"2026-10/disdukcapil/{rel}", data)
    elapsed, cpu, peak_mb, exit_code, reports = measured_validate(ds)
    report = only_report(reports)
    assert exit_code == 1 and [e["code"] for e in report["errors"]] == [code]
    print(f"{attack}: {len(data) / MB:.1f} MB file, {elapsed:.2f} s ({cpu:.2f} s CPU), "
          f"peak {peak_mb:.0f} MB")
    # The budget is "a couple of seconds, well under 300 MB"; measured here (the
    # whole command, imports included) about 2 s of CPU and 40-70 MB.  CPU time is asserted,
    # not wall time, so that other work on the machine cannot fail the test.
    assert peak_mb < 150
    assert cpu < 6
