"""Every portal.toml setting, declared once: key, type, default, description and checks.

``pipeline.core.config`` reads portal.toml by walking ``SETTINGS``; the README's reference
table (``tools/settings_reference.py``) and the comments of ``datasets/portal.toml`` are
tested against the same list, so a setting cannot be read without being documented.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.core.netaddr import is_loopback
from pipeline.core.periods import PERIOD_RE
from pipeline.core.personal_data import contact_key
from pipeline.core.redact import has_credentials
from pipeline.core.safe_open import Refused, parts

CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
URL_RE = re.compile(r"^https?://[^\s]+$")
# Excel keeps at most 32,767 characters in a cell: a longer one could not be published as XLSX.
EXCEL_CELL_CHARS = 32767
# The languages the site, the feedback pages and the data package are written in: Indonesian
# at /, English under /en/. Every page type is built for both, so 'languages' must name both.
SITE_LANGUAGES = ("id", "en")

# How each type is named in messages and in the README, Indonesian and English.
KINDS: dict[type, tuple[str, str]] = {
    str: ("teks", "a string"), int: ("bilangan bulat", "an integer"), float: ("angka", "a number"),
    list: ("daftar teks", "an array of strings"),
}

# A check yields the problems of a value that already has the right type: the text after
# "portal.toml: 'key' ", Indonesian first. Checks of a setting run in order, up to the first
# that finds a problem.
Check = Callable[[Any], Iterator[str]]


@dataclass(frozen=True)
class Setting:
    """One key of portal.toml: how it is read, checked and documented."""

    key: str  # dotted inside a table: "ckan.url" is ``url`` under ``[ckan]``
    kind: type  # str, int, float (an integer is accepted) or list (of strings)
    default: Any  # when absent; also when broken, so that the other checks still run
    id: str  # description, Indonesian (also the first words of its comment in portal.toml)
    en: str  # description, English
    required: bool = False
    checks: tuple[Check, ...] = ()
    aliases: tuple[str, ...] = ()  # other spellings (from the top level), read with a warning
    env: str | None = None  # an environment variable that overrides the file
    secret: bool = False  # may hold a password: a message never repeats the value
    clean: Callable[[Any], Any] | None = None  # applied before the checks
    derive: Callable[[Mapping[str, Any]], Any] | None = None  # a default from settings read before
    default_doc: str | None = None  # how the README states a derived default

    @property
    def table(self) -> str:
        """The TOML table the key lives in ("" for the top level)."""
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        """The key inside its table."""
        return self.key.rpartition(".")[2]


# --- checks ----------------------------------------------------------------------------------

def _agency_code(value: str) -> Iterator[str]:
    if value and not CODE_RE.match(value):
        yield "harus kode instansi / must be an agency code"


def _deadline_day(value: int) -> Iterator[str]:
    if not 1 <= value <= 28:
        yield "harus 1–28 / must be between 1 and 28"


def _site_languages(value: list[str]) -> Iterator[str]:
    if tuple(value) != SITE_LANGUAGES:
        yield ('harus ["id", "en"]: situs dibuat dalam bahasa Indonesia dan bahasa Inggris / '
               f'must be ["id", "en"]: the site is built in Indonesian and English (ditemukan / found: {value!r})')


def _time_zone(value: str) -> Iterator[str]:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"tidak dikenal / unknown time zone {value!r}"


def _public_url(value: str) -> Iterator[str]:
    if value and not URL_RE.match(value):
        yield "harus URL http(s) / must be an http(s) URL"
    elif has_credentials(value):
        # Public addresses printed on every page: a user name or password there is a leak.
        yield "tidak boleh memuat nama pengguna atau kata sandi / must not contain a user name or password"


def _clean_authority(url: str) -> bool:
    """A host name and, if any, a numeric port: what the redaction of passwords relies on."""
    try:
        split = urlsplit(url)
        split.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:
        return False
    return bool(split.hostname)


def _ckan_url(value: str) -> Iterator[str]:
    # Never the value itself: it may hold a password (https://user:password@host).
    if value and not (URL_RE.match(value) and _clean_authority(value)):
        yield "harus URL http(s) / must be an http(s) URL"


def _ckan_organization(value: str) -> Iterator[str]:
    if value and not re.match(r"^[a-z0-9_-]{2,83}$", value):
        yield ("hanya huruf kecil, angka, - dan _, paling panjang 83 karakter / only lowercase letters, "
               "digits, - and _, at most 83 characters (CKAN dataset names "
               "'<organization>-decision-history' must fit in 100)")


def _above_zero(value: float) -> Iterator[str]:
    # nan or inf would switch a limit off without a word.
    if not math.isfinite(value) or value <= 0:
        yield ("harus angka lebih dari 0, bukan nan atau inf / must be a number above 0, not nan or inf "
               f"(ditemukan / found: {value!r})")


def _not_negative(value: int) -> Iterator[str]:
    if value < 0:
        yield f"tidak boleh negatif / must not be negative (ditemukan / found: {value!r})"


def _percent(value: float) -> Iterator[str]:
    if not math.isfinite(value) or not 0 <= value <= 100:
        yield f"harus 0–100 / must be between 0 and 100 (ditemukan / found: {value!r})"


def _excel_cell(value: int) -> Iterator[str]:
    if value > EXCEL_CELL_CHARS:
        yield (f"paling besar {EXCEL_CELL_CHARS}, batas isi sel Excel / at most {EXCEL_CELL_CHARS}, "
               f"what an Excel cell holds (ditemukan / found: {value})")


def _inside_datasets(value: str) -> Iterator[str]:
    if not value:
        return
    try:
        parts(value)
    except Refused:
        yield ("harus jalur di dalam folder datasets / must be a path inside the datasets folder "
               f"(ditemukan / found: {value!r})")


def _contacts(value: list[str]) -> Iterator[str]:
    for entry in value:
        if contact_key(entry) is None:
            yield (f"berisi {entry!r}, yang bukan satu nomor telepon atau satu alamat surel / "
                   "is not one telephone number or one e-mail address")


def _period(value: str) -> Iterator[str]:
    if value and not PERIOD_RE.match(value):
        yield f"harus TAHUN-BULAN, misalnya 2025-09 / must be YEAR-MONTH, e.g. 2025-09 (ditemukan / found: {value!r})"


def _intake_url(value: str) -> Iterator[str]:
    # Clerks type their passwords into this address: plain http only where it never leaves the machine.
    if not value:
        return
    if not URL_RE.match(value) or not _clean_authority(value) or has_credentials(value):
        yield "harus URL http(s) tanpa nama pengguna / must be an http(s) URL without a user name"
    elif urlsplit(value).scheme == "http" and not is_loopback(urlsplit(value).hostname or ""):
        yield ("harus https:// (kata sandi petugas instansi melewati jaringan) / must be https:// (clerks' "
               "passwords cross the network); http:// hanya untuk komputer ini / only for this machine")


def _port(value: int) -> Iterator[str]:
    if not 1 <= value <= 65535:
        yield f"harus 1–65535 / must be between 1 and 65535 (ditemukan / found: {value})"


def _reminder_days(value: int) -> Iterator[str]:
    if not 1 <= value <= 28:
        yield f"harus 1–28 / must be between 1 and 28 (ditemukan / found: {value})"


SMTP_SECURITY = ("starttls", "ssl", "none")


def _smtp_security(value: str) -> Iterator[str]:
    if value not in SMTP_SECURITY:
        yield f"harus salah satu dari / must be one of {', '.join(SMTP_SECURITY)} (ditemukan / found: {value!r})"


def _email(value: str) -> Iterator[str]:
    if value and not re.match(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", value):
        yield f"harus satu alamat surel / must be one e-mail address (ditemukan / found: {value!r})"


def slug(text: str) -> str:
    """Lowercase letters and digits joined by ``-`` (``Kota Jambi`` -> ``kota-jambi``): CKAN names and tags."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _organization_of(values: Mapping[str, Any]) -> str:
    """A CKAN organization name from the city ("Kota Jambi" -> "mpp-kota-jambi")."""
    name = slug(values["city"])
    return f"mpp-{name}"[:83] if name else "mpp"


