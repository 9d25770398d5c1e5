#!/usr/bin/env python3
"""Write the synthetic sample submissions of the Kota Jambi MPP, deterministically.

Run from the repository root:  .venv/bin/python datasets/generate_sample.py

It reads datasets/reference/*.csv and rewrites datasets/submissions/, datasets/history/
and datasets/receipts.csv. Every random choice comes from random.Random seeded with a
fixed string, so the same code always writes the same bytes. All data is invented:
no personal names (only roles), no identity numbers, no phone numbers.

The sample covers 2025-09 .. 2026-10 plus a few early files for 2026-11, and contains on
purpose: missing files, late files, files in other formats (';' with decimal commas, BOM,
XLSX, Windows-1252) and files with clerk errors that the validator must reject. Files
that were rejected and then corrected are listed in CORRECTED; their first (rejected)
bytes are kept under history/ and both versions are logged in receipts.csv.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import random
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
SEED = "mpp-kota-jambi-sample-v1"
PERIODS = [f"{y}-{m:02d}" for y, m in [(2025, 9), (2025, 10), (2025, 11), (2025, 12)]] + [
    f"2026-{m:02d}" for m in range(1, 11)
]
EARLY = "2026-11"  # the current month: a few agencies already sent agendas
EARLY_FILES = [("dpmptsp", "agendas"), ("dpmptsp", "decisions"), ("disdukcapil", "agendas"), ("polresta", "agendas")]
ORGANIZER = "dpmptsp"
LEFT = {"bni": "2026-06"}  # last month reported by an agency that closed its counter
TABLES = ("agendas", "decisions", "performance")
MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]

FIELDS = {
    "performance": [
        "period",
        "agency_code",
        "service_code",
        "applications_received",
        "applications_completed",
        "completed_within_standard",
        "avg_wait_minutes",
        "avg_service_minutes",
        "complaints_received",
        "complaints_resolved",
        "survey_respondents",
    ]
    + [f"u{i}" for i in range(1, 10)]
    + ["notes"],
    "agendas": [
        "agenda_id",
        "date",
        "start_time",
        "end_time",
        "title",
        "type",
        "participants",
        "location",
        "status",
        "summary",
        "minutes_url",
    ],
    "decisions": [
        "decision_id",
        "date",
        "agenda_id",
        "title",
        "description",
        "responsible",
        "follow_up",
        "due_date",
        "status",
        "completed_on",
        "evidence_url",
    ],
}
NUMBER_FIELDS = {"avg_wait_minutes", "avg_service_minutes"} | {f"u{i}" for i in range(1, 10)}
INTEGER_FIELDS = {
    "applications_received",
    "applications_completed",
    "completed_within_standard",
    "complaints_received",
    "complaints_resolved",
    "survey_respondents",
}
DATE_FIELDS = {"date", "due_date", "completed_on"}
TIME_FIELDS = {"start_time", "end_time"}

Row = dict[str, str]
Key = tuple[str, str, str]  # (period, agency, table)

# National holidays and collective leave (cuti bersama) in the sample range, approximate.
HOLIDAYS = {
    date(2025, 9, 5),
    date(2025, 12, 25),
    date(2025, 12, 26),
    date(2026, 1, 1),
    date(2026, 1, 16),
    date(2026, 2, 16),
    date(2026, 2, 17),
    date(2026, 3, 18),
    date(2026, 3, 19),
    date(2026, 3, 20),
    date(2026, 3, 23),
    date(2026, 3, 24),
    date(2026, 4, 3),
    date(2026, 5, 1),
    date(2026, 5, 14),
    date(2026, 5, 15),
    date(2026, 5, 27),
    date(2026, 6, 1),
    date(2026, 6, 16),
    date(2026, 8, 17),
    date(2026, 8, 25),
    date(2026, 12, 24),
    date(2026, 12, 25),
}


# ---------------------------------------------------------------- small helpers


def rng(*parts: object) -> random.Random:
    """A random generator seeded by SEED and the given parts (stable across runs)."""
    return random.Random(":".join([SEED, *map(str, parts)]))


def first_day(period: str) -> date:
    """First day of a YYYY-MM period."""
    return date(int(period[:4]), int(period[5:]), 1)


def last_day(period: str) -> date:
    """Last day of a YYYY-MM period."""
    y, m = int(period[:4]), int(period[5:])
    return date(y, m, calendar.monthrange(y, m)[1])


def shift(period: str, months: int) -> str:
    """The period ``months`` after (or before) ``period``."""
    index = int(period[:4]) * 12 + int(period[5:]) - 1 + months
    return f"{index // 12}-{index % 12 + 1:02d}"


def month_name(period: str) -> str:
    """Indonesian month and year, e.g. 'Oktober 2026'."""
    return f"{MONTHS_ID[int(period[5:]) - 1]} {period[:4]}"


def workdays(period: str) -> list[date]:
    """Weekdays of a period that are not holidays."""
    start, end = first_day(period), last_day(period)
    days = [start + timedelta(n) for n in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5 and d not in HOLIDAYS]


def period_of(day: date) -> str:
    """The YYYY-MM period of a date."""
    return f"{day.year}-{day.month:02d}"


def hm(value: time) -> str:
    """A time as HH:MM."""
    return value.strftime("%H:%M")


def read_csv(path: Path) -> list[Row]:
    """Rows of a UTF-8 CSV file as dictionaries."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


AGENCIES = {row["agency_code"]: row for row in read_csv(HERE / "reference" / "agencies.csv")}
SERVICES: dict[str, list[Row]] = {}
for _service in read_csv(HERE / "reference" / "services.csv"):
    SERVICES.setdefault(_service["agency_code"], []).append(_service)


def joined(agency: str) -> date:
    """The date an agency opened its counter in the mall."""
    return date.fromisoformat(AGENCIES[agency]["joined_on"])


def reporting_periods(agency: str) -> list[str]:
    """Sample periods an agency owes files for (from joining to leaving)."""
    start = period_of(joined(agency))
    end = LEFT.get(agency, PERIODS[-1])
    periods = [p for p in PERIODS if start <= p <= end]
    if any(a == agency for a, _ in EARLY_FILES):
        periods.append(EARLY)
    return periods


def active_on(agency: str, day: date) -> bool:
    """True when the agency had a counter in the mall on that day."""
    left = LEFT.get(agency)
    return joined(agency) <= day and (left is None or day <= last_day(left))


def everyone(day: date) -> list[str]:
    """The organiser first, then every other agency active on that day."""
    return [ORGANIZER] + sorted(a for a in AGENCIES if a != ORGANIZER and active_on(a, day))


def who(day: date, codes: list[str]) -> list[str]:
    """The listed agencies that were active on that day ('ALL' expands to everyone)."""
    if "ALL" in codes:
        return everyone(day)
    return [a for a in codes if active_on(a, day)]


# ---------------------------------------------------------------- performance

GENERAL = {
    1: 1.05,
    2: 0.97,
    3: 0.78,
    4: 1.12,
    5: 0.93,
    6: 1.0,
    7: 1.06,
    8: 0.96,
    9: 1.0,
    10: 1.03,
    11: 1.0,
    12: 0.9,
}  # March: Lebaran leave; April: catch-up
SEASONS = {
    "general": {},
    "school": {6: 1.35, 7: 1.5, 8: 1.1},  # new school year: KK, birth certificates, KIA
    "moving": {4: 1.7, 5: 1.25, 7: 1.15},  # arrivals after Lebaran
    "tax": {1: 1.3, 2: 2.0, 3: 3.6, 4: 0.7, 5: 0.6},  # annual tax return due 31 March
    "year-end": {11: 1.1, 12: 1.35},
    "ramadan": {2: 1.35, 3: 1.45},  # pawning, payments and travel before Idulfitri
    "travel": {12: 1.3, 1: 1.2, 4: 1.3, 6: 1.25, 7: 1.3},  # passports, umrah
    "jobs": {6: 1.3, 7: 1.45, 8: 1.2, 10: 1.15},  # job applications need SKCK, AK/1, KTP
    "pbb": {3: 1.2, 4: 1.2, 8: 1.6, 9: 1.8},  # property tax notices and due date
}


@dataclass(frozen=True)
class Profile:
    """How a service behaves: base monthly volume, season, minutes, IKM level, timeliness."""

    base: int
    season: str
    wait: float | None
    service: float
    ikm: float | None  # None: the agency runs no satisfaction survey
    on_time: float


P = Profile
PROFILES = {
    "dpmptsp-nib": P(260, "general", 14, 20, 86.5, 0.97),
    "dpmptsp-pbg": P(35, "year-end", 10, 25, 80.5, 0.86),
    "dpmptsp-sip": P(70, "general", 10, 15, 84.0, 0.95),
    "dpmptsp-informasi": P(600, "general", 4, 6, 88.9, 0.99),
    "dukcapil-ktp": P(950, "jobs", 28, 9, 84.0, 0.93),
    "dukcapil-kk": P(1150, "school", 24, 10, 85.0, 0.94),
    "dukcapil-akta-lahir": P(620, "school", 20, 8, 87.0, 0.96),
    "dukcapil-akta-mati": P(160, "general", 15, 8, 88.0, 0.97),
    "dukcapil-kia": P(430, "school", 18, 6, 88.8, 0.97),
    "dukcapil-pindah": P(360, "moving", 22, 10, 83.0, 0.94),
    "dukcapil-ikd": P(520, "general", 12, 7, 90.0, 0.99),
    "bpprd-sppt": P(380, "pbb", 10, 5, 86.0, 0.99),
    "bpprd-bphtb": P(140, "year-end", 12, 15, 80.0, 0.9),
    "bpprd-mutasi-pbb": P(60, "year-end", 12, 15, 78.6, 0.82),
    "samsat-pkb-r2": P(1400, "ramadan", 25, 8, 82.0, 0.95),
    "samsat-pkb-r4": P(520, "year-end", 30, 10, 78.4, 0.92),
    "disnaker-ak1": P(420, "jobs", 15, 7, 85.0, 0.98),
    "disnaker-lowongan": P(150, "jobs", 6, 10, 84.0, 0.99),
    "dishub-kir": P(90, "general", 12, 10, 81.0, 0.95),
    "dishub-trayek": P(25, "general", 5, 10, None, 1.0),
    "polresta-sim-a": P(420, "general", 35, 15, 83.5, 0.94),
    "polresta-sim-c": P(880, "general", 40, 14, 82.0, 0.93),
    "polresta-skck": P(1250, "jobs", 30, 10, 84.5, 0.96),
    "imigrasi-paspor-biasa": P(140, "travel", 20, 12, 89.5, 0.97),
    "imigrasi-paspor-el": P(360, "travel", 22, 12, 90.5, 0.98),
    "kpp-npwp": P(180, "general", 12, 12, 89.0, 0.98),
    "kpp-spt": P(220, "tax", 25, 15, 87.5, 0.95),
    "kpp-konsultasi": P(260, "tax", 15, 12, 88.5, 0.99),
    "bpn-pengecekan": P(310, "year-end", 18, 6, 81.0, 0.92),
    "bpn-roya": P(130, "year-end", 15, 8, 80.0, 0.88),
    "bpn-skpt": P(55, "general", 15, 8, 78.0, 0.85),
    "bpn-informasi": P(210, "general", 8, 10, 84.0, 0.99),
    "kemenag-haji": P(45, "general", 15, 20, 90.0, 0.99),
    "kemenag-rekom-paspor": P(160, "travel", 12, 10, 88.0, 0.98),
    "kemenag-legalisasi": P(90, "general", 10, 8, 86.0, 0.97),
    "pa-informasi": P(280, "general", 15, 15, 85.0, 0.98),
    "pa-salinan": P(170, "general", 10, 6, 84.0, 0.93),
    "pa-posbakum": P(85, "general", 20, 25, 89.0, 0.99),
    "kejari-tilang": P(300, "general", 8, 5, 86.0, 0.99),
    "kejari-jpn": P(18, "general", 10, 30, 90.5, 1.0),
    "bpjskes-pendaftaran": P(520, "general", 20, 10, 85.5, 0.97),
    "bpjskes-informasi": P(640, "general", 15, 8, 84.0, 0.98),
    "bpjstk-jht": P(260, "ramadan", 25, 15, 82.5, 0.9),
    "bpjstk-bpu": P(120, "general", 8, 8, 87.0, 0.99),
    "pln-pasang-baru": P(140, "general", 10, 12, 84.0, 0.9),
    "pln-pengaduan": P(210, "general", 8, 8, 82.0, 0.96),
    "pegadaian-gadai": P(340, "ramadan", 6, 10, None, 0.99),
    "pegadaian-tabungan-emas": P(120, "general", 6, 8, None, 1.0),
    "taspen-klaim": P(95, "general", 10, 20, 91.0, 0.99),
    "taspen-otentikasi": P(260, "general", 6, 5, 90.0, 1.0),
    "bri-rekening": P(180, "general", 10, 15, None, 0.99),
    "bri-kur": P(40, "general", 12, 25, None, 0.85),
    "bni-rekening": P(120, "general", 10, 15, None, 0.99),
    "pos-pembayaran": P(480, "ramadan", 12, 5, None, 1.0),
    "bankjambi-rekening": P(150, "general", 10, 15, None, 0.99),
    "bankjambi-pajak": P(600, "pbb", 8, 4, None, 1.0),
    "pdam-sambungan": P(45, "general", 10, 20, 79.0, 0.8),
    "pdam-pengaduan": P(190, "general", 12, 10, 77.0, 0.9),
    "notaris-konsultasi": P(40, "year-end", None, 30, None, 1.0),
    "lbh-konsultasi": P(55, "general", None, 35, 88.0, 1.0),
    "lpksm-pengaduan": P(20, "general", None, 30, 85.0, 1.0),
}
ZERO_SURVEY = {"bri", "bni"}  # these write 0 respondents; the others leave the cell empty
ELEMENT_OFFSET = [0.02, 0.0, -0.12, 0.15, 0.03, 0.05, 0.08, -0.08, -0.05]  # U3 time, U8 complaints lowest

