"""The personal-data rule of the contract, and the masking of every problem before it is shown.

The rule: a NIK/KK number in a free-text or URL cell is ``personal-data-id``; a telephone
number or e-mail address that is not a public contact is ``personal-data-contact``.
Masking: whatever rule found a problem, its value, its messages and (for a misplaced
file) its path pass through ``mask_text``, so no report, page, log or terminal line
repeats such a value, however it got there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pipeline.core.models import FileReport, Message, Problem
from pipeline.core.personal_data import NIK, Found, find, mask_text
from pipeline.validate.tablecheck import Checked

# The contract's free-text fields and URL fields, in whichever table they occur.
TEXT_FIELDS = ("title", "summary", "description", "follow_up", "location", "notes", "requirements")
URL_FIELDS = ("minutes_url", "evidence_url", "website")
CHECKED_FIELDS = TEXT_FIELDS + URL_FIELDS


def personal_data_problems(t: Checked, public: frozenset[str],
                           fields: Iterable[str] = CHECKED_FIELDS) -> list[Problem]:
    """One problem per cell and kind (NIK; non-public contact) in the named fields."""
    names = [n for n in fields if n in t.positions]
    out: list[Problem] = []
    for i, texts in enumerate(t.texts):
        for name in names:
            out += cell_problems(t, i, name, texts.get(name) or "", public)
    return out


def cell_problems(t: Checked, i: int, name: str, text: str, public: frozenset[str]) -> list[Problem]:
    """The personal-data problems of one cell (none for an empty cell or a public contact)."""
    found = find(text)
    ids = [f for f in found if f.kind == NIK]
    contacts = [f for f in found if f.kind != NIK and f.key not in public]
    out = []
    if ids:
        out.append(t.at("personal-data-id", i, name, found=_listed(ids)))
    if contacts:
        out.append(t.at("personal-data-contact", i, name, found=_listed(contacts)))
    return out


def _listed(found: list[Found]) -> str:
    """The masked values, quoted, for the message."""
    return ", ".join(f"\"{f.masked}\"" for f in found)


def mask_problem(p: Problem) -> Problem:
    """The problem with personal data masked in its value and both messages."""
    return replace(p, value=None if p.value is None else mask_text(p.value),
                   message=Message(mask_text(p.message.id), mask_text(p.message.en)))


def mask_report(report: FileReport) -> FileReport:
    """The report with every problem masked, and the path of a misplaced file (a name may hold a NIK)."""
    # A judged file's path is fixed (submissions/<YYYY-MM>/<agency>/<table>.<ext>) and is
    # how the store finds its bytes; only a layout error's path is free text.
    if report.table is not None and not report.errors and not report.warnings:
        return report  # nothing to mask (most of a city's 10,800 reports): not copied
    file = mask_text(report.file) if report.table is None else report.file
    return replace(report, file=file, errors=[mask_problem(p) for p in report.errors],
                   warnings=[mask_problem(p) for p in report.warnings])
