"""Find and mask citizens' personal data in text: NIK/KK numbers, telephone numbers, e-mail addresses.

The rules, in words (README, "Personal data", says the same):

- NIK or KK number: exactly 16 digits in one run, written plain or in groups of 2 to 6
  digits joined by one and the same separator (a space, a dot or a dash):
  ``1571010101900001``, ``1571 0101 0190 0001``, ``157101.010190.0001``.  A run that mixes separators is not
  one number (``08.00-12.00 13.00-15.00`` is two time ranges, ``2026-10-14 2026-10-15``
  two dates, and so is ``2026-10-14-2026-10-15``; ``100.0000000000000001`` is a number of
  19 digits), and a run of 15 or 17 digits is not a NIK.
- Telephone number (Indonesian): digit groups joined by one space, dot or dash, a group
  possibly in parentheses, that begin with ``+62``, ``62`` or ``0`` and then hold the
  number without its prefix: 9 to 12 digits starting with 8 (mobile) or 7 to 11 digits
  starting with 2-7 or 9 (landline: area code and subscriber).  Written in groups, the
  first group after a ``0`` is the area or operator code, so it has 3 to 5 digits with the
  ``0`` (``021``, ``0741``, ``0812``): ``05-10-2026`` and ``09.30-11.00`` are a date and a
  time range, not numbers.  ``62`` without ``+`` counts only when followed by a space or a
  dash, or as a plain mobile number (``6281234567890``): ``Rp 62.500.000.000`` is money.
  A number glued to a letter before it (a code such as ``A0812345678``) or one that starts
  inside a dotted number (``12.050.000.000``) is not a telephone number.
- E-mail address: ``name@domain.tld``.

Masking keeps enough to recognise the value and never the whole of it: a NIK keeps its
first 4 and last 4 digits (``1571********0001``), a telephone number its first 4 and last 2
digits (``0812******90``), an e-mail address its first letter and its domain
(``b***@example.com``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

NIK = "nik"
PHONE = "phone"
EMAIL = "email"

# A number as written: digits joined by dots or dashes (2026-10-14, 1.250.000, 157101.010190.0001).
_NUMBER = re.compile(r"\d+(?:[.\-]\d+)*")
_DATE_PAIRS = ([4, 2, 2, 4, 2, 2], [2, 2, 4, 2, 2, 4])
_GROUP = re.compile(r"\d+")
# What may stand between two digit groups of one telephone number: one separator, and a
# parenthesis closing the area code or opening it: "(0741) 123456", "+62 (741) 123-456".
_GAP = re.compile(r"\)?[ .\-]?\(?")
# Anchored at the start of the local part and possessive, so that a long cell is read in
# linear time (a plain "[...]+@" retries from every character: quadratic on 30,000 letters).
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@(?:[A-Za-z0-9-]++\.)++[A-Za-z]{2,}+(?![A-Za-z0-9-])")
_MAX_GROUPS = 6


@dataclass(frozen=True)
class Found:
    """One piece of personal data in a text: its kind, where it is, and a key to compare it by."""

    kind: str
    start: int
    end: int
    text: str
    key: str

    @property
    def masked(self) -> str:
        """The value as it may be shown (see the module docstring)."""
        if self.kind == NIK:
            return self.key[:4] + "*" * 8 + self.key[-4:]
        if self.kind == PHONE:
            digits = re.sub(r"\D", "", self.text)
            plus = "+" if self.text.lstrip("(").startswith("+") else ""
            return plus + digits[:4] + "*" * (len(digits) - 6) + digits[-2:]
        local, _, domain = self.text.partition("@")
        return f"{local[:1]}***@{domain}"


def find(text: str) -> list[Found]:
    """Every NIK, telephone number and e-mail address in ``text``, in order, not overlapping."""
    if not text:
        return []
    found = _emails(text) + _niks(text) + _phones(text)
    # Earliest first, longest first: an e-mail that contains digits hides them all.
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Found] = []
    for item in found:
        if not kept or item.start >= kept[-1].end:
            kept.append(item)
    return kept


def mask_text(text: str) -> str:
    """``text`` with every NIK, telephone number and e-mail address masked."""
    pieces, at = [], 0
    for item in find(text):
        pieces += [text[at:item.start], item.masked]
        at = item.end
    return "".join(pieces) + text[at:]


def contact_key(entry: str) -> str | None:
    """The comparison key of a public contact written alone (a phone number or an e-mail), else None."""
    text = entry.strip()
    found = find(text)
    if len(found) != 1 or found[0].kind == NIK:
        return None
    rest = text[:found[0].start] + text[found[0].end:]
    return found[0].key if rest.strip(" ()+") == "" else None


def contact_keys(entries: Iterable[str]) -> frozenset[str]:
    """The keys of the entries that are a phone number or an e-mail address."""
    return frozenset(k for k in (contact_key(e) for e in entries) if k is not None)


def _emails(text: str) -> list[Found]:
    """E-mail addresses, compared ignoring case."""
    return [Found(EMAIL, m.start(), m.end(), m.group(), m.group().lower()) for m in _EMAIL.finditer(text)]


def _niks(text: str) -> list[Found]:
    """16 digits in one number joined by one kind of separator, or in plain numbers joined by spaces."""
    numbers = list(_NUMBER.finditer(text))
    out = []
    for m in numbers:
        written = m.group()
        if len(written) < 16:
            continue
        groups = [len(g) for g in re.split(r"[.\-]", written)]
        # One kind of separator, and not two dates written together (2026-10-14-2026-10-15).
        if len(set(re.findall(r"[.\-]", written))) <= 1 and groups not in _DATE_PAIRS:
            out += _nik(text, [m])
    run: list[re.Match[str]] = []
    for m in numbers:
        if m.group().isdigit() and run and text[run[-1].end():m.start()] == " ":
            run.append(m)
            continue
        out += _nik(text, run) if len(run) > 1 else []
        run = [m] if m.group().isdigit() else []
    out += _nik(text, run) if len(run) > 1 else []
    return out


def _nik(text: str, parts: list[re.Match[str]]) -> list[Found]:
    """A NIK when ``parts`` hold 16 digits together, in groups of 2 to 6 digits when separated."""
    start, end = parts[0].start(), parts[-1].end()
    written = text[start:end]
    digits = re.sub(r"\D", "", written)
    groups = re.findall(r"\d+", written)
    if len(digits) != 16 or (len(groups) > 1 and not all(2 <= len(g) <= 6 for g in groups)):
        return []
    return [Found(NIK, start, end, written, digits)]


def _phones(text: str) -> list[Found]:
    """Telephone numbers: chains of digit groups, tried from each group that may begin one."""
    groups = list(_GROUP.finditer(text))
    out: list[Found] = []
    i = 0
    while i < len(groups):
        match = _phone_from(text, groups, i)
        if match is None:
            i += 1
            continue
        out.append(match[0])
        i = match[1] + 1
    return out


def _joined(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """True when two digit groups may belong to one telephone number."""
    gap = text[left.end():right.start()]
    return bool(gap) and _GAP.fullmatch(gap) is not None


def _phone_from(text: str, groups: list[re.Match[str]], i: int) -> tuple[Found, int] | None:
    """The longest telephone number starting at group ``i`` (and the index of its last group)."""
    first = groups[i]
    if first.group()[0] not in "06":
        return None  # every telephone number starts with 0, 62 or +62
    start = first.start()
    while start > 0 and text[start - 1] in "+(" and first.start() - start < 2:
        start -= 1  # "+62", "(0741)", "(+62)": the prefix belongs to the number
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None  # glued to a word or a number: a code, not a telephone number
    if i > 0 and _joined(text, groups[i - 1], first) \
            and not {" ", "("} & set(text[groups[i - 1].end():first.start()]):
        return None  # inside a dotted or dashed number (12.050.000.000), not at its start
    plus = "+" in text[start:first.start()]
    head = first.group()
    # Without "+", only an area or operator code (021, 0741, 0812) or a lone 62 opens groups.
    grouped = plus or (3 <= len(head) <= 5 and head[0] == "0") or head == "62"
    best: tuple[Found, int] | None = None
    for j in range(i, min(len(groups), i + (_MAX_GROUPS if grouped else 1))):
        if j > i and not _joined(text, groups[j - 1], groups[j]):
            break
        key = _phone_key(text, groups, i, j, plus)
        if key is not None:
            end = groups[j].end()
            if text[end:end + 1] == ")" and "(" in text[start:first.start()]:
                end += 1  # "(0812 3456 7890)": mask the parentheses together
            best = (Found(PHONE, start, end, text[start:end], key), j)
    return best


def _phone_key(text: str, groups: list[re.Match[str]], i: int, j: int, plus: bool) -> str | None:
    """``62`` + the national number when groups i..j form a telephone number, else None."""
    parts = [g.group() for g in groups[i:j + 1]]
    digits = "".join(parts)
    if plus:
        national = digits[2:] if digits.startswith("62") else None
    elif digits.startswith("0"):
        # Written in groups, the first is the area or operator code with its 0.
        national = digits[1:] if len(parts) == 1 or 3 <= len(parts[0]) <= 5 else None
    elif digits.startswith("62"):
        gap = text[groups[i].end():groups[i + 1].start()] if j > i else ""
        if len(parts) == 1:
            national = digits[2:] if digits.startswith("628") else None  # plain: mobile only
        else:
            national = digits[2:] if parts[0] == "62" and gap in (" ", "-") else None
    else:
        national = None
    if national is None or not _national_ok(national):
        return None
    return "62" + national


def _national_ok(number: str) -> bool:
    """A mobile (8 + 8-11 digits) or landline (area code and subscriber, 7-11 digits) number."""
    if not number:
        return False
    if number[0] == "8":
        return 9 <= len(number) <= 12
    return number[0] in "2345679" and 7 <= len(number) <= 11
