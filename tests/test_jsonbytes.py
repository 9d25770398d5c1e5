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
