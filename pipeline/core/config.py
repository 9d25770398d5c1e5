"""Load and check ``portal.toml``, reporting every problem at once."""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.core.errors import ConfigError
from pipeline.core.personal_data import contact_key, contact_keys
from pipeline.core.redact import has_credentials
from pipeline.core.safe_open import Refused, kind_of, parts, read_bytes

# The project's own schemas, used when a datasets folder brings none (see schemas_folder).
PROJECT_SCHEMAS = Path(__file__).resolve().parents[2] / "datasets" / "schemas"
CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
URL_RE = re.compile(r"^https?://[^\s]+$")
# Excel keeps at most 32,767 characters in a cell: a longer one could not be published as XLSX.
EXCEL_CELL_CHARS = 32767
# portal.toml, schemas, reference tables and the intake log are the data officer's files;
# this only stops a link to /dev/zero or a runaway file from filling memory.
CONFIG_FILE_BYTES = 50 * 1024 * 1024
_MB = 1024 * 1024


@dataclass(frozen=True)
class CkanSettings:
    """Where and how to push to CKAN (``[ckan]`` in portal.toml, ``CKAN_URL`` overrides)."""

    url: str
    organization: str
    organization_title: str
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class Limits:
    """What one agency file may hold; each is checked before the file can fill memory."""

    max_file_mb: float = 10.0
    max_xlsx_uncompressed_mb: float = 50.0
    max_rows: int = 5000
    max_columns: int = 60
    max_cell_chars: int = EXCEL_CELL_CHARS

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes."""
        return int(self.max_file_mb * _MB)

    @property
    def max_xlsx_bytes(self) -> int:
        """``max_xlsx_uncompressed_mb`` in bytes."""
        return int(self.max_xlsx_uncompressed_mb * _MB)


@dataclass(frozen=True)
class Portal:
    """The checked contents of portal.toml plus the paths the run works on."""

    datasets: Path
    output: Path
    name: str
    name_en: str
    city: str
    organizer: str
    languages: tuple[str, ...]
    licence_id: str
    licence_title: str
    licence_url: str
    deadline_day: int
    timezone: str
    site_url: str
    publisher: str
    contact_email: str
    limits: Limits
    receipts: Path | None
    ckan: CkanSettings
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # Telephone numbers and e-mail addresses agencies may publish (the mall's, the agencies' own).
    public_contacts: tuple[str, ...] = ()

    @property
    def max_file_mb(self) -> float:
        """The size limit of one agency file, in MB (kept here for the pages that show it)."""
        return self.limits.max_file_mb

    @property
    def schemas_dir(self) -> Path:
        """Folder of the Frictionless Table Schemas."""
        return schemas_folder(self.datasets)

    @property
    def reference_dir(self) -> Path:
        """Folder of the reference tables kept by the data officer."""
        return self.datasets / "reference"

    @property
    def public_contact_keys(self) -> frozenset[str]:
        """Comparison keys of the public contacts, ``contact_email`` included."""
        return contact_keys((*self.public_contacts, self.contact_email))

    @property
    def tz(self) -> ZoneInfo:
        """The portal's time zone (deadlines and receipt times are local)."""
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today's date in the portal's time zone."""
        return datetime.now(self.tz).date()


class _Reader:
    """Reads typed keys from a TOML table, collecting problems instead of raising."""

    def __init__(self, data: dict[str, Any], prefix: str, problems: list[str]) -> None:
        self.data, self.prefix, self.problems = data, prefix, problems

    def get(self, key: str, kind: type, default: Any = None, required: bool = False) -> Any:
        """Return ``key`` if it has the right type, else record a problem and the default."""
        name = f"{self.prefix}{key}"
        if key not in self.data:
            if required:
                self.problems.append(f"portal.toml: '{name}' wajib diisi / is required")
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.problems.append(
                f"portal.toml: '{name}' harus bertipe {kind.__name__} / must be a {kind.__name__}"
                f" (ditemukan / found: {value!r})"
            )
            return default
        return value


def schemas_root(datasets: Path) -> Path:
    """The folder whose ``schemas/`` is read: ``datasets``, or the project's own when it has none.

    Anything named ``schemas`` in the datasets folder counts as present, a link included,
    so that a link is refused when read rather than silently replaced by other schemas.
    """
    if kind_of(datasets, "schemas") is not None or not PROJECT_SCHEMAS.is_dir():
        return datasets
    return PROJECT_SCHEMAS.parent


def schemas_folder(datasets: Path) -> Path:
    """``<datasets>/schemas``, or the project's own schemas when the folder has none at all."""
    return schemas_root(datasets) / "schemas"