FIXED_NOTES = {
    (
        "2025-10",
        "dukcapil-kk",
    ): "Gangguan jaringan SIAK terpusat pada 14 Oktober, pencetakan dokumen dihentikan sekitar 3 jam.",
    (
        "2026-03",
        "dukcapil-ktp",
    ): "Selama Ramadan jam layanan 08.00–14.00.\nPada 18–24 Maret gerai tutup karena libur dan cuti bersama Idulfitri.",
    (
        "2026-03",
        "kpp-spt",
    ): "Lonjakan pemohon menjelang batas akhir pelaporan SPT Tahunan, 31 Maret 2026; gerai menambah 2 meja asistensi.",
    ("2026-04", "dukcapil-pindah"): "Permohonan pindah datang meningkat setelah arus balik Lebaran.",
    (
        "2026-07",
        "dukcapil-kk",
    ): "Permohonan meningkat karena masa pendaftaran sekolah, antrean dibatasi 250 nomor per hari.",
    ("2026-01", "kejari-tilang"): "Gerai mulai melayani pada 12 Januari 2026.",
    ("2026-04", "lpksm-pengaduan"): "Gerai mulai melayani pada 6 April 2026.",
    ("2026-07", "dishub-kir"): "Gerai mulai melayani pada 1 Juli 2026.",
    (
        "2026-06",
        "bni-rekening",
    ): "Gerai BNI berhenti beroperasi di MPP mulai 1 Juli 2026, layanan dialihkan ke kantor cabang.",
    ("2026-02", "pegadaian-gadai"): "Permohonan gadai meningkat menjelang Ramadan dan Idulfitri.",
}
RANDOM_NOTES = [
    "Blangko terbatas pada minggu kedua, sebagian pemohon dijadwalkan ulang.",
    "Petugas survei berkurang karena cuti, jumlah responden lebih sedikit.",
    "Aplikasi antrean daring sempat tidak dapat diakses pada pagi hari, antrean dilayani secara manual.",
    "Satu petugas mengikuti pendidikan dan pelatihan, layanan tetap berjalan dengan dua petugas.",
    "Listrik gedung padam sekitar 2 jam pada satu hari layanan.\nPermohonan hari itu diselesaikan keesokan harinya.",
]


def volume_factor(code: str, period: str) -> float:
    """Seasonal factor of a service in a month (general rhythm times the service's season)."""
    month = int(period[5:])
    return GENERAL[month] * SEASONS[PROFILES[code].season].get(month, 1.0)


def share_of_month(agency: str, period: str) -> float:
    """Share of the month's workdays the counter was open (agencies that joined mid-month)."""
    days = workdays(period)
    return sum(1 for d in days if d >= joined(agency)) / len(days)


def survey(r: random.Random, target_ikm: float) -> list[str]:
    """Nine element means (1-4, 2 decimals) around a target IKM."""
    mean = target_ikm / 25
    values = [min(4.0, max(1.0, mean + off + r.gauss(0, 0.05))) for off in ELEMENT_OFFSET]
    return [f"{v:.2f}" for v in values]


