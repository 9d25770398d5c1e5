"""A whole generated mall: its settings, reference tables, every monthly file and the intake log.

``generate`` writes a datasets folder that ``python -m pipeline`` reads like the sample's.
One agency-month (the organiser's neighbour, last month) is held back, and one rejected file
of an old month has a corrected version: ``add_late_month`` and ``correct_old_file`` put them
in afterwards, as the benchmark's "one new agency-month" and "one late file" steps.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pipeline.core import periods
from pipeline.core.models import TABLES
from tools.bench import agencies as agency_kinds
from tools.bench.mistakes import Mistake, inject
from tools.bench.rows import (
    AGENDA_FIELDS,
    DECISION_FIELDS,
    PERFORMANCE_FIELDS,
    Desk,
    Row,
    agenda_rows,
    decision_rows,
    performance_rows,
    rng,
)
from tools.bench.shape import Shape
from tools.sample.clerk_errors import Table
from tools.sample.files import xlsx_bytes

Key = tuple[str, str, str]  # (period, agency, table)
HEADERS = {"agendas": AGENDA_FIELDS, "decisions": DECISION_FIELDS, "performance": PERFORMANCE_FIELDS}
SCHEMAS = Path(__file__).resolve().parents[2] / "datasets" / "schemas"
RECEIPTS = "receipts.csv"


@dataclass
class Mall:
    """Every file of a generated mall, clean and as sent, and where the mistakes are."""

    shape: Shape
    clean: dict[Key, list[Row]] = field(default_factory=dict)
    sent: dict[Key, list[Row]] = field(default_factory=dict)
    mistakes: dict[Key, Mistake] = field(default_factory=dict)
    formats: dict[Key, str] = field(default_factory=dict)  # "csv", "semicolon" or "xlsx"

    @property
    def held_back(self) -> tuple[str, str]:
        """The agency-month that arrives after the first publish: the agency after the organiser, last month."""
        return (self.shape.last_period, min(a for a in {k[1] for k in self.clean} if a != agency_kinds.ORGANISER))

    @property
    def late_fix(self) -> Key:
        """The rejected file of an old month whose corrected version arrives late (the oldest CSV one after a year)."""
        old = periods.shift(self.shape.last_period, -min(12, self.shape.months - 1))
        candidates = sorted(k for k in self.mistakes if k[0] >= old and self.formats[k] == "csv")
        candidates += sorted(k for k in self.mistakes if self.formats[k] == "csv")
        if not candidates:
            raise ValueError("this shape has no rejected CSV file to correct: raise error_rate or the size")
        return candidates[0]


def build(shape: Shape) -> Mall:
    """Every agency-month's three files, a share of them with one mistake and some in other formats."""
    mall = Mall(shape)
    listed = agency_kinds.agencies(shape)
    everyone = [a.code for a in listed]
    desks = [Desk(a, agency_kinds.services(shape, a, i)) for i, a in enumerate(listed)]
    for period in shape.periods:
        for number, desk in enumerate(desks):
            code = desk.agency.code
            agendas = agenda_rows(shape, desk, period, everyone)
            tables = {"agendas": agendas, "decisions": decision_rows(shape, desk, period, agendas),
                      "performance": performance_rows(shape, desk, period)}
            neighbour = desks[(number + 1) % len(desks)].services[0].code
            for table in TABLES:
                key = (period, code, table)
                mall.clean[key] = tables[table]
                r = rng(shape, "intake", *key)
                mall.formats[key] = r.choices(["csv", "semicolon", "xlsx"], [0.94, 0.03, 0.03])[0]
                mall.sent[key] = tables[table]
                if mall.formats[key] == "csv" and r.random() < shape.error_rate:
                    found = inject(table, tables[table], r, neighbour)
                    if found is not None:
                        mall.sent[key], mall.mistakes[key] = found
    return mall


def file_name(mall: Mall, key: Key, fmt: str | None = None) -> str:
    """Path of a submission under the datasets folder (``fmt``: a format other than the one it was sent in)."""
    return f"submissions/{key[0]}/{key[1]}/{key[2]}.{'xlsx' if (fmt or mall.formats[key]) == 'xlsx' else 'csv'}"


def file_bytes(mall: Mall, key: Key, rows: list[Row], fmt: str | None = None) -> bytes:
    """The bytes of one file: plain CSV, CSV with ``;`` and decimal commas as Excel saves it, or XLSX (``fmt``: a
    format other than the one it was sent in)."""
    header = HEADERS[key[2]]
    fmt = fmt or mall.formats[key]
    if fmt == "xlsx":
        return xlsx_bytes(key, Table(list(header), rows), received(mall, key))
    semicolon = fmt == "semicolon"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if semicolon else ",", lineterminator="\r\n" if semicolon else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_decimal_comma(name, row[name]) if semicolon else row[name] for name in header])
    return buffer.getvalue().encode("utf-8")


def _decimal_comma(name: str, text: str) -> str:
    """A number as an Indonesian spreadsheet writes it (the minutes and survey columns hold decimals)."""
    decimal = name.startswith("avg_") or (name[0] == "u" and name[1:].isdigit())
    return text.replace(".", ",") if decimal else text


def received(mall: Mall, key: Key) -> datetime:
    """When the file arrived: within the first working days of the next month, a few after the deadline."""
    r = rng(mall.shape, "received", *key)
    start = datetime.combine(periods.first_day(periods.shift(key[0], 1)), datetime.min.time())
    day = r.choices([r.randint(0, 9), r.randint(10, 20)], [0.92, 0.08])[0]
    return start + timedelta(days=day, hours=r.randint(8, 15), minutes=r.randint(0, 59))


