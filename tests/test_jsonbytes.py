"""The JSON bytes of the output's records: what json.loads reads back, keys sorted when asked, any name kept."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from pipeline.core import jsonbytes

VALUES = st.recursive(st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(),
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                      max_leaves=20)


@given(VALUES)
def test_any_record_reads_back_as_it_was_given(value: object) -> None:
    """Text with any code point (lone surrogates too, from names that are not UTF-8) reads back equal."""
    data = jsonbytes.dumps(value, sort_keys=True)
    assert data.endswith(b"\n")
    assert json.loads(data) == value


def test_keys_are_sorted_when_asked_and_the_layout_is_compact() -> None:
    """Sorted keys make equal records equal bytes (a listing is rewritten only when its bytes differ)."""
    assert jsonbytes.dumps({"b": [1, "é"], "a": None}, sort_keys=True) == '{"a":null,"b":[1,"é"]}\n'.encode()
    assert jsonbytes.dumps({"b": 1, "a": 2}) == b'{"b":1,"a":2}\n'


def test_a_name_that_is_not_utf8_is_escaped_as_the_standard_library_does() -> None:
    """A file name of bytes that are not UTF-8 (a lone surrogate in Python) is kept, escaped."""
    name = b"laporan-\xff.csv".decode("utf-8", "surrogateescape")
    data = jsonbytes.dumps({name: 1})
    assert data == b'{"laporan-\\udcff.csv":1}\n'
    assert json.loads(data) == {name: 1}


# JSON texts as written by any encoder: spaces or none, escapes or UTF-8, and numbers of every kind (floats, integers
# beyond 64 bits, which orjson would read as floats).
NUMBERS = st.integers() | st.floats(allow_nan=False, allow_infinity=False)
READ_VALUES = st.recursive(st.none() | st.booleans() | NUMBERS | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                           max_leaves=20)


@given(READ_VALUES, st.booleans(), st.booleans())
def test_any_json_text_reads_as_the_standard_library_reads_it(value: object, escaped: bool, spaced: bool) -> None:
    """Whoever wrote it, a record reads back as ``json.loads`` reads it: the same values, of the same types."""
    text = json.dumps(value, ensure_ascii=escaped, separators=(", ", ": ") if spaced else (",", ":")).encode(
        "utf-8", "surrogatepass")
    expected, found = json.loads(text), jsonbytes.loads(text)
    assert found == expected and repr(found) == repr(expected)  # (repr: 1 and 1.0, -0.0 and 0.0 told apart)


@given(st.binary(max_size=40) | st.text(max_size=20).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_are_read_or_refused_as_the_standard_library_does(data: bytes) -> None:
    """Damaged or strange bytes (a NaN, a byte-order mark, a lone surrogate) give the same value or a ValueError."""
    try:
        expected: object = json.loads(data)
    except ValueError:
        expected = ValueError
    try:
        found: object = jsonbytes.loads(data)
    except ValueError:
        found = ValueError
    assert repr(found) == repr(expected)


def test_what_orjson_reads_otherwise_is_read_by_the_standard_library() -> None:
    """An integer beyond 64 bits stays an integer; a NaN, a duplicate key and a byte-order mark as before."""
    assert jsonbytes.loads(b"[18446744073709551616, -9223372036854775809]") == [2**64, -(2**63) - 1]
    assert type(jsonbytes.loads(b"123456789012345678901234567890")) is int
    assert repr(jsonbytes.loads(b"[NaN, 1e400]")) == "[nan, inf]"
    assert jsonbytes.loads(b'{"a": 1, "a": 2}') == {"a": 2}
    assert jsonbytes.loads(b"\xef\xbb\xbf[1]") == [1]
    assert jsonbytes.loads(b'"\\ud800"') == "\ud800"
