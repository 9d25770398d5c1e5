"""Load and check ``portal.toml``, reporting every problem at once.

What each setting is (type, default, description, checks) is declared once, in
``pipeline.core.settings``; this module walks that declaration and fills ``Portal``.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.core.errors import ConfigError
from pipeline.core.personal_data import contact_keys
from pipeline.core.safe_open import kind_of, read_bytes
from pipeline.core.settings import KINDS, RETIRED, SETTINGS, TABLES, Setting

# The project's own schemas, used when a datasets folder brings none (see schemas_folder).
PROJECT_SCHEMAS = Path(__file__).resolve().parents[2] / "datasets" / "schemas"
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
    dataset_prefix: str  # dataset names are <prefix>-<table>: the city keeps two malls apart
    timeout_seconds: float


@dataclass(frozen=True)
class Targets:
    """The evaluation's targets, each shown beside its indicator as met or not."""

    target_coordination_meetings: int = 2  # a month, the whole mall; 0 = none
    target_files_on_time_percent: float = 90.0
    target_overdue_days: int = 60


@dataclass(frozen=True)
class IntakeSettings:
    """The intake service (``[intake]``): its address, its port, when reminders go out."""

    url: str
    port: int
    reminder_days: int

    @property
    def address(self) -> str:
        """The address clerks open (``url``, or this machine's loopback address and port)."""
        return self.url or f"http://127.0.0.1:{self.port}"

    @property
    def secure(self) -> bool:
        """True when clerks reach the service over https, so its cookies must never travel over http."""
        return self.address.startswith("https://")


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server for reminders (``[smtp]``); the password comes from ``SMTP_PASSWORD``."""

    host: str
    port: int
    security: str
    user: str
    sender: str
    timeout_seconds: float


@dataclass(frozen=True)
class Limits:
    """What one agency file may hold; each is checked before the file can fill memory."""

    max_file_mb: float
    max_xlsx_uncompressed_mb: float
    max_rows: int
    max_columns: int
    max_cell_chars: int

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
    licence_title_en: str
    licence_url_en: str
    deadline_day: int
    timezone: str
    site_url: str
    publisher: str
    contact_email: str
    limits: Limits
    receipts: Path | None
    ckan: CkanSettings
    # Telephone numbers and e-mail addresses agencies may publish (the mall's, the agencies' own).
    public_contacts: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    targets: Targets = Targets()
    start_period: str | None = None  # the first month the portal collects (None: the store's first)
    intake: IntakeSettings = IntakeSettings("", 8080, 3)
    smtp: SmtpSettings = SmtpSettings("", 587, "starttls", "", "", 30.0)

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


def _typed(setting: Setting, value: Any) -> tuple[Any, bool]:
    """``value`` as the setting's type (an integer for a float), and whether it has that type."""
    if isinstance(value, bool):  # TOML true/false is no number (bool is an int in Python)
        return value, False
    if setting.kind is float and isinstance(value, int):
        return float(value), True
    if setting.kind is list:
        return value, isinstance(value, list) and all(isinstance(x, str) for x in value)
    return value, isinstance(value, setting.kind)