def generate(mall: Mall, datasets: Path, held: Iterable[tuple[str, str]] = ()) -> None:
    """Write the mall into ``datasets`` (created or replaced): everything but the held-back agency-month and the
    agency-months ``held`` (period, agency)."""
    shape = mall.shape
    skip = {mall.held_back, *held}
    if datasets.exists():
        shutil.rmtree(datasets)
    (datasets / "reference").mkdir(parents=True)
    shutil.copytree(SCHEMAS, datasets / "schemas")
    (datasets / "portal.toml").write_text(portal_toml(shape), encoding="utf-8")
    (datasets / "reference" / "agencies.csv").write_bytes(_agencies_csv(shape))
    (datasets / "reference" / "services.csv").write_bytes(_services_csv(shape))
    receipts = []
    for key in sorted(mall.sent):
        if key[:2] in skip:
            continue
        receipts.append(_write(mall, datasets, key, mall.sent[key]))
    _append_receipts(datasets, receipts, new=True)


def add_late_month(mall: Mall, datasets: Path) -> list[str]:
    """Put in the held-back agency-month (its three files and their receipts); returns their paths."""
    period, agency = mall.held_back
    keys = [(period, agency, table) for table in TABLES]
    _append_receipts(datasets, [_write(mall, datasets, key, mall.sent[key]) for key in keys])
    return [file_name(mall, key) for key in keys]


def correct_old_file(mall: Mall, datasets: Path) -> str:
    """Replace the chosen rejected file of an old month by its corrected version, received today."""
    key = mall.late_fix
    return put(mall, datasets, key, mall.clean[key], late=True)


def put(mall: Mall, datasets: Path, key: Key, rows: list[Row], late: bool = False, fmt: str | None = None) -> str:
    """Write one file of the mall with ``rows`` (a new version when it is there) and log its receipt (``late``:
    received long after its month; ``fmt``: saved in another format than it was sent in); returns its path."""
    _append_receipts(datasets, [_write(mall, datasets, key, rows, late, fmt)])
    return file_name(mall, key, fmt)


def _write(mall: Mall, datasets: Path, key: Key, rows: list[Row], late: bool = False,
           fmt: str | None = None) -> tuple[str, str, str]:
    """Write one file; returns its intake-log line."""
    name = file_name(mall, key, fmt)
    data = file_bytes(mall, key, rows, fmt)
    path = datasets / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    when = received(mall, key) + (timedelta(days=400) if late else timedelta())
    return name, hashlib.sha256(data).hexdigest(), when.isoformat() + "+07:00"


def _append_receipts(datasets: Path, lines: list[tuple[str, str, str]], new: bool = False) -> None:
    """Add lines to the intake log (``new``: start it, with its header)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if new:
        writer.writerow(["file", "sha256", "received_at"])
    writer.writerows(lines)
    with (datasets / RECEIPTS).open("a" if not new else "w", encoding="utf-8") as log:
        log.write(buffer.getvalue())


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    """A reference table as the data officer keeps it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _agencies_csv(shape: Shape) -> bytes:
    """reference/agencies.csv: every agency joined two months before the first period."""
    joined = periods.first_day(periods.shift(shape.periods[0], -2)).replace(day=15).isoformat()
    return _csv(["agency_code", "name", "name_en", "sector", "counter", "joined_on", "website", "active"],
                [[a.code, a.name, a.name_en, a.sector, a.counter, joined, a.website, "true"]
                 for a in agency_kinds.agencies(shape)])


def _services_csv(shape: Shape) -> bytes:
    """reference/services.csv."""
    rows = []
    for index, agency in enumerate(agency_kinds.agencies(shape)):
        rows += [[s.code, s.agency, s.name, s.standard_time, str(s.fee), "KTP-el; formulir permohonan",
                  "Perpres Nomor 89 Tahun 2021 tentang Penyelenggaraan Mal Pelayanan Publik"]
                 for s in agency_kinds.services(shape, agency, index)]
    return _csv(["service_code", "agency_code", "name", "standard_time", "fee_idr", "requirements", "legal_basis"],
                rows)


def portal_toml(shape: Shape) -> str:
    """The mall's portal.toml: its names, the sample's licence and deadline, its own web address."""
    domain = f"{shape.slug}.go.id"
    org = f"mpp-{shape.city.lower().replace(' ', '-')}"
    size = f"{shape.agencies} agencies, {shape.services} services, {shape.months} months"
    return f'''# Mal generated by tools/bench ({size}).
name = "Data Terbuka Mal Pelayanan Publik {shape.city}"
name_en = "Open Data of the {shape.city} Public Service Mall"
city = "{shape.city}"
organizer = "{agency_kinds.ORGANISER}"
licence_id = "cc-by-4.0"
licence_title = "Creative Commons Atribusi 4.0 Internasional (CC BY 4.0)"
licence_url = "https://creativecommons.org/licenses/by/4.0/deed.id"
deadline_day = 10
timezone = "Asia/Jakarta"
site_url = "https://data.mpp.{domain}"
publisher = "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu {shape.city}"
contact_email = "data.mpp@{domain}"
receipts = "{RECEIPTS}"

[ckan]
organization = "{org}"
organization_title = "Mal Pelayanan Publik {shape.city}"
'''
