"""One language's static search index as files: word shards, page-record chunks and a small meta file.

Layout under ``<folder>/`` (``indeks-cari/<lang>/``), every file gzip-compressed JSON (its name
ends in ``.gz.bin`` rather than ``.gz`` so that no web server adds a Content-Encoding to it:
search.js decompresses it itself):

  ``meta.gz.bin``     format, page count, each word shard's first word and file, each chunk's
                      first page number and file;
  ``w/<name>.gz.bin`` a word shard: a run of the sorted words, each with its postings, pages in
                      increasing order as ``[page, score, page - previous page, score, ...]``;
  ``r/<name>.gz.bin`` a chunk of page records, in page order: ``[url, title, kind, text]``.

Pages are numbered in the order of their site paths. A posting's score is BM25's term part for
that page (weighted count, page length, average length: ``K1``, ``B``) times ``SCALE`` as an integer,
so the browser needs no page lengths: it multiplies by the word's rarity (its postings' count).
Word shards are cut when their JSON passes ``SHARD_BYTES`` (about a quarter of that gzipped); a
chunk ends before a page whose path hashes to a boundary (one in ``CHUNK_PAGES``) or when its
JSON passes ``CHUNK_BYTES``, so a new page changes its own chunk, not every chunk after it.
Files are named by a hash of their first word or page: the same pages give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

FORMAT = 1
SUFFIX = ".gz.bin"
META = f"meta{SUFFIX}"
# BM25's saturation and length normalisation. b 0.3 rather than the usual 0.75: an agency's page
# is five times an agenda's length, and with 0.75 a word of its name ranks the short agendas that
# mention it above the agency (measured on the bench city against Pagefind's results: README).
K1, B = 1.2, 0.3
# A score is kept to 1/10,000: pages alike but for a few words of length (two services of one agency) keep their order.
SCALE = 10_000
SHARD_BYTES = 192 * 1024  # JSON bytes of a word shard before it is cut: at most about 75 KB gzipped
CHUNK_BYTES = 48 * 1024  # JSON bytes of a chunk of page records before it is cut
CHUNK_PAGES = 12  # a chunk boundary every 12 pages on average (by the hash of the page's path)
LEAST_PAGES = 4  # ... never within 4 pages of the last one


@dataclass(frozen=True)
class Record:
    """What the index keeps of a page: link, title, kind, text, weighted word counts, length in words."""

    url: str
    title: str
    kind: str
    text: str
    counts: str  # "word count word count ...": a page's words in one string (a dict each costs ten times the memory)
    length: int


def index_files(records: Iterable[tuple[str, Record]]) -> dict[str, bytes]:
    """The files of one language's index by their path in its folder, from ``(site path, record)`` pairs."""
    pages = sorted(records, key=lambda item: item[0])
    total = sum(record.length for _, record in pages)
    average = total / len(pages) if pages else 1.0
    postings: dict[str, array[int]] = {}  # word -> [page - its previous page, score, ...]
    last: dict[str, int] = {}  # word -> the last page it was found on
    top = SCALE * (K1 + 1)
    for number, (_, record) in enumerate(pages):
        norm = K1 * (1 - B + B * record.length / average) if average else K1
        items = record.counts.split(" ") if record.counts else []
        for word, count in zip(items[::2], map(int, items[1::2]), strict=True):
            posting = postings.get(word)
            if posting is None:
                posting = postings[word] = array("i")
                last[word] = 0
            posting.extend((number - last[word], round(top * count / (count + norm))))
            last[word] = number
    files: dict[str, bytes] = {}
    shards = _shards(postings)
    for first, body in shards:
        files[f"w/{_name(first)}{SUFFIX}"] = _gzip(body)
    chunks = _chunks(pages)
    for _, first_path, body in chunks:
        files[f"r/{_name(first_path)}{SUFFIX}"] = _gzip(body)
    meta = {"format": FORMAT, "pages": len(pages),
            "shards": [[first, f"w/{_name(first)}{SUFFIX}"] for first, _ in shards],
            "chunks": [[start, f"r/{_name(first_path)}{SUFFIX}"] for start, first_path, _ in chunks]}
    files[META] = _gzip(_json(meta))
    return files


def _shards(postings: dict[str, array[int]]) -> list[tuple[str, bytes]]:
    """The sorted words cut into shards: each shard's first word and JSON bytes."""
    shards: list[tuple[str, bytes]] = []
    parts: list[str] = []
    held = 0
    first = ""
    for word in sorted(postings):
        part = f"{json.dumps(word, ensure_ascii=False)}:[{','.join(map(str, postings[word]))}]"
        if parts and held + len(part) > SHARD_BYTES:
            shards.append((first, ("{" + ",".join(parts) + "}").encode("utf-8")))
            parts, held = [], 0
        if not parts:
            first = word
        parts.append(part)
        held += len(part) + 1
    if parts:
        shards.append((first, ("{" + ",".join(parts) + "}").encode("utf-8")))
    return shards


def _chunks(pages: list[tuple[str, Record]]) -> list[tuple[int, str, bytes]]:
    """The page records cut into chunks: each chunk's first page number, first path and JSON bytes."""
    chunks: list[tuple[int, str, bytes]] = []
    rows: list[str] = []
    held = 0
    start = 0
    for number, (path, record) in enumerate(pages):
        row = json.dumps([record.url, record.title, record.kind, record.text], ensure_ascii=False,
                         separators=(",", ":"))
        if rows and (held + len(row) > CHUNK_BYTES or (len(rows) >= LEAST_PAGES and _boundary(path))):
            chunks.append((start, pages[start][0], ("[" + ",".join(rows) + "]").encode("utf-8")))
            rows, held, start = [], 0, number
        rows.append(row)
        held += len(row) + 1
    if rows:
        chunks.append((start, pages[start][0], ("[" + ",".join(rows) + "]").encode("utf-8")))
    return chunks


def _boundary(path: str) -> bool:
    """Whether a chunk starts at this page (one page in ``CHUNK_PAGES`` on average)."""
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:8], "big") % CHUNK_PAGES == 0


def _name(first: str) -> str:
    """A file's name: a hash of its first word or page (stable while that stays first)."""
    return hashlib.sha256(first.encode("utf-8")).hexdigest()[:16]


def _gzip(body: bytes) -> bytes:
    """Gzip without a time stamp or file name: the same body gives the same bytes."""
    # Level 4, not 6: a quarter less CPU for 9 % more bytes (measured on the bench city: 1.56 s, 6.6 MB a language).
    return gzip.compress(body, compresslevel=4, mtime=0)


def _json(body: object) -> bytes:
    """Compact JSON with sorted keys."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
