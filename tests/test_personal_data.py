"""Personal data (contract revision 2): NIK/KK numbers, telephone numbers and e-mail addresses.

Every case goes through the real validate entry point on real CSV and XLSX files; the
end-to-end test runs the real CLI (validate, and publish with the site) and then reads
every file it wrote: the unmasked values appear nowhere but in output/store/files, which
keeps the received bytes privately by design.  All values here are synthetic.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError
from pipeline.core.personal_data import find, mask_text
from pipeline.validate.reference import load_reference
from pipeline.validate.schemas import CONTRACT
from tests.validate_helpers import (
    PERIOD,
    REPO,
    agenda_row,
    decision_row,
    make_datasets,
    perf_row,
    report_for,
    run,
    write_table,
    write_xlsx,
)

NIK = "3275014509870003"
NIK_SPACED = "3275 0145 0987 0003"
KK_DOTTED = "157102.030405.0006"
MOBILE = "0812-3456-7890"
MOBILE_INTL = "+62 813 5555 0101"
LANDLINE = "(0741) 7001234"
EMAIL = "budi.santoso@example.com"
# Parts a mask hides: none of them may appear in anything the pipeline shows or writes.
HIDDEN = ("327501", "01450987", "0145 0987", "02.0304", "020304", "0812-34", "3456-78", "81234567", "5555 01", "8135555",
          "700123", "budi.santoso", "udi.santoso@")
RAW = (NIK, NIK_SPACED, KK_DOTTED, MOBILE, MOBILE_INTL, LANDLINE, EMAIL)
DIGEST = re.compile(rb"[0-9a-f]{40,}")  # a run of 40 or more hex digits: a SHA-1 or SHA-256 digest

# (table, field, text, code, what the message shows)
FOUND = [
    ("agendas", "title", f"Pengaduan warga NIK {NIK}", "personal-data-id", "3275********0003"),
    ("agendas", "summary", f"Pemohon dengan NIK {NIK_SPACED} hadir.", "personal-data-id", "3275********0003"),
    ("agendas", "location", f"Rumah warga, hubungi {MOBILE}", "personal-data-contact", "0812******90"),
    ("agendas", "minutes_url", "https://wa.me/6281355550101", "personal-data-contact", "6281*******01"),
    ("decisions", "title", f"Kartu keluarga {KK_DOTTED} diperbaiki", "personal-data-id", "1571********0006"),
    ("decisions", "description", f"Hubungi **{MOBILE_INTL}** untuk jadwal.", "personal-data-contact",
     "+6281*******01"),
    ("decisions", "follow_up", f"Surati {EMAIL}", "personal-data-contact", "b***@example.com"),
    ("decisions", "evidence_url", f"https://bukti.example.go.id/unggah?nik={NIK}", "personal-data-id",
     "3275********0003"),
    ("performance", "notes", f"Keluhan dari {LANDLINE}", "personal-data-contact", "0741*****34"),
]
# Text clerks write all the time, that must pass (contract and issue 7).
PASSES = [
    "Biaya Rp 350.000", "Denda Rp 1.250.000", "SK Nomor 800/123/2026", "NIB 1234567890123",
    "Rapat 2026-10-14", "Rapat 14/10/2026", "Mulai 09.30", "Mulai 14:00", "Jl. Sultan Thaha No. 12",
    "Diterima 1.250 berkas", "Target tahun 2026", "Pukul 08.00-12.00 13.00-15.00 WIB",
    "Jadwal 2026-10-14 2026-10-15", "Tanggal 05-10-2026", "Anggaran Rp 12.050.000.000",
    "Anggaran Rp 62.500.000.000", "NPWP badan 01.234.567.8-901.000", "Loket 2.01 lantai 1",
    "Nilai 100.0000000000000001", "Surat No. 045/SK/2026",
]
ORDINARY_URLS = ["https://mpp.jambikota.go.id/notula/2026-10-14.pdf",
                 "https://jambikota.go.id/berita/2026/10/14/rapat-koordinasi-1250",
                 "https://medium.com/@mpp/laporan-2026"]
ROW = {"agendas": agenda_row, "decisions": decision_row, "performance": perf_row}
ID_FIELD = {"agendas": "agenda_id", "decisions": "decision_id"}


def put(ds: Path, table: str, values: dict[str, str], fmt: str) -> None:
    """One file of ``table`` (a valid row, then the row under test), as CSV or XLSX."""
    if table == "performance":
        rows = [perf_row(**values)]
    else:
        rows = [ROW[table](), ROW[table](**{ID_FIELD[table]: "X-2", **values})]
    if fmt == "csv":
        write_table(ds, table, rows)
    else:
        columns = list(CONTRACT[table])
        write_xlsx(ds, table, [columns] + [[r.get(c, "") for c in columns] for r in rows])


def reported(ds: Path, table: str, fmt: str) -> dict[str, Any]:
    """The contract's JSON object of the file, as ``validate --json`` prints it."""
    return report_for(ds, table, ext=fmt).to_json()


