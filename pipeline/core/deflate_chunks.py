"""Zip entries deflated in independent chunks, each kept by digest so an unchanged chunk is not compressed again.

After one new agency-month most of a large table's CSV and worksheet is the bytes published
last, and deflating them again was a large part of writing the data folder. So an entry is
cut at content-defined places (``line_chunks``: after a line whose CRC falls on a mask;
``row_chunks``: before every ``every``-th worksheet row) and each chunk is deflated with a
fresh raw compressor ended by ``Z_FULL_FLUSH``: the chunks' deflate data then concatenate,
with a final empty block, into one valid stream whose bytes depend only on the chunks, the
level and zlib. A chunk's deflated bytes are the same whichever run compresses it, so a
build that takes them back from the archive published last (``ChunkCache``) writes exactly
the bytes of a cold build.

``<archive>.chunks`` (beside the row indexes) records, for each chunked entry, what each of its
chunks was compressed with (level, whether checked) and each chunk's key (SHA-256 of those and
its bytes), deflated length, length and CRC-32 (so an entry published last can be read back
one chunk at a time: ``Inflated``; and a chunk known to be unchanged is copied as it was
deflated, never inflated, cut or hashed again: ``Deflated``, the entry's CRC-32 combined from
the chunks', ``crc.py``); it
is used only when its header names this zlib and the caller's version (the pipeline's code:
new code compresses everything again) and the archive still has the SHA-256 it recorded.
The deflated bytes are read from the published archive itself (mapped, not read).
"""

from __future__ import annotations

import hashlib
import json
import mmap
import struct
import zipfile
import zlib
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import add, and_, not_
from pathlib import Path

# What a chunk's deflated bytes depend on besides its bytes and level (a new zlib: all compressed again).
FORMAT = f"raw-deflate-chunks/3 zlib {zlib.ZLIB_RUNTIME_VERSION} wbits -15 memlevel 8"
KEY = 32  # bytes of a chunk's key (SHA-256)
_RECORD = struct.Struct(f">{KEY}sQQI")  # key, deflated length, length, CRC-32
END = b"\x03\x00"  # a final empty block (fixed Huffman): ends the concatenated chunks
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
# A chunk of an entry published last: offset in the archive, deflated length, length, key, CRC-32.
Chunk = tuple[int, int, int, bytes, int]

# Lines: a cut after a line whose CRC-32 has its low 9 bits zero (one line in 512), once the chunk
# holds 32 KiB, and at the latest after 1 MiB. On the indicators' CSV of a large city a new month
# left 90 % of the bytes in chunks already compressed; the zip is 4 % larger than deflated whole.
LINE_MASK = 511
LEAST = 32 << 10
MOST = 1 << 20
# Worksheet rows: a cut before every 256th row (about 170 KB of the indicators' sheet: at level 1
# 1 % larger than deflated whole), or before a tag once 4 MiB are held without one.
EVERY_ROWS = 256
MOST_ROWS = 4 << 20


def line_chunks(blocks: Iterable[bytes], mask: int = LINE_MASK, least: int = LEAST,
                most: int = MOST) -> Iterator[bytes]:
    """The bytes of ``blocks`` cut after a line (``\\n``) whose CRC-32 ``& mask`` is 0 once a chunk
    holds ``least`` bytes, or after the first line that reaches ``most``: places set by the bytes
    since the last cut only, so a cold and an incremental build cut alike."""
    buf = b""
    scanned = 0  # lines of ``buf`` before this offset were considered already
    for block in blocks:
        buf = buf + block if buf else block
        last = buf.rfind(b"\n", scanned) + 1
        if last <= scanned:
            continue
        lines = buf[scanned:last - 1].split(b"\n")  # every line ends before ``last``
        # Each line's end (after its LF), from ``scanned`` on; the lines whose CRC falls on the mask.
        ends = list(accumulate(map(add, map(len, lines), repeat(1)), initial=scanned))[1:]
        marked = compress(ends, map(not_, map(and_, map(zlib.crc32, lines), repeat(mask))))
        del lines
        start = 0
        for end in marked:
            while end - start > most:  # no marked line within ``most``: the first line end past it
                forced = ends[bisect_left(ends, start + most)]
                yield buf[start:forced]
                start = forced
            if end - start >= least:
                yield buf[start:end]
                start = end
        while last - start > most:
            forced = ends[bisect_left(ends, start + most)]
            yield buf[start:forced]
            start = forced
        buf = buf[start:]
        scanned = last - start
    if buf:
        yield buf


