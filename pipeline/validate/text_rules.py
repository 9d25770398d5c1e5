"""Rules on the characters of any cell, whatever its field: what no spreadsheet can carry."""

from __future__ import annotations

import re

from pipeline.core.models import Problem
from pipeline.validate.tablecheck import Checked

# C0 control characters other than tab, line feed and carriage return: invisible, refused by
# the XML inside every .xlsx (so the downloads could not be written) and meaningless on a page.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_character_problems(t: Checked) -> list[Problem]:
    """One ``control-character`` problem per cell holding an invisible control character."""
    out: list[Problem] = []
    for i, texts in enumerate(t.texts):
        for name, text in texts.items():
            match = _CONTROL.search(text or "")
            if match:
                code = f"U+{ord(match.group()):04X}"
                clean = _CONTROL.sub("", text)
                out.append(t.at("control-character", i, name, value=clean, char=code))
    return out
