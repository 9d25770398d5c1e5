"""Check a workbook's ZIP container before any XML parser sees it.

An .xlsx is a ZIP of XML parts.  A 2 MB file can inflate to gigabytes, so the sum of the
sizes the ZIP directory declares is checked first; and because the directory is written
by the sender, every member is then really inflated (counting, keeping nothing) and reading
stops as soon as it yields more than declared: only a container whose every member holds
exactly what it declares, within the limit, reaches openpyxl.  While inflating, a
document type declaration is refused too: OOXML parts never carry one, and entity
definitions in one are what XML entity bombs ("billion laughs") are made of.  openpyxl
parses with defusedxml as well; this check does not depend on that.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

TOO_LARGE, DAMAGED = "too-large", "damaged"
# A workbook has a few dozen parts; thousands of directory entries are a crafted file.
MAX_MEMBERS = 1000
_CHUNK = 64 * 1024
_LOCAL_HEADER = b"PK\x03\x04"
_DTD = tuple(word.encode(codec) for word in ("<!DOCTYPE", "<!ENTITY")
             for codec in ("ascii", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(n) for n in _DTD)


class ZipRefused(Exception):
    """The container is refused: ``kind`` TOO_LARGE (with the ``size`` found) or DAMAGED."""

    def __init__(self, kind: str, size: int = 0) -> None:
        super().__init__(kind)
        self.kind, self.size = kind, size


def check_container(data: bytes, limit: int) -> None:
    """Raise ZipRefused unless every member inflates to its declared size, in all at most ``limit``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:  # noqa: BLE001 - any directory zipfile cannot read is a damaged file
        raise ZipRefused(DAMAGED) from None
    if len(members) > MAX_MEMBERS:
        raise ZipRefused(DAMAGED)
    declared = sum(m.file_size for m in members)
    if declared > limit:
        raise ZipRefused(TOO_LARGE, declared)
    view = memoryview(data)
    for member in members:
        if _inflated_size(view, member) != member.file_size:
            raise ZipRefused(DAMAGED)  # the directory lies about this member


def _raw(view: memoryview, member: zipfile.ZipInfo) -> memoryview:
    """The member's compressed bytes, located through its local header."""
    start = member.header_offset
    if bytes(view[start:start + 4]) != _LOCAL_HEADER or len(view) < start + 30:
        raise ZipRefused(DAMAGED)
    name_len, extra_len = struct.unpack("<HH", view[start + 26:start + 30])
    begin = start + 30 + name_len + extra_len
    raw = view[begin:begin + member.compress_size]
    if len(raw) != member.compress_size:
        raise ZipRefused(DAMAGED)
    return raw


def _inflated_size(view: memoryview, member: zipfile.ZipInfo) -> int:
    """What the member really inflates to, counted up to its declared size plus one byte."""
    if member.flag_bits & 0x1:
        raise ZipRefused(DAMAGED)  # encrypted: Excel never writes this in an .xlsx
    raw = _raw(view, member)
    cap = member.file_size + 1
    if member.compress_type == zipfile.ZIP_STORED:
        _refuse_dtd(b"", bytes(raw[:cap]))
        return len(raw)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise ZipRefused(DAMAGED)  # Excel writes only deflate
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced, tail = 0, b""
    try:
        for start in range(0, len(raw) or 1, _CHUNK):
            pending = bytes(raw[start:start + _CHUNK])
            while True:
                out = inflater.decompress(pending, _CHUNK)
                produced += len(out)
                tail = _refuse_dtd(tail, out)
                if produced >= cap:
                    return produced  # more than declared: stop inflating here
                pending = inflater.unconsumed_tail
                if not pending and not out:
                    break
            if inflater.eof:
                break
    except zlib.error:
        raise ZipRefused(DAMAGED) from None
    return produced


def _refuse_dtd(tail: bytes, out: bytes) -> bytes:
    """Refuse a document type declaration in ``out`` (or across the chunk boundary); return the new tail."""
    window = tail + out
    if any(word in window for word in _DTD):
        raise ZipRefused(DAMAGED)
    return window[-_OVERLAP:]
