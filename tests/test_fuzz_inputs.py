"""Fuzz the real reading and validation entry point with generated and mangled agency files.

Every example writes one file (CSV or XLSX, any table) into a real datasets folder and runs
``validate_datasets`` on it, asserting: no exception escapes, the file gets a report, a
rejected file has at least one error whose code is in the catalogue, the report stays
bounded and serialisable, and the run time per file is bounded.

``make test`` runs a few hundred derandomized examples (about half a minute);
``make fuzz`` sets ``FUZZ_EXAMPLES`` (default there: 5000 per target) and runs random
ones, printing the example count and the duration.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validate_helpers import PERIOD, agenda_row, csv_text, decision_row, make_datasets, perf_row

from pipeline.core.config import load_portal
from pipeline.core.models import TABLES
from pipeline.validate import validate_datasets
from pipeline.validate.messages import __doc__ as CATALOGUE_TABLE
from pipeline.validate.messages_text import CATALOGUE
from pipeline.validate.problem_bound import MAX_LISTED
from pipeline.validate.schemas import CONTRACT

FUZZING = "FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))  # per target; three targets
PER_FILE_SECONDS = 10.0
CODES = {key.split(":")[0] for key in CATALOGUE} | set(
    re.findall(r"^([a-z][a-z-]+[a-z])\s+[EW]\s", CATALOGUE_TABLE or "", re.M))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=not FUZZING,
    database=None if not FUZZING else settings.default.database, print_blob=FUZZING,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
ROWS = {"performance": perf_row, "agendas": agenda_row, "decisions": decision_row}
SPECIALS = ['"', ",", ";", "\t", "|", "\r", "\n", "\r\n", "\x00", "\ufeff", "é", "“", "NaN", "sNaN",
            "Infinity", "-0", "1e308", "=1+1", "2026-02-30", "  ", "\u2028", "\x85", "\ud7ff"]
CODECS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-be", "utf-32", "shift_jis",
          "koi8-r", "mac_roman"]

STATS = {"examples": 0, "started": time.monotonic(), "slowest": 0.0}


# --- one datasets folder per test module, one file per example -----------------------------------

@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Any:
    ds = make_datasets(tmp_path_factory.mktemp("fuzz"))
    yield load_portal(ds, ds.parent / "out")
    print(f"\nfuzz: {STATS['examples']} examples in {time.monotonic() - STATS['started']:.1f} s, "
          f"slowest file {STATS['slowest']:.2f} s of CPU")


def judge(portal: Any, table: str, fmt: str, data: bytes) -> None:
    """Write one file, validate the folder, and check what every report must satisfy."""
    folder = portal.datasets / "submissions" / PERIOD / "disdukcapil"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    rel = f"submissions/{PERIOD}/disdukcapil/{table}.{fmt}"
    (portal.datasets / rel).write_bytes(data)
    started = time.process_time()  # CPU time: other work on the machine does not count
    reports = {r.file: r for r in validate_datasets(portal)}  # must never raise
    elapsed = time.process_time() - started
    STATS["examples"] += 1
    STATS["slowest"] = max(STATS["slowest"], elapsed)
    assert elapsed < PER_FILE_SECONDS, f"{elapsed:.1f} s of CPU for one {len(data)}-byte file"
    assert list(reports) == [rel]
    report = reports[rel]
    assert report.status in ("accepted", "rejected")
    if report.accepted:
        assert report.errors == [] and report.rows is not None
    else:
        assert report.errors, "a rejected file names at least one error"
    for p in report.errors + report.warnings:
        assert p.code in CODES, p.code
        assert p.message.id and p.message.en and p.message.id != p.message.en
    assert len(report.errors) <= MAX_LISTED + 1 and len(report.warnings) <= MAX_LISTED + 1
    json.dumps(report.to_json(), ensure_ascii=False)


# --- CSV -------------------------------------------------------------------------------------------

cell_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(SPECIALS),
    st.lists(st.sampled_from(SPECIALS + ["a", "1", "x"]), max_size=8).map("".join),
    st.integers(30_000, 40_000).map(lambda n: "y" * n),  # around Excel's cell limit
)


@st.composite
def valid_csv(draw: Any, table: str) -> str:
    """A CSV of the table built from valid rows with some cells replaced by hostile text."""
    columns = list(CONTRACT[table])
    rows = []
    for i in range(draw(st.integers(0, 12))):
        row = ROWS[table](**({"agenda_id": f"AGD-{i}"} if table == "agendas" else
                             {"decision_id": f"KPT-{i}"} if table == "decisions" else {}))
        for name in draw(st.lists(st.sampled_from(columns), max_size=3)):
            row[name] = draw(cell_text)
        rows.append(row)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    return csv_text(rows, columns, draw(st.sampled_from([",", ";"])))


@st.composite
def ragged_csv(draw: Any) -> str:
    """Rows of any length, any delimiter, any quoting."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    lines = draw(st.lists(st.lists(cell_text, max_size=25), max_size=15))
    quote = draw(st.booleans())
    out = []
    for cells in lines:
        out.append(delimiter.join(f'"{c}"' if quote else c for c in cells))
    return draw(st.sampled_from(["\r\n", "\n", "\r"])).join(out)


