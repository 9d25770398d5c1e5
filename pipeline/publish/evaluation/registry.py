"""Every evaluation indicator, defined once: name, formula, unit, direction, target and computation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pipeline.core.config import Targets
from pipeline.publish.evaluation import accountability, collaboration, discipline, service
from pipeline.publish.evaluation.evidence import AGENCY, MALL, SECTOR, SERVICE, Evidence, Selection
from pipeline.publish.evaluation.measure import Measure

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"  # which way is better
ALL_SCOPES = (MALL, SECTOR, AGENCY)
SERVICE_SCOPES = (*ALL_SCOPES, SERVICE)  # service quality is also computed for each service
GROUPS = {  # id -> (Indonesian, English), in the order pages show them
    "collaboration": ("Kolaborasi", "Collaboration"),
    "accountability": ("Akuntabilitas", "Accountability"),
    "discipline": ("Disiplin data", "Data discipline"),
    "service": ("Mutu layanan", "Service quality"),
}
UNITS = {  # id -> (Indonesian, English)
    "count": ("jumlah", "count"), "percent": ("persen", "percent"), "days": ("hari", "days"),
    "minutes": ("menit", "minutes"), "ratio": ("per keputusan", "per decision"), "index": ("indeks", "index"),
}


@dataclass(frozen=True)
class Target:
    """A target from portal.toml: at least (``min``) or at most (``max``) a value, for some scopes."""

    kind: str  # "min" or "max"
    value: Callable[[Targets, int], Decimal | int | None]  # (targets, months in the period) -> target
    scopes: tuple[str, ...] = ALL_SCOPES

    def of(self, targets: Targets, months: int) -> Decimal | int | None:
        """The target for a period of ``months`` months (None: no target set)."""
        return self.value(targets, months)

    def met(self, value: Decimal | int | None, target: Decimal | int | None) -> bool | None:
        """Whether a value meets the target (None without a value or a target)."""
        if value is None or target is None:
            return None
        return value >= target if self.kind == "min" else value <= target


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it is called, how it is computed, in what unit, which way is better."""

    id: str
    group: str
    name_id: str
    name_en: str
    formula_id: str
    formula_en: str
    unit: str
    direction: str
    source: str  # the table whose files the agencies in scope owe for it (coverage and gaps)
    compute: Callable[[Evidence, Selection], Measure]
    scopes: tuple[str, ...] = ALL_SCOPES
    target: Target | None = None


def _coordination(t: Targets, months: int) -> int | None:
    return t.target_coordination_meetings * months if t.target_coordination_meetings else None