# Bytes of a chunk's start inflated to find its first line (``ChunkCache.line_heads``; a longer line: not found).
HEAD = 4096
_HEAD_INPUT = 2 * HEAD  # deflated bytes given for it (text deflates to less than its length)
_SCAN_BLOCK = 1 << 16  # bytes read at a time between kept chunks (what a scan reads past the last cut is lost)


# Stretches of an entry's bytes known to be bytes of the entry published last: (offset here, offset there, length),
# in order, not overlapping (``kept_line_chunks``).
Moved = list[tuple[int, int, int]]


def kept_line_chunks(read: Callable[[int, int], bytes], size: int, cache: ChunkCache,
                     entry: str, moved: Moved | None = None) -> Iterator[bytes | Deflated]:
    """``line_chunks`` of the ``size`` bytes ``read(offset, count)`` gives, where each chunk of the entry
    ``entry`` published last (``cache``) that starts at a cut is given as it was deflated (``Deflated``):
    only the stretches between them are read line by line.

    A cut depends only on the bytes since the last one, so a chunk published last whose bytes (checked by
    its SHA-256, its key) start at a cut ends where a scan would cut, unless it ended its entry (then only
    at the end of these bytes) or the ``most`` rule cut it because a line followed (these bytes end with a
    line, so one follows here too; else it is taken only at their end). The chunks are those of
    ``line_chunks`` over the same bytes (``tests/test_deflate_chunks.py``).

    ``moved``: stretches of these bytes that are bytes of the entry published last, and where (the caller copied
    them from the file that entry was made of): a chunk published last within one of them is known to be held
    without reading or hashing it (after a new month, the kept rows of the indicators' 39 MB CSV).
    """
    old = cache.inflated(entry)
    heads = cache.line_heads(entry) if old is not None else {}
    if (not heads and not moved) or old is None:
        yield from line_chunks(_read_blocks(read, 0, size, 1 << 20))
        return
    ends_line = size > 0 and read(size - 1, 1) == b"\n"
    here = [start for start, _, _ in moved or ()]
    starts = old.starts

    def moved_at(at: int) -> int | None:
        """The number of the chunk published last that a stretch of ``moved`` holds whole from ``at``, or None."""
        i = bisect_right(here, at) - 1
        if i < 0 or moved is None:
            return None
        start, there, length = moved[i]
        offset = there + at - start  # where the bytes at ``at`` were in the entry published last
        n = bisect_left(starts, offset)
        if n >= len(starts) - 1 or starts[n] != offset or starts[n + 1] - offset > start + length - at:
            return None
        return n

    def kept_at(at: int) -> Deflated | None:
        """The chunk published last that these bytes hold from the cut ``at``, or None."""
        n = moved_at(at)
        known = n is not None
        if n is None:
            head = read(at, min(HEAD, size - at))
            end = head.find(b"\n")
            n = heads.get(head[:end + 1]) if end >= 0 else None
        if n is None:
            return None
        chunk = old.deflated(n)
        stop = at + chunk.size
        if stop > size or (stop < size and (n == len(starts) - 2 or not ends_line)):
            return None  # past the end, or a cut made here is not certain
        if known:
            return chunk  # its bytes were copied from there: the same, not read nor hashed again
        digest = hashlib.sha256(chunk.prefix)
        digest.update(read(at, chunk.size))
        return chunk if digest.digest() == chunk.key else None

    at = 0
    kept = kept_at(0) if size else None
    while at < size:
        if kept is not None:
            yield kept
            at += kept.size
            kept = kept_at(at) if at < size else None
            continue
        # A scan from this cut, left at the first cut where a kept chunk starts.
        for chunk in line_chunks(_read_blocks(read, at, size, _SCAN_BLOCK)):
            yield chunk
            at += len(chunk)
            kept = kept_at(at) if at < size else None
            if kept is not None:
                break


def _read_blocks(read: Callable[[int, int], bytes], at: int, size: int, block: int) -> Iterator[bytes]:
    """The bytes from ``at`` to ``size`` in pieces of ``block``."""
    while at < size:
        piece = read(at, min(block, size - at))
        if not piece:
            raise OSError("a file ended before its size")
        yield piece
        at += len(piece)