# --- the declaration -------------------------------------------------------------------------
# Order matters twice: problems are listed in this order, and a derived default may only use
# settings declared before it.
ABOVE_ZERO = (_above_zero,)


def _no_trailing_slash(value: str) -> str:
    return value.rstrip("/")


SETTINGS: tuple[Setting, ...] = (
    Setting("name", str, "", "Nama portal dalam bahasa Indonesia (judul situs dan paket data).",
            "Portal name in Indonesian (site and data package title).", required=True),
    Setting("name_en", str, "", "Nama portal dalam bahasa Inggris; kosong = nama Indonesia dipakai.",
            "Portal name in English; empty = the Indonesian name is used."),
    Setting("city", str, "", "Kota atau kabupaten penyelenggara MPP.",
            "City or regency that runs the MPP.", required=True),
    Setting("organizer", str, "", "Kode instansi penyelenggara MPP; harus ada di reference/agencies.csv.",
            "Agency code of the MPP organiser; must exist in reference/agencies.csv.",
            required=True, checks=(_agency_code,), aliases=("organiser",)),
    Setting("languages", list, list(SITE_LANGUAGES),
            'Bahasa situs: harus ["id", "en"], bahasa Indonesia (bahasa utama, di /) dan bahasa Inggris (di /en/).',
            'Site languages: must be ["id", "en"], Indonesian (the main language, at /) and English (at /en/).',
            checks=(_site_languages,)),
    Setting("licence_id", str, "", "Kode lisensi data yang diterbitkan, misalnya cc-by-4.0.",
            "Identifier of the licence of the published data, e.g. cc-by-4.0.",
            required=True, aliases=("licence", "license", "license_id")),
    Setting("licence_title", str, "", "Judul lisensi.", "Title of the licence."),
    Setting("licence_url", str, "", "Tautan ke teks lisensi.", "Link to the licence text.",
            checks=(_public_url,)),
    Setting("licence_title_en", str, "", "Judul lisensi dalam bahasa Inggris, untuk halaman berbahasa Inggris; "
            "kosong = judul lisensi dipakai.",
            "Title of the licence in English, for the English pages; empty = the licence title is used."),
    Setting("licence_url_en", str, "", "Tautan ke teks lisensi dalam bahasa Inggris; kosong = tautan lisensi dipakai.",
            "Link to the licence text in English; empty = the licence link is used.", checks=(_public_url,)),
    Setting("deadline_day", int, 10, "Batas pengiriman data bulanan: tanggal ke-N bulan berikutnya (1–28).",
            "Monthly submission deadline: day N of the following month (1–28).",
            required=True, checks=(_deadline_day,), aliases=("deadline", "submission_deadline_day")),
    Setting("timezone", str, "Asia/Jakarta", "Zona waktu untuk batas waktu dan waktu penerimaan berkas.",
            "Time zone for deadlines and file receipt times.", checks=(_time_zone,)),
    Setting("site_url", str, "", "Alamat dasar situs publik.", "Base URL of the public site.",
            checks=(_public_url,), clean=_no_trailing_slash),
    Setting("publisher", str, "", "Penerbit data (disebut pada paket data dan halaman situs).",
            "Publisher of the data (named in the data package and on the site)."),
    Setting("contact_email", str, "",
            "Alamat surel kantor untuk pertanyaan tentang data (alamat umum, bukan perorangan).",
            "Office e-mail address for questions about the data (a generic address, not a person)."),
    Setting("public_contacts", list, [],
            "Kontak publik: nomor telepon dan alamat surel layanan resmi (milik MPP atau instansi) "
            "yang boleh tertulis di data kiriman instansi.",
            "Public contacts: official service telephone numbers and e-mail addresses (of the mall "
            "or an agency) that may appear in the agencies' data.", checks=(_contacts,)),
    Setting("max_file_mb", float, 10.0, "Ukuran maksimum satu berkas kiriman instansi, dalam megabita.",
            "Maximum size of one agency file, in megabytes.", checks=ABOVE_ZERO),
    Setting("max_xlsx_uncompressed_mb", float, 50.0,
            "Ukuran maksimum isi buku kerja .xlsx setelah dibuka (didekompresi), dalam megabita.",
            "Maximum size of an .xlsx workbook's content once unpacked, in megabytes.", checks=ABOVE_ZERO),
    Setting("max_rows", int, 5000,
            "Jumlah maksimum baris data dalam satu berkas (tanpa baris judul; baris kosong ikut dihitung).",
            "Maximum number of data rows in one file (header not counted; empty rows count).",
            checks=ABOVE_ZERO),
    Setting("max_columns", int, 60, "Jumlah maksimum kolom dalam satu baris (kolom kosong ikut dihitung).",
            "Maximum number of columns in one row (empty columns count).", checks=ABOVE_ZERO),
    Setting("max_cell_chars", int, EXCEL_CELL_CHARS,
            "Jumlah maksimum karakter dalam satu sel; paling besar 32767, batas Excel.",
            "Maximum number of characters in one cell; at most 32767, Excel's limit.",
            checks=(*ABOVE_ZERO, _excel_cell)),
    Setting("receipts", str, "",
            "Catatan penerimaan berkas oleh petugas data (file,sha256,received_at), relatif terhadap "
            "folder datasets; kosong = tidak ada.",
            "The data officer's intake log (file,sha256,received_at), relative to the datasets "
            "folder; empty = there is none.", checks=(_inside_datasets,)),
    # --- evaluation targets (shown beside each indicator as met or not) ---
    Setting("target_coordination_meetings", int, 2,
            "Target: sedikitnya sekian rapat koordinasi antarinstansi yang terlaksana setiap bulan "
            "(seluruh MPP); 0 = tanpa target.",
            "Target: at least this many inter-agency coordination meetings held a month (the whole "
            "mall); 0 = no target.", checks=(_not_negative,)),
    Setting("target_files_on_time_percent", float, 90.0,
            "Target: persentase berkas wajib yang diterima tepat waktu (0–100).",
            "Target: share of the files owed that arrive on time, in percent (0–100).",
            checks=(_percent,)),
    Setting("target_overdue_days", int, 60,
            "Target: tidak ada keputusan yang terlambat lebih dari sekian hari setelah batas waktunya.",
            "Target: no decision overdue by more than this many days after its due date.",
            checks=ABOVE_ZERO),
    Setting("ckan.url", str, "", "Alamat CKAN, misalnya https://data.jambikota.go.id (kosong = tidak dikirim).",
            "CKAN address, e.g. https://data.jambikota.go.id (empty = no push).",
            checks=(_ckan_url,), env="CKAN_URL", secret=True, clean=_no_trailing_slash),
    Setting("ckan.organization", str, "", "Nama (slug) organisasi di CKAN yang memiliki dataset.",
            "Name (slug) of the CKAN organization that owns the datasets.",
            checks=(_ckan_organization,), aliases=("ckan_organization",), derive=_organization_of,
            default_doc="`mpp-` + `city` (`Kota Jambi` → `mpp-kota-jambi`)"),
    Setting("ckan.organization_title", str, "", "Judul organisasi di CKAN (dipakai saat organisasi dibuat).",
            "Title of the CKAN organization (used when the push creates it)."),
    Setting("ckan.dataset_prefix", str, "",
            "Awalan nama dataset di CKAN: nama dataset = <awalan>-<tabel>, misalnya mpp-kota-jambi-performance. "
            "Awalan memuat nama kota agar dataset dua MPP di satu CKAN tidak pernah sama. Portal yang sudah "
            "mengirim dengan nama lama <organisasi>-<tabel> mengisi awalan ini dengan nama organisasinya.",
            "Prefix of the CKAN dataset names: dataset name = <prefix>-<table>, e.g. mpp-kota-jambi-performance. "
            "It carries the city, so two malls' datasets in one CKAN are never alike. A portal that already "
            "pushed under the old names <organization>-<table> sets it to its organization name.",
            checks=(_ckan_organization,), derive=_organization_of,
            default_doc="`mpp-` + `city` (`Kota Jambi` → `mpp-kota-jambi`)"),
    Setting("ckan.timeout_seconds", float, 30.0, "Batas waktu satu permintaan ke CKAN, dalam detik.",
            "Time limit of one request to CKAN, in seconds.", checks=ABOVE_ZERO),
    # --- intake: the first month collected, the intake service, reminders by e-mail ---------------
    Setting("start_period", str, "",
            "Bulan pertama yang dikumpulkan portal (TAHUN-BULAN); sebelum bulan itu tidak ada berkas yang "
            "wajib dikirim, apa pun tanggal bergabung instansi. Kosong = bulan pertama yang ada di arsip.",
            "The first month the portal collects (YEAR-MONTH); no file is owed before it, whatever an "
            "agency's joining date. Empty = the first month in the store.", checks=(_period,)),
    Setting("intake.url", str, "",
            "Alamat layanan unggah yang dibuka petugas instansi, misalnya https://unggah.mpp.jambikota.go.id "
            "(tautan di surel pengingat). Dengan https:// kuki sesi hanya dikirim lewat https (Secure); "
            "http:// hanya boleh untuk komputer ini. Kosong = http://127.0.0.1:<port>.",
            "Address of the intake service clerks open, e.g. https://unggah.mpp.jambikota.go.id (the link "
            "in reminder e-mails). With https:// the session cookie is sent over https only (Secure); "
            "http:// is allowed only for this machine. Empty = http://127.0.0.1:<port>.",
            checks=(_intake_url,), clean=_no_trailing_slash),
    Setting("intake.port", int, 8080,
            "Port layanan unggah di 127.0.0.1 (nginx di depannya meneruskan https ke port ini).",
            "Port of the intake service on 127.0.0.1 (nginx in front forwards https to it).",
            checks=(_port,), env="INTAKE_PORT"),
    Setting("intake.reminder_days", int, 3,
            "Berapa hari sebelum batas waktu pengingat pertama dikirim kepada petugas instansi yang berkasnya "
            "belum lengkap.",
            "How many days before the deadline the first reminder goes to clerks whose files are incomplete.",
            checks=(_reminder_days,)),
    Setting("smtp.host", str, "",
            "Server surel (SMTP) untuk pengingat; kosong = tidak ada surel.",
            "Mail server (SMTP) for reminders; empty = no e-mail."),
    Setting("smtp.port", int, 587, "Port server surel.", "Port of the mail server.", checks=(_port,)),
    Setting("smtp.security", str, "starttls",
            "Enkripsi ke server surel: starttls, ssl, atau none (none hanya untuk server di komputer ini).",
            "Encryption to the mail server: starttls, ssl, or none (none only for a server on this machine).",
            checks=(_smtp_security,)),
    Setting("smtp.user", str, "",
            "Nama pengguna di server surel; kata sandinya dibaca dari variabel lingkungan SMTP_PASSWORD, "
            "tidak pernah dari berkas ini. Kosong = tanpa login.",
            "User name on the mail server; its password is read from the SMTP_PASSWORD environment variable, "
            "never from this file. Empty = no login."),
    Setting("smtp.sender", str, "", "Alamat pengirim surel pengingat.", "Sender address of reminder e-mails.",
            checks=(_email,), derive=lambda values: values["contact_email"], default_doc="`contact_email`"),
    Setting("smtp.timeout_seconds", float, 30.0, "Batas waktu satu sambungan ke server surel, dalam detik.",
            "Time limit of one connection to the mail server, in seconds.", checks=ABOVE_ZERO),
)

# Tables of settings ([ckan]): only the keys declared under them are read.
TABLES = tuple(dict.fromkeys(s.table for s in SETTINGS if s.table))

# Keys read by earlier versions and no longer: warned about and ignored, never an error,
# so that an old portal.toml keeps working.
RETIRED = {
    "site": ("tabel [site] tidak dipakai lagi dan diabaikan", "the [site] table is no longer used and is ignored"),
}
