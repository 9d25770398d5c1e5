"""The rows an agency sends each month: performance per service, its meetings, its decisions and their follow-up.

Every draw comes from ``random.Random`` seeded with the shape's seed and the names of what it
decides (agency, month, purpose), so the same shape always gives the same rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.core import periods
from pipeline.core.ikm import ELEMENTS
from tools.bench.agencies import ORGANISER, Agency, Service
from tools.bench.shape import Shape

Row = dict[str, str]

TOPICS = ["antrean gerai", "pelayanan daring", "standar pelayanan", "pengaduan masyarakat", "kepuasan masyarakat",
          "jadwal petugas", "sarana dan prasarana gedung", "integrasi data kependudukan", "layanan ramah disabilitas",
          "penyederhanaan persyaratan", "keamanan data layanan", "sistem antrean elektronik"]
AUDIENCES = ["pelaku UMKM", "pengemudi ojek daring", "perwakilan RT dan RW", "penyandang disabilitas",
             "mahasiswa", "pengurus koperasi", "kelompok tani", "pengusaha muda"]
VILLAGES = ["Sukamaju", "Talang Banjar", "Pasir Putih", "Kebun Handil", "Rawasari", "Sungai Asam", "Beliung",
            "Murni", "Legok", "Telanaipura"]
SKILLS = ["pelayanan prima", "bahasa isyarat dasar", "penanganan pengaduan", "keamanan informasi",
          "aplikasi antrean baru", "komunikasi publik"]
STEPS = ["Jadwal petugas tambahan disusun dan diumumkan di papan informasi.",
         "Surat edaran disampaikan kepada seluruh petugas gerai.",
         "Perbaikan dikoordinasikan dengan pengelola gedung.",
         "Formulir disederhanakan dan diunggah ke laman instansi.",
         "Hasil evaluasi dilaporkan kepada pimpinan instansi.",
         "Petugas mengikuti pendampingan teknis dari penyelenggara."]
AGENDA_TYPES = ["coordination", "dialogue", "monitoring-evaluation", "public-consultation", "staff-development",
                "outreach", "other"]
AGENDA_FIELDS = ["agenda_id", "date", "start_time", "end_time", "title", "type", "participants", "location",
                 "status", "summary", "minutes_url"]
DECISION_FIELDS = ["decision_id", "date", "agenda_id", "title", "description", "responsible", "follow_up",
                   "due_date", "status", "completed_on", "evidence_url"]
PERFORMANCE_FIELDS = ["period", "agency_code", "service_code", "applications_received", "applications_completed",
                      "completed_within_standard", "avg_wait_minutes", "avg_service_minutes", "complaints_received",
                      "complaints_resolved", "survey_respondents", *ELEMENTS, "notes"]


@dataclass
class Decision:
    """A decision still open: the row last sent, re-sent with its new status when it moves."""

    row: Row
    due: date


@dataclass
class Desk:
    """One agency's clerk: what was planned for next month and which decisions are still open."""

    agency: Agency
    services: list[Service]
    planned: list[Row] = field(default_factory=list)
    open: list[Decision] = field(default_factory=list)


def rng(shape: Shape, *parts: object) -> random.Random:
    """A generator seeded by the shape's seed and the given parts (stable across runs)."""
    return random.Random(":".join([shape.seed, *map(str, parts)]))


def workdays(period: str) -> list[date]:
    """The weekdays of a month."""
    start, end = periods.first_day(period), periods.last_day(period)
    return [start + timedelta(n) for n in range((end - start).days + 1) if (start + timedelta(n)).weekday() < 5]