@dataclass(frozen=True)
class Deflated:
    """A chunk published last, as it was deflated: copied into the new entry as it is, in place of its
    ``size`` bytes (whose CRC-32 is ``crc``), when it is compressed alike (``prefix``: level, checked).
    ``row``: the number of the worksheet row it starts with (``row_chunks``), 0 when none."""

    key: bytes
    data: bytes
    size: int
    crc: int
    prefix: bytes
    row: int = 0

    def inflate(self) -> bytes:
        """Its bytes (ValueError when they are not what was recorded)."""
        data = zlib.decompressobj(-15).decompress(self.data)
        if len(data) != self.size or zlib.crc32(data) != self.crc:
            raise ValueError("a chunk inflated to other bytes than recorded")
        return data


def row_chunks(blocks: Iterable[bytes | Deflated], every: int = EVERY_ROWS,
               most: int = MOST_ROWS) -> Iterator[bytes | Deflated]:
    """A worksheet's XML cut before ``<row r="N"`` for each N a multiple of ``every`` (row numbers
    rise), or before the first ``<`` at ``most`` bytes or more into a chunk when no such row comes
    first: places set by the bytes since the last cut only, and never inside a tag (a ``<`` in text
    is escaped), so each chunk can be checked for formulas alone.

    A block may be a chunk published last (``Deflated``, starting with row ``row``): it is given on
    as it is where its bytes would have been cut alike (it starts with the row a cut comes before,
    holds ``most`` bytes at most, and what follows starts with the next such row, or nothing
    follows), else its bytes are cut as any.
    """
    buf = b""
    number = every
    held: Deflated | None = None  # a chunk published last, until what follows shows it ends a chunk
    for given in blocks:
        if held is not None:
            if not isinstance(given, Deflated) and not given:
                continue
            if given.row == number if isinstance(given, Deflated) else given.startswith(b'<row r="%d"' % number):
                yield held
            else:
                buf = held.inflate()  # not cut where it ends: its bytes, with what follows
            held = None
        if isinstance(given, Deflated) and given.row == number and 0 < given.size <= most:
            # It starts with the row a cut comes before (no '<' held is past ``most``, or a cut
            # would have been made): all held before it is a chunk.
            if buf:
                yield buf
            buf, held = b"", given
            number += every
            continue
        block = given.inflate() if isinstance(given, Deflated) else given
        buf = buf + block if buf else block
        start = 0
        while True:
            limit = start + most
            at = buf.find(b'<row r="%d"' % number, start, limit + 1 + len(b'<row r="%d"' % number))
            if 0 <= at <= limit:
                if at > start:
                    yield buf[start:at]
                    start = at
                number += every
                continue
            cut = buf.find(b"<", limit) if len(buf) > limit else -1
            if cut < 0:
                break  # not decided before more bytes come
            yield buf[start:cut]
            start = cut
        buf = buf[start:]
    if held is not None:
        yield held
    if buf:
        yield buf


