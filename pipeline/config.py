"""Load and check ``portal.toml``, reporting every problem at once."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import ConfigError
from pipeline.redact import has_credentials

# The project's own schemas, used when a datasets folder brings none (see schemas_folder).
PROJECT_SCHEMAS = Path(__file__).resolve().parent.parent / "datasets" / "schemas"
CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
URL_RE = re.compile(r"^https?://[^\s]+$")


@dataclass(frozen=True)
class CkanSettings:
    """Where and how to push to CKAN (``[ckan]`` in portal.toml, ``CKAN_URL`` overrides)."""

    url: str
    organization: str
    organization_title: str
    timeout_seconds: float = 30.0


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
    max_file_mb: float
    receipts: Path | None
    ckan: CkanSettings
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def schemas_dir(self) -> Path:
        """Folder of the Frictionless Table Schemas."""
        return schemas_folder(self.datasets)

    @property
    def submissions_dir(self) -> Path:
        """Folder of the agencies' monthly submissions."""
        return self.datasets / "submissions"

    @property
    def reference_dir(self) -> Path:
        """Folder of the reference tables kept by the data officer."""
        return self.datasets / "reference"

    @property
    def tz(self) -> ZoneInfo:
        """The portal's time zone (deadlines and receipt times are local)."""
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today's date in the portal's time zone."""
        return datetime.now(self.tz).date()


class _Reader:
    """Reads typed keys from a TOML table, collecting problems instead of raising."""

    def __init__(self, data: dict[str, Any], prefix: str, problems: list[str]):
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


def schemas_folder(datasets: Path) -> Path:
    """``<datasets>/schemas``, or the project's own schemas when the folder has none at all."""
    own = datasets / "schemas"
    return own if own.is_dir() or not PROJECT_SCHEMAS.is_dir() else PROJECT_SCHEMAS


def load_portal(datasets: Path, output: Path) -> Portal:
    """Read ``<datasets>/portal.toml``; raise ConfigError listing every problem found."""
    path = datasets / "portal.toml"
    problems: list[str] = []
    if not datasets.is_dir():
        raise ConfigError([f"folder datasets tidak ditemukan / datasets folder not found: {datasets}"])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
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
        max_file_mb=r.get("max_file_mb", float, 10.0),
    )
    receipts_name = r.get("receipts", str, "")
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
        "max_file_mb", "receipts", "ckan", "site",
    }
    # Unknown keys warn instead of failing (as MkDocs does): a typo must not stop the
    # monthly run, but the data officer should see it.
    for key in sorted(set(data) - known):
        warnings.append(f"portal.toml: kunci '{key}' tidak dikenal dan diabaikan / unknown key '{key}' ignored")
    for key in sorted(set(ckan_table) - {"url", "organization", "organization_title", "timeout_seconds"}):
        warnings.append(f"portal.toml: kunci 'ckan.{key}' tidak dikenal dan diabaikan / unknown key 'ckan.{key}' ignored")
    if problems:
        raise ConfigError(problems)
    receipts = datasets / receipts_name if receipts_name else None
    return Portal(
        datasets=datasets, output=output, receipts=receipts, ckan=ckan,
        extra={"site": data.get("site", {})}, warnings=tuple(warnings), **portal_kwargs,
    )


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


def _default_organization(city: str) -> str:
    """A CKAN organization name from the city ("Kota Jambi" -> "mpp-kota-jambi")."""
    slug = re.sub(r"[^a-z0-9]+", "-", city.lower()).strip("-")
    return f"mpp-{slug}"[:83] if slug else "mpp"


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
    if values["max_file_mb"] <= 0:
        problems.append("portal.toml: 'max_file_mb' harus lebih dari 0 / must be above 0")
    if ckan.url and not (URL_RE.match(ckan.url) and _clean_authority(ckan.url)):
        # Never the value itself: it may hold a password (https://user:password@host).
        problems.append("portal.toml / CKAN_URL: 'ckan.url' harus URL http(s) / must be an http(s) URL")
    if ckan.organization and not re.match(r"^[a-z0-9_-]{2,83}$", ckan.organization):
        problems.append(
            "portal.toml: 'ckan.organization' hanya huruf kecil, angka, - dan _, paling panjang 83 "
            "karakter / only lowercase letters, digits, - and _, at most 83 characters (CKAN "
            "dataset names '<organization>-decision-history' must fit in 100)"
        )
