"""reference/contacts.csv: whom to write to for each agency (private: never published, copied or logged).

Columns (contract revision 2): agency_code, name, email, role (``clerk`` sends the files,
``head`` is copied on the second reminder).  A missing file means no reminders; a broken
line is a configuration error naming the line, never the address it holds.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from pipeline.core.config import Portal, read_config_file
from pipeline.core.errors import ConfigError

ROLES = ("clerk", "head")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


@dataclass(frozen=True)
class Contact:
    """One person (or role) to write to."""

    agency: str
    name: str
    email: str
    role: str


def load_contacts(portal: Portal, agencies: set[str]) -> list[Contact]:
    """The contacts, checked; [] when the file does not exist."""
    try:
        text = read_config_file(portal.datasets, "reference/contacts.csv").decode("utf-8-sig")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        raise ConfigError(["reference/contacts.csv: bukan UTF-8 / not UTF-8"]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"agency_code", "name", "email", "role"} - set(reader.fieldnames or [])
    if missing:
        raise ConfigError([f"reference/contacts.csv: kolom hilang / missing columns: {', '.join(sorted(missing))}"])
    found, problems = [], []
    for number, row in enumerate(reader, start=2):
        contact = Contact(*((row[k] or "").strip() for k in ("agency_code", "name", "email", "role")))
        # The message names the line and the column, never the address (the file is private).
        if contact.agency not in agencies:
            problems.append(f"reference/contacts.csv baris/row {number}: agency_code tidak ada di agencies.csv "
                            "/ not in agencies.csv")
        elif not contact.name:
            problems.append(f"reference/contacts.csv baris/row {number}: name kosong / empty")
        elif not _EMAIL.match(contact.email):
            problems.append(f"reference/contacts.csv baris/row {number}: email bukan satu alamat surel "
                            "/ is not one e-mail address")
        elif contact.role not in ROLES:
            problems.append(f"reference/contacts.csv baris/row {number}: role harus clerk atau head "
                            "/ must be clerk or head")
        else:
            found.append(contact)
    if problems:
        raise ConfigError(problems)
    return found