@st.composite
def mangle(draw: Any, data: bytes) -> bytes:
    """Flip, insert, delete, duplicate or cut bytes of ``data``."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate"]))
        at = draw(st.integers(0, max(len(buf), 1) - 1)) if buf else 0
        if op == "flip" and buf:
            buf[at] = draw(st.integers(0, 255))
        elif op == "insert":
            buf[at:at] = draw(st.binary(min_size=1, max_size=20) | st.sampled_from(
                [b'"', b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"PK\x03\x04", b";;;;", b",,,,"]))
        elif op == "delete" and buf:
            del buf[at:at + draw(st.integers(1, 50))]
        elif op == "duplicate" and buf:
            buf[at:at] = buf[at:at + draw(st.integers(1, 200))] * draw(st.integers(1, 20))
        elif op == "truncate":
            del buf[at:]
    return bytes(buf)


@st.composite
def csv_files(draw: Any) -> tuple[str, bytes]:
    """A table name and the bytes of a .csv that claims to be it."""
    table = draw(st.sampled_from(TABLES))
    kind = draw(st.sampled_from(["random", "valid", "mangled", "encoded", "ragged"]))
    if kind == "random":
        return table, draw(st.binary(max_size=3000))
    if kind == "ragged":
        text = draw(ragged_csv())
    else:
        text = draw(valid_csv(table))
    if kind == "encoded":
        return table, codecs.encode(text, draw(st.sampled_from(CODECS)), "replace")
    data = text.encode("utf-8", "surrogatepass")
    return table, draw(mangle(data)) if kind == "mangled" else data


@FUZZ_SETTINGS
@given(case=csv_files())
def test_fuzz_csv(portal: Any, case: tuple[str, bytes]) -> None:
    table, data = case
    judge(portal, table, "csv", data)


# --- XLSX ------------------------------------------------------------------------------------------

def _safe_text(text: str) -> str:
    """Text openpyxl is willing to write (it refuses control characters)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


xlsx_value = st.one_of(
    cell_text.map(_safe_text).map(lambda s: s[:32_767]),
    st.integers(-(10 ** 18), 10 ** 18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.times(),
    st.sampled_from(["=1+1", "=HYPERLINK(\"http://evil.example\",\"x\")", "=A1/0", dtime(0, 0), None]),
)


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    """A real workbook written by openpyxl, first sheet holding ``rows`` (same rows, same bytes).

    Formulas stay formulas: not through the project's writer, which refuses any (agencies'
    files may hold them). Fixed timestamps keep hypothesis' draws from the bytes reproducible.
    """
    import io
    import zipfile
    from datetime import datetime

    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    book = openpyxl.Workbook()
    book.properties.created = book.properties.modified = datetime(2000, 1, 1)
    for row in rows:
        book.active.append(row)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), source.read(name),
                            compress_type=zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


@st.composite
def xlsx_files(draw: Any) -> tuple[str, bytes]:
    """A table name and the bytes of a .xlsx: a workbook with hostile cells, or a mangled one."""
    table = draw(st.sampled_from(TABLES))
    header = list(CONTRACT[table]) if draw(st.booleans()) else draw(st.lists(xlsx_value, max_size=25))
    body = draw(st.lists(st.lists(xlsx_value, max_size=25), max_size=8))
    data = workbook_bytes([header, *body])
    kind = draw(st.sampled_from(["valid", "mangled", "truncated", "not-a-zip"]))
    if kind == "mangled":
        return table, draw(mangle(data))
    if kind == "truncated":
        return table, data[: draw(st.integers(0, len(data)))]
    if kind == "not-a-zip":
        return table, draw(st.binary(max_size=2000))
    return table, data


@FUZZ_SETTINGS
@given(case=xlsx_files())
def test_fuzz_xlsx(portal: Any, case: tuple[str, bytes]) -> None:
    table, data = case
    judge(portal, table, "xlsx", data)


@st.composite
def deflate_mangled_xlsx(draw: Any) -> tuple[str, bytes]:
    """A workbook whose members' bytes are mangled after compression (damaged deflate streams)."""
    import zipfile

    table = draw(st.sampled_from(TABLES))
    data = workbook_bytes([list(CONTRACT[table]), ["x"] * 5])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    victim = draw(st.sampled_from(infos))
    start = victim.header_offset + 30 + len(victim.filename.encode())
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = start + draw(st.integers(0, max(victim.compress_size - 1, 0)))
        if at < len(buf):
            buf[at] = draw(st.integers(0, 255))
    return table, bytes(buf)


@FUZZ_SETTINGS
@given(case=deflate_mangled_xlsx())
def test_fuzz_xlsx_deflate_streams(portal: Any, case: tuple[str, bytes]) -> None:
    table, data = case
    judge(portal, table, "xlsx", data)


def test_the_fuzz_folder_is_a_real_datasets_folder(portal: Any) -> None:
    """The fuzz targets above validate the real folder layout (a guard against a silent no-op)."""
    assert (portal.datasets / "portal.toml").is_file() and isinstance(portal.datasets, Path)
