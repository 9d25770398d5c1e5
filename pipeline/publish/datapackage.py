"""The published data folder: each table as CSV, JSON and XLSX, the Data Package, its zip."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.core import timeline
from pipeline.core.atomic import Sink, chunks, file_sha, same_bytes
from pipeline.core.config import Portal, read_config_file, schemas_root
from pipeline.core.deflate_chunks import ChunkCache, Deflated, Moved, kept_line_chunks, line_chunks
from pipeline.core.errors import ConfigError
from pipeline.core.models import PUBLISHED_TABLES, Record
from pipeline.core.oserrors import naming
from pipeline.core.rowcodec import ordered_json
from pipeline.core.zipfiles import AHEAD, Chunked, Entry, write_zip
from pipeline.publish import row_maps, workbook_fork
from pipeline.publish.row_reuse import EXTENSIONS, Indexes
from pipeline.publish.table_files import Counted, TableFiles, start_table
from pipeline.publish.workbook_child import Handoff, wanted

# Explicit dialect: frictionless otherwise guesses the header row (see validation-notes).
DIALECT = {"header": True, "headerRows": [1], "csv": {"delimiter": ",", "lineTerminator": "\n"}}


def published_schemas(portal: Portal) -> dict[str, dict[str, Any]]:
    """The Table Schemas of the published tables (``schemas/published/<table>.json``)."""
    folder = portal.schemas_dir / "published"
    root = schemas_root(portal.datasets)
    schemas, problems = {}, []
    for name in PUBLISHED_TABLES:
        path = folder / f"{name}.json"
        try:
            schemas[name] = json.loads(read_config_file(root, f"schemas/published/{name}.json"))
        except ConfigError as exc:  # a link or a special file: named, never read
            problems.extend(exc.problems)
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: skema terbitan tidak terbaca / published schema unreadable ({exc})")
    if problems:
        raise ConfigError(problems)
    return schemas


def _resource(name: str, schema: dict[str, Any], size: int, sha256: str) -> dict[str, Any]:
    """A tabular resource with inline schema, size and hash (of its CSV)."""
    return {
        "name": name,
        "path": f"{name}.csv",
        "type": "table",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": schema["title"],
        "description": schema["description"],
        "title_en": schema["title_en"],
        "description_en": schema["description_en"],
        "bytes": size,
        "hash": "sha256:" + sha256,
        "dialect": DIALECT,
        "schema": schema,
    }


def _titled(name: str, prefix: str) -> str:
    """The package title: the portal's name, with the prefix only when the name lacks it
    ("Data Terbuka Mal …" must not become "Data Terbuka Data Terbuka Mal …")."""
    first = prefix.split()[:2]
    return name if name.casefold().split()[:2] == [w.casefold() for w in first] else f"{prefix} {name}"


def descriptor(portal: Portal, resources: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``datapackage.json`` descriptor (no dates of its own: bytes follow the data only)."""
    licence = {"name": portal.licence_id}
    if portal.licence_title:
        licence["title"] = portal.licence_title
    if portal.licence_url:
        licence["path"] = portal.licence_url
    package: dict[str, Any] = {
        "name": portal.ckan.organization or "mpp-open-data",
        "title": _titled(portal.name, "Data Terbuka"),
        "title_en": _titled(portal.name_en or portal.name, "Open data of"),
        "description": (
            f"Agenda, keputusan dan tindak lanjut, kinerja layanan, serta kepatuhan penyampaian "
            f"data instansi di {portal.name}, {portal.city}."
        ),
        "description_en": (
            f"Agendas, decisions and follow-up, service performance, and the data-submission "
            f"record of the agencies in {portal.name_en or portal.name}, {portal.city}."
        ),
        "licenses": [licence],
        "keywords": ["mal pelayanan publik", "public service mall", portal.city],
    }
    if portal.site_url:
        package["homepage"] = portal.site_url
    if portal.publisher:
        contributor = {"title": portal.publisher, "role": "publisher"}
        if portal.contact_email:
            contributor["email"] = portal.contact_email
        package["contributors"] = [contributor]
    package["resources"] = resources
    return package


