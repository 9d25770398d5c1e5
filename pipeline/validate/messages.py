"""The one bilingual catalogue of every problem code, written for a clerk (Indonesian first).

Codes are stable kebab-case names.  Frictionless' own error types are reused where one
fits; the rest are the project's.  Severity is fixed per code: the codes marked W are
warnings (the file is still accepted), every other code is an error (the file is rejected).

=============================================  ===  ==========================================
code                                           sev  meaning
=============================================  ===  ==========================================
type-error                                     E    cell is not of the field's type
constraint-error                               E    required / minimum / maximum / pattern /
                                                    enum / maxLength / ... not met
primary-key                                    E    key repeated within the file (or all empty)
unique-error                                   E    a unique field repeated within the file
missing-label                                  E    a required column is absent
duplicate-label                                E    a column appears twice
extra-label                                    E    a column the contract does not know
blank-label                                    E    a column with data but no header
missing-cell                                   E    a CSV row with fewer cells than the header
extra-cell                                     E    a CSV row with more cells than the header
blank-row                                      E    an empty row between data rows
no-rows                                        E    header-only performance file
empty-file                                     E    0 bytes, or nothing in the header row
encoding-error                                 E    neither UTF-8 nor clean Windows-1252
encoding-converted                             W    read as Windows-1252 (not UTF-8)
not-a-csv                                      E    a .csv that is XLSX, XLS, ZIP, PDF or binary
not-an-xlsx                                    E    a .xlsx that cannot be opened as a workbook
delimiter-error                                E    header not separated by ``,`` or ``;``
malformed-csv                                  E    broken quoting
file-too-large                                 E    bigger than portal.max_file_mb (not parsed)
unreadable-file                                E    the operating system cannot read the file
internal-error                                 E    judging the file crashed: a bug in the
                                                    pipeline, not in the file (exit code 4)
layout-error                                   E    a path under submissions/ that is not expected
                                                    (links and special files: never opened)
xlsx-too-large                                 E    workbook content above max_xlsx_uncompressed_mb
too-many-rows                                  E    more rows than max_rows (reading stopped)
too-many-columns                               E    a row wider than max_columns (reading stopped)
cell-too-long                                  E    a cell longer than max_cell_chars (<= 32,767)
too-many-problems                              E    the problems past the first 200, counted by code
                                                    and column (in warnings when it sums warnings)
period-mismatch                                E    performance.period differs from the folder
agency-mismatch                                E    performance.agency_code differs from the folder
unknown-service                                E    service_code not in services.csv
service-agency-mismatch                        E    service of another agency
completed-within-standard-exceeds-completed    E    completed_within_standard > completed
survey-incomplete                              E    respondents > 0 but some u1..u9 empty
survey-unexpected                              E    no respondents but some u1..u9 filled
completed-exceeds-received                     W    applications_completed > received
resolved-exceeds-received                      W    complaints_resolved > complaints_received
long-wait                                      W    avg_wait_minutes > 480
end-before-start                               E    agenda end_time before start_time
unknown-participant                            E    participants code not in agencies.csv
held-after-period                              E    agenda held, dated after the period
planned-before-period                          W    agenda planned, dated before the period
unknown-attendee                               E    attendees code not in agencies.csv
attendees-not-held                             E    attendees filled on a meeting not held
attendee-not-invited                           W    an attendee not among the participants
date-after-period                              E    decision dated after the period
unknown-agenda                                 E    decision's agenda_id not found
unknown-responsible                            E    responsible code not in agencies.csv
due-before-date                                E    due_date before date
completed-on-missing                           E    status done without completed_on
completed-on-unexpected                        E    completed_on given, status not done
completed-on-before-date                       E    completed_on before date
completed-on-after-period                      E    completed_on after the period
period-before-joined                           W    period before the agency's joined_on
control-character                              E    an invisible control character in a cell
personal-data-id                               E    a 16-digit NIK/KK number in a free-text or
                                                    URL cell (shown masked)
personal-data-contact                          E    a telephone number or e-mail address in a
                                                    free-text or URL cell, not a public contact
=============================================  ===  ==========================================
"""

from __future__ import annotations

from typing import Any

from pipeline.core.models import Message, Problem
from pipeline.core.personal_data import mask_text
from pipeline.validate.messages_text import CATALOGUE, PATTERN_WORDS

WARNING_CODES = frozenset({
    "encoding-converted", "completed-exceeds-received", "resolved-exceeds-received",
    "long-wait", "planned-before-period", "period-before-joined",
    "attendee-not-invited",
})

# Codes whose value is a cell the clerk typed: a space at either end is worth pointing out.
_CELL_CODES = frozenset({"type-error", "constraint-error", "unknown-service", "period-mismatch",
                         "agency-mismatch", "unknown-agenda"})
_SPACES = Message(
    " Hapus juga spasi di awal atau akhir isian.",
    " Also remove the spaces at the start or end of the entry.",
)


def is_warning(code: str) -> bool:
    """True when problems with this code do not reject the file."""
    return code in WARNING_CODES


def show(value: Any, limit: int = 60) -> str:
    """A value as quoted in a message: in quotes, shortened when long."""
    # Masked before shortening: a NIK cut at the limit would no longer be recognised.
    text = mask_text("" if value is None else str(value))
    text = text.replace("\r", " ").replace("\n", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"\"{text}\""


def megabytes(size: float) -> str:
    """A size in MB as a message shows it to a clerk (one decimal)."""
    return f"{size / (1024 * 1024):.1f}"


def pattern_words(pattern: str, example: str | None) -> Message:
    """A pattern explained in words (falls back to the pattern itself and an example)."""
    words = PATTERN_WORDS.get(pattern)
    if words is not None:
        return words
    tail = f", misalnya {example}" if example else ""
    tail_en = f", for example {example}" if example else ""
    return Message(f"mengikuti pola {pattern}{tail}", f"following the pattern {pattern}{tail_en}")


def message(key: str, /, **params: Any) -> Message:
    """Fill the catalogue entry ``key``; Message-valued params give each language its text."""
    id_t, en_t = CATALOGUE[key]
    id_p = {k: (v.id if isinstance(v, Message) else v) for k, v in params.items()}
    en_p = {k: (v.en if isinstance(v, Message) else v) for k, v in params.items()}
    return Message(id_t.format(**id_p), en_t.format(**en_p))


def problem(
    code: str,
    variant: str | None = None,
    /,
    *,
    row: int | None = None,
    field: str | None = None,
    value: str | None = None,
    cell: str | None = None,
    **params: Any,
) -> Problem:
    """Build a Problem whose message comes from the catalogue entry ``code`` or ``code:variant``."""
    key = f"{code}:{variant}" if variant else code
    params.setdefault("field", field)
    params.setdefault("row", row)
    params.setdefault("value", show(value))
    text = message(key, **params)
    if code in _CELL_CODES and isinstance(value, str) and value != value.strip() and value.strip():
        text = Message(text.id + _SPACES.id, text.en + _SPACES.en)
    return Problem(code=code, message=text, row=row, field=field, value=value, cell=cell)


def column_letter(index: int) -> str:
    """Spreadsheet column letters for a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(column: int | None, row: int | None) -> str | None:
    """A spreadsheet reference such as ``D14`` (None when the column or row is unknown)."""
    if column is None or row is None:
        return None
    return f"{column_letter(column)}{row}"