INDICATORS: tuple[Indicator, ...] = (
    # --- collaboration ---
    Indicator("meetings-coordination", "collaboration", "Rapat koordinasi antarinstansi terlaksana",
              "Inter-agency coordination meetings held",
              "jumlah agenda berjenis coordination, berstatus held, dengan sedikitnya dua instansi "
              "(penyelenggara dan peserta), bertanggal dalam periode",
              "number of agendas of type coordination, status held, bringing together at least two "
              "agencies (organiser and participants), dated in the period",
              "count", HIGHER, "agendas", collaboration.meetings_of("coordination"),
              target=Target("min", _coordination, (MALL,))),
    Indicator("meetings-dialogue", "collaboration", "Dialog tatap muka antarinstansi terlaksana",
              "Inter-agency face-to-face dialogues held",
              "jumlah agenda berjenis dialogue, berstatus held, dengan sedikitnya dua instansi, "
              "bertanggal dalam periode",
              "number of agendas of type dialogue, status held, with at least two agencies, dated in the period",
              "count", HIGHER, "agendas", collaboration.meetings_of("dialogue")),
    Indicator("meetings-joint-other", "collaboration", "Pertemuan antarinstansi lain terlaksana",
              "Other inter-agency meetings held",
              "jumlah agenda berjenis monitoring-evaluation, public-consultation, staff-development atau other, "
              "berstatus held, dengan sedikitnya dua instansi, bertanggal dalam periode",
              "number of agendas of type monitoring-evaluation, public-consultation, staff-development or other, "
              "status held, with at least two agencies, dated in the period",
              "count", HIGHER, "agendas", collaboration.meetings_of(*collaboration.JOINT_OTHER)),
    Indicator("meetings-outreach", "collaboration", "Sosialisasi terlaksana", "Outreach sessions held",
              "jumlah agenda berjenis outreach berstatus held, bertanggal dalam periode (dihitung terpisah "
              "dari pertemuan antarinstansi)",
              "number of agendas of type outreach, status held, dated in the period (counted apart from "
              "inter-agency meetings)",
              "count", NEUTRAL, "agendas", collaboration.outreach),
    Indicator("meetings-held-share", "collaboration", "Agenda yang terlaksana", "Agendas held",
              "agenda berstatus held ÷ semua agenda bertanggal dalam periode × 100",
              "agendas with status held ÷ all agendas dated in the period × 100",
              "percent", HIGHER, "agendas", collaboration.held_share),
    Indicator("meetings-postponed", "collaboration", "Agenda ditunda", "Agendas postponed",
              "jumlah agenda berstatus postponed, bertanggal dalam periode",
              "number of agendas with status postponed, dated in the period",
              "count", LOWER, "agendas", collaboration.with_status("postponed")),
    Indicator("meetings-cancelled", "collaboration", "Agenda dibatalkan", "Agendas cancelled",
              "jumlah agenda berstatus cancelled, bertanggal dalam periode",
              "number of agendas with status cancelled, dated in the period",
              "count", LOWER, "agendas", collaboration.with_status("cancelled")),
    Indicator("invitations", "collaboration", "Undangan ke pertemuan terlaksana", "Invitations to meetings held",
              "jumlah pasangan (instansi, agenda berstatus held) dengan instansi tercantum di kolom participants",
              "number of (agency, agenda with status held) pairs where the agency is listed in participants",
              "count", NEUTRAL, "agendas", collaboration.invitations),
    Indicator("attendance-rate", "collaboration", "Kehadiran atas undangan", "Invitations attended",
              "undangan yang instansinya tercantum di kolom attendees ÷ undangan ke agenda berstatus held "
              "yang kehadirannya diketahui (kolom attendees terisi) × 100",
              "invitations whose agency is listed in attendees ÷ invitations to agendas with status held "
              "whose attendance is known (attendees filled) × 100",
              "percent", HIGHER, "agendas", collaboration.attendance_rate),
    Indicator("attendance-unknown", "collaboration", "Undangan tanpa data kehadiran",
              "Invitations with attendance unknown",
              "jumlah undangan ke agenda berstatus held yang kolom attendees-nya kosong atau tidak ada",
              "number of invitations to agendas with status held whose attendees column is empty or absent",
              "count", LOWER, "agendas", collaboration.attendance_unknown),
    Indicator("sectors-present", "collaboration", "Sektor yang hadir", "Sectors present",
              "sektor yang sedikitnya satu instansinya tercantum di attendees suatu agenda berstatus held ÷ "
              "sektor instansi dalam cakupan × 100",
              "sectors with at least one agency listed in the attendees of an agenda with status held ÷ "
              "sectors of the agencies in scope × 100",
              "percent", HIGHER, "agendas", collaboration.sectors_present, scopes=(MALL,)),
    Indicator("agency-pairs", "collaboration", "Pasangan instansi yang bertemu", "Pairs of agencies that met",
              "jumlah pasangan instansi berbeda yang sama-sama tercantum di attendees suatu agenda berstatus held",
              "number of distinct pairs of agencies both listed in the attendees of an agenda with status held",
              "count", HIGHER, "agendas", collaboration.pairs_met, scopes=(MALL, SECTOR)),
    Indicator("partners-met", "collaboration", "Instansi lain yang ditemui", "Other agencies met",
              "jumlah instansi lain yang tercantum di attendees agenda berstatus held yang sama dengan instansi ini",
              "number of other agencies listed in the attendees of an agenda with status held together with "
              "this agency",
              "count", HIGHER, "agendas", collaboration.partners_met, scopes=(AGENCY,)),
    # --- accountability ---
    Indicator("decisions-made", "accountability", "Keputusan dibuat", "Decisions made",
              "jumlah keputusan yang bertanggal dalam periode", "number of decisions dated in the period",
              "count", NEUTRAL, "decisions", accountability.made),
    Indicator("decisions-done-on-time", "accountability", "Keputusan selesai tepat waktu", "Decisions done on time",
              "keputusan berstatus done dengan completed_on paling lambat due_date ÷ keputusan (tidak dibatalkan) "
              "yang due_date-nya dalam periode × 100; status menurut laporan terakhir sampai akhir periode",
              "decisions with status done and completed_on on or before due_date ÷ decisions (not cancelled) "
              "due in the period × 100; status as last reported by the end of the period",
              "percent", HIGHER, "decisions", accountability.done_by_due),
    Indicator("decisions-overdue", "accountability", "Keputusan terlambat", "Decisions overdue",
              "keputusan berstatus open atau in-progress setelah due_date pada akhir periode ÷ keputusan "
              "(tidak dibatalkan) yang due_date-nya paling lambat akhir periode × 100",
              "decisions open or in progress after their due_date at the end of the period ÷ decisions "
              "(not cancelled) due by the end of the period × 100",
              "percent", LOWER, "decisions", accountability.overdue_share),
    Indicator("decisions-long-overdue", "accountability", "Keputusan terlambat melewati batas hari",
              "Decisions overdue beyond the limit",
              "jumlah keputusan yang pada akhir periode terlambat lebih dari target_overdue_days hari",
              "number of decisions overdue by more than target_overdue_days days at the end of the period",
              "count", LOWER, "decisions", accountability.overdue_beyond,
              target=Target("max", lambda t, months: 0)),
    Indicator("days-to-done", "accountability", "Lama penyelesaian keputusan (median)",
              "Days from decision to completion (median)",
              "median (completed_on - date) dalam hari, atas keputusan yang selesai dalam periode",
              "median of (completed_on - date) in days, over the decisions completed in the period",
              "days", LOWER, "decisions", accountability.days_to_done),
    Indicator("steps-per-open-decision", "accountability", "Langkah tindak lanjut per keputusan terbuka",
              "Follow-up steps per open decision",
              "laporan dalam periode yang isi follow_up-nya berbeda dari laporan sebelumnya ÷ keputusan yang "
              "dilaporkan open atau in-progress dalam periode",
              "reports in the period whose follow_up differs from the previous report ÷ decisions reported "
              "open or in progress in the period",
              "ratio", HIGHER, "decisions", accountability.steps_per_open),
    # --- data discipline ---
    Indicator("files-on-time", "discipline", "Berkas tepat waktu", "Files on time",
              "berkas yang diterima paling lambat tanggal batas ÷ berkas yang wajib dikirim atau diterima × 100",
              "files received by the deadline day ÷ files owed or received × 100",
              "percent", HIGHER, "submissions", discipline.on_time,
              target=Target("min", lambda t, months: Decimal(str(t.target_files_on_time_percent)))),
    Indicator("files-late", "discipline", "Berkas terlambat", "Files late",
              "jumlah berkas yang diterima setelah tanggal batas", "number of files received after the deadline day",
              "count", LOWER, "submissions", discipline.late),
    Indicator("files-missing", "discipline", "Berkas tidak dikirim", "Files missing",
              "jumlah berkas wajib yang tidak diterima", "number of files owed and not received",
              "count", LOWER, "submissions", discipline.with_status("missing")),
    Indicator("files-rejected-first", "discipline", "Berkas ditolak pada kiriman pertama",
              "Files rejected at first submission",
              "jumlah berkas wajib yang versi pertamanya ditolak saat diterima (menurut changelog.json), "
              "termasuk yang kemudian diperbaiki dan diterima",
              "number of files owed whose first version was rejected when it arrived (from changelog.json), "
              "including those corrected and accepted later",
              "count", LOWER, "submissions", discipline.rejected_first),
    Indicator("files-rejected", "discipline", "Berkas yang versi terakhirnya ditolak",
              "Files whose latest version was rejected",
              "jumlah berkas yang versi terakhirnya (status di tabel submissions saat terbit) ditolak; berkas "
              "yang ditolak pada kiriman pertama lalu diperbaiki dan diterima tidak dihitung",
              "number of files whose latest version (the status in the submissions table when published) was "
              "rejected; a file rejected at first submission, then corrected and accepted, is not counted",
              "count", LOWER, "submissions", discipline.with_status("rejected")),
    # --- service quality ---
    Indicator("applications", "service", "Permohonan diterima", "Applications received",
              "jumlah applications_received", "sum of applications_received",
              "count", NEUTRAL, "performance", service.applications, scopes=SERVICE_SCOPES),
    Indicator("within-standard", "service", "Selesai sesuai standar pelayanan", "Completed within the standard",
              "jumlah completed_within_standard ÷ jumlah applications_completed × 100",
              "sum of completed_within_standard ÷ sum of applications_completed × 100",
              "percent", HIGHER, "performance", service.within_standard, scopes=SERVICE_SCOPES),
    Indicator("wait-minutes", "service", "Waktu tunggu rata-rata", "Average waiting time",
              "rata-rata avg_wait_minutes berbobot applications_completed",
              "mean of avg_wait_minutes weighted by applications_completed",
              "minutes", LOWER, "performance", service.minutes("avg_wait_minutes"), scopes=SERVICE_SCOPES),
    Indicator("service-minutes", "service", "Waktu layanan rata-rata", "Average service time",
              "rata-rata avg_service_minutes berbobot applications_completed",
              "mean of avg_service_minutes weighted by applications_completed",
              "minutes", LOWER, "performance", service.minutes("avg_service_minutes"), scopes=SERVICE_SCOPES),
    Indicator("complaints-resolved", "service", "Pengaduan diselesaikan", "Complaints resolved",
              "jumlah complaints_resolved ÷ jumlah complaints_received × 100",
              "sum of complaints_resolved ÷ sum of complaints_received × 100",
              "percent", HIGHER, "performance", service.complaints_resolved, scopes=SERVICE_SCOPES),
    Indicator("ikm", "service", "Indeks Kepuasan Masyarakat (IKM)", "Community satisfaction index (IKM)",
              "25 × rata-rata nilai unsur U1–U9 berbobot survey_respondents (PermenPANRB 14/2017), dibulatkan "
              "2 desimal; mutu A ≥ 88,31, B ≥ 76,61, C ≥ 65,00, selebihnya D",
              "25 × the mean of the element scores U1–U9 weighted by survey_respondents (PermenPANRB 14/2017), "
              "rounded to 2 decimals; grade A ≥ 88.31, B ≥ 76.61, C ≥ 65.00, else D",
              "index", HIGHER, "performance", service.ikm, scopes=SERVICE_SCOPES),
)
BY_ID = {i.id: i for i in INDICATORS}