def data_files(portal: Portal, tables: dict[str, list[Record]], changelog: bytes, folder: Path,
               previous: Path | None = None, indexes: Indexes | None = None,
               release: Collection[str] = (), handoff: Handoff | None = None,
               digests: dict[str, str] | None = None, maps: dict[str, row_maps.RowMap] | None = None) -> set[str]:
    """Write every file of the data folder into the empty ``folder``; gives their names.

    ``previous``: the data folder published last; ``indexes``: its tables' row indexes, to take
    back the rows it holds. The rows of the tables named in ``release`` are dropped from
    ``tables`` once their files are written (the caller needs them no more: the indicators
    of a large city are 414,000 rows). ``handoff``: to the side child, which makes a large table's
    workbook meanwhile (``workbook_child.py``; none: every file is made in this process).
    ``digests``: filled with the SHA-256 of the tables' files and the change log as written, by name; ``maps``:
    with the row map of each table whose CSV was written from the one published last (``row_maps.py``).
    """
    schemas = {name: {"name": name, **{k: v for k, v in schemas.items() if k != "name"}}
               for name, schemas in published_schemas(portal).items()}
    begun: dict[str, TableFiles] = {}  # a large table's workbook may be offered to the side child (``start_table``)
    try:
        for name in _order(tables, handoff, indexes):
            schema = schemas[name]
            with timeline.span(f"table files: {name}"):
                table = start_table(schema, tables[name], indexes, partial(_unchanged_xlsx, previous, name, schema),
                                    folder, handoff)
            begun[name] = table
            if name in release:
                tables[name] = []
        # (A CSV's SHA-256 waits for the thread writing it: asked once every table is started.)
        started = [begun[name] for name in PUBLISHED_TABLES]  # the package lists them in the published order
        resources = [_resource(name, schemas[name], table.sinks["csv"].size, table.sinks["csv"].sha256())
                     for name, table in zip(PUBLISHED_TABLES, started, strict=True)]
        names = {f"{name}.{ext}" for name in PUBLISHED_TABLES for ext in EXTENSIONS}
        # A table's CSV: in ``folder``, or left in ``previous`` when the table is unchanged (``Indexes.in_place``).
        csvs = [(table.sinks["csv"].path, table.sinks["csv"].sha256(), table.moved) for table in started]
        if maps is not None:  # (the CSVs written: their lines' lengths are known)
            for name, table in zip(PUBLISHED_TABLES, started, strict=True):
                if table.source is not None:
                    found_map = row_maps.made(table.source, table.sinks["csv"].sha256(), table.sinks["csv"].size)
                    if found_map is not None:
                        maps[name] = found_map
                table.source = None
        with timeline.span("datapackage.json and zip"):
            _package(portal, resources, folder, csvs, indexes)
        with Sink(folder / "changelog.json") as out:
            out.write(changelog)
        found = {"changelog.json": out.sha256()}
        with timeline.span("workbooks finished (or waited for)"):
            for name, table in begun.items():
                # A workbook offered: made here if the side child has not taken it, else waited for.
                found.update({f"{name}.{ext}": sink.sha256() for ext, sink in table.finish().items()})
        if digests is not None:
            digests.update(found)
    finally:
        if handoff is not None:
            handoff.close()  # nothing more to offer (a child waiting stops; on failure the caller kills it)
        for table in begun.values():
            table.close()
    return names | {"datapackage.json", "datapackage.zip", "changelog.json"}


def _order(tables: dict[str, list[Record]], handoff: Handoff | None, indexes: Indexes | None) -> list[str]:
    """The order the tables' files are written in: the published one, but the tables whose workbook another
    process makes first: after a change, a forked child (``workbook_fork.wanted``); in a first publish, the side
    child, when it may take it (``workbook_child.wanted``).

    A city's indicators, last in the published order, were offered only once the other nine tables' files were
    written: the child, done with its own work seconds before, waited, and this process then waited for the
    workbook. Started first, it is made while this process writes the rest.
    """
    def elsewhere(name: str) -> bool:
        rows = len(tables[name])
        return workbook_fork.wanted(name, rows, indexes) or (handoff is not None and wanted(rows))

    return sorted(PUBLISHED_TABLES, key=lambda name: not elsewhere(name))  # (a stable sort)