class ChunkCache:
    """The deflated chunks of one archive published last, by key; and the chunks of its new version."""

    def __init__(self, found: dict[bytes, tuple[int, int, int]] | None = None, data: mmap.mmap | None = None,
                 index: bytes | None = None) -> None:
        self._found = found or {}  # key -> (offset in the archive, deflated length, CRC-32)
        self._data = data
        self._old_index = index  # the index read, valid for the archive published last
        # Each entry of the archive published last as its chunks in order: (offset, deflated length,
        # length, key, CRC-32); and what its chunks were compressed with (level, checked).
        self.layout: dict[str, list[Chunk]] = {}
        self.prefixes: dict[str, bytes] = {}
        self.entries: dict[str, list[tuple[bytes, int, int, int]]] = {}  # this archive's chunks by entry
        self.made: dict[str, bytes] = {}  # what this archive's entries were compressed with
        # The SHA-256 of the file each entry of the archive published last was made of (as its index records), and
        # of this archive's (bytes copied from such a file are that entry's: ``kept_line_chunks``' ``moved``).
        self.sources: dict[str, str] = {}
        self.new_sources: dict[str, str] = {}
        self.hits = 0  # chunks taken back (for tests and profiles)
        self.copied = 0  # of which copied as they were deflated, never inflated (``Deflated``)

    @classmethod
    def load(cls, index: Path, archive: Path, version: str = "", sha256: str | None = None) -> ChunkCache:
        """The chunks of ``archive`` recorded in ``index`` by code of ``version``; an empty cache when either
        is missing, damaged or not what the index recorded (then every chunk is compressed).

        ``sha256``: the archive's SHA-256 when the caller knows it for the file in place (not read again).
        """
        data = None
        try:
            raw = index.read_bytes()
            head, _, body = raw.partition(b"\n")
            header = json.loads(head)
            if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != version \
                    or archive.is_symlink():
                return cls()
            with open(archive, "rb") as fh:
                data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            if (sha256 or hashlib.sha256(data).hexdigest()) != header.get("sha256"):
                return cls()
            found: dict[bytes, tuple[int, int, int]] = {}
            layout: dict[str, list[Chunk]] = {}
            prefixes: dict[str, bytes] = {}
            at = 0
            with zipfile.ZipFile(archive) as zf:
                for name, count, prefix in header["entries"]:
                    prefixes[name] = bytes.fromhex(prefix)
                    info = zf.getinfo(name)
                    signature, name_length, extra = _LOCAL_HEADER.unpack_from(data, info.header_offset)
                    if signature != b"PK\x03\x04":
                        return cls()
                    offset = info.header_offset + _LOCAL_HEADER.size + name_length + extra
                    records = list(_RECORD.iter_unpack(body[at:at + count * _RECORD.size]))
                    at += count * _RECORD.size
                    if len(records) != count or sum(n for _, n, _, _ in records) + len(END) != info.compress_size \
                            or sum(n for _, _, n, _ in records) != info.file_size:
                        return cls()
                    chunks = layout[name] = []
                    for key, length, size, crc in records:
                        found.setdefault(key, (offset, length, crc))
                        chunks.append((offset, length, size, key, crc))
                        offset += length
            if at != len(body):
                return cls()
            cache, data = cls(found, data, raw), None
            cache.layout, cache.prefixes = layout, prefixes
            sources = header.get("sources", {})
            if isinstance(sources, dict):
                cache.sources = {k: v for k, v in sources.items() if isinstance(k, str) and isinstance(v, str)}
            return cache
        except (OSError, ValueError, KeyError, TypeError, struct.error, zipfile.BadZipFile):
            return cls()
        finally:
            if data is not None:
                data.close()

    def inflated(self, entry: str) -> Inflated | None:
        """The entry ``entry`` of the archive published last read as inflated (``Inflated``), when it was
        deflated in chunks; valid until the cache is closed."""
        chunks = self.layout.get(entry)
        return None if chunks is None or self._data is None else Inflated(self._data, chunks, self.prefixes[entry])

    def line_heads(self, entry: str) -> dict[bytes, int]:
        """The first line (with its LF) of each chunk of the entry ``entry`` published last, to its number
        (the first chunk of a line; none for a line longer than ``HEAD``)."""
        chunks = self.layout.get(entry)
        if not chunks or self._data is None:
            return {}
        heads: dict[bytes, int] = {}
        for n, (offset, length, _, _, _) in enumerate(chunks):
            try:
                head = zlib.decompressobj(-15).decompress(self._data[offset:offset + min(length, _HEAD_INPUT)], HEAD)
            except zlib.error:
                continue  # (the archive has the SHA-256 recorded: not met)
            end = head.find(b"\n")
            if end >= 0:
                heads.setdefault(head[:end + 1], n)
        return heads

    def get(self, key: bytes) -> tuple[bytes, int] | None:
        """The deflated bytes of the chunk ``key`` published last and its CRC-32, or None (counted in ``hits``)."""
        found = self.taken(key)
        if found is not None:
            self.hits += 1
        return found

    def taken(self, key: bytes) -> tuple[bytes, int] | None:
        """``get`` without counting it (a thread's: the caller counts)."""
        where = self._found.get(key)
        if where is None or self._data is None:
            return None
        return self._data[where[0]:where[0] + where[1]], where[2]

    def carried(self) -> bytes | None:
        """The index read, for an archive published again unchanged (None when there was none)."""
        return self._old_index

    def index(self, sha256: str, version: str = "") -> bytes:
        """The index of the archive just written, whose SHA-256 is ``sha256``, by code of ``version``."""
        header: dict[str, object] = {
            "format": FORMAT, "sha256": sha256, "version": version,
            "entries": [[name, len(chunks), self.made[name].hex()] for name, chunks in self.entries.items()]}
        if self.new_sources:
            header["sources"] = dict(sorted(self.new_sources.items()))
        body = b"".join(_RECORD.pack(*chunk) for chunks in self.entries.values() for chunk in chunks)
        return json.dumps(header, sort_keys=True).encode("utf-8") + b"\n" + body

    def close(self) -> None:
        """Let go of the archive published last."""
        if self._data is not None:
            self._data.close()
            self._data = None
        self._found = {}