def performance_rows(shape: Shape, desk: Desk, period: str) -> list[Row]:
    """One row per service: volumes with the season, timeliness, minutes, complaints and the survey."""
    rows = []
    month = int(period[5:])
    season = 1.0 + (0.25 if month in (1, 7) else 0.12 if month in (6, 12) else 0.0)
    for service in desk.services:
        r = rng(shape, "perf", period, service.code)
        received = max(1, round(service.base_volume * season * r.uniform(0.85, 1.15)))
        completed = round(received * r.uniform(0.93, 1.0))
        within = min(completed, round(completed * r.uniform(0.82, 0.99)))
        complaints = sum(1 for _ in range(received // 50) if r.random() < 0.12)
        respondents = round(received * r.uniform(0.1, 0.3)) if r.random() < 0.9 else 0
        mean = r.uniform(3.05, 3.65)
        survey = [f"{min(4.0, max(1.0, mean + r.gauss(0, 0.08))):.2f}" for _ in ELEMENTS] if respondents else [""] * 9
        rows.append({
            "period": period, "agency_code": desk.agency.code, "service_code": service.code,
            "applications_received": str(received), "applications_completed": str(completed),
            "completed_within_standard": str(within),
            "avg_wait_minutes": f"{r.uniform(5, 45):.1f}", "avg_service_minutes": f"{r.uniform(4, 25):.1f}",
            "complaints_received": str(complaints), "complaints_resolved": str(complaints - (r.random() < 0.2 and
                                                                                             complaints > 0)),
            "survey_respondents": str(respondents) if respondents else "",
            **dict(zip(ELEMENTS, survey, strict=True)),
            "notes": r.choice(["", "", "", "", "Sistem antrean gangguan dua hari.",
                               "Petugas tambahan pada pekan terakhir."]),
        })
    return rows


def agenda_rows(shape: Shape, desk: Desk, period: str, everyone: list[str]) -> list[Row]:
    """The month's meetings: last month's plans (now held or put off), new ones, and plans for next month."""
    r = rng(shape, "agendas", desk.agency.code, period)
    code = desk.agency.code
    days = workdays(period)
    rows: list[Row] = []
    for planned in desk.planned:  # what was announced last month, now reported again
        rows.append({**planned, "status": r.choices(["held", "postponed", "cancelled"], [0.85, 0.1, 0.05])[0]})
    desk.planned = []
    count = r.choices([0, 1, 2, 3, 4, 5, 6], [0.06, 0.12, 0.2, 0.24, 0.2, 0.12, 0.06])[0]
    if code == ORGANISER:
        count += 1
    for n in range(1, count + 1):
        day = r.choice(days)
        rows.append(_agenda(shape, r, desk, f"AG-{period}-{n:02d}", day, "held", everyone,
                            monthly=code == ORGANISER and n == 1))
    if r.random() < 0.4:  # announced now, held next month
        day = r.choice(workdays(periods.shift(period, 1)))
        plan = _agenda(shape, r, desk, f"AG-{period}-{count + 1:02d}", day, "planned", everyone, monthly=False)
        rows.append(plan)
        desk.planned.append(plan)
    return rows


def _agenda(shape: Shape, r: random.Random, desk: Desk, agenda_id: str, day: date, status: str,
            everyone: list[str], monthly: bool) -> Row:
    """One meeting row."""
    kind = "coordination" if monthly else r.choice(AGENDA_TYPES)
    topic, village = r.choice(TOPICS), r.choice(VILLAGES)
    titles = {
        "coordination": f"Rapat koordinasi {topic}",
        "dialogue": f"Dialog tatap muka dengan {r.choice(AUDIENCES)} tentang {topic}",
        "monitoring-evaluation": f"Monitoring dan evaluasi {topic}",
        "public-consultation": f"Forum konsultasi publik standar pelayanan {desk.services[0].name}",
        "staff-development": f"Pelatihan petugas gerai: {r.choice(SKILLS)}",
        "outreach": f"Sosialisasi {topic} di Kelurahan {village}",
        "other": f"Kunjungan kerja ke gerai mitra tentang {topic}",
    }
    if monthly:
        title = f"Rapat Koordinasi Bulanan Penyelenggara dan Instansi Pengisi Gerai MPP ({day.isoformat()[:7]})"
        participants = everyone
    else:
        title = titles[kind]
        others = [a for a in everyone if a != desk.agency.code]
        participants = [desk.agency.code, *sorted(r.sample(others, min(len(others), r.randint(0, 4))))]
    start = r.choice(["08:30", "09:00", "09:30", "10:00", "13:30", "14:00"])
    hours = r.choice([1, 2, 2, 3])
    end = f"{int(start[:2]) + hours:02d}:{start[3:]}"
    place = (f"Kantor Kelurahan {village}" if kind == "outreach"
             else r.choice([f"Ruang Rapat Lantai 2 Gedung MPP {shape.city}", "Aula Gerai",
                            f"Ruang rapat {desk.agency.code.upper()}"]))
    summary = ("" if status == "planned" else
               f"Dihadiri {len(participants)} instansi.\n\n**Pokok bahasan:**\n\n- {topic.capitalize()}\n"
               f"- Tindak lanjut bulan lalu\n- {r.choice(TOPICS).capitalize()}")
    minutes = "" if status == "planned" or r.random() < 0.4 else \
        f"https://{desk.agency.code}.{shape.slug}.go.id/notulen/{agenda_id.lower()}.pdf"
    return {"agenda_id": agenda_id, "date": day.isoformat(), "start_time": start, "end_time": end,
            "title": title, "type": kind, "participants": ";".join(participants), "location": place,
            "status": status, "summary": summary, "minutes_url": minutes}


def decision_rows(shape: Shape, desk: Desk, period: str, agendas: list[Row]) -> list[Row]:
    """New decisions of the month's meetings, and the follow-up of earlier ones whose status moved."""
    r = rng(shape, "decisions", desk.agency.code, period)
    end = periods.last_day(period)
    rows: list[Row] = []
    still_open = []
    for decision in desk.open:
        if r.random() >= 0.35:
            still_open.append(decision)
            continue
        row = dict(decision.row)
        start = max(date.fromisoformat(row["date"]), periods.first_day(period))
        if r.random() < 0.6 or decision.due <= end:
            row.update(status="done", completed_on=(start + timedelta(r.randint(0, (end - start).days))).isoformat(),
                       follow_up=r.choice(STEPS),
                       evidence_url=f"https://{desk.agency.code}.{shape.slug}.go.id/bukti/{row['decision_id'].lower()}")
        else:
            row.update(status="in-progress", follow_up=r.choice(STEPS))
            still_open.append(Decision(row, decision.due))
        rows.append(row)
    held = [a for a in agendas if a["status"] == "held" and a["date"].startswith(period)]
    for n, agenda in enumerate((a for a in held if r.random() < 0.35), start=1):
        day = date.fromisoformat(agenda["date"])
        due = day + timedelta(r.choice([14, 30, 45, 60, 90]))
        responsible = [desk.agency.code, *agenda["participants"].split(";")[1:2]]
        row = {"decision_id": f"KP-{period}-{n:02d}", "date": day.isoformat(), "agenda_id": agenda["agenda_id"],
               "title": f"Tindak lanjut: {agenda['title'][:150].lower()}",
               "description": "Disepakati dalam rapat; rincian pada notulen." if r.random() < 0.5 else "",
               "responsible": ";".join(dict.fromkeys(responsible)), "follow_up": "Disusun rencana kerja.",
               "due_date": due.isoformat(), "status": "open", "completed_on": "", "evidence_url": ""}
        rows.append(row)
        still_open.append(Decision(row, due))
    desk.open = still_open
    return rows
