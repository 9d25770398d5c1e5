"""The agencies and services of a generated mall: the kinds that serve in Indonesian MPPs, of all six sectors."""

from __future__ import annotations

from dataclasses import dataclass

from tools.bench.shape import Shape

# (code, Indonesian name, English name) per sector; a mall takes them round-robin over the
# sectors, so that even a small one has every sector. "{city}" is the mall's city.
KINDS: dict[str, list[tuple[str, str, str]]] = {
    "regional-government": [
        ("dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu {city}",
         "Investment and One-Stop Services Office of {city}"),
        ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil {city}", "Civil Registration Office of {city}"),
        ("bapenda", "Badan Pendapatan Daerah {city}", "Regional Revenue Agency of {city}"),
        ("dishub", "Dinas Perhubungan {city}", "Transport Office of {city}"),
        ("disnaker", "Dinas Tenaga Kerja {city}", "Manpower Office of {city}"),
        ("dinkes", "Dinas Kesehatan {city}", "Health Office of {city}"),
        ("dinsos", "Dinas Sosial {city}", "Social Affairs Office of {city}"),
        ("disdik", "Dinas Pendidikan {city}", "Education Office of {city}"),
        ("dlh", "Dinas Lingkungan Hidup {city}", "Environment Office of {city}"),
        ("diskop", "Dinas Koperasi dan Usaha Mikro {city}", "Cooperatives and Micro Business Office of {city}"),
        ("disdag", "Dinas Perdagangan {city}", "Trade Office of {city}"),
        ("dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang {city}",
         "Public Works and Spatial Planning Office of {city}"),
        ("perkim", "Dinas Perumahan dan Kawasan Permukiman {city}", "Housing and Settlements Office of {city}"),
        ("distan", "Dinas Pertanian dan Ketahanan Pangan {city}", "Agriculture and Food Security Office of {city}"),
        ("dispar", "Dinas Pariwisata dan Kebudayaan {city}", "Tourism and Culture Office of {city}"),
        ("satpolpp", "Satuan Polisi Pamong Praja {city}", "Civil Service Police Unit of {city}"),
        ("bkpsdm", "Badan Kepegawaian dan Pengembangan SDM {city}", "Civil Service Agency of {city}"),
        ("dp3a", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak {city}",
         "Women's Empowerment and Child Protection Office of {city}"),
        ("diskominfo", "Dinas Komunikasi dan Informatika {city}", "Communication and Informatics Office of {city}"),
        ("damkar", "Dinas Pemadam Kebakaran {city}", "Fire Service of {city}"),
    ],
    "central-government": [
        ("polresta", "Kepolisian Resor Kota {city}", "City Police of {city}"),
        ("imigrasi", "Kantor Imigrasi {city}", "Immigration Office of {city}"),
        ("kpp-pratama", "Kantor Pelayanan Pajak Pratama {city}", "Primary Tax Office of {city}"),
        ("atr-bpn", "Kantor Pertanahan {city}", "Land Office of {city}"),
        ("kemenag", "Kantor Kementerian Agama {city}", "Religious Affairs Office of {city}"),
        ("pa", "Pengadilan Agama {city}", "Religious Court of {city}"),
        ("kejari", "Kejaksaan Negeri {city}", "District Prosecutor's Office of {city}"),
        ("bpom", "Loka Pengawas Obat dan Makanan {city}", "Food and Drug Supervisory Post of {city}"),
        ("bps", "Badan Pusat Statistik {city}", "Statistics Office of {city}"),
        ("kppn", "Kantor Pelayanan Perbendaharaan Negara {city}", "State Treasury Office of {city}"),
        ("samsat", "UPTD Samsat {city}", "Samsat Vehicle Tax Office of {city}"),
        ("bea-cukai", "Kantor Bea dan Cukai {city}", "Customs and Excise Office of {city}"),
    ],
    "state-enterprise": [
        ("bpjs-kesehatan", "BPJS Kesehatan Cabang {city}", "BPJS Health, {city} branch"),
        ("bpjs-tk", "BPJS Ketenagakerjaan Cabang {city}", "BPJS Employment, {city} branch"),
        ("pln", "PT PLN (Persero) UP3 {city}", "PLN electricity, {city} service unit"),
        ("pos", "PT Pos Indonesia Cabang {city}", "Indonesian Post, {city} branch"),
        ("bri", "PT Bank Rakyat Indonesia Cabang {city}", "Bank Rakyat Indonesia, {city} branch"),
        ("bni", "PT Bank Negara Indonesia Cabang {city}", "Bank Negara Indonesia, {city} branch"),
        ("mandiri", "PT Bank Mandiri Cabang {city}", "Bank Mandiri, {city} branch"),
        ("taspen", "PT Taspen Cabang {city}", "Taspen pension fund, {city} branch"),
        ("pegadaian", "PT Pegadaian Cabang {city}", "Pegadaian pawnshop, {city} branch"),
        ("jasa-raharja", "PT Jasa Raharja Cabang {city}", "Jasa Raharja insurance, {city} branch"),
        ("telkom", "PT Telkom Indonesia Witel {city}", "Telkom Indonesia, {city} area"),
        ("pertamina", "PT Pertamina Patra Niaga {city}", "Pertamina fuel, {city} sales area"),
    ],
    "regional-enterprise": [
        ("pdam", "Perumda Air Minum {city}", "Regional Water Company of {city}"),
        ("bank-daerah", "PT Bank Pembangunan Daerah Cabang {city}", "Regional Development Bank, {city} branch"),
        ("bpr", "PT BPR Bank {city}", "Rural Bank of {city}"),
        ("pasar", "Perumda Pasar {city}", "Regional Market Company of {city}"),
        ("parkir", "Perumda Perparkiran {city}", "Regional Parking Company of {city}"),
        ("jamkrida", "PT Jaminan Kredit Daerah {city}", "Regional Credit Guarantee Company of {city}"),
    ],
    "private": [
        ("notaris-ppat", "Ikatan Notaris dan PPAT {city}", "Notaries and Land Deed Officials of {city}"),
        ("kadin", "Kamar Dagang dan Industri {city}", "Chamber of Commerce of {city}"),
        ("asuransi", "Asosiasi Asuransi Umum {city}", "General Insurance Association of {city}"),
        ("apindo", "Asosiasi Pengusaha Indonesia {city}", "Employers' Association of {city}"),
        ("ppjk", "Asosiasi Pengurusan Jasa Kepabeanan {city}", "Customs Brokers' Association of {city}"),
    ],
    "non-government": [
        ("lbh", "Lembaga Bantuan Hukum {city}", "Legal Aid Institute of {city}"),
        ("lpksm", "Lembaga Perlindungan Konsumen Swadaya Masyarakat {city}",
         "Consumer Protection Foundation of {city}"),
        ("baznas", "Badan Amil Zakat Nasional {city}", "National Zakat Agency of {city}"),
        ("pmi", "Palang Merah Indonesia {city}", "Indonesian Red Cross of {city}"),
        ("ombudsman-mitra", "Forum Mitra Ombudsman {city}", "Ombudsman Partners' Forum of {city}"),
    ],
}
SERVICES = [
    ("Penerbitan dokumen", "Issuing documents", "3 hari kerja", 0),
    ("Perpanjangan izin", "Renewing permits", "5 hari kerja", 50000),
    ("Konsultasi dan informasi", "Advice and information", "15 menit", 0),
    ("Pendaftaran", "Registration", "1 hari kerja", 0),
    ("Perubahan data", "Changing records", "2 hari kerja", 0),
    ("Pengaduan layanan", "Service complaints", "14 hari kerja", 0),
    ("Legalisasi salinan", "Certifying copies", "30 menit", 10000),
    ("Pembayaran dan penagihan", "Payments and billing", "20 menit", 0),
    ("Penerbitan surat keterangan", "Issuing certificates", "1 hari kerja", 25000),
    ("Pendampingan pengisian formulir", "Help with forms", "30 menit", 0),
]
ORGANISER = "dpmptsp"