class _Walk:
    """One pass of ``SETTINGS`` over a parsed portal.toml, collecting problems instead of raising."""

    def __init__(self, data: dict[str, Any], environ: Mapping[str, str]) -> None:
        self.data, self.environ = data, environ
        self.values: dict[str, Any] = {}
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.aliases_read: set[str] = set()
        self.tables = {name: self._table(name) for name in TABLES}

    def _table(self, name: str) -> dict[str, Any]:
        """The TOML table ``name`` (empty when absent or not a table)."""
        table = self.data.get(name, {})
        if isinstance(table, dict):
            return table
        self.problems.append(f"portal.toml: '{name}' harus tabel TOML / must be a TOML table ([{name}])")
        return {}

    def read(self, s: Setting) -> None:
        """Read, type, override, clean and check one setting; its value is the default when broken."""
        fallback = s.derive(self.values) if s.derive else s.default
        value = self._raw(s, fallback)
        value, ok = _typed(s, value)
        if not ok:
            found = "" if s.secret else f" (ditemukan / found: {value!r})"
            kind_id, kind_en = KINDS[s.kind]
            self.problems.append(f"portal.toml: '{s.key}' harus {kind_id} / must be {kind_en}{found}")
            value = fallback
        if s.env and self.environ.get(s.env):
            value = self._from_env(s, self.environ[s.env], value)
        if s.clean:
            value = s.clean(value)
        where = f"portal.toml / {s.env}" if s.env else "portal.toml"
        for check in s.checks:
            found_problems = [f"{where}: '{s.key}' {text}" for text in check(value)]
            if found_problems:
                self.problems += found_problems
                value = fallback
                break
        self.values[s.key] = tuple(value) if isinstance(value, list) else value

    def _from_env(self, s: Setting, text: str, value: Any) -> Any:
        """The environment's text as the setting's type (a number for a port); a problem when it is not."""
        if s.kind is str:
            return text
        try:
            return s.kind(text.strip())
        except ValueError:
            kind_id, kind_en = KINDS[s.kind]
            self.problems.append(f"{s.env}: harus {kind_id} / must be {kind_en} (ditemukan / found: {text!r})")
            return value

    def _raw(self, s: Setting, fallback: Any) -> Any:
        """The value as written, under its key or an alias; the fallback when absent."""
        source = self.tables[s.table] if s.table else self.data
        if s.name in source:
            return source[s.name]
        for alias in s.aliases:
            if alias in self.data:
                self.aliases_read.add(alias)
                self.warnings.append(f"portal.toml: '{alias}' dibaca sebagai / read as '{s.key}'")
                return self.data[alias]
        if s.required:
            self.problems.append(f"portal.toml: '{s.key}' wajib diisi / is required")
        return fallback

    def unknown(self) -> None:
        """Warn about every key that is not declared: a typo must not stop the monthly run."""
        declared = {s.key for s in SETTINGS} | set(TABLES) | self.aliases_read
        for key in sorted(set(self.data) - declared):
            if key in RETIRED:
                text_id, text_en = RETIRED[key]
                self.warnings.append(f"portal.toml: '{key}': {text_id} / {text_en}")
            else:
                self.warnings.append(f"portal.toml: kunci '{key}' tidak dikenal dan diabaikan"
                                     f" / unknown key '{key}' ignored")
        for table, content in self.tables.items():
            for key in sorted(f"{table}.{name}" for name in content):
                if key not in declared:
                    self.warnings.append(
                        f"portal.toml: kunci '{key}' tidak dikenal dan diabaikan / unknown key '{key}' ignored")


def read_settings(data: dict[str, Any], environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str], list[str]]:
    """Every declared setting of a parsed portal.toml: (values by key, problems, warnings)."""
    walk = _Walk(data, environ)
    for setting in SETTINGS:
        walk.read(setting)
    # Unknown keys warn instead of failing (as MkDocs does), but the data officer should see them.
    walk.unknown()
    return walk.values, walk.problems, walk.warnings


LIMIT_KEYS = tuple(f.name for f in fields(Limits))
TARGET_KEYS = tuple(f.name for f in fields(Targets))


def settings_json(portal: Portal, leave_out: tuple[str, ...]) -> bytes:
    """The portal's settings but ``leave_out``, as canonical JSON (what a page may show or use)."""
    values = {f.name: getattr(portal, f.name) for f in fields(portal) if f.name not in leave_out}
    return json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()


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
    if not datasets.is_dir():
        raise ConfigError([f"folder datasets tidak ditemukan / datasets folder not found: {datasets}"])
    try:
        data = tomllib.loads(read_config_file(datasets, "portal.toml").decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: berkas tidak ada / file is missing"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: bukan TOML yang sah / not valid TOML: {exc}"]) from None

    values, problems, warnings = read_settings(data, os.environ)
    if schemas_folder(datasets) != datasets / "schemas":
        warnings.insert(0, f"folder schemas/ tidak ada, skema bawaan proyek dipakai / no schemas/ folder, "
                           f"using the project's schemas ({PROJECT_SCHEMAS})")
    if problems:
        raise ConfigError(problems)
    # Each setting lands in the field of its name: limits in Limits, [ckan] in CkanSettings.
    limits = Limits(**{key: values.pop(key) for key in LIMIT_KEYS})
    targets = Targets(**{key: values.pop(key) for key in TARGET_KEYS})
    ckan = CkanSettings(**_table_values(values, "ckan"))
    intake = IntakeSettings(**_table_values(values, "intake"))
    smtp = SmtpSettings(**_table_values(values, "smtp"))
    receipts = values.pop("receipts")
    start_period = values.pop("start_period") or None
    return Portal(datasets=datasets, output=output, limits=limits, targets=targets, ckan=ckan, intake=intake,
                  smtp=smtp, receipts=datasets / receipts if receipts else None, start_period=start_period,
                  warnings=tuple(warnings), **values)


def _table_values(values: dict[str, Any], table: str) -> dict[str, Any]:
    """The settings of one TOML table, taken out of ``values`` and keyed by their name inside it."""
    return {s.name: values.pop(s.key) for s in SETTINGS if s.table == table}