def service_row(period: str, agency: str, service: Row) -> Row:
    """One performance row: volumes, timeliness, minutes, complaints and the survey."""
    code = service["service_code"]
    prof, r = PROFILES[code], rng("perf", period, code)
    busy = volume_factor(code, period)
    trend = 1 + 0.01 * PERIODS.index(period)
    received = max(1, round(prof.base * busy * trend * share_of_month(agency, period) * r.uniform(0.9, 1.1)))
    completed = round(received * r.uniform(0.93, 1.0))
    if r.random() < 0.05:  # backlog from last month cleared: more completed than received
        completed = received + r.randint(1, max(2, received // 20))
    strain = max(0.0, busy - 1.15)
    on_time = min(1.0, max(0.5, prof.on_time - 0.08 * strain + r.gauss(0, 0.015)))
    within = min(completed, round(completed * on_time))
    complaints = sum(1 for _ in range(received) if r.random() < 0.0025 * (1 + strain))
    resolved = complaints - (1 if complaints and r.random() < 0.2 else 0)
    if r.random() < 0.03:
        resolved = complaints + 1  # a complaint from last month closed this month
    row = {
        "period": period,
        "agency_code": agency,
        "service_code": code,
        "applications_received": str(received),
        "applications_completed": str(completed),
        "completed_within_standard": str(within),
        "avg_wait_minutes": (
            "" if prof.wait is None else f"{prof.wait * (0.85 + 0.6 * strain) * r.uniform(0.85, 1.15):.1f}"
        ),
        "avg_service_minutes": f"{prof.service * r.uniform(0.85, 1.15):.1f}",
        "complaints_received": str(complaints),
        "complaints_resolved": str(resolved),
        "notes": FIXED_NOTES.get((period, code), r.choice(RANDOM_NOTES) if r.random() < 0.03 else ""),
    }
    if prof.ikm is None:
        row["survey_respondents"] = "0" if agency in ZERO_SURVEY else ""
        row.update({f"u{i}": "" for i in range(1, 10)})
    else:
        target = prof.ikm + r.gauss(0, 1.4) - 6 * strain
        row["survey_respondents"] = str(max(8, round(completed * r.uniform(0.08, 0.2))))
        row.update({f"u{i}": v for i, v in enumerate(survey(r, target), start=1)})
    return row


def performance_rows(period: str, agency: str) -> list[Row]:
    """The performance file of one agency and month: one row per service."""
    return [service_row(period, agency, s) for s in SERVICES[agency]]


PERF = {(p, a): performance_rows(p, a) for a in AGENCIES for p in reporting_periods(a) if p != EARLY}


def total_received(period: str) -> int:
    """Applications received at all counters in a month (for meeting summaries)."""
    return sum(int(r["applications_received"]) for (p, _), rows in PERF.items() if p == period for r in rows)


# ---------------------------------------------------------------- agendas and decisions


@dataclass
class Record:
    """An agenda or decision of one agency, with the row it reported in each period."""

    agency: str
    key: str
    versions: dict[str, Row] = field(default_factory=dict)

    def state_at(self, period: str) -> Row | None:
        """The latest reported row at or before ``period``."""
        earlier = [p for p in self.versions if p <= period]
        return self.versions[max(earlier)] if earlier else None


AGENDAS: dict[str, list[Record]] = {a: [] for a in AGENCIES}
DECISIONS: dict[str, list[Record]] = {a: [] for a in AGENCIES}
MEETINGS: dict[tuple[str, str, str], tuple[str, date]] = {}  # (agency, kind, period) -> (id, date)
_counters: dict[tuple[str, str, str], int] = {}

LOC_RAPAT = "Ruang Rapat Lantai 2 Gedung MPP Kota Jambi"
LOC_AULA = "Aula Lantai 3 Gedung MPP Kota Jambi"
LOC_LOBI = "Lobi Lantai 1 Gedung MPP Kota Jambi"
LOC_LATIH = "Ruang Pelatihan Lantai 3 Gedung MPP Kota Jambi"
KELURAHAN = [
    "Kenali Besar",
    "Talang Banjar",
    "Sungai Asam",
    "Paal Merah",
    "Legok",
    "Thehok",
    "Simpang III Sipin",
    "Mayang Mangurai",
    "Pasir Putih",
    "Rawasari",
    "Beliung",
    "Sulanjana",
]
SCHOOLS = ["SMA Negeri 1 Kota Jambi", "SMA Negeri 5 Kota Jambi", "SMK Negeri 2 Kota Jambi", "MAN 1 Kota Jambi"]
MINUTES = "https://mpp.jambikota.go.id/dokumen/notulen"
EVIDENCE = "https://mpp.jambikota.go.id/dokumen/tindak-lanjut"


def new_id(prefix: str, agency: str, period: str) -> str:
    """Next identifier of an agency's agenda ('AG') or decision ('KP') in a month."""
    key = (prefix, agency, period)
    _counters[key] = _counters.get(key, 0) + 1
    return f"{prefix}-{period}-{_counters[key]:02d}"


def agenda_row(
    agenda_id: str,
    day: date,
    slot: tuple[time, time] | None,
    title: str,
    kind: str,
    participants: list[str],
    location: str,
    status: str,
    summary: str = "",
    minutes: str = "",
) -> Row:
    """One agendas.csv row."""
    start, end = slot if slot else (None, None)
    return {
        "agenda_id": agenda_id,
        "date": day.isoformat(),
        "start_time": hm(start) if start else "",
        "end_time": hm(end) if end else "",
        "title": title,
        "type": kind,
        "participants": ";".join(participants),
        "location": location,
        "status": status,
        "summary": summary,
        "minutes_url": minutes,
    }


def add_agenda(agency: str, versions: dict[str, Row]) -> Record:
    """Register an agenda with its reported versions."""
    record = Record(agency, next(iter(versions.values()))["agenda_id"], versions)
    AGENDAS[agency].append(record)
    return record


MORNING = (time(9, 0), time(11, 30))
AFTERNOON = (time(13, 30), time(15, 30))


# --- the organiser's meetings

RAKOR_TOPICS = {
    "2025-09": "Persiapan penilaian kepatuhan standar pelayanan publik.",
    "2025-10": "Evaluasi pemanfaatan aplikasi antrean daring.",
    "2025-11": "Antisipasi lonjakan pembayaran pajak kendaraan dan layanan akhir tahun.",
    "2025-12": "Jadwal layanan selama libur Natal dan Tahun Baru.",
    "2026-01": "Rencana kerja MPP tahun 2026 dan target Indeks Kepuasan Masyarakat.",
    "2026-02": "Penyesuaian jam layanan selama bulan Ramadan 1447 H.",
    "2026-03": "Evaluasi layanan selama Ramadan dan Idulfitri 1447 H.",
    "2026-05": "Tindak lanjut hasil Forum Konsultasi Publik.",
    "2026-06": "Antisipasi lonjakan permohonan dokumen kependudukan pada masa pendaftaran sekolah.",
    "2026-07": "Penyambutan gerai Dinas Perhubungan dan penataan parkir pengunjung.",
    "2026-08": "Kesiapsiagaan gedung dan jam layanan pada Hari Kemerdekaan.",
    "2026-09": "Persiapan portal data terbuka MPP: format data kinerja, agenda, dan keputusan.",
    "2026-10": "Uji coba publikasi data terbuka dan ketepatan waktu pengiriman data.",
    "2026-11": "Evaluasi akhir tahun dan rencana layanan Desember 2026.",
    "2026-12": "Evaluasi penyelenggaraan MPP tahun 2026.",
}


def rakor_summary(period: str, held: date, agencies: int, decisions: int) -> str:
    """Markdown summary of the monthly coordination meeting."""
    prev = shift(period_of(held), -1)
    achieved = (
        f"Capaian layanan {month_name(prev)}: {total_received(prev):,} permohonan diterima di seluruh gerai.".replace(
            ",", "."
        )
        if prev in PERIODS
        else f"Capaian layanan {month_name(prev)} berdasarkan laporan masing-masing gerai."
    )
    return (
        f"Rapat dipimpin Kepala DPMPTSP Kota Jambi selaku penyelenggara MPP dan dihadiri "
        f"perwakilan {agencies} instansi.\n\n**Pokok bahasan:**\n\n1. {achieved}\n"
        f"2. {RAKOR_TOPICS[period]}\n3. Tindak lanjut keputusan rapat sebelumnya.\n\n"
        f"**Hasil:** {decisions} keputusan dicatat dalam daftar keputusan bulan ini."
    )


def organiser_meeting(
    kind: str,
    period: str,
    day: date,
    slot: tuple[time, time],
    title: str,
    agenda_type: str,
    participants: list[str],
    location: str,
    summary: str,
    announce: bool = True,
    status: str = "held",
    note: str = "",
) -> Record:
    """Add one organiser meeting: announced as planned the month before, then reported."""
    agenda_id = new_id("AG", ORGANIZER, period)
    versions: dict[str, Row] = {}
    before = shift(period_of(day), -1)
    if announce and before in reporting_periods(ORGANIZER):
        versions[before] = agenda_row(agenda_id, day, slot, title, agenda_type, participants, location, "planned", note)
    if period_of(day) in reporting_periods(ORGANIZER):
        minutes = f"{MINUTES}/{ORGANIZER}/{agenda_id}.pdf" if status == "held" else ""
        versions[period_of(day)] = agenda_row(
            agenda_id, day, slot, title, agenda_type, participants, location, status, summary, minutes
        )
    MEETINGS[(ORGANIZER, kind, period)] = (agenda_id, day)
    return add_agenda(ORGANIZER, versions)


def decisions_at(kind: str, period: str) -> int:
    """How many organiser decisions a meeting produced (for its summary)."""
    return sum(1 for d in ORG_DECISIONS if d.at == (kind, period))


def organiser_rakor(period: str) -> None:
    """The monthly coordination meeting (March 2026 postponed into April)."""
    day = [d for d in workdays(period) if d.weekday() == 1][1]  # second Tuesday
    title = f"Rapat Koordinasi Bulanan Penyelenggara dan Instansi Pengisi Gerai MPP ({month_name(period)})"
    people = everyone(day)
    if period == "2026-03":  # postponed because of the Idulfitri leave, held in April
        later = date(2026, 4, 7)
        record = organiser_meeting(
            "rakor",
            period,
            day,
            MORNING,
            title,
            "coordination",
            people,
            LOC_RAPAT,
            "Rapat ditunda karena bertepatan dengan persiapan cuti bersama Idulfitri "
            "1447 H. Rapat digabung dengan rapat bulan April.",
            status="postponed",
            note=f"Agenda: {RAKOR_TOPICS[period]}",
        )
        record.versions["2026-04"] = agenda_row(
            record.key,
            later,
            MORNING,
            title.replace("(Maret 2026)", "(Maret–April 2026)"),
            "coordination",
            everyone(later),
            LOC_RAPAT,
            "held",
            rakor_summary(period, later, len(everyone(later)), decisions_at("rakor", period)),
            f"{MINUTES}/{ORGANIZER}/{record.key}.pdf",
        )
        MEETINGS[(ORGANIZER, "rakor", period)] = (record.key, later)
        return
    organiser_meeting(
        "rakor",
        period,
        day,
        MORNING,
        title,
        "coordination",
        people,
        LOC_RAPAT,
        rakor_summary(period, day, len(people), decisions_at("rakor", period)),
        note=f"Agenda: {RAKOR_TOPICS[period]}",
    )


MONEV_SUMMARY = (
    "Monitoring dan evaluasi atas waktu penyelesaian, waktu tunggu, pengaduan, dan hasil "
    "survei kepuasan masyarakat setiap gerai.\n\n"
    "- Gerai dengan penyelesaian tepat waktu di bawah 90% diminta menyampaikan rencana perbaikan.\n"
    "- Hasil survei dibahas per unsur; unsur *waktu pelayanan* masih terendah.\n"
    "- Perwakilan Ombudsman RI Perwakilan Jambi hadir sebagai narasumber."
)
FKP_SUMMARY = (
    "Forum dihadiri perwakilan instansi, tokoh masyarakat, organisasi penyandang disabilitas, "
    "dan akademisi.\n\n**Masukan utama peserta:**\n\n"
    "1. Persyaratan yang sama diminta berulang di beberapa gerai.\n"
    "2. Sarana bagi penyandang disabilitas dan lansia perlu ditambah.\n"
    "3. Informasi jadwal dan kuota antrean perlu diumumkan lebih awal."
)
DIALOG_SUMMARY = (
    "Dialog tatap muka antara penyelenggara MPP dan pengguna layanan.\n\n"
    "- Peserta menyampaikan keluhan dan saran secara langsung.\n"
    "- Setiap keluhan dicatat dan ditindaklanjuti melalui daftar keputusan."
)
STAFF_SUMMARY = (
    "Pelatihan diikuti petugas gerai dari seluruh instansi.\n\n"
    "- Materi meliputi etika pelayanan, komunikasi, dan pelayanan bagi pengguna berkebutuhan khusus.\n"
    "- Peserta mengerjakan evaluasi pemahaman di akhir kegiatan."
)
OUTREACH_SUMMARY = (
    "Sosialisasi layanan MPP kepada warga.\n\n"
    "- Petugas menjelaskan jenis layanan, persyaratan, dan jadwal gerai.\n"
    "- Beberapa instansi membuka layanan konsultasi di lokasi."
)
OUTREACH_AGENCIES = ["dpmptsp", "disdukcapil", "samsat", "bpjs-kesehatan", "bpprd", "polresta"]
FKP_AGENCIES = ["dpmptsp", "disdukcapil", "polresta", "samsat", "bpprd", "atr-bpn", "lbh", "lpksm"]


def organiser_events() -> None:
    """Every organiser meeting of the sample: monthly, quarterly and one-off."""
    for period in PERIODS + [EARLY]:
        if period != "2026-04":  # April's meeting was the postponed March one
            organiser_rakor(period)
    december = date(2026, 12, 8)
    organiser_meeting(
        "rakor",
        "2026-12",
        december,
        MORNING,
        "Rapat Koordinasi Bulanan Penyelenggara dan Instansi Pengisi Gerai MPP (Desember 2026)",
        "coordination",
        everyone(december),
        LOC_RAPAT,
        "",
        note=f"Agenda: {RAKOR_TOPICS['2026-12']}",
    )
    for period, day, label in [
        ("2025-10", date(2025, 10, 23), "III Tahun 2025"),
        ("2026-01", date(2026, 1, 22), "IV Tahun 2025"),
        ("2026-04", date(2026, 4, 23), "I Tahun 2026"),
        ("2026-07", date(2026, 7, 23), "II Tahun 2026"),
        ("2026-10", date(2026, 10, 22), "III Tahun 2026"),
    ]:
        organiser_meeting(
            "monev",
            period,
            day,
            (time(9, 0), time(12, 0)),
            f"Monitoring dan Evaluasi Penyelenggaraan MPP Triwulan {label}",
            "monitoring-evaluation",
            everyone(day),
            LOC_AULA,
            MONEV_SUMMARY,
            note="Agenda: paparan capaian kinerja setiap gerai dan hasil survei kepuasan masyarakat.",
        )
    organiser_meeting(
        "monev",
        "2026-12",
        date(2026, 12, 15),
        (time(9, 0), time(12, 0)),
        "Evaluasi Akhir Tahun Penyelenggaraan MPP 2026",
        "monitoring-evaluation",
        everyone(date(2026, 12, 15)),
        LOC_AULA,
        "",
        note="Agenda: evaluasi capaian kinerja, pengaduan, dan IKM seluruh gerai selama tahun 2026.",
    )
    for period, day, title in [
        ("2025-11", date(2025, 11, 19), "Forum Konsultasi Publik: Peninjauan Standar Pelayanan MPP Kota Jambi"),
        (
            "2026-05",
            date(2026, 5, 20),
            "Forum Konsultasi Publik: Rencana Tindak Lanjut Hasil Survei Kepuasan Masyarakat",
        ),
        ("2026-11", date(2026, 11, 18), "Forum Konsultasi Publik: Penyusunan Standar Pelayanan MPP Tahun 2027"),
    ]:
        organiser_meeting(
            "fkp",
            period,
            day,
            (time(9, 0), time(12, 30)),
            title,
            "public-consultation",
            who(day, FKP_AGENCIES),
            LOC_AULA,
            FKP_SUMMARY,
            note="Agenda: menghimpun masukan masyarakat. Forum terbuka untuk umum.",
        )
    for period, day, title in [
        ("2025-12", date(2025, 12, 11), "Dialog Publik bersama Pengguna Layanan MPP"),
        (
            "2026-06",
            date(2026, 6, 18),
            "Dialog Tatap Muka dengan Komunitas Penyandang Disabilitas tentang Aksesibilitas MPP",
        ),
        ("2026-09", date(2026, 9, 17), "Dialog dengan Pelaku UMKM tentang Perizinan Berusaha"),
    ]:
        organiser_meeting(
            "dialog",
            period,
            day,
            (time(13, 30), time(15, 30)),
            title,
            "dialogue",
            who(day, ["dpmptsp", "disdukcapil", "polresta", "kpp-pratama", "bpjs-kesehatan"]),
            LOC_AULA,
            DIALOG_SUMMARY,
            announce=False,
        )
    organiser_oneoffs()


def organiser_oneoffs() -> None:
    """Training, outreach and other organiser events (one cancelled, one postponed)."""
    for day, title in [
        (date(2025, 9, 24), "Pelatihan Pelayanan Prima bagi Petugas Gerai"),
        (date(2026, 1, 21), "Bimbingan Teknis Pengelolaan Pengaduan melalui SP4N-LAPOR!"),
        (date(2026, 4, 22), "Pelatihan Dasar Bahasa Isyarat bagi Petugas Gerai"),
        (date(2026, 8, 19), "Pelatihan Budaya Pelayanan bagi Petugas Gerai dan Petugas Keamanan"),
        (
            date(2026, 10, 21),
            "Bimbingan Teknis Pengisian Data Kinerja, Agenda, dan Keputusan untuk Portal Data Terbuka",
        ),
    ]:
        organiser_meeting(
            "latih",
            period_of(day),
            day,
            (time(8, 30), time(15, 0)),
            title,
            "staff-development",
            everyone(day),
            LOC_LATIH,
            STAFF_SUMMARY,
            announce=False,
        )
    for day, place, status in [
        (date(2025, 10, 15), "Kenali Besar", "held"),
        (date(2025, 12, 17), "Legok", "cancelled"),
        (date(2026, 2, 11), "Talang Banjar", "held"),
        (date(2026, 8, 12), "Paal Merah", "held"),
        (date(2026, 10, 14), "Mayang Mangurai", "held"),
    ]:
        summary = (
            OUTREACH_SUMMARY
            if status == "held"
            else "Kegiatan dibatalkan karena banjir di wilayah kelurahan. Sosialisasi dialihkan ke bulan Februari 2026."
        )
        organiser_meeting(
            "sosialisasi",
            period_of(day),
            day,
            (time(8, 0), time(12, 0)),
            f"MPP Keliling: Sosialisasi dan Layanan Jemput Bola di Kantor Kelurahan {place}",
            "outreach",
            who(day, OUTREACH_AGENCIES),
            f"Kantor Kelurahan {place}",
            summary,
            announce=False,
            status=status,
        )
    postponed = organiser_meeting(
        "sosialisasi",
        "2026-06",
        date(2026, 6, 10),
        (time(8, 0), time(12, 0)),
        "MPP Keliling: Sosialisasi dan Layanan Jemput Bola di Kantor Kelurahan Sungai Asam",
        "outreach",
        who(date(2026, 6, 10), OUTREACH_AGENCIES),
        "Kantor Kelurahan Sungai Asam",
        "Kegiatan ditunda karena aula kelurahan dipakai untuk kegiatan pemerintah kota.",
        announce=False,
        status="postponed",
    )
    july = date(2026, 7, 8)
    postponed.versions["2026-07"] = dict(
        postponed.versions["2026-06"],
        date=july.isoformat(),
        status="held",
        participants=";".join(who(july, OUTREACH_AGENCIES)),
        summary=OUTREACH_SUMMARY + "\n\nKegiatan ini pengganti jadwal 10 Juni 2026.",
    )
    for day, title, summary in [
        (
            date(2025, 11, 26),
            "Simulasi Evakuasi Kebakaran Gedung MPP",
            "Simulasi diikuti seluruh petugas gerai dan petugas keamanan. Jalur evakuasi dan titik kumpul diperiksa.",
        ),
        (
            date(2026, 2, 25),
            "Kunjungan Studi Tiru dari MPP Kabupaten Muaro Jambi",
            "Tim MPP Kabupaten Muaro Jambi mempelajari tata kelola gerai dan aplikasi antrean.",
        ),
        (
            date(2026, 11, 16),
            "Peringatan Hari Ulang Tahun ke-4 MPP Kota Jambi",
            "Peringatan sederhana disertai pemberian penghargaan kepada gerai dengan nilai IKM terbaik.",
        ),
    ]:
        organiser_meeting(
            "lain",
            period_of(day),
            day,
            (time(8, 0), time(10, 0)),
            title,
            "other",
            everyone(day),
            LOC_LOBI,
            summary,
            announce=False,
        )


# --- the other agencies' meetings

POOLS: dict[str, list[tuple[str, str, str]]] = {
    "disdukcapil": [
        ("outreach", "Layanan jemput bola perekaman KTP-el bagi pemilih pemula di {school}", "{school}"),
        (
            "outreach",
            "Sosialisasi aktivasi Identitas Kependudukan Digital di Kantor Kelurahan {kel}",
            "Kantor Kelurahan {kel}",
        ),
        ("staff-development", "Pembinaan petugas gerai tentang layanan dokumen kependudukan daring", LOC_LATIH),
        ("monitoring-evaluation", "Evaluasi internal waktu penyelesaian layanan gerai Disdukcapil", LOC_RAPAT),
    ],
    "polresta": [
        ("dialogue", "Jumat Curhat bersama pengunjung MPP", LOC_LOBI),
        ("outreach", "Sosialisasi tertib berlalu lintas dan perpanjangan SIM tepat waktu di {school}", "{school}"),
    ],
    "samsat": [
        ("outreach", "Sosialisasi pembayaran PKB melalui aplikasi Samsat digital", LOC_LOBI),
        ("monitoring-evaluation", "Evaluasi waktu tunggu layanan pengesahan STNK", LOC_RAPAT),
    ],
    "bpprd": [
        ("outreach", "Sosialisasi pembayaran PBB-P2 nontunai di Kantor Kelurahan {kel}", "Kantor Kelurahan {kel}")
    ],
    "kpp-pratama": [
        ("outreach", "Sosialisasi pelaporan SPT Tahunan melalui Coretax", LOC_LOBI),
        ("staff-development", "Pembinaan petugas asistensi perpajakan", LOC_LATIH),
    ],
    "imigrasi": [
        ("outreach", "Sosialisasi persyaratan paspor bagi calon jemaah umrah", LOC_LOBI),
        ("dialogue", "Temu pengguna layanan paspor", LOC_RAPAT),
    ],
    "atr-bpn": [
        (
            "outreach",
            "Sosialisasi pendaftaran tanah dan layanan elektronik pertanahan di Kantor Kelurahan {kel}",
            "Kantor Kelurahan {kel}",
        )
    ],
    "kemenag": [("outreach", "Sosialisasi pendaftaran haji reguler dan pelunasan biaya haji", LOC_LOBI)],
    "pa-jambi": [
        ("outreach", "Sosialisasi pendaftaran perkara secara elektronik (e-Court)", LOC_LOBI),
        ("dialogue", "Dialog layanan Posbakum bersama masyarakat pencari keadilan", LOC_RAPAT),
    ],
    "kejari": [
        ("outreach", "Penerangan hukum tentang pencegahan penipuan daring", LOC_LOBI),
        ("dialogue", "Konsultasi hukum gratis bersama Jaksa Pengacara Negara", LOC_RAPAT),
    ],
    "bpjs-kesehatan": [
        ("outreach", "Sosialisasi Program JKN dan aplikasi Mobile JKN", LOC_LOBI),
        ("outreach", "Sosialisasi kepesertaan JKN di Kantor Kelurahan {kel}", "Kantor Kelurahan {kel}"),
    ],
    "bpjs-tk": [
        (
            "outreach",
            "Sosialisasi perlindungan pekerja bukan penerima upah bagi pedagang Pasar Angso Duo",
            "Pasar Angso Duo",
        ),
        ("outreach", "Sosialisasi klaim JHT secara daring melalui aplikasi JMO", LOC_LOBI),
    ],
    "disnaker": [
        ("outreach", "Bursa informasi lowongan kerja di MPP", LOC_LOBI),
        ("staff-development", "Pembinaan petugas pengantar kerja", LOC_LATIH),
    ],
    "dishub": [("outreach", "Sosialisasi uji berkala kendaraan angkutan barang", LOC_LOBI)],
    "pln": [("outreach", "Sosialisasi penggunaan listrik yang aman dan layanan tambah daya", LOC_LOBI)],
    "pegadaian": [("outreach", "Edukasi literasi keuangan dan tabungan emas", LOC_LOBI)],
    "taspen": [("outreach", "Sosialisasi otentikasi pensiunan melalui aplikasi", LOC_LOBI)],
    "bri": [("outreach", "Edukasi Kredit Usaha Rakyat bagi pelaku UMKM", LOC_LOBI)],
    "bni": [("outreach", "Edukasi layanan perbankan digital", LOC_LOBI)],
    "pos": [("outreach", "Informasi penyaluran bantuan sosial melalui Kantor Pos", LOC_LOBI)],
    "bank-jambi": [("outreach", "Edukasi pembayaran pajak daerah melalui kanal digital Bank Jambi", LOC_LOBI)],
    "pdam": [
        ("dialogue", "Temu pelanggan Perumda Air Minum Tirta Mayang", LOC_RAPAT),
        ("outreach", "Sosialisasi sambungan baru air minum di Kantor Kelurahan {kel}", "Kantor Kelurahan {kel}"),
    ],
    "notaris-ppat": [("outreach", "Penyuluhan tentang akta jual beli tanah dan bangunan", LOC_LOBI)],
    "lbh": [
        ("outreach", "Penyuluhan hukum keliling di Kantor Kelurahan {kel}", "Kantor Kelurahan {kel}"),
        ("other", "Klinik hukum bersama mahasiswa fakultas hukum", LOC_RAPAT),
    ],
    "lpksm": [("outreach", "Edukasi hak konsumen dalam transaksi daring", LOC_LOBI)],
}
AGENDA_RATE = {
    "disdukcapil": 0.6,
    "polresta": 0.5,
    "bpjs-kesehatan": 0.4,
    "bri": 0.15,
    "bni": 0.15,
    "bank-jambi": 0.15,
    "pegadaian": 0.15,
    "notaris-ppat": 0.1,
    "pos": 0.15,
}
POINTS = {
    "outreach": [
        "Peserta menerima penjelasan persyaratan dan alur layanan.",
        "Petugas membuka konsultasi singkat setelah sosialisasi.",
        "Materi sosialisasi dibagikan dalam bentuk brosur.",
        "Sebagian peserta langsung mengajukan permohonan di tempat.",
    ],
    "dialogue": [
        "Peserta menyampaikan keluhan tentang lamanya waktu tunggu.",
        "Petugas menjelaskan jadwal dan kuota antrean harian.",
        "Masukan peserta dicatat untuk dibahas dalam rapat evaluasi.",
    ],
    "staff-development": [
        "Materi meliputi etika pelayanan dan penanganan pengguna layanan berkebutuhan khusus.",
        "Peserta mempraktikkan alur penanganan pengaduan.",
    ],
    "monitoring-evaluation": [
        "Waktu tunggu rata-rata dibandingkan dengan standar pelayanan.",
        "Hasil survei kepuasan bulan lalu dibahas per unsur.",
    ],
    "coordination": ["Pembagian tugas antarinstansi disepakati.", "Jadwal layanan bersama ditetapkan."],
    "other": ["Kegiatan berjalan lancar dan tertib."],
}
POSTPONE_REASONS = [
    "narasumber berhalangan hadir",
    "bertepatan dengan kegiatan pemerintah kota",
    "gangguan listrik di gedung MPP",
]
CANCEL_REASONS = ["lokasi kegiatan tidak dapat digunakan", "kegiatan digabung dengan sosialisasi MPP Keliling"]


def held_summary(r: random.Random, agenda_type: str) -> str:
    """A short Markdown summary of a held meeting."""
    points = r.sample(POINTS[agenda_type], k=min(2, len(POINTS[agenda_type])))
    people = r.randint(15, 40) if agenda_type in ("staff-development", "coordination") else r.randint(20, 120)
    return f"Kegiatan diikuti sekitar {people} peserta.\n\n" + "\n".join(f"- {p}" for p in points)


@dataclass(frozen=True)
class Meeting:
    """A fixed meeting of an agency other than the organiser (some produce decisions)."""

    agency: str
    day: date
    agenda_type: str
    title: str
    location: str
    participants: tuple[str, ...] = ()
    summary: str = ""


FIXED_MEETINGS = [
    Meeting(
        "disdukcapil",
        date(2025, 10, 8),
        "dialogue",
        "Dialog tatap muka dengan ketua RT se-Kecamatan Alam Barajo tentang layanan administrasi kependudukan",
        "Kantor Camat Alam Barajo",
    ),
    Meeting(
        "disdukcapil",
        date(2026, 2, 4),
        "monitoring-evaluation",
        "Evaluasi internal layanan gerai Disdukcapil menjelang Ramadan",
        LOC_RAPAT,
    ),
    Meeting(
        "disdukcapil",
        date(2026, 8, 5),
        "coordination",
        "Koordinasi penerapan tanda tangan elektronik pada dokumen kependudukan",
        LOC_RAPAT,
        ("disdukcapil", "dpmptsp"),
    ),
    Meeting("polresta", date(2025, 11, 14), "dialogue", "Jumat Curhat: layanan SIM dan SKCK di MPP", LOC_LOBI),
    Meeting("polresta", date(2026, 5, 8), "dialogue", "Jumat Curhat bersama pemohon SKCK", LOC_LOBI),
    Meeting(
        "samsat",
        date(2026, 1, 14),
        "monitoring-evaluation",
        "Evaluasi hasil survei kepuasan masyarakat triwulan IV 2025",
        LOC_RAPAT,
    ),
    Meeting(
        "pdam",
        date(2026, 3, 4),
        "dialogue",
        "Temu pelanggan: gangguan aliran air di Kecamatan Kota Baru",
        "Kantor Camat Kota Baru",
    ),
    Meeting(
        "pdam",
        date(2026, 8, 13),
        "coordination",
        "Koordinasi penanganan pengaduan tagihan air yang tidak wajar",
        LOC_RAPAT,
        ("pdam", "lpksm", "dpmptsp"),
    ),
    Meeting(
        "bpjs-kesehatan", date(2026, 1, 20), "outreach", "Sosialisasi aplikasi Mobile JKN bagi peserta lansia", LOC_LOBI
    ),
    Meeting(
        "kpp-pratama",
        date(2026, 2, 12),
        "coordination",
        "Persiapan asistensi SPT Tahunan bersama penyelenggara MPP",
        LOC_RAPAT,
        ("kpp-pratama", "dpmptsp"),
    ),
    Meeting(
        "imigrasi",
        date(2026, 6, 11),
        "monitoring-evaluation",
        "Evaluasi layanan paspor menjelang libur sekolah",
        LOC_RAPAT,
    ),
    Meeting(
        "bpprd",
        date(2026, 8, 20),
        "outreach",
        "Sosialisasi jatuh tempo PBB-P2 tahun 2026",
        LOC_LOBI,
        ("bpprd", "bank-jambi"),
    ),
    Meeting(
        "kejari",
        date(2026, 1, 12),
        "other",
        "Peresmian gerai Kejaksaan Negeri Jambi di MPP",
        LOC_LOBI,
        ("kejari", "dpmptsp"),
    ),
    Meeting(
        "kejari",
        date(2026, 5, 13),
        "outreach",
        "Penerangan hukum “Jaksa Menyapa” – layanan konsultasi hukum gratis",
        "Lobi Lantai 1 – Gedung MPP Kota Jambi",
        summary="Penerangan hukum diikuti sekitar 60 pengunjung.\n\n- Materi: “kenali modus penipuan daring”.\n- Peserta dapat berkonsultasi langsung dengan jaksa di gerai.",
    ),
    Meeting(
        "kemenag",
        date(2026, 8, 6),
        "outreach",
        "Sosialisasi pendaftaran haji reguler dan estimasi keberangkatan",
        LOC_LOBI,
    ),
    Meeting(
        "kemenag",
        date(2026, 8, 26),
        "coordination",
        "Koordinasi layanan rekomendasi paspor umrah dengan Kantor Imigrasi",
        LOC_RAPAT,
        ("kemenag", "imigrasi"),
    ),
    Meeting(
        "lpksm", date(2026, 4, 6), "other", "Pembukaan gerai LPKSM Kota Jambi di MPP", LOC_LOBI, ("lpksm", "dpmptsp")
    ),
    Meeting(
        "dishub",
        date(2026, 7, 1),
        "other",
        "Pembukaan gerai Dinas Perhubungan Kota Jambi di MPP",
        LOC_LOBI,
        ("dishub", "dpmptsp"),
    ),
    Meeting(
        "disdukcapil",
        date(2026, 11, 12),
        "outreach",
        "Layanan jemput bola perekaman KTP-el di SMA Negeri 5 Kota Jambi",
        "SMA Negeri 5 Kota Jambi",
    ),
    Meeting("polresta", date(2026, 11, 20), "dialogue", "Jumat Curhat bersama pengunjung MPP", LOC_LOBI),
]
PLANNED_DECEMBER = [
    (
        "disdukcapil",
        date(2026, 12, 9),
        "outreach",
        "Layanan jemput bola perekaman KTP-el di MAN 1 Kota Jambi",
        "MAN 1 Kota Jambi",
    )
]


def fixed_meeting(m: Meeting) -> None:
    """Add a fixed meeting of an agency, held in its month."""
    period = period_of(m.day)
    agenda_id = new_id("AG", m.agency, period)
    r = rng("fixed", m.agency, m.day)
    people = list(m.participants) if m.participants else [m.agency]
    summary = m.summary or held_summary(r, m.agenda_type)
    minutes = f"{MINUTES}/{m.agency}/{agenda_id}.pdf" if r.random() < 0.4 else ""
    add_agenda(
        m.agency,
        {
            period: agenda_row(
                agenda_id, m.day, MORNING, m.title, m.agenda_type, people, m.location, "held", summary, minutes
            )
        },
    )
    MEETINGS[(m.agency, "fixed", m.day.isoformat())] = (agenda_id, m.day)


def random_meetings(agency: str, period: str) -> None:
    """Occasional own meetings of an agency in a month (none in quiet months)."""
    r = rng("agenda", agency, period)
    if period == EARLY or r.random() >= AGENDA_RATE.get(agency, 0.3):
        return
    for _ in range(2 if r.random() < 0.25 else 1):
        random_meeting(agency, period, r)


def random_meeting(agency: str, period: str, r: random.Random) -> None:
    """One own meeting; some announced the month before, a few postponed or cancelled."""
    days = [d for d in workdays(period) if d >= joined(agency)]
    agenda_type, title, location = r.choice(POOLS[agency])
    place = {"kel": r.choice(KELURAHAN), "school": r.choice(SCHOOLS)}
    title, location = title.format(**place), location.format(**place)
    day, slot = r.choice(days), r.choice([MORNING, AFTERNOON])
    agenda_id = new_id("AG", agency, period)
    roll = r.random()
    status = "held" if roll < 0.88 else "postponed" if roll < 0.95 else "cancelled"
    summary = (
        held_summary(r, agenda_type)
        if status == "held"
        else (
            f"Kegiatan ditunda karena {r.choice(POSTPONE_REASONS)}."
            if status == "postponed"
            else f"Kegiatan dibatalkan karena {r.choice(CANCEL_REASONS)}."
        )
    )
    minutes = f"{MINUTES}/{agency}/{agenda_id}.pdf" if status == "held" and r.random() < 0.2 else ""
    versions = {
        period: agenda_row(agenda_id, day, slot, title, agenda_type, [agency], location, status, summary, minutes)
    }
    before, after = shift(period, -1), shift(period, 1)
    if r.random() < 0.25 and before in reporting_periods(agency):  # announced the month before
        versions = {
            before: agenda_row(agenda_id, day, slot, title, agenda_type, [agency], location, "planned"),
            **versions,
        }
    if status == "postponed" and after in PERIODS and after in reporting_periods(agency):
        later = r.choice(workdays(after))
        versions[after] = agenda_row(
            agenda_id,
            later,
            slot,
            title,
            agenda_type,
            [agency],
            location,
            "held",
            held_summary(r, agenda_type) + f"\n\nPengganti jadwal {day.day} {month_name(period)}.",
        )
    add_agenda(agency, versions)


def build_agendas() -> None:
    """All agendas of the sample, organiser first."""
    organiser_events()
    fixed_months = {(m.agency, period_of(m.day)) for m in FIXED_MEETINGS}
    for m in FIXED_MEETINGS:
        fixed_meeting(m)
    for agency in sorted(AGENCIES):
        if agency == ORGANIZER:
            continue
        for period in reporting_periods(agency):
            if (agency, period) not in fixed_months:
                random_meetings(agency, period)
    for agency, day, agenda_type, title, location in PLANNED_DECEMBER:
        agenda_id = new_id("AG", agency, period_of(day))
        add_agenda(
            agency, {EARLY: agenda_row(agenda_id, day, MORNING, title, agenda_type, [agency], location, "planned")}
        )


# --- decisions


@dataclass(frozen=True)
class DecisionPlan:
    """A decision and how its status moves: steps like 'open@0 in-progress@1 done@3'."""

    at: tuple[str, str] | None  # meeting (kind, period) of the organiser, or None
    title: str
    responsible: tuple[str, ...]
    due_days: int
    steps: str
    follow_up: dict[str, str]
    evidence: bool = False
    description: str = ""
    agency: str = ORGANIZER
    day: date | None = None  # meeting date of another agency, or the date of a decision without meeting


def D(
    at: tuple[str, str] | None,
    title: str,
    responsible: list[str],
    due_days: int,
    steps: str,
    evidence: bool = False,
    description: str = "",
    agency: str = ORGANIZER,
    day: date | None = None,
    **follow_up: str,
) -> DecisionPlan:
    """Shorthand constructor for the decision tables below."""
    return DecisionPlan(at, title, tuple(responsible), due_days, steps, follow_up, evidence, description, agency, day)


ORG_DECISIONS = [
    D(
        at=("rakor", "2025-09"),
        title="Penambahan petugas informasi pada jam sibuk",
        responsible=["dpmptsp"],
        due_days=30,
        steps="open@0 done@1",
        open="Bidang Pelayanan menyusun jadwal piket petugas informasi pukul 08.00–10.00.",
        done="Dua petugas informasi tambahan bertugas setiap hari kerja pada jam sibuk.",
    ),
    D(
        at=("rakor", "2025-09"),
        title="Pemasangan papan standar pelayanan dan maklumat pelayanan di setiap gerai",
        responsible=["ALL"],
        due_days=45,
        steps="open@0 in-progress@1 done@3",
        evidence=True,
        open="Setiap instansi menyerahkan naskah standar pelayanan terbaru kepada penyelenggara MPP.",
        progress="Naskah dari sebagian besar instansi telah diterima; papan sedang dicetak.",
        done="Papan standar pelayanan dan maklumat pelayanan telah terpasang di seluruh gerai.",
    ),
    D(
        at=("monev", "2025-10"),
        title="Tindak lanjut unsur waktu pelayanan yang bernilai terendah pada survei kepuasan",
        responsible=["dpmptsp", "samsat", "polresta"],
        due_days=60,
        steps="open@0 in-progress@1 in-progress@3:progress2 done@5",
        description="Hasil survei triwulan III menunjukkan unsur **waktu pelayanan (U3)** memperoleh nilai terendah pada gerai Samsat dan Polresta.",
        open="Samsat dan Polresta memetakan tahapan layanan yang paling lama.",
        progress="Uji coba pemisahan loket penerimaan berkas dan penyerahan dokumen dimulai.",
        progress2="Uji coba masih berjalan; waktu tunggu diukur setiap minggu.",
        done="Loket penerimaan berkas dan penyerahan dokumen telah dipisah; waktu tunggu rata-rata turun.",
    ),
    D(
        at=("rakor", "2025-10"),
        title="Perbaikan pendingin ruangan di ruang tunggu lantai 2",
        responsible=["dpmptsp"],
        due_days=21,
        steps="open@0 done@2",
        evidence=True,
        open="Subbagian Umum meminta penawaran perbaikan dari penyedia.",
        done="Empat unit pendingin ruangan telah diperbaiki dan berfungsi normal.",
    ),
    D(
        at=("rakor", "2025-11"),
        title="Penyusunan jadwal layanan hari Sabtu selama Desember 2025",
        responsible=["dpmptsp", "samsat", "disdukcapil"],
        due_days=20,
        steps="open@0 done@1",
        open="Instansi terkait menyampaikan kesediaan petugas untuk layanan hari Sabtu.",
        done="Layanan hari Sabtu dibuka pada setiap minggu di bulan Desember 2025.",
    ),
    D(
        at=("fkp", "2025-11"),
        title="Penyediaan kursi roda, jalur pemandu, dan loket prioritas bagi penyandang disabilitas dan lansia",
        responsible=["dpmptsp"],
        due_days=90,
        steps="open@0 in-progress@2 done@4",
        evidence=True,
        description="Usulan peserta Forum Konsultasi Publik dari perwakilan organisasi penyandang disabilitas.",
        open="Kebutuhan sarana dihitung bersama perwakilan organisasi penyandang disabilitas.",
        progress="Pengadaan kursi roda dan pemasangan jalur pemandu sedang berjalan.",
        done="Dua kursi roda, jalur pemandu di lantai 1, dan loket prioritas telah tersedia.",
    ),
    D(
        at=("fkp", "2025-11"),
        title="Penyederhanaan persyaratan yang tumpang tindih antargerai",
        responsible=["dpmptsp", "disdukcapil", "bpprd"],
        due_days=120,
        steps="open@0 in-progress@2 in-progress@6:progress2",
        open="Penyelenggara menginventarisasi persyaratan yang sama di beberapa gerai.",
        progress="Daftar persyaratan yang tumpang tindih telah disusun dan dibahas dengan instansi terkait.",
        progress2="Menunggu penyesuaian standar pelayanan oleh masing-masing instansi.",
    ),
    D(
        at=("rakor", "2025-12"),
        title="Penyediaan ruang laktasi dan ruang bermain anak",
        responsible=["dpmptsp"],
        due_days=75,
        steps="open@0 in-progress@1 done@3",
        evidence=True,
        open="Subbagian Umum menyiapkan ruang bekas gudang di lantai 1.",
        progress="Renovasi ruang sedang dikerjakan.",
        done="Ruang laktasi dan ruang bermain anak telah dibuka untuk pengunjung.",
    ),
    D(
        at=("dialog", "2025-12"),
        title="Penertiban calo dan pungutan tidak resmi di lingkungan MPP",
        responsible=["dpmptsp", "polresta"],
        due_days=30,
        steps="in-progress@0 done@2",
        progress="Patroli bersama dan pemasangan spanduk larangan calo mulai dilaksanakan.",
        done="Spanduk larangan calo terpasang dan patroli rutin berjalan; tidak ada laporan calo pada bulan terakhir.",
    ),
    D(
        at=("rakor", "2026-01"),
        title="Penetapan target IKM MPP tahun 2026 sebesar 88,50",
        responsible=["dpmptsp"],
        due_days=14,
        steps="done@0",
        done="Target IKM tahun 2026 ditetapkan dan disampaikan kepada seluruh instansi.",
    ),
    D(
        at=("rakor", "2026-01"),
        title="Penggantian kursi tunggu yang rusak di lantai 1",
        responsible=["dpmptsp"],
        due_days=45,
        steps="open@0 in-progress@1 done@2",
        open="Jumlah kursi yang rusak didata.",
        progress="Pengadaan 40 kursi tunggu sedang diproses melalui katalog elektronik.",
        done="Empat puluh kursi tunggu baru telah terpasang.",
    ),
    D(
        at=("monev", "2026-01"),
        title="Integrasi aplikasi antrean daring dengan gerai Disdukcapil dan Samsat",
        responsible=["dpmptsp", "disdukcapil", "samsat"],
        due_days=150,
        steps="open@0 in-progress@2 in-progress@6:progress2",
        open="Tim teknis menyusun kebutuhan integrasi.",
        progress="Uji coba integrasi dengan sistem antrean Disdukcapil berjalan.",
        progress2="Integrasi dengan sistem Samsat menunggu persetujuan Bapenda Provinsi Jambi.",
    ),
    D(
        at=None,
        title="Penutupan layanan selama libur dan cuti bersama Idulfitri 1447 H",
        responsible=["ALL"],
        due_days=7,
        steps="done@0",
        description="Keputusan mengikuti surat edaran Wali Kota Jambi tentang cuti bersama; tidak melalui rapat.",
        day=date(2026, 3, 9),
        done="Pengumuman penutupan layanan pada 18–24 Maret 2026 dipasang di gerai dan media sosial MPP.",
    ),
    D(
        at=("rakor", "2026-02"),
        title="Penyesuaian jam layanan selama bulan Ramadan 1447 H",
        responsible=["ALL"],
        due_days=7,
        steps="done@0",
        done="Jam layanan Ramadan (Senin–Kamis 08.00–14.00, Jumat 08.00–11.00) diumumkan di gerai dan media sosial MPP.",
    ),
    D(
        at=("rakor", "2026-02"),
        title="Penambahan kuota antrean perpanjangan SIM pada hari Sabtu",
        responsible=["polresta"],
        due_days=30,
        steps="open@0 cancelled@2",
        open="Polresta Jambi mengkaji ketersediaan petugas pada hari Sabtu.",
        cancelled="Dibatalkan karena layanan SIM Keliling telah menampung lonjakan pemohon.",
    ),
    D(
        at=("rakor", "2026-03"),
        title="Penambahan layanan pindah datang pada hari Sabtu selama April 2026",
        responsible=["disdukcapil"],
        due_days=10,
        steps="open@0 done@1",
        open="Disdukcapil menyiapkan petugas untuk layanan hari Sabtu.",
        done="Layanan pindah datang dibuka pada hari Sabtu selama April 2026.",
    ),
    D(
        at=("monev", "2026-04"),
        title="Penerapan pembayaran nontunai (QRIS) di seluruh gerai berbayar",
        responsible=["polresta", "imigrasi", "samsat", "atr-bpn"],
        due_days=90,
        steps="open@0 in-progress@1 done@3",
        evidence=True,
        open="Instansi dengan layanan berbayar berkoordinasi dengan bank persepsi.",
        progress="QRIS telah tersedia di gerai Samsat dan Imigrasi.",
        done="Pembayaran nontunai dengan QRIS tersedia di seluruh gerai berbayar.",
    ),
    D(
        at=("fkp", "2026-05"),
        title="Penambahan rambu petunjuk arah dan nomor gerai yang mudah dibaca",
        responsible=["dpmptsp"],
        due_days=45,
        steps="open@0 in-progress@1 done@2",
        open="Desain rambu disusun.",
        progress="Rambu sedang dicetak.",
        done="Rambu petunjuk arah dan nomor gerai baru telah terpasang.",
    ),
    D(
        at=("fkp", "2026-05"),
        title="Penyediaan juru bahasa isyarat pada hari layanan tertentu",
        responsible=["dpmptsp", "disdukcapil"],
        due_days=60,
        steps="open@0 in-progress@3",
        open="Penyelenggara menjajaki kerja sama dengan organisasi penyandang disabilitas rungu.",
        progress="Naskah kerja sama sedang dibahas; anggaran belum tersedia.",
    ),
    D(
        at=("rakor", "2026-05"),
        title="Penyampaian data kinerja bulanan paling lambat tanggal 10 bulan berikutnya",
        responsible=["ALL"],
        due_days=30,
        steps="open@0 done@1",
        open="Penyelenggara mengirim surat pemberitahuan kepada seluruh instansi.",
        done="Surat pemberitahuan telah dikirim dan format data bulanan telah dibagikan.",
    ),
    D(
        at=("rakor", "2026-06"),
        title="Penambahan loket sementara layanan KK dan KIA selama masa pendaftaran sekolah",
        responsible=["disdukcapil", "dpmptsp"],
        due_days=14,
        steps="done@0",
        done="Dua loket sementara dibuka di lobi lantai 1 selama Juni dan Juli 2026.",
    ),
    D(
        at=("dialog", "2026-06"),
        title="Perbaikan akses landai (ramp) di pintu masuk samping gedung",
        responsible=["dpmptsp"],
        due_days=60,
        steps="open@0 in-progress@2 done@4",
        open="Subbagian Umum mengukur ulang kemiringan akses landai.",
        progress="Pekerjaan perbaikan akses landai sedang berjalan.",
        done="Akses landai di pintu samping telah diperbaiki dan dilengkapi pegangan tangan.",
    ),
    D(
        at=("rakor", "2026-07"),
        title="Penataan parkir kendaraan pengunjung",
        responsible=["dpmptsp", "dishub"],
        due_days=45,
        steps="open@0 in-progress@1",
        open="Dinas Perhubungan meninjau kapasitas lahan parkir.",
        progress="Rancangan penataan parkir menunggu persetujuan pengelola gedung.",
    ),
    D(
        at=("monev", "2026-07"),
        title="Pemeriksaan kebersihan toilet dan fasilitas umum setiap minggu",
        responsible=["dpmptsp"],
        due_days=30,
        steps="open@0 done@1",
        open="Daftar periksa kebersihan disusun.",
        done="Pemeriksaan mingguan berjalan dan hasilnya ditempel di setiap toilet.",
    ),
    D(
        at=("rakor", "2026-08"),
        title="Pembentukan tim tanggap darurat gedung MPP",
        responsible=["dpmptsp", "polresta"],
        due_days=30,
        steps="open@0",
        open="Penyelenggara menyiapkan rancangan keputusan pembentukan tim.",
    ),
    D(
        at=("rakor", "2026-08"),
        title="Jadwal pemeliharaan genset dan instalasi listrik gedung",
        responsible=["dpmptsp"],
        due_days=30,
        steps="open@0 cancelled@1",
        open="Subbagian Umum menyusun jadwal pemeliharaan.",
        cancelled="Dibatalkan karena pemeliharaan sudah termasuk dalam kontrak pengelolaan gedung.",
    ),
    D(
        at=("rakor", "2026-09"),
        title="Publikasi data kinerja, agenda, dan keputusan MPP sebagai data terbuka",
        responsible=["dpmptsp"],
        due_days=75,
        steps="open@0 in-progress@1 done@2",
        evidence=True,
        open="Penyelenggara menyiapkan format data dan jadwal pengiriman.",
        progress="Uji coba portal data terbuka dengan data bulan-bulan sebelumnya.",
        done="Portal data terbuka MPP telah diluncurkan.",
    ),
    D(
        at=("dialog", "2026-09"),
        title="Pendampingan perizinan berusaha bagi UMKM setiap hari Kamis",
        responsible=["dpmptsp"],
        due_days=30,
        steps="open@0 done@1",
        open="Jadwal petugas pendamping disusun.",
        done="Pendampingan perizinan bagi UMKM berjalan setiap hari Kamis.",
    ),
    D(
        at=("rakor", "2026-10"),
        title="Penyusunan rencana layanan akhir tahun 2026",
        responsible=["ALL"],
        due_days=50,
        steps="open@0 in-progress@1",
        open="Setiap instansi menyampaikan rencana jadwal petugas Desember 2026.",
        progress="Sebagian besar instansi telah menyampaikan rencana jadwal.",
    ),
    D(
        at=("monev", "2026-10"),
        title="Pemasangan jaringan internet cadangan",
        responsible=["dpmptsp"],
        due_days=20,
        steps="open@0 in-progress@1",
        open="Penyelenggara meminta penawaran dari penyedia jaringan.",
        progress="Penyedia sedang memasang jaringan; tertunda karena perangkat belum tiba.",
    ),
    D(
        at=("rakor", "2026-11"),
        title="Jadwal layanan libur Natal dan Tahun Baru 2026/2027",
        responsible=["ALL"],
        due_days=30,
        steps="open@0",
        open="Setiap instansi menyampaikan jadwal petugas paling lambat 1 Desember 2026.",
    ),
    D(
        at=("fkp", "2026-11"),
        title="Penyusunan standar pelayanan MPP tahun 2027",
        responsible=["dpmptsp"],
        due_days=45,
        steps="open@0",
        open="Tim penyusun merangkum masukan peserta forum.",
    ),
]

AGENCY_DECISIONS = [
    D(
        at=None,
        title="Layanan jemput bola perekaman KTP-el bagi warga lansia dan penyandang disabilitas",
        responsible=["disdukcapil"],
        due_days=60,
        steps="open@0 in-progress@1 done@2",
        evidence=True,
        agency="disdukcapil",
        day=date(2025, 10, 8),
        open="Kelurahan mendata warga yang membutuhkan.",
        progress="Perekaman di rumah warga dimulai di dua kelurahan.",
        done="Perekaman jemput bola telah dilaksanakan di seluruh kelurahan Kecamatan Alam Barajo.",
    ),
    D(
        at=None,
        title="Sosialisasi aktivasi IKD melalui kantor kelurahan",
        responsible=["disdukcapil"],
        due_days=90,
        steps="open@0 in-progress@2 done@4",
        agency="disdukcapil",
        day=date(2025, 10, 8),
        open="Jadwal sosialisasi per kelurahan disusun.",
        progress="Sosialisasi telah berjalan di sebagian kelurahan.",
        done="Sosialisasi telah dilaksanakan di seluruh kelurahan.",
    ),
    D(
        at=None,
        title="Penambahan hari layanan perekaman KTP-el pada hari Sabtu",
        responsible=["disdukcapil"],
        due_days=30,
        steps="open@0 cancelled@1",
        agency="disdukcapil",
        day=date(2026, 2, 4),
        open="Kebutuhan petugas dihitung.",
        cancelled="Dibatalkan karena lonjakan pemohon sudah tertangani dengan penambahan kuota harian.",
    ),
    D(
        at=None,
        title="Penerapan tanda tangan elektronik pada seluruh dokumen kependudukan yang dicetak di gerai",
        responsible=["disdukcapil"],
        due_days=45,
        steps="open@0 in-progress@1",
        agency="disdukcapil",
        day=date(2026, 8, 5),
        open="Sertifikat elektronik petugas diajukan.",
        progress="Sebagian sertifikat elektronik masih menunggu penerbitan.",
    ),
    D(
        at=None,
        title="Loket khusus lansia dan penyandang disabilitas untuk layanan SIM",
        responsible=["polresta"],
        due_days=30,
        steps="open@0 done@1",
        agency="polresta",
        day=date(2025, 11, 14),
        open="Penataan loket disiapkan.",
        done="Loket khusus telah dibuka.",
    ),
    D(
        at=None,
        title="Penambahan perangkat perekam sidik jari untuk layanan SKCK",
        responsible=["polresta"],
        due_days=60,
        steps="open@0 in-progress@2",
        agency="polresta",
        day=date(2026, 5, 8),
        open="Kebutuhan perangkat diajukan ke Polda Jambi.",
        progress="Pengadaan perangkat masih dalam proses di Polda Jambi.",
    ),
    D(
        at=None,
        title="Pengumuman jadwal tes psikologi SIM di papan informasi gerai",
        responsible=["polresta"],
        due_days=14,
        steps="done@0",
        agency="polresta",
        day=date(2026, 5, 8),
        done="Jadwal tes psikologi telah diumumkan di papan informasi.",
    ),
    D(
        at=None,
        title="Penambahan satu loket pengesahan STNK roda empat pada jam sibuk",
        responsible=["samsat"],
        due_days=45,
        steps="open@0 in-progress@1 done@2",
        agency="samsat",
        day=date(2026, 1, 14),
        open="Petugas tambahan disiapkan.",
        progress="Uji coba loket tambahan berjalan.",
        done="Loket tambahan beroperasi setiap hari pukul 08.00–12.00.",
    ),
    D(
        at=None,
        title="Percepatan perbaikan pipa distribusi di Kecamatan Kota Baru",
        responsible=["pdam"],
        due_days=60,
        steps="open@0 in-progress@1 in-progress@3:progress2 done@5",
        evidence=True,
        agency="pdam",
        day=date(2026, 3, 4),
        open="Tim teknis memetakan titik kebocoran.",
        progress="Penggantian pipa tahap pertama dikerjakan.",
        progress2="Penggantian pipa tahap kedua tertunda karena cuaca.",
        done="Penggantian pipa selesai dan aliran air kembali normal.",
    ),
    D(
        at=None,
        title="Penyampaian informasi gangguan air melalui media sosial dan papan pengumuman gerai",
        responsible=["pdam"],
        due_days=14,
        steps="open@0 done@1",
        agency="pdam",
        day=date(2026, 3, 4),
        open="Format pengumuman disusun.",
        done="Informasi gangguan diumumkan setiap hari.",
    ),
    D(
        at=None,
        title="Pemeriksaan ulang meter air atas pengaduan tagihan yang tidak wajar",
        responsible=["pdam", "lpksm"],
        due_days=30,
        steps="open@0 in-progress@1 done@2",
        agency="pdam",
        day=date(2026, 8, 13),
        open="Daftar pengaduan tagihan dikumpulkan.",
        progress="Pemeriksaan meter air dilakukan bersama LPKSM.",
        done="Seluruh meter air yang diadukan telah diperiksa; tagihan yang keliru dikoreksi.",
    ),
    D(
        at=None,
        title="Pendampingan aktivasi Mobile JKN bagi peserta lansia di gerai",
        responsible=["bpjs-kesehatan"],
        due_days=30,
        steps="open@0 done@1",
        agency="bpjs-kesehatan",
        day=date(2026, 1, 20),
        open="Petugas pendamping ditunjuk.",
        done="Pendampingan berjalan setiap hari kerja.",
    ),
    D(
        at=None,
        title="Penambahan meja asistensi SPT Tahunan selama Maret 2026",
        responsible=["kpp-pratama", "dpmptsp"],
        due_days=20,
        steps="open@0 done@1",
        agency="kpp-pratama",
        day=date(2026, 2, 12),
        open="Penyelenggara menyiapkan tempat.",
        done="Dua meja asistensi tambahan dibuka selama Maret 2026.",
    ),
    D(
        at=None,
        title="Penambahan kuota permohonan paspor pada hari Sabtu selama Juli 2026",
        responsible=["imigrasi"],
        due_days=20,
        steps="open@0 done@1",
        agency="imigrasi",
        day=date(2026, 6, 11),
        open="Jadwal petugas hari Sabtu disusun.",
        done="Layanan paspor hari Sabtu dibuka selama Juli 2026.",
    ),
    D(
        at=None,
        title="Pembukaan layanan pembayaran PBB-P2 pada hari Sabtu menjelang jatuh tempo",
        responsible=["bpprd", "bank-jambi"],
        due_days=30,
        steps="open@0 done@1",
        agency="bpprd",
        day=date(2026, 8, 20),
        open="Bank Jambi menyiapkan petugas kasir.",
        done="Layanan pembayaran PBB-P2 dibuka setiap Sabtu pada September 2026.",
    ),
]
FOLLOW_UP_KEY = {"open": "open", "in-progress": "progress", "done": "done", "cancelled": "cancelled"}


def decision_meeting(plan: DecisionPlan) -> tuple[str, date]:
    """The agenda_id and date of the meeting a decision came from ('' when none)."""
    if plan.at is not None:
        return MEETINGS[(ORGANIZER, *plan.at)]
    key = (plan.agency, "fixed", plan.day.isoformat())
    return MEETINGS[key] if key in MEETINGS else ("", plan.day)


def completion_day(r: random.Random, period: str, since: date) -> date:
    """A workday in ``period`` not before ``since`` (and before the early files were sent)."""
    days = [d for d in workdays(period) if d >= since and d <= date(2026, 11, 20)]
    return r.choice(days) if days else since


def build_decision(plan: DecisionPlan) -> None:
    """Turn a plan into a Record with one reported row per status change."""
    agenda_id, day = decision_meeting(plan)
    start = period_of(day)
    decision_id = new_id("KP", plan.agency, start)
    r = rng("decision", plan.agency, decision_id)
    base = {
        "decision_id": decision_id,
        "date": day.isoformat(),
        "agenda_id": agenda_id,
        "title": plan.title,
        "description": plan.description,
        "responsible": ";".join(who(day, list(plan.responsible))),
        "due_date": (day + timedelta(plan.due_days)).isoformat(),
        "completed_on": "",
        "evidence_url": "",
    }
    record = Record(plan.agency, decision_id)
    for token in plan.steps.split():
        status, _, rest = token.partition("@")
        offset, _, key = rest.partition(":")
        period = shift(start, int(offset))
        if period not in reporting_periods(plan.agency):
            break
        row = dict(base, status=status, follow_up=plan.follow_up[key or FOLLOW_UP_KEY[status]])
        if status == "done":
            row["completed_on"] = completion_day(r, period, day).isoformat()
            if plan.evidence:
                row["evidence_url"] = f"{EVIDENCE}/{plan.agency}/{decision_id}.pdf"
        record.versions[period] = row
    DECISIONS[plan.agency].append(record)


def build_decisions() -> None:
    """All decisions, in a fixed order (identifiers depend on it)."""
    plans = sorted(ORG_DECISIONS + AGENCY_DECISIONS, key=lambda p: (p.agency, decision_meeting(p)[1]))
    for plan in plans:
        build_decision(plan)


# ---------------------------------------------------------------- what arrives, and how

MISSING: list[tuple[str, str, tuple[str, ...]]] = [
    ("2025-12", "notaris-ppat", TABLES),  # forgot the whole month
    ("2026-02", "lbh", TABLES),
    ("2026-04", "disnaker", TABLES),
    ("2026-10", "kejari", TABLES),  # October not received as of 28 November
    ("2026-05", "pdam", ("agendas",)),
    ("2026-08", "pos", ("performance",)),
    ("2026-07", "lpksm", ("decisions",)),
    ("2026-10", "bri", ("agendas", "decisions")),
]
SEMICOLON = {
    ("2026-03", "bpprd", "performance"),
    ("2026-04", "bpprd", "performance"),
    ("2026-05", "bpprd", "performance"),
    ("2026-06", "bpprd", "performance"),
    ("2025-11", "samsat", "performance"),
    ("2025-12", "samsat", "performance"),
    ("2026-08", "pdam", "agendas"),
}  # Excel with Indonesian regional settings
BOM = {
    ("2025-10", "disnaker", "performance"),
    ("2025-11", "disnaker", "performance"),
    ("2025-12", "disnaker", "performance"),
    ("2026-09", "pa-jambi", "agendas"),
    ("2026-02", "bpjs-tk", "decisions"),  # header only
    ("2025-11", "polresta", "decisions"),
}
XLSX = {
    ("2026-04", "bpjs-kesehatan", "performance"),
    ("2026-09", "taspen", "performance"),
    ("2026-08", "kemenag", "agendas"),
}
CP1252 = {("2026-05", "kejari", "agendas")}  # old Excel "CSV (comma delimited)": curly quotes and dashes
TITLE_HEADERS = {("2026-02", "pln", "performance")}  # 'Period ,Agency_Code ,...': allowed
NO_NOTES = {("2026-01", "pegadaian", "performance")}  # optional column left out: allowed
SPECIAL = SEMICOLON | BOM | XLSX | CP1252 | TITLE_HEADERS | NO_NOTES

# Rejected first, corrected later: the file under submissions/ is the corrected one; the
# rejected bytes are kept under history/ and both versions are in receipts.csv.
CORRECTED: list[tuple[str, str, str, str, int]] = [  # period, agency, table, error, days until correction
    ("2025-11", "imigrasi", "performance", "cws_gt_completed", 2),  # sent on the 10th, corrected after the deadline
    ("2026-03", "kpp-pratama", "performance", "wrong_period", 9),  # corrected after the deadline
    ("2026-07", "dpmptsp", "decisions", "status_selesai", 1),  # corrected before the deadline
    ("2026-10", "disdukcapil", "performance", "u_missing", 3),  # corrected before the deadline
]
EXPLICIT_INJECTIONS = {("2025-12", "samsat", "performance"): "thousands_sep"}  # '1.245' in a ';' file
# Clerk errors to spread over the sample; the scarcest targets (decisions files with rows,
# agendas files) are placed first.
INJECTION_KINDS = (
    ["status_proses", "status_selesai", "status_selesai", "done_no_completed_on", "decision_date_dmy"]
    + ["due_before_date", "unknown_agenda_ref", "completed_on_after_period"]
    + ["held_future", "end_before_start", "dup_agenda_id", "url_no_scheme"]
    + ["date_dmy", "type_enum", "unknown_participant", "time_dot"] * 2
    + ["wrong_period", "foreign_service", "cws_gt_completed", "u_missing", "dash_zero"] * 2
    + ["duplicate_service", "extra_column_ikm", "decimal_comma_quoted"] * 2
    + ["cws_gt_completed", "u_ikm_in_u", "thousands_sep", "header_only", "missing_column"]
    + ["agency_mismatch", "u_without_respondents"]
)
LATE_RATE = {"pa-jambi": 0.3, "notaris-ppat": 0.3, "lbh": 0.25, "kejari": 0.2, "pdam": 0.15}
ALIASES = {
    "disdukcapil": "dukcapil",
    "polresta": "polres",
    "atr-bpn": "bpn",
    "kpp-pratama": "kpp",
    "bpjs-kesehatan": "bpjskes",
    "bpjs-tk": "bpjstk",
    "bank-jambi": "bankjambi",
    "dpmptsp": "dpm-ptsp",
    "pa-jambi": "pa",
    "notaris-ppat": "notaris",
    "samsat": "samsat-kota",
    "pdam": "tirta-mayang",
}


@dataclass
class Table:
    """A file's header and rows before it is written out."""

    header: list[str]
    rows: list[Row]


@dataclass(frozen=True)
class Intended:
    """An error put in a file on purpose: where the validator should find it."""

    key: Key
    kind: str
    row: int | None
    field: str | None
    value: str | None


# --- injectors: each mutates a table, returns (row number, field) or None when it does not apply

Found = tuple[int | None, str | None] | None


def pick(r: random.Random, rows: list[Row], test: Callable[[Row], bool] = lambda row: True) -> int | None:
    """Index of a random row that passes ``test``."""
    found = [i for i, row in enumerate(rows) if test(row)]
    return r.choice(found) if found else None


def set_cell(
    t: Table,
    r: random.Random,
    field_name: str,
    value: Callable[[Row], str],
    test: Callable[[Row], bool] = lambda row: True,
) -> tuple[int, str] | None:
    """Set one field of a random matching row; return its spreadsheet row and field."""
    i = pick(r, t.rows, test)
    if i is None:
        return None
    t.rows[i][field_name] = value(t.rows[i])
    return i + 2, field_name


def surveyed(row: Row) -> bool:
    """True when the row has survey answers."""
    return row["survey_respondents"] not in ("", "0")


def inj_wrong_period(t: Table, r: random.Random, key: Key) -> Found:
    """A row still carries last month's period (file copied from the month before)."""
    return set_cell(t, r, "period", lambda row: shift(key[0], -1))


def inj_foreign_service(t: Table, r: random.Random, key: Key) -> Found:
    """A service code of another agency."""
    others = [s["service_code"] for a in sorted(SERVICES) if a != key[1] for s in SERVICES[a]]
    return set_cell(t, r, "service_code", lambda row: r.choice(others))


def inj_cws_gt_completed(t: Table, r: random.Random, key: Key) -> Found:
    """completed_within_standard larger than applications_completed (columns mixed up)."""

    def bigger(row: Row) -> str:
        received, completed = int(row["applications_received"]), int(row["applications_completed"])
        return str(received if received > completed else completed + 3)

    return set_cell(t, r, "completed_within_standard", bigger)


def inj_u_missing(t: Table, r: random.Random, key: Key) -> Found:
    """One survey element left empty although there were respondents."""
    name = f"u{r.randint(1, 9)}"
    return set_cell(t, r, name, lambda row: "", surveyed)


def inj_u_ikm_in_u(t: Table, r: random.Random, key: Key) -> Found:
    """The IKM value typed into u9 (outside 1-4)."""
    return set_cell(t, r, "u9", lambda row: f"{25 * sum(float(row[f'u{i}']) for i in range(1, 10)) / 9:.2f}", surveyed)


def inj_thousands_sep(t: Table, r: random.Random, key: Key) -> Found:
    """An integer written with a thousands separator ('1.245')."""
    return set_cell(
        t,
        r,
        "applications_received",
        lambda row: f"{int(row['applications_received']):,}".replace(",", "."),
        lambda row: int(row["applications_received"]) >= 1000,
    )


def inj_dash_zero(t: Table, r: random.Random, key: Key) -> Found:
    """'-' typed for zero complaints."""
    found = set_cell(t, r, "complaints_received", lambda row: "-", lambda row: row["complaints_received"] == "0")
    if found:
        t.rows[found[0] - 2]["complaints_resolved"] = "-"
    return found


def inj_duplicate_service(t: Table, r: random.Random, key: Key) -> Found:
    """The same service reported twice."""
    i = pick(r, t.rows)
    t.rows.insert(i + 1, dict(t.rows[i]))
    return i + 3, "service_code"


def inj_extra_column_ikm(t: Table, r: random.Random, key: Key) -> Found:
    """An extra 'ikm' column added by the clerk."""
    t.header.insert(t.header.index("u9") + 1, "ikm")
    for row in t.rows:
        row["ikm"] = f"{25 * sum(float(row[f'u{i}']) for i in range(1, 10)) / 9:.2f}" if surveyed(row) else ""
    return 1, "ikm"


def inj_decimal_comma_quoted(t: Table, r: random.Random, key: Key) -> Found:
    """A decimal comma in a comma-delimited file ('12,5')."""
    return set_cell(
        t,
        r,
        "avg_wait_minutes",
        lambda row: row["avg_wait_minutes"].replace(".", ","),
        lambda row: row["avg_wait_minutes"] != "",
    )


def inj_header_only(t: Table, r: random.Random, key: Key) -> Found:
    """A performance file with the header row and no data."""
    t.rows.clear()
    return None, None


def inj_missing_column(t: Table, r: random.Random, key: Key) -> Found:
    """The required column complaints_resolved deleted."""
    t.header.remove("complaints_resolved")
    return 1, "complaints_resolved"


def inj_agency_mismatch(t: Table, r: random.Random, key: Key) -> Found:
    """A nickname instead of the agency code on every row."""
    if key[1] not in ALIASES:
        return None
    for row in t.rows:
        row["agency_code"] = ALIASES[key[1]]
    return 2, "agency_code"


def inj_u_without_respondents(t: Table, r: random.Random, key: Key) -> Found:
    """Survey elements filled in although nobody answered the survey."""
    i = pick(r, t.rows, lambda row: not surveyed(row))
    if i is None:
        return None
    t.rows[i].update({f"u{n}": v for n, v in enumerate(survey(r, 85.0), start=1)})
    return i + 2, "u1"


def inj_date_dmy(t: Table, r: random.Random, key: Key) -> Found:
    """A date typed as DD/MM/YYYY."""
    return set_cell(t, r, "date", lambda row: date.fromisoformat(row["date"]).strftime("%d/%m/%Y"))


def inj_type_enum(t: Table, r: random.Random, key: Key) -> Found:
    """An Indonesian word instead of the type code."""
    return set_cell(t, r, "type", lambda row: "rapat" if row["type"] == "coordination" else "sosialisasi")


def inj_unknown_participant(t: Table, r: random.Random, key: Key) -> Found:
    """A nickname instead of an agency code among the participants."""

    def alias(row: Row) -> str:
        codes = row["participants"].split(";")
        known = [c for c in codes if c in ALIASES]
        return ";".join(ALIASES[c] if c == known[0] else c for c in codes)

    return set_cell(t, r, "participants", alias, lambda row: any(c in ALIASES for c in row["participants"].split(";")))


def inj_time_dot(t: Table, r: random.Random, key: Key) -> Found:
    """A time written the Indonesian way ('09.00')."""
    return set_cell(
        t, r, "start_time", lambda row: row["start_time"].replace(":", "."), lambda row: row["start_time"] != ""
    )


def inj_held_future(t: Table, r: random.Random, key: Key) -> Found:
    """Next month's meeting marked as held."""
    return set_cell(
        t,
        r,
        "status",
        lambda row: "held",
        lambda row: row["status"] == "planned" and row["date"] > last_day(key[0]).isoformat(),
    )


def inj_end_before_start(t: Table, r: random.Random, key: Key) -> Found:
    """Start and end time swapped."""

    def swap(row: Row) -> str:
        row["start_time"], end = row["end_time"], row["start_time"]
        return end

    return set_cell(t, r, "end_time", swap, lambda row: row["start_time"] != "" and row["end_time"] != "")


def inj_dup_agenda_id(t: Table, r: random.Random, key: Key) -> Found:
    """Two meetings given the same agenda_id."""
    if len(t.rows) < 2:
        return None
    t.rows[-1]["agenda_id"] = t.rows[0]["agenda_id"]
    return len(t.rows) + 1, "agenda_id"


def inj_url_no_scheme(t: Table, r: random.Random, key: Key) -> Found:
    """A minutes link without https://."""
    return set_cell(
        t,
        r,
        "minutes_url",
        lambda row: f"mpp.jambikota.go.id/dokumen/notulen/{row['agenda_id']}.pdf",
        lambda row: row["status"] == "held",
    )


def inj_status_selesai(t: Table, r: random.Random, key: Key) -> Found:
    """'selesai' instead of 'done'."""
    return set_cell(t, r, "status", lambda row: "selesai", lambda row: row["status"] == "done")


def inj_status_proses(t: Table, r: random.Random, key: Key) -> Found:
    """'proses' instead of 'in-progress'."""
    return set_cell(t, r, "status", lambda row: "proses", lambda row: row["status"] == "in-progress")


def inj_done_no_completed_on(t: Table, r: random.Random, key: Key) -> Found:
    """A done decision without completed_on."""
    return set_cell(t, r, "completed_on", lambda row: "", lambda row: row["status"] == "done")


def inj_decision_date_dmy(t: Table, r: random.Random, key: Key) -> Found:
    """A decision date typed as DD/MM/YYYY."""
    return set_cell(t, r, "date", lambda row: date.fromisoformat(row["date"]).strftime("%d/%m/%Y"))


def inj_due_before_date(t: Table, r: random.Random, key: Key) -> Found:
    """A due date a week before the decision date."""
    return set_cell(t, r, "due_date", lambda row: (date.fromisoformat(row["date"]) - timedelta(7)).isoformat())


def inj_unknown_agenda_ref(t: Table, r: random.Random, key: Key) -> Found:
    """A mistyped agenda_id ('AG-202605-01')."""
    return set_cell(
        t,
        r,
        "agenda_id",
        lambda row: row["agenda_id"].replace("-", "", 2).replace("AG", "AG-", 1),
        lambda row: row["agenda_id"] != "",
    )


def inj_completed_on_after_period(t: Table, r: random.Random, key: Key) -> Found:
    """completed_on in the next month (the planned date, not the real one)."""
    later = (last_day(key[0]) + timedelta(5)).isoformat()
    return set_cell(t, r, "completed_on", lambda row: later, lambda row: row["status"] == "done")


INJECTORS: dict[str, tuple[str, Callable]] = {
    name[4:]: (table, fn)
    for table, names in {
        "performance": [
            "inj_wrong_period",
            "inj_foreign_service",
            "inj_cws_gt_completed",
            "inj_u_missing",
            "inj_u_ikm_in_u",
            "inj_thousands_sep",
            "inj_dash_zero",
            "inj_duplicate_service",
            "inj_extra_column_ikm",
            "inj_decimal_comma_quoted",
            "inj_header_only",
            "inj_missing_column",
            "inj_agency_mismatch",
            "inj_u_without_respondents",
        ],
        "agendas": [
            "inj_date_dmy",
            "inj_type_enum",
            "inj_unknown_participant",
            "inj_time_dot",
            "inj_held_future",
            "inj_end_before_start",
            "inj_dup_agenda_id",
            "inj_url_no_scheme",
        ],
        "decisions": [
            "inj_status_selesai",
            "inj_status_proses",
            "inj_done_no_completed_on",
            "inj_decision_date_dmy",
            "inj_due_before_date",
            "inj_unknown_agenda_ref",
            "inj_completed_on_after_period",
        ],
    }.items()
    for name in names
    for fn in [globals()[name]]
}


def inject(kind: str, key: Key, table: Table) -> Intended | None:
    """Apply one injector to a table (in place); None when it does not apply."""
    r = rng("inject", kind, *key)
    found = INJECTORS[kind][1](table, r, key)
    if found is None:
        return None
    row, name = found
    value = None
    if row and row >= 2 and name and row - 2 < len(table.rows):
        value = table.rows[row - 2].get(name)
    return Intended(key, kind, row, name, value)


# ---------------------------------------------------------------- assembling the files


def expected_keys() -> list[Key]:
    """Every file an agency owes (sample months) plus the early files of this month."""
    keys = [(p, a, t) for a in sorted(AGENCIES) for p in reporting_periods(a) if p != EARLY for t in TABLES]
    keys += [(EARLY, a, t) for a, t in EARLY_FILES]
    return sorted(keys)


def missing_keys() -> set[Key]:
    """Files that never arrived."""
    return {(p, a, t) for p, a, tables in MISSING for t in tables}


def records(agency: str, table: str) -> list[Record]:
    """The agendas or decisions of an agency."""
    return (AGENDAS if table == "agendas" else DECISIONS)[agency]


def base_rows(key: Key) -> list[Row]:
    """The rows an agency reports in a month (before re-sending anything)."""
    period, agency, table = key
    if table == "performance":
        return [dict(row) for row in PERF[(period, agency)]]
    rows = [dict(rec.versions[period]) for rec in records(agency, table) if period in rec.versions]
    return sorted(rows, key=lambda row: (row["date"], row[FIELDS[table][0]]))


def new_agendas_cited(key: Key) -> bool:
    """True when the month's decisions cite an agenda first reported in that same month."""
    period, agency, _ = key
    fresh = {rec.key for rec in AGENDAS[agency] if min(rec.versions) == period}
    cited = {rec.versions[period]["agenda_id"] for rec in DECISIONS[agency] if period in rec.versions}
    return bool(fresh & cited)


def choose_injections(written: set[Key]) -> dict[Key, str]:
    """Pick the files that get a clerk error, spread over agencies and months."""
    chosen = dict(EXPLICIT_INJECTIONS)
    blocked = SPECIAL | {(p, a, t) for p, a, t, _, _ in CORRECTED}
    candidates = sorted(k for k in written if k[0] != EARLY and k not in blocked)
    candidates.sort(key=lambda k: sha256(":".join([SEED, *k]).encode()))  # stable when other files change
    for kind in INJECTION_KINDS:
        table = INJECTORS[kind][0]
        for key in candidates:
            if key[2] == table and key not in chosen and acceptable_target(key, kind, chosen, written):
                chosen[key] = kind
                break
        else:
            raise SystemExit(f"no file found for injection {kind}")
    return chosen


def acceptable_target(key: Key, kind: str, chosen: dict[Key, str], written: set[Key]) -> bool:
    """Whether a clerk error of this kind may go into this file without upsetting other files."""
    period, agency, table = key
    if any((p, a) == (period, agency) for p, a, _ in chosen):
        return False
    if sum(1 for _, a, _ in chosen if a == agency) >= (2 if agency == ORGANIZER else 3):
        return False
    if table != "performance":
        after, before = (shift(period, 1), agency, table), (shift(period, -1), agency, table)
        if after in chosen or before in chosen or (period != PERIODS[-1] and after not in written):
            return False
        if table == "agendas" and new_agendas_cited(key):
            return False
    if kind == "decimal_comma_quoted" and key in SEMICOLON:
        return False
    return inject(kind, key, Table(list(FIELDS[table]), base_rows(key))) is not None


def assemble(written: set[Key], rejected: set[Key]) -> dict[Key, Table]:
    """Contents of every written file; rows of a rejected or missing agendas/decisions file are
    re-sent (in their current state) in the agency's next file."""
    contents = {k: Table(list(FIELDS[k[2]]), base_rows(k)) for k in written if k[2] == "performance"}
    for agency in sorted(AGENCIES):
        for table in ("agendas", "decisions"):
            pending: set[str] = set()
            for period in reporting_periods(agency):
                key = (period, agency, table)
                now = {rec.key for rec in records(agency, table) if period in rec.versions}
                if key not in written:
                    pending |= now
                    continue
                rows = [dict(rec.state_at(period)) for rec in records(agency, table) if rec.key in now | pending]
                rows.sort(key=lambda row: (row["date"], row[FIELDS[table][0]]))
                contents[key] = Table(list(FIELDS[table]), rows)
                pending = (pending | now) if key in rejected else set()
    return contents


# ---------------------------------------------------------------- writing


def file_name(key: Key) -> str:
    """Path of a submission under datasets/."""
    period, agency, table = key
    return f"submissions/{period}/{agency}/{table}.{'xlsx' if key in XLSX else 'csv'}"


def csv_bytes(key: Key, table: Table) -> bytes:
    """A table as the agency's spreadsheet program would have saved it."""
    semicolon = key in SEMICOLON
    header = [h for h in table.header if not (key in NO_NOTES and h == "notes")]
    buffer = io.StringIO()
    excel = semicolon or key in BOM or key in CP1252
    writer = csv.writer(buffer, delimiter=";" if semicolon else ",", lineterminator="\r\n" if excel else "\n")
    writer.writerow([f"{h.title()} " for h in header] if key in TITLE_HEADERS else header)
    for row in table.rows:
        values = [row.get(h, "") for h in header]
        if semicolon:  # decimal comma in number columns
            values = [v.replace(".", ",") if h in NUMBER_FIELDS else v for h, v in zip(header, values)]
        writer.writerow(values)
    text = buffer.getvalue()
    if key in CP1252:
        return text.encode("cp1252")
    return text.encode("utf-8-sig" if key in BOM else "utf-8")


def cell(name: str, value: str) -> object:
    """A typed spreadsheet cell value (empty cells stay empty)."""
    if value == "":
        return None
    if name in INTEGER_FIELDS:
        return int(value)
    if name in NUMBER_FIELDS:
        return float(value)
    if name in DATE_FIELDS:
        return date.fromisoformat(value)
    if name in TIME_FIELDS:
        return time.fromisoformat(value)
    return value


def xlsx_bytes(key: Key, table: Table, saved: datetime) -> bytes:
    """A table as an XLSX workbook with fixed metadata and zip timestamps (deterministic)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = key[2]
    sheet.append(table.header)
    for row in table.rows:
        sheet.append([cell(h, row.get(h, "")) for h in table.header])
    for column in sheet.iter_cols(min_row=2):
        for item in column:
            if isinstance(item.value, date):
                item.number_format = "yyyy-mm-dd"
            elif isinstance(item.value, time):
                item.number_format = "hh:mm"
    stamp = saved.replace(tzinfo=None)
    workbook.properties.creator = workbook.properties.lastModifiedBy = "Operator Gerai"
    workbook.properties.created = workbook.properties.modified = stamp
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return rezip(raw.getvalue(), stamp)


def rezip(data: bytes, stamp: datetime) -> bytes:
    """Copy a zip archive with every entry dated ``stamp`` (openpyxl uses the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def file_bytes(key: Key, table: Table, saved: datetime) -> bytes:
    """The bytes of one submitted file in its format."""
    return xlsx_bytes(key, table, saved) if key in XLSX else csv_bytes(key, table)


# ---------------------------------------------------------------- receipts

WIB = "+07:00"


def late_submissions(written: set[Key]) -> set[tuple[str, str]]:
    """(period, agency) submissions that arrived after the deadline."""
    pairs = sorted({(p, a) for p, a, _ in written if p != EARLY})
    return {(p, a) for p, a in pairs if rng("late", p, a).random() < LATE_RATE.get(a, 0.05)}


def received_at(period: str, agency: str, late: bool, order: int) -> datetime:
    """When the data officer received an agency's files of a month (tables a few minutes apart)."""
    r = rng("received", period, agency)
    if period == EARLY:
        day = date(2026, 11, r.randint(24, 27))
    else:
        month = shift(period, 1)
        days = [d for d in workdays(month) if (d.day > 10 if late else d.day <= 10) and d <= date(2026, 11, 27)]
        day = r.choice(days)
    moment = datetime.combine(day, time(r.randint(8, 15), r.randint(0, 59)))
    return moment + timedelta(minutes=3 * order + r.randint(0, 2))


def stamp(moment: datetime) -> str:
    """ISO 8601 local time with the Jakarta offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + WIB


def sha256(data: bytes) -> str:
    """SHA-256 hex digest."""
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- main


def ikm_grade(row: Row) -> str | None:
    """The contract's IKM grade of a performance row (None without a survey), by the pipeline's own rule."""
    if not surveyed(row):
        return None
    if str(HERE.parent) not in sys.path:  # run as a script: the repository root is not on the path
        sys.path.insert(0, str(HERE.parent))
    from pipeline.core.ikm import ELEMENTS, grade, ikm

    return grade(ikm([Decimal(row[name]) for name in ELEMENTS]))


def write_all() -> dict[str, object]:
    """Build the sample and write submissions/, history/ and receipts.csv; return facts for the summary."""
    build_agendas()
    build_decisions()
    written = set(expected_keys()) - missing_keys()
    injections = choose_injections(written)
    contents = assemble(written, set(injections))
    late = late_submissions(written)
    corrected = {(p, a, t): (kind, days) for p, a, t, kind, days in CORRECTED}
    for folder in ("submissions", "history"):
        shutil.rmtree(HERE / folder, ignore_errors=True)
    receipts: list[tuple[str, str, str]] = []
    intended: list[Intended] = []
    for key in sorted(written):
        table = contents[key]
        when = received_at(key[0], key[1], (key[0], key[1]) in late, TABLES.index(key[2]))
        if key in corrected:
            when = write_rejected_original(key, table, corrected[key][0], when, receipts)
        if key in injections:
            found = inject(injections[key], key, table)
            assert found is not None, key
            intended.append(found)
        data = file_bytes(key, table, when)
        path = HERE / file_name(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        receipts.append((file_name(key), sha256(data), stamp(when)))
    receipts.sort(key=lambda item: (item[2], item[0]))
    with (HERE / "receipts.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "sha256", "received_at"])
        writer.writerows(receipts)
    return {"written": written, "intended": intended, "late": late, "contents": contents, "receipts": receipts}


def write_rejected_original(
    key: Key, table: Table, kind: str, when: datetime, receipts: list[tuple[str, str, str]]
) -> datetime:
    """Keep the first, rejected version under history/; return when the correction arrived."""
    original = Table(list(table.header), [dict(row) for row in table.rows])
    assert inject(kind, key, original) is not None, key
    data = file_bytes(key, original, when)
    path = HERE / "history" / key[0] / key[1] / Path(file_name(key)).name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    receipts.append((file_name(key), sha256(data), stamp(when)))
    days = dict(((p, a, t), d) for p, a, t, _, d in CORRECTED)[key]
    return when + timedelta(days=days, hours=1)


def summary(facts: dict[str, object]) -> str:
    """A short report of what was written."""
    written, intended = facts["written"], facts["intended"]
    late, contents = facts["late"], facts["contents"]
    late_files = [k for k in written if (k[0], k[1]) in late]
    grades: dict[str, int] = {}
    for key, table in contents.items():
        if key[2] == "performance" and key not in {i.key for i in intended}:
            for row in table.rows:
                grade = ikm_grade(row) or "-"
                grades[grade] = grades.get(grade, 0) + 1
    lines = [
        f"files written: {len(written)} ({', '.join(f'{t} {sum(1 for k in written if k[2] == t)}' for t in TABLES)}),"
        f" receipts: {len(facts['receipts'])}",
        f"formats: ';' {len(SEMICOLON)}, BOM {len(BOM)}, xlsx {len(XLSX)}, windows-1252 {len(CP1252)}",
        f"IKM grades of accepted performance rows: {dict(sorted(grades.items()))}",
        f"intended rejections ({len(intended)}, {100 * len(intended) / len(written):.1f}% of files):",
    ]
    lines += [f"  {file_name(i.key)}  {i.kind}  row={i.row} field={i.field} value={i.value!r}" for i in intended]
    lines.append(f"missing ({len(missing_keys())}): " + ", ".join(f"{p}/{a}/{t}" for p, a, t in sorted(missing_keys())))
    lines.append(
        f"late files: {len(late_files)} ({100 * len(late_files) / len(written):.1f}%) in "
        f"{len(late)} submissions: " + ", ".join(f"{p}/{a}" for p, a in sorted(late))
    )
    lines.append(
        "rejected then corrected (history/): " + ", ".join(f"{p}/{a}/{t} ({k})" for p, a, t, k, _ in CORRECTED)
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(write_all()))