def read_config_file(root: Path, rel: str) -> bytes:
    """The bytes of one of the data officer's files below ``root``; ConfigError for a link or special file.

    FileNotFoundError is left to the caller, which knows whether the file is optional.
    """
    try:
        return read_bytes(root, rel, CONFIG_FILE_BYTES)
    except FileNotFoundError:
        raise
    except OSError as exc:  # Refused, TooLarge, a folder in its place, no permission
        # filename is the component refused (a linked folder names the folder, not the file)
        raise ConfigError([f"{root / (exc.filename or rel)}: {exc.strerror or exc}"]) from None


def load_portal(datasets: Path, output: Path) -> Portal:
    """Read ``<datasets>/portal.toml``; raise ConfigError listing every problem found."""
    path = datasets / "portal.toml"
    problems: list[str] = []
    if not datasets.is_dir():
        raise ConfigError([f"folder datasets tidak ditemukan / datasets folder not found: {datasets}"])
    try:
        data = tomllib.loads(read_config_file(datasets, "portal.toml").decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: berkas tidak ada / file is missing"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: bukan TOML yang sah / not valid TOML: {exc}"]) from None

    r = _Reader(data, "", problems)
    warnings: list[str] = []
    if schemas_folder(datasets) != datasets / "schemas":
        warnings.append(f"folder schemas/ tidak ada, skema bawaan proyek dipakai / no schemas/ folder, "
                        f"using the project's schemas ({PROJECT_SCHEMAS})")
    _read_aliases(data, warnings)
    portal_kwargs = dict(
        name=r.get("name", str, "", required=True),
        name_en=r.get("name_en", str, ""),
        city=r.get("city", str, "", required=True),
        organizer=r.get("organizer", str, "", required=True),
        languages=tuple(r.get("languages", list, ["id", "en"])),
        licence_id=r.get("licence_id", str, "", required=True),
        licence_title=r.get("licence_title", str, ""),
        licence_url=r.get("licence_url", str, ""),
        deadline_day=r.get("deadline_day", int, 10, required=True),
        timezone=r.get("timezone", str, "Asia/Jakarta"),
        site_url=r.get("site_url", str, "").rstrip("/"),
        publisher=r.get("publisher", str, ""),
        contact_email=r.get("contact_email", str, ""),
        limits=_read_limits(r, problems),
    )
    receipts_name = r.get("receipts", str, "")
    _check_receipts_name(receipts_name, problems)
    public_contacts = _public_contacts(r.get("public_contacts", list, []), problems)
    ckan_table = r.get("ckan", dict, {})
    c = _Reader(ckan_table, "ckan.", problems)
    ckan = CkanSettings(
        url=(os.environ.get("CKAN_URL") or c.get("url", str, "")).rstrip("/"),
        organization=c.get("organization", str, _default_organization(portal_kwargs["city"])),
        organization_title=c.get("organization_title", str, ""),
        timeout_seconds=c.get("timeout_seconds", float, 30.0),
    )
    _check_values(portal_kwargs, ckan, problems)
    known = {
        "name", "name_en", "city", "organizer", "languages", "licence_id", "licence_title",
        "licence_url", "deadline_day", "timezone", "site_url", "publisher", "contact_email",
        "receipts", "ckan", "site", "public_contacts", *LIMIT_KEYS,
    }
    # Unknown keys warn instead of failing (as MkDocs does): a typo must not stop the
    # monthly run, but the data officer should see it.
    for key in sorted(set(data) - known):
        warnings.append(f"portal.toml: kunci '{key}' tidak dikenal dan diabaikan / unknown key '{key}' ignored")
    for key in sorted(set(ckan_table) - {"url", "organization", "organization_title", "timeout_seconds"}):
        warnings.append(f"portal.toml: kunci 'ckan.{key}' tidak dikenal dan diabaikan"
                        f" / unknown key 'ckan.{key}' ignored")
    if problems:
        raise ConfigError(problems)
    receipts = datasets / receipts_name if receipts_name else None
    return Portal(
        datasets=datasets, output=output, receipts=receipts, ckan=ckan,
        extra={"site": data.get("site", {})}, warnings=tuple(warnings), public_contacts=public_contacts,
        **portal_kwargs,
    )


def _public_contacts(entries: list[Any], problems: list[str]) -> tuple[str, ...]:
    """The ``public_contacts`` entries; each must be one telephone number or one e-mail address."""
    for entry in entries:
        if not isinstance(entry, str) or contact_key(entry) is None:
            problems.append(
                f"portal.toml: 'public_contacts' berisi {entry!r}, yang bukan satu nomor telepon atau "
                "satu alamat surel / is not one telephone number or one e-mail address"
            )
    return tuple(e for e in entries if isinstance(e, str))


# Other spellings of keys, read with a warning: the contract names these settings in prose
# ("licence", "CKAN organization"), so a hand-written portal.toml may spell them so.
_ALIASES = {
    "licence": "licence_id", "license": "licence_id", "license_id": "licence_id",
    "organiser": "organizer", "deadline": "deadline_day", "submission_deadline_day": "deadline_day",
}