class Inflated:
    """An entry of the archive published last, deflated in chunks, read as if inflated: ``len``, slices,
    ``find``/``rfind`` of a tag; each chunk is inflated alone when a slice reaches it (the chunks are
    independent streams), and only the last few stay in memory: a large table's worksheet (the
    indicators': 271 MB) is neither inflated whole nor written out to be mapped."""

    HELD = 4  # chunks kept inflated

    def __init__(self, data: mmap.mmap, chunks: list[Chunk], prefix: bytes = b"") -> None:
        self._data = data
        self._chunks = chunks  # (offset in the archive, deflated length, length, key, CRC-32) in order
        self._prefix = prefix  # what they were compressed with
        self.starts = list(accumulate((chunk[2] for chunk in chunks), initial=0))  # where each begins, then the end
        self._held: dict[int, bytes] = {}

    def __len__(self) -> int:
        return self.starts[-1]

    def _chunk(self, n: int) -> bytes:
        """Chunk ``n`` inflated (ValueError when it does not inflate to its recorded length)."""
        held = self._held.pop(n, None)
        if held is None:
            offset, length, size, _, _ = self._chunks[n]
            inflate = zlib.decompressobj(-15)
            held = inflate.decompress(self._data[offset:offset + length])
            if len(held) != size:
                raise ValueError("a chunk inflated to another length than recorded")
        self._held[n] = held  # the most recent last
        if len(self._held) > self.HELD:
            del self._held[next(iter(self._held))]
        return held

    def __getitem__(self, where: slice) -> bytes:
        start, stop, step = where.indices(len(self))
        if step != 1:
            raise ValueError("only a contiguous slice")
        if stop <= start:
            return b""
        first = bisect_right(self.starts, start) - 1
        pieces = []
        n = first
        while self.starts[n] < stop:
            at = self.starts[n]
            chunk = self._chunk(n)
            pieces.append(chunk[max(start - at, 0):stop - at])
            n += 1
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def find(self, tag: bytes) -> int:
        """The first place of ``tag`` (a tag: never cut between chunks), or -1."""
        for n in range(len(self._chunks)):
            at = self._chunk(n).find(tag)
            if at >= 0:
                return self.starts[n] + at
        return -1

    def rfind(self, tag: bytes) -> int:
        """The last place of ``tag`` (a tag: never cut between chunks), or -1."""
        for n in reversed(range(len(self._chunks))):
            at = self._chunk(n).rfind(tag)
            if at >= 0:
                return self.starts[n] + at
        return -1

    def deflated(self, n: int, row: int = 0) -> Deflated:
        """Chunk ``n`` as it was deflated (starting with worksheet row ``row``), to be copied as it is."""
        offset, length, size, key, crc = self._chunks[n]
        return Deflated(key, self._data[offset:offset + length], size, crc, self._prefix, row)

    def madvise(self, *args: int) -> None:
        """Nothing to let go: only the last few chunks are held."""


