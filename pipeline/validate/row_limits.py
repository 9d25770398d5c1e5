"""Check rows against the file limits while they are read, before anything else sees them.

Rows, row width and cell length are checked one row at a time as the CSV reader or the
workbook's row iterator yields it, so a file of a million rows or a header repeating one
column 1.7 million times is stopped at the first row over a limit instead of being held
in memory, mapped to fields and handed to frictionless.  Every row counts, empty ones too:
a sheet can declare a million empty rows, and reading them is what the limit prevents.
A row's width is every cell it holds, empty ones too: a CSV row with a delimiter per column
of Excel's 16,384, or a sheet row with one cell formatted far to the right, costs as much
to handle as a full one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.core.config import Limits
from pipeline.core.models import Problem
from pipeline.validate.messages import cell_ref, column_letter, problem

# Long cells are each reported; past this many the file is not read further (only a tiny
# max_cell_chars could get here, and listing more helps no clerk).
MAX_LONG_CELLS = 1000


@dataclass
class RowGate:
    """Admits rows while they are within the limits; records the problem that stopped reading."""

    limits: Limits
    table: str
    errors: list[Problem] = field(default_factory=list)

    def admit(self, number: int, cells: list[str]) -> bool:
        """True when row ``number`` (1 = header) may be kept; False: stop reading the file."""
        limits = self.limits
        if number > limits.max_rows + 1:
            self.errors.append(problem("too-many-rows", row=number, limit=limits.max_rows,
                                       table=self.table))
            return False
        if len(cells) > limits.max_columns:
            self.too_wide(number, len(cells))
            return False
        for index, text in enumerate(cells):
            if len(text) > limits.max_cell_chars:
                where = cell_ref(index, number)
                self.errors.append(problem("cell-too-long", row=number, value=text, cell=where,
                                           where=where, length=len(text), limit=limits.max_cell_chars))
                if len(self.errors) >= MAX_LONG_CELLS:
                    return False
        return True

    def too_wide(self, number: int, found: int) -> None:
        """Record that row ``number`` has ``found`` cells, more than the column limit."""
        self.errors.append(problem("too-many-columns", row=number, found=found,
                                   limit=self.limits.max_columns, column=column_letter(found - 1),
                                   table=self.table))