def _read_aliases(data: dict[str, Any], warnings: list[str]) -> None:
    """Rename alias keys in place (top level, and ckan_organization into [ckan])."""
    for alias, key in _ALIASES.items():
        if alias in data and key not in data:
            data[key] = data.pop(alias)
            warnings.append(f"portal.toml: '{alias}' dibaca sebagai / read as '{key}'")
    if "ckan_organization" in data and isinstance(data.get("ckan", {}), dict):
        ckan = data.setdefault("ckan", {})
        if "organization" not in ckan:
            ckan["organization"] = data.pop("ckan_organization")
            warnings.append("portal.toml: 'ckan_organization' dibaca sebagai / read as 'ckan.organization'")


def slug(text: str) -> str:
    """Lowercase letters and digits joined by ``-`` (``Kota Jambi`` -> ``kota-jambi``): CKAN names and tags."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _default_organization(city: str) -> str:
    """A CKAN organization name from the city ("Kota Jambi" -> "mpp-kota-jambi")."""
    name = slug(city)
    return f"mpp-{name}"[:83] if name else "mpp"


def _clean_authority(url: str) -> bool:
    """A host name and, if any, a numeric port: what the redaction of passwords relies on."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:
        return False
    return bool(parts.hostname)


def _check_values(values: dict[str, Any], ckan: CkanSettings, problems: list[str]) -> None:
    """Check value ranges and formats once the types are known."""
    if values["organizer"] and not CODE_RE.match(values["organizer"]):
        problems.append("portal.toml: 'organizer' harus kode instansi / must be an agency code")
    if not 1 <= values["deadline_day"] <= 28:
        problems.append("portal.toml: 'deadline_day' harus 1–28 / must be between 1 and 28")
    langs = values["languages"]
    if not langs or langs[0] != "id" or not all(isinstance(x, str) for x in langs):
        problems.append("portal.toml: 'languages' harus diawali \"id\" / must start with \"id\"")
    try:
        ZoneInfo(values["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"portal.toml: 'timezone' tidak dikenal / unknown time zone {values['timezone']!r}")
    for key in ("site_url", "licence_url"):
        if values[key] and not URL_RE.match(values[key]):
            problems.append(f"portal.toml: '{key}' harus URL http(s) / must be an http(s) URL")
        elif has_credentials(values[key]):
            # Public addresses printed on every page: a user name or password there is a leak.
            problems.append(f"portal.toml: '{key}' tidak boleh memuat nama pengguna atau kata sandi / "
                            "must not contain a user name or password")
    if ckan.url and not (URL_RE.match(ckan.url) and _clean_authority(ckan.url)):
        # Never the value itself: it may hold a password (https://user:password@host).
        problems.append("portal.toml / CKAN_URL: 'ckan.url' harus URL http(s) / must be an http(s) URL")
    if ckan.organization and not re.match(r"^[a-z0-9_-]{2,83}$", ckan.organization):
        problems.append(
            "portal.toml: 'ckan.organization' hanya huruf kecil, angka, - dan _, paling panjang 83 "
            "karakter / only lowercase letters, digits, - and _, at most 83 characters (CKAN "
            "dataset names '<organization>-decision-history' must fit in 100)"
        )


# --- limits on agency files (top-level keys, read into Limits) -------------------------------
LIMIT_KEYS = tuple(Limits.__dataclass_fields__)


def _read_limits(r: _Reader, problems: list[str]) -> Limits:
    """The limits of portal.toml: finite and above 0 (nan or inf would switch a check off)."""
    default = Limits()
    values = {key: r.get(key, type(getattr(default, key)), getattr(default, key)) for key in LIMIT_KEYS}
    for key, value in values.items():
        if not math.isfinite(value) or value <= 0:
            problems.append(f"portal.toml: '{key}' harus angka lebih dari 0, bukan nan atau inf "
                            f"/ must be a number above 0, not nan or inf (ditemukan / found: {value!r})")
            values[key] = getattr(default, key)
    if values["max_cell_chars"] > EXCEL_CELL_CHARS:
        problems.append(f"portal.toml: 'max_cell_chars' paling besar {EXCEL_CELL_CHARS}, batas isi sel "
                        f"Excel / at most {EXCEL_CELL_CHARS}, what an Excel cell holds "
                        f"(ditemukan / found: {values['max_cell_chars']})")
    return Limits(**values)


def _check_receipts_name(name: str, problems: list[str]) -> None:
    """The intake log must be a path inside the datasets folder (no absolute path, no ``..``)."""
    if not name:
        return
    try:
        parts(name)
    except Refused:
        problems.append(f"portal.toml: 'receipts' harus jalur di dalam folder datasets / must be a "
                        f"path inside the datasets folder (ditemukan / found: {name!r})")