@dataclass(frozen=True)
class Agency:
    """One generated agency: its code, names, sector, counter and website."""

    code: str
    name: str
    name_en: str
    sector: str
    counter: str
    website: str


@dataclass(frozen=True)
class Service:
    """One generated service of an agency."""

    code: str
    agency: str
    name: str
    standard_time: str
    fee: int
    base_volume: int  # applications in an ordinary month


def agencies(shape: Shape) -> list[Agency]:
    """``shape.agencies`` agencies, the organiser first, the sectors taken in turn.

    The kinds of all sectors together make 60 agencies; a larger mall repeats them as
    numbered units (``pdam-2``).
    """
    picked: list[tuple[str, str, str, str]] = []  # (sector, code, name, name_en)
    copy = 1
    while len(picked) < shape.agencies:
        depth = max(len(kinds) for kinds in KINDS.values())
        for level in range(depth):
            for sector, kinds in KINDS.items():
                if level < len(kinds) and len(picked) < shape.agencies:
                    code, name, name_en = kinds[level]
                    unit = "" if copy == 1 else f" (unit {copy})"
                    picked.append((sector, code if copy == 1 else f"{code}-{copy}", name + unit, name_en + unit))
        copy += 1
    domain = f"{shape.slug}.go.id"
    return [Agency(code, name.format(city=shape.city), name_en.format(city=shape.city), sector,
                   f"Gerai {number:02d}", f"https://{code}.{domain}")
            for number, (sector, code, name, name_en) in enumerate(picked, start=1)]


def services(shape: Shape, agency: Agency, index: int) -> list[Service]:
    """``shape.services`` services of one agency, each with its ordinary monthly volume."""
    out = []
    for n in range(shape.services):
        name, _, standard, fee = SERVICES[(index + n) % len(SERVICES)]
        base = 40 + ((index * 37 + n * 53) % 23) * 25  # 40 to 590 applications a month
        out.append(Service(f"{agency.code}-l{n + 1}", agency.code, f"{name} ({agency.code.upper()})",
                           standard, fee, base))
    return out
