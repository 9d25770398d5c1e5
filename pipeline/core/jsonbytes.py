"""The JSON bytes of the output's own records (caches, listings, digests), and their reading: orjson, else the
standard library's.

The records saved after every publish are laid out whole; with orjson, saving them after a new month at the bench
city took 0.28-0.42 s of CPU where the standard library's encoder took 0.45-0.52 s. They are read back by
``json.loads`` (or orjson), which takes either encoder's bytes alike: only the layout differs (orjson writes no
spaces, and UTF-8 where the standard library escapes). A name orjson refuses (a file name with bytes that are not
UTF-8, kept by Python as lone surrogates) falls back to the standard library's encoder, which escapes it, as before.

Read back (``loads``), orjson gives what ``json.loads`` gives for every text both read, and refuses the rest (a NaN,
a lone surrogate's escape, a byte-order mark, a number out of a double's range), which the standard library then
reads, or refuses, as before. The one difference is an integer beyond 64 bits, which orjson makes a float: a text
with a run of digits that long is read by the standard library. The store's index of a city (9.5 MB) took 49 ms
to read with the standard library, 29 ms with orjson.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# An integer orjson would not read exactly (beyond 64 bits: 20 digits, or 19 after a minus), or digits as many in
# a text or a fraction (then read by the standard library all the same: the same value, a little slower).
_LONG_DIGITS = re.compile(rb"[0-9]{20}|-[0-9]{19}")


def dumps(value: Any, sort_keys: bool = False) -> bytes:
    """``value`` as compact JSON bytes, keys sorted when ``sort_keys``, with a newline at the end."""
    try:
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE | (orjson.OPT_SORT_KEYS if sort_keys else 0))
    except (orjson.JSONEncodeError, TypeError):  # (a lone surrogate; a key that is not a string)
        return (json.dumps(value, sort_keys=sort_keys, separators=(",", ":")) + "\n").encode("ascii")


def loads(data: bytes) -> Any:
    """The value of the JSON ``data``, as ``json.loads`` gives it (raises its ``ValueError`` when it refuses it)."""
    if _LONG_DIGITS.search(data) is None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # read (or refused) by the standard library, whose error is told
    return json.loads(data)