class ChunkDeflater:
    """The compressor of a zip entry deflated in chunks (``zipfiles.write_zip``): each chunk given is
    deflated alone, or taken back from the cache by its key, or copied as it was (``Deflated``)."""

    def __init__(self, name: str, level: int, cache: ChunkCache,
                 check: Callable[[bytes], None] | None = None) -> None:
        self.level, self.cache, self.check = level, cache, check
        self.prefix = cache.made[name] = bytes((level, check is not None))
        self.chunks = cache.entries[name] = []  # a retried entry starts again

    def add(self, chunk: bytes | Deflated) -> tuple[bytes, int, int]:
        """The deflated bytes (not final, byte-aligned), CRC-32 and length of ``chunk``; ``check``ed
        when compressed here (a chunk kept was checked when it was compressed)."""
        if isinstance(chunk, Deflated):
            if chunk.prefix == self.prefix:
                self.cache.hits += 1
                self.cache.copied += 1
                self.chunks.append((chunk.key, len(chunk.data), chunk.size, chunk.crc))
                return chunk.data, chunk.crc, chunk.size
            chunk = chunk.inflate()  # compressed otherwise (another level): compressed again
        if not chunk:
            return b"", 0, 0
        key, found = self._found(chunk)
        data, crc = _deflate(chunk, self.level) if found is None else found
        self.chunks.append((key, len(data), len(chunk), crc))
        return data, crc, len(chunk)

    def all(self, chunks: Iterable[bytes | Deflated], ahead: int = 0,
            pool: ThreadPoolExecutor | None = None) -> Iterator[tuple[bytes, int, int]]:
        """``add`` of each of ``chunks`` in order; with ``ahead`` and a ``pool`` of threads, each chunk not copied as
        it was deflated is keyed (SHA-256), looked for among those published last and else compressed by a thread,
        up to ``ahead`` chunks at a time, while the next ones are made: hashlib and zlib release the GIL, so after a
        new month the worksheets whose rows were renumbered are compressed again on the other core. A chunk
        compressed anew is checked (``check``) here before it is given."""
        if not ahead or pool is None:
            yield from map(self.add, chunks)
            return
        # Each chunk (its bytes, None when copied as deflated), its length, and what was made of it.
        waiting: deque[tuple[bytes | None, int, Future[_Made] | _Made]] = deque()
        try:
            for given in chunks:
                if isinstance(given, Deflated) and given.prefix == self.prefix:
                    waiting.append((None, given.size, (given.key, given.data, given.crc, True)))
                    self.cache.copied += 1
                else:
                    # One compressed otherwise (another level) is compressed again.
                    chunk = given.inflate() if isinstance(given, Deflated) else given
                    if chunk:
                        waiting.append((chunk, len(chunk), pool.submit(self._made, chunk)))
                while len(waiting) > ahead or (waiting and _ready(waiting[0][2])):
                    yield self._given(*waiting.popleft())
            while waiting:
                yield self._given(*waiting.popleft())
        finally:  # (failed or left: the chunks not compressed yet are not, and none is being compressed after)
            left = [made for _, _, made in waiting if isinstance(made, Future)]
            for made in left:
                made.cancel()
            wait(left)

    def _made(self, chunk: bytes) -> _Made:
        """(In the thread) ``chunk``'s key, its deflated bytes and CRC-32, and whether they were taken back."""
        digest = hashlib.sha256(self.prefix)
        digest.update(chunk)
        key = digest.digest()
        found = self.cache.taken(key)
        if found is not None:
            return key, found[0], found[1], True
        return key, *_deflate(chunk, self.level), False

    def _given(self, chunk: bytes | None, size: int, made: Future[_Made] | _Made) -> tuple[bytes, int, int]:
        """A chunk's deflated bytes, CRC-32 and length (waited for), recorded in the entry's chunks; one compressed
        anew is checked first."""
        key, data, crc, taken = made.result() if isinstance(made, Future) else made
        if taken:
            self.cache.hits += 1
        elif chunk is not None and self.check is not None:
            self.check(chunk)
        self.chunks.append((key, len(data), size, crc))
        return data, crc, size

    def _found(self, chunk: bytes) -> tuple[bytes, tuple[bytes, int] | None]:
        """The key of ``chunk`` to compress, and its deflated bytes and CRC-32 when taken back (else checked)."""
        digest = hashlib.sha256(self.prefix)
        digest.update(chunk)
        key = digest.digest()
        found = self.cache.get(key)
        if found is None and self.check is not None:
            self.check(chunk)
        return key, found

    def flush(self) -> bytes:
        """The final empty block that ends the entry's stream."""
        return END


def _deflate(chunk: bytes, level: int) -> tuple[bytes, int]:
    """``chunk`` deflated alone at ``level``, ended by a full flush, and its CRC-32."""
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
    return deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH), zlib.crc32(chunk)


# What ``ChunkDeflater._made`` makes of a chunk: its key, deflated bytes, CRC-32, and whether taken back.
_Made = tuple[bytes, bytes, int, bool]


def _ready(made: Future[_Made] | _Made) -> bool:
    """Whether a chunk's deflated bytes are there (taken back, or compressed by now)."""
    return not isinstance(made, Future) or made.done()