def _package(portal: Portal, resources: list[dict[str, Any]], folder: Path,
             csvs: list[tuple[Path, str, tuple[str, Moved] | None]], indexes: Indexes | None) -> None:
    """Write ``datapackage.json`` and ``datapackage.zip`` (the descriptor and the tables' CSV files ``csvs``: each
    file, its SHA-256, and the stretches of it copied from the CSV published last with that one's SHA-256)."""
    package = ordered_json(descriptor(portal, resources))
    with Sink(folder / "datapackage.json") as out:
        out.write(package)
    # The zip is made from the CSV files just written, read back piece by piece and deflated in
    # chunks (deflate_chunks.py): those of the zip published last are taken back, not compressed again.
    cache = ChunkCache() if indexes is None else indexes.chunks("datapackage.zip")
    try:
        entries: dict[str, Entry] = {"datapackage.json": package}
        # Chunks not taken back compressed by a thread while the next are found (none in a first publish).
        ahead = AHEAD if cache.layout else 0
        # Each entry's file recorded: a stretch copied from the same file next time is known to be its bytes.
        cache.new_sources = {csv.name: sha for csv, sha, _ in csvs}
        entries.update({csv.name: Chunked(_csv_chunks(csv, cache, _moved(cache, csv.name, moved)), cache, ahead=ahead)
                        for csv, _, moved in csvs})
        path = folder / "datapackage.zip"
        with naming(path), open(path, "wb") as fh:
            write_zip(fh, entries)
    finally:
        cache.close()
    if indexes is not None:
        indexes.put_chunks("datapackage.zip", indexes.chunk_index(cache, file_sha(path)), cache.hits)


def _moved(cache: ChunkCache, entry: str, moved: tuple[str, Moved] | None) -> Moved | None:
    """The stretches of the CSV ``entry`` copied from the CSV published last, when the zip published last was made
    of that very file (its SHA-256 recorded there): then they are bytes of that zip's entry, at the same offsets."""
    if moved is None or cache.sources.get(entry) != moved[0]:
        return None
    return moved[1]


def _csv_chunks(path: Path, cache: ChunkCache, moved: Moved | None = None) -> Iterator[bytes | Deflated]:
    """The chunks of the CSV file ``path`` in the zip (``line_chunks``): those of the zip published last that it
    holds at a cut copied as they were deflated, not read line by line again (``kept_line_chunks``; ``moved``:
    stretches known to be bytes of that zip's entry, whose chunks are neither read nor hashed)."""
    entry = path.name
    if not cache.layout.get(entry):
        yield from line_chunks(chunks(path))  # nothing published last (a first publish): read in order
        return
    with naming(path), open(path, "rb") as fh:
        fd = fh.fileno()
        yield from kept_line_chunks(partial(_read_at, fd), os.fstat(fd).st_size, cache, entry, moved)


def _read_at(fd: int, at: int, count: int) -> bytes:
    """``count`` bytes of the open file ``fd`` from ``at`` (fewer only at its end)."""
    pieces = []
    while count > 0:
        piece = os.pread(fd, count, at)
        if not piece:
            break
        pieces.append(piece)
        at += len(piece)
        count -= len(piece)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _unchanged_xlsx(previous: Path | None, name: str, schema: dict[str, Any], csv: Counted) -> Path | None:
    """The last published workbook (its path) when its table and schema are unchanged (its CSV, the
    file ``csv`` written, equal to the one published last), else None; asked only when the table's row index is valid.

    Writing XLSX is the slowest step of a publish with nothing new (openpyxl, ~60 µs a
    cell); the workbook is a function of the schema and the rows, which the CSV and the
    schema in the previous descriptor pin down, so the old bytes are the new bytes.
    """
    if previous is None:
        return None
    old = previous / f"{name}.xlsx"
    try:
        # Sizes first: a thread may still be writing the new CSV (``sink_thread.py``), waited for only when they agree.
        if os.lstat(previous / f"{name}.csv").st_size != csv.size:
            return None
        old_schemas = {r["name"]: r["schema"] for r in
                       json.loads((previous / "datapackage.json").read_bytes())["resources"]}
        if old_schemas.get(name) != schema or not csv.sha256() or not same_bytes(csv.path, previous / f"{name}.csv") \
                or not old.is_file():
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # nothing usable published before: build it
    # Not checked for formulas again: this is asked only when the table's row index is valid (written by this
    # code, the workbook holding the SHA-256 it recorded), so this code wrote it and checked every chunk of it
    # then (an older pipeline's workbook, which may hold a formula typed by an agency, has no valid index: rebuilt).
    # Reading it back whole cost a second for the indicators of a large city, 0.1 s for its performance table.
    return old
