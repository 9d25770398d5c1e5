"""Meetings named by where their rows were read (``tables.agenda_sources``): a corrected agendas file of an old
month changes the indicators that read it, and the incremental publish equals one from scratch."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from pipeline.publish.tables import agenda_sources
from pipeline.store import Store
from tests.test_publish_incremental_equals_cold import from_scratch, tree
from tests.town_support import publish, published_town
from tools.bench.city import RECEIPTS


def _correct_agendas(datasets: Path) -> str:
    """Write a second revision of the first old agendas file whose held meeting had other agencies: one of them
    no longer invited; the file's name."""
    for path in sorted((datasets / "submissions").glob("*/*/agendas.csv")):
        rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
        for row in rows:
            invited = [code for code in row["participants"].split(";") if code]
            if row["status"] == "held" and len(invited) > 2:
                row["participants"] = ";".join(invited[:-1])
                out = io.StringIO()
                writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
                data = out.getvalue().encode("utf-8")
                path.write_bytes(data)
                name = path.relative_to(datasets).as_posix()
                with (datasets / RECEIPTS).open("a", encoding="utf-8") as log:
                    log.write(f"{name},{hashlib.sha256(data).hexdigest()},2026-11-20T09:00:00+07:00\n")
                return name
    raise AssertionError("no held meeting with three agencies in the town")


def test_a_corrected_agendas_file_publishes_as_from_scratch(tmp_path: Path) -> None:
    """The corrected file changes the indicators (the memo's keys saw it) and equals a publish from scratch."""
    _, datasets, output = published_town(tmp_path)
    before = tree(output)
    name = _correct_agendas(datasets)
    publish(datasets, output)
    after = tree(output)
    assert after["data/indicators.csv"] != before["data/indicators.csv"], name
    assert after == from_scratch(datasets, output, tmp_path / "scratch")


def test_every_latest_agenda_has_its_source(tmp_path: Path) -> None:
    """Each agenda of the store is named by the digest of its version's rows, its place, agency and period."""
    _, _, output = published_town(tmp_path)
    store = Store.load(output / "store")
    sources = agenda_sources(store)
    assert sources and all(source is not None for source in sources.values())
    assert len(set(sources.values())) == len(sources)  # two agendas never share a name
