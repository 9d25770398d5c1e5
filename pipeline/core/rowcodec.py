"""Typed rows to and from JSON without losing a type (dates, times, exact decimals)."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

# Type tags stored next to the rows: JSON alone cannot tell a date from a string
# or an exact decimal from a float, and the store must give back what validate gave.
_DECODERS = {
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "datetime": datetime.fromisoformat,
    "number": Decimal,
}


def json_object(text: str | bytes) -> dict[str, Any]:
    """Parse JSON that must be an object; ValueError otherwise, as for malformed JSON."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, found {type(value).__name__}")
    return value


def canonical_json(data: Any) -> bytes:
    """Deterministic JSON bytes: sorted keys, UTF-8, two-space indent, final newline."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=_plain)
    return (text + "\n").encode("utf-8")


def compact_json(data: Any) -> bytes:
    """Deterministic one-line JSON (sorted keys); uses the C encoder, unlike ``indent``."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)
    return (text + "\n").encode("utf-8")


def ordered_json(data: Any) -> bytes:
    """Deterministic JSON bytes keeping the given key order (a descriptor in reading order)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_plain)
    return (text + "\n").encode("utf-8")


_BLOCK = 1024  # records encoded together


def records_json(records: Iterable[dict[str, Any]]) -> bytes:
    """A JSON array with one record per line, keys in the given order (readable and fast).

    Written a block of lines at a time into one growing buffer, whose bytes are then returned
    without a copy: a list of every line, its joined text and that text encoded took three
    times the file's size (148 MB for the indicators of a large city).
    """
    # One encoder for every line: json.dumps with options builds a new one per call.
    encode = line_encoder()
    out = io.BytesIO()
    out.write(b"[\n")
    block: list[str] = []
    first = True
    for record in records:
        block.append(encode(record))
        if len(block) == _BLOCK:
            out.write(("" if first else ",\n").encode("utf-8") + ",\n".join(block).encode("utf-8"))
            block, first = [], False
    if block:
        out.write(("" if first else ",\n").encode("utf-8") + ",\n".join(block).encode("utf-8"))
        first = False
    out.write(b"]\n" if first else b"\n]\n")
    return out.getvalue()


def line_json_encoder() -> json.JSONEncoder:
    """The encoder of the lines ``records_json`` writes (keys in the given order)."""
    return json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), default=_plain)


def line_encoder() -> Callable[[dict[str, Any]], str]:
    """One record as the line ``records_json`` writes for it (keys in the given order)."""
    return line_json_encoder().encode


def decimal_json(value: Decimal) -> str:
    """A decimal's text in those lines: ``_plain``'s number written as the C encoder writes it, without
    the encoder's detour through ``default`` (the data files write millions of them)."""
    number = _plain(value)
    if type(number) is int:
        return int.__repr__(number)
    return float.__repr__(number) if math.isfinite(number) else line_json_encoder().encode(number)


def written_integral(value: Decimal) -> bool:
    """True when the decimal was written without a fractional part (``12``, not ``12.0``)."""
    exponent = value.as_tuple().exponent  # a letter for NaN and infinities, which validation rejects
    return isinstance(exponent, int) and exponent >= 0


def _plain(value: Any) -> Any:
    """JSON form of the non-JSON types that rows carry."""
    if isinstance(value, Decimal):
        # JSON numbers: integral decimals stay integers, others use the shortest float repr,
        # which gives back the same digits for the short decimals agencies send.
        return int(value) if written_integral(value) else float(value)
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def type_tag(value: Any) -> str:
    """The tag of one non-empty value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, (Decimal, float)):
        return "number"
    if isinstance(value, datetime):  # before date: a datetime is also a date
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    return "string"


def number_text(value: Decimal | float) -> str:
    """An exact decimal in plain notation (never ``1E+2``); floats via their shortest repr."""
    dec = Decimal(repr(value)) if isinstance(value, float) else value
    text = format(dec, "f")
    return "0" if text in ("-0", "-0.0") else text


def encode_rows(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Rows as a JSON-able object: field order, a type tag per field, and rows as lists."""
    fields: list[str] = []
    for row in rows:
        fields.extend(name for name in row if name not in fields)
    types: dict[str, str] = {}
    for name in fields:
        values = [row.get(name) for row in rows if row.get(name) is not None]
        types[name] = type_tag(values[0]) if values else "string"
    body = [[_encode_value(row.get(name), types[name]) for name in fields] for row in rows]
    return {"fields": fields, "types": types, "rows": body}


def _encode_value(value: Any, tag: str) -> Any:
    """One value in its JSON form (exact decimals as strings)."""
    if value is None:
        return None
    if tag == "number":
        return number_text(value)
    if tag in ("date", "time", "datetime"):
        return value.isoformat()
    return value


def decode_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Inverse of ``encode_rows``."""
    fields, types = data["fields"], data["types"]
    decoders = [_DECODERS.get(types[name]) for name in fields]
    rows = []
    for cells in data["rows"]:
        rows.append({
            name: (dec(cell) if dec and cell is not None else cell)
            for name, dec, cell in zip(fields, decoders, cells, strict=True)
        })
    return rows