def assert_masked(text: str) -> None:
    """None of the raw values, nor a part a mask hides, is in ``text``."""
    for raw in RAW + HIDDEN:
        assert raw not in text, raw


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("table, field, text, code, shown", FOUND)
def test_personal_data_rejects_the_file_naming_the_cell_masked(tmp_path: Path, fmt: str, table: str,
                                                               field: str, text: str, code: str,
                                                               shown: str) -> None:
    ds = make_datasets(tmp_path)
    put(ds, table, {field: text}, fmt)
    report = report_for(ds, table, ext=fmt)
    row = 2 if table == "performance" else 3
    column = "ABCDEFGHIJKLMNOPQRSTU"[list(CONTRACT[table]).index(field)]
    assert report.status == "rejected"
    assert [(p.code, p.row, p.field, p.cell) for p in report.errors] == [(code, row, field, f"{column}{row}")]
    problem = report.errors[0]
    assert f"\"{shown}\"" in problem.message.id and f"\"{shown}\"" in problem.message.en
    assert f"Kolom {field}" in problem.message.id and f"Column {field}" in problem.message.en
    assert shown in problem.value
    assert_masked(json.dumps(report.to_json(), ensure_ascii=False))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ordinary_numbers_and_urls_pass(tmp_path: Path, fmt: str) -> None:
    ds = make_datasets(tmp_path)
    agendas = [agenda_row(agenda_id=f"AGD-{i}", title=text, location=text, summary=text)
               for i, text in enumerate(PASSES)]
    agendas += [agenda_row(agenda_id=f"URL-{i}", minutes_url=url) for i, url in enumerate(ORDINARY_URLS)]
    if fmt == "csv":
        write_table(ds, "agendas", agendas)
    else:
        columns = list(CONTRACT["agendas"])
        # attendees is an optional column; these rows leave it empty.
        write_xlsx(ds, "agendas", [columns] + [[r.get(c, "") for c in columns] for r in agendas])
    report = report_for(ds, "agendas", ext=fmt)
    assert (report.status, report.errors) == ("accepted", [])


def test_a_nik_typed_into_excel_as_a_number_is_found(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    columns = list(CONTRACT["agendas"])
    row: list[Any] = [agenda_row().get(c, "") for c in columns]
    row[columns.index("title")] = int(NIK)  # a number cell, not text
    write_xlsx(ds, "agendas", [columns, row])
    report = reported(ds, "agendas", "xlsx")
    assert [(e["code"], e["row"], e["field"], e["value"]) for e in report["errors"]] == [
        ("personal-data-id", 2, "title", "3275********0003")]


def test_a_cell_with_a_nik_and_a_contact_has_two_problems(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    put(ds, "decisions", {"follow_up": f"{NIK} / {EMAIL} / {MOBILE}"}, "csv")
    report = reported(ds, "decisions", "csv")
    assert [(e["code"], e["field"]) for e in report["errors"]] == [
        ("personal-data-id", "follow_up"), ("personal-data-contact", "follow_up")]
    assert "\"b***@example.com\", \"0812******90\"" in report["errors"][1]["message"]["id"]
    assert report["errors"][0]["value"] == "3275********0003 / b***@example.com / 0812******90"


def test_other_problems_on_the_same_cell_or_row_do_not_repeat_the_value(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    long_title = "Pengaduan " * 19 + f"NIK {NIK}"  # over 200 characters, NIK past the 60 shown
    write_table(ds, "agendas", [
        agenda_row(agenda_id=f"NIK {NIK}", title=long_title, participants=f"dpmptsp;{NIK_SPACED}",
                   start_time=MOBILE, end_time="x" * 50 + f" {NIK}"),  # a message shows 59 characters
    ])
    report = reported(ds, "agendas", "csv")
    codes = [(e["code"], e["field"]) for e in report["errors"]]
    assert ("constraint-error", "agenda_id") in codes  # pattern: the space
    assert ("constraint-error", "title") in codes  # maxLength
    assert ("personal-data-id", "title") in codes
    assert ("unknown-participant", "participants") in codes
    assert ("type-error", "start_time") in codes
    assert ("type-error", "end_time") in codes
    text = json.dumps(report, ensure_ascii=False)
    assert_masked(text)
    assert "NIK 3275********0003" in text and "0812******90" in text


def test_public_contacts_pass_in_any_spelling(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    text = (ds / "portal.toml").read_text(encoding="utf-8")
    text = text.replace("max_file_mb = 1\n",
                        'max_file_mb = 1\ncontact_email = "Data.MPP@example.go.id"\n'
                        'public_contacts = ["(0741) 7551234", "+62 811 7400 100", "layanan@mpp.example.go.id"]\n')
    (ds / "portal.toml").write_text(text, encoding="utf-8")
    put(ds, "agendas", {"location": "Gerai MPP, telepon 0741-755-1234 atau 0811 7400 100",
                        "summary": "Tanya ke LAYANAN@mpp.example.go.id atau data.mpp@EXAMPLE.go.id"}, "csv")
    put(ds, "decisions", {"follow_up": "Hubungi 0741-7551235"}, "csv")  # one digit off: not listed
    assert reported(ds, "agendas", "csv")["errors"] == []
    errors = reported(ds, "decisions", "csv")["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("personal-data-contact", "follow_up")]


def test_a_public_contact_that_is_not_a_contact_is_a_configuration_error(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    text = (ds / "portal.toml").read_text(encoding="utf-8")
    (ds / "portal.toml").write_text(
        text.replace("max_file_mb = 1\n", 'max_file_mb = 1\npublic_contacts = ["0741-7551234", "loket 5"]\n'),
        encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_portal(ds, tmp_path / "out")
    assert caught.value.problems == [
        ("portal.toml: 'public_contacts' berisi 'loket 5', yang bukan satu nomor telepon atau satu alamat "
         "surel / is not one telephone number or one e-mail address")]


def test_a_file_named_with_a_nik_is_reported_masked(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    path = ds / "submissions" / PERIOD / "disdukcapil" / f"KTP {NIK}.pdf"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.4")
    reports = run(ds)
    assert list(reports) == [f"submissions/{PERIOD}/disdukcapil/KTP 3275********0003.pdf"]
    (report,) = reports.values()
    assert report.errors[0].code == "layout-error"
    assert_masked(json.dumps(report.to_json(), ensure_ascii=False))


@pytest.mark.parametrize("table, old, new, where", [
    ("services", '"Kartu Keluarga; surat pengantar"', f'"Kartu Keluarga; hubungi {MOBILE}"',
     "reference/services.csv baris/row 2, requirements"),
    ("agencies", "https://disdukcapil.example.go.id", f"https://disdukcapil.example.go.id/?nik={NIK}",
     "reference/agencies.csv baris/row 2, website"),
])
def test_personal_data_in_the_reference_tables_is_a_configuration_error(tmp_path: Path, table: str, old: str,
                                                                        new: str, where: str) -> None:
    ds = make_datasets(tmp_path)
    path = ds / "reference" / f"{table}.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_reference(load_portal(ds, tmp_path / "out"))
    (line,) = caught.value.problems
    assert line.startswith(where + ": Kolom ")
    assert "0812******90" in line or "3275********0003" in line
    assert_masked(line)
    done = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--datasets", str(ds),
                           "--output", str(tmp_path / "out")], check=False, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2
    assert where in done.stderr and "Traceback" not in done.stderr
    assert_masked(done.stdout + done.stderr)


def hostile(ds: Path) -> None:
    """Personal data in several tables and forms, CSV and XLSX, and in a file name."""
    write_table(ds, "agendas", [agenda_row(title=f"Aduan NIK {NIK}", location=LANDLINE,
                                           summary=f"Hubungi {MOBILE} atau {EMAIL}")])
    write_table(ds, "performance", [perf_row(notes=f"KK {KK_DOTTED}")])
    columns = list(CONTRACT["decisions"])
    row = decision_row(follow_up=f"Telepon {MOBILE_INTL}", description=f"Pemohon {NIK_SPACED}")
    write_xlsx(ds, "decisions", [columns, [row[c] for c in columns]])
    stray = ds / "submissions" / PERIOD / "disdukcapil" / f"scan {NIK}.jpg"
    stray.write_bytes(b"\xff\xd8\xff")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], check=False, cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_nothing_written_or_printed_repeats_the_values(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    hostile(ds)
    output = tmp_path / "output"
    summary = cli("validate", "--datasets", str(ds), "--output", str(output))
    as_json = cli("validate", "--json", "--datasets", str(ds), "--output", str(output))
    published = cli("publish", "--datasets", str(ds), "--output", str(output), "--as-of", "2026-11-28",
                    "--no-push")
    assert (summary.returncode, as_json.returncode, published.returncode) == (1, 1, 0), published.stderr
    for done in (summary, as_json, published):
        assert_masked(done.stdout + done.stderr)
    assert "nilai/value \"Aduan NIK 3275********0003\"" in summary.stdout
    reports = {r["file"]: r for r in json.loads(as_json.stdout)}
    assert sorted(reports) == sorted(
        f"submissions/{PERIOD}/disdukcapil/{name}"
        for name in ("agendas.csv", "decisions.xlsx", "performance.csv", "scan 3275********0003.jpg"))
    assert {r["status"] for r in reports.values()} == {"rejected"}
    # Every file written, the site included; output/store/files keeps the received bytes.
    written = [p for p in output.rglob("*") if p.is_file() and not p.is_relative_to(output / "store" / "files")]
    assert len(written) > 50
    for path in written:
        # Digests (the site's manifest, the caches' keys) taken out first: a short fragment such as "020304" is
        # found by chance in one of thousands of SHA-256 hex digests, which cannot carry the value.
        data = DIGEST.sub(b"", path.read_bytes())
        for raw in RAW + HIDDEN:
            assert raw.encode() not in data, (path, raw)
    assert not [p for p in (output / "site").rglob("*") if "store" in p.relative_to(output / "site").parts]
    kept = {p.read_bytes() for p in (output / "store" / "files").rglob("*") if p.is_file()}
    assert len(kept) == 3 and not kept & {p.read_bytes() for p in (output / "site").rglob("*") if p.is_file()}
    validation = (output / "reports" / "validation.json").read_text(encoding="utf-8")
    assert "Aduan NIK 3275********0003" in validation and "b***@example.com" in validation
    page = (output / "feedback" / PERIOD / "disdukcapil" / "agendas.html").read_text(encoding="utf-8")
    assert "3275********0003" in page and "0812******90" in page and "0741*****34" in page
    index = (output / "feedback" / "index.html").read_text(encoding="utf-8")
    assert "scan 3275********0003.jpg" in index
    guide = (output / "site" / "untuk-instansi" / "index.html").read_text(encoding="utf-8")
    assert "NIK atau nomor KK (16 angka), nomor telepon, atau alamat surel" in guide
    guide_en = (output / "site" / "en" / "untuk-instansi" / "index.html").read_text(encoding="utf-8")
    assert "a NIK or family card number (16 digits), a telephone number or an e-mail address" in guide_en


# --- the text rules on their own -----------------------------------------------------------

@pytest.mark.parametrize("text, kinds", [
    (NIK, ["nik"]), (NIK_SPACED, ["nik"]), ("3275.0145.0987.0003", ["nik"]), ("3275-0145-0987-0003", ["nik"]),
    (KK_DOTTED, ["nik"]), (f"NIK{NIK}", ["nik"]), (f"2026-10-14 {NIK}", ["nik"]), (f"14.00 {NIK_SPACED}", ["nik"]),
    (MOBILE, ["phone"]), ("0812 3456 7890", ["phone"]), ("081234567890", ["phone"]), ("0812.3456.7890", ["phone"]),
    (MOBILE_INTL, ["phone"]), ("+6281355550101", ["phone"]), ("62 813 5555 0101", ["phone"]),
    ("(+62) 813-5555-0101", ["phone"]), (LANDLINE, ["phone"]), ("0741-7001234", ["phone"]),
    ("021 555 1234", ["phone"]), ("+62 741 7001234", ["phone"]), ("Telp.0741 700123", ["phone"]),
    (f"Rp 350.000 {MOBILE}", ["phone"]), (f"{MOBILE} 08.00-12.00", ["phone"]),
    (EMAIL, ["email"]), ("mailto:Budi@Example.co.id", ["email"]), (f"{NIK}@example.com", ["email"]),
    (f"{NIK} {MOBILE} {EMAIL}", ["nik", "phone", "email"]),
])
def test_what_counts_as_personal_data(text: str, kinds: list[str]) -> None:
    assert [f.kind for f in find(text)] == kinds


@pytest.mark.parametrize("text", [
    *PASSES, *ORDINARY_URLS, "3275 0145 0987 000", "32750145098700031", "Rp 6250000000", "A08123456789",
    "Pukul 09.30-11.00", "Tanggal 05.10.2026 pukul 09.30", "Antrean 0001-0250", "Nilai 0.5", "ISO 9001:2015",
    "Kode pos 36124", "RT 01 RW 02", "Nomor 021-2026",
])
def test_what_is_not_personal_data(text: str) -> None:
    assert find(text) == []


@pytest.mark.parametrize("text, masked", [
    (f"NIK {NIK}.", "NIK 3275********0003."),
    (NIK_SPACED, "3275********0003"),
    (MOBILE, "0812******90"),
    (MOBILE_INTL, "+6281*******01"),
    (LANDLINE, "0741*****34"),
    (f"Kirim ke {EMAIL}, terima kasih", "Kirim ke b***@example.com, terima kasih"),
])
def test_masks_keep_only_the_ends(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert mask_text(masked) == masked


_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def _rupiah(n: int) -> str:
    return "Rp " + f"{n:,}".replace(",", ".")


_CLERK_NUMBERS = st.one_of(
    st.integers(0, 9_999_999_999_999).map(_rupiah),
    _DATES.map(lambda d: d.isoformat()),
    _DATES.map(lambda d: d.strftime("%d/%m/%Y")),
    _DATES.map(lambda d: d.strftime("%d-%m-%Y")),
    _DATES.map(lambda d: d.strftime("%d.%m.%Y")),
    st.times().map(lambda t: t.strftime("%H.%M")),
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.tuples(st.times(), st.times()).map(lambda p: f"{p[0]:%H.%M}-{p[1]:%H.%M}"),
    st.integers(0, 99_999).map(lambda n: f"{n:,} berkas".replace(",", ".")),
    st.tuples(st.integers(1, 999), st.integers(1, 999), st.integers(1990, 2040)).map(
        lambda t: f"SK Nomor {t[0]}/{t[1]}/{t[2]}"),
    st.integers(1_000_000_000_000, 9_999_999_999_999).filter(lambda n: not str(n).startswith("628")).map(str),
    st.integers(1, 300).map(lambda n: f"Jl. Sultan Thaha No. {n}"),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_CLERK_NUMBERS, min_size=1, max_size=4), st.sampled_from([" ", ", ", "; ", " dan ", " - ", " s.d. ", "/", "\n"]))
def test_numbers_clerks_write_are_never_personal_data(parts: list[str], joiner: str) -> None:
    assert find(joiner.join(parts)) == []


@pytest.mark.parametrize("text", ["a" * 64_000, "1" * 64_000, "a@" + "b" * 64_000, "1." * 32_000,
                                  "01 " * 21_000, "0741 " * 12_800, "62 " * 21_000])
def test_a_long_cell_is_read_in_linear_time(text: str) -> None:
    """A hostile 64,000-character cell: linear work takes well under a second, quadratic minutes.

    The bound is on this process's CPU time, which other work on the machine does not inflate.
    """
    started = time.process_time()
    mask_text(text)
    used = time.process_time() - started
    print(f"\n{len(text)} characters masked in {used:.3f} s of CPU")
    assert used < 5
