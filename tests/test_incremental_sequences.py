"""Whatever arrives, in whatever order, an incremental publish leaves what a publish from scratch would leave.

A state machine (hypothesis) drives a generated town through a sequence of what really happens between two
runs: an agency-month arrives (some of its files with a clerk's mistake), a rejected file is corrected late, an
accepted file is revised or replaced by a broken version, an agency or a service is renamed in the reference
tables, an agency leaves the mall, a schema's field is described anew, a receipt time is corrected in the intake
log, the portal's contact address changes, a CSV file is sent again as XLSX, a file is saved again with the same
bytes, a file is deleted by hand. After each change the real ``publish`` runs, site
included, on the same output folder, with every cache it kept; then a publish from scratch runs on a copy of the
same datasets and of the store's received versions only (no kept judgement, row index, table part, memo, listing,
digest, site cache or site). The two outputs must be the same byte for byte: the data files, the feedback pages,
the agencies' templates, the reports and every file of the site. A second publish with nothing new must then
write no file.

``make test`` runs a few sequences, the same ones every time (``derandomize``); ``MPP_SEQUENCES=N`` runs N random
ones of ``MPP_STEPS`` steps (5 by default; ``MPP_SEQUENCES=40 MPP_STEPS=10 pytest tests/test_incremental_sequences.py``
to look for trouble).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from pipeline.core.models import TABLES
from tests.test_publish_incremental_equals_cold import from_scratch, tree
from tests.town_support import publish
from tools.bench import city
from tools.bench.mistakes import inject
from tools.bench.rows import Row
from tools.bench.shape import shape_for

TOWN = city.build(shape_for("town"))
LAST = TOWN.shape.last_period
AGENCIES = sorted({key[1] for key in TOWN.clean})
# The last month arrives agency by agency during a sequence (the town holds back one agency-month of it already).
HELD = [(LAST, agency) for agency in AGENCIES]
COMPARED = ("data", "feedback", "templates", "reports", "site")
SEQUENCES = os.environ.get("MPP_SEQUENCES")
RUN_FILES = (".lock", "runs.jsonl")


def stamps(output: Path) -> dict[str, int]:
    """Every file of the output with its modification time (what a run that writes nothing leaves alone)."""
    return {p.relative_to(output).as_posix(): p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    """Write a CSV file the data officer keeps (a reference table, the intake log) with its header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def differences(left: dict[str, str], right: dict[str, str]) -> list[str]:
    """The paths whose bytes differ or that only one side holds (a short list for the failure's message)."""
    return sorted(path for path in left.keys() | right.keys() if left.get(path) != right.get(path))[:20]


class Sequences(RuleBasedStateMachine):
    """A town's datasets changed step by step, published after each change, compared with a publish from scratch."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="mpp-sequence-"))
        self.datasets, self.output = self.root / "datasets", self.root / "output"
        city.generate(TOWN, self.datasets, HELD)
        self.pending = sorted(set(HELD) | {TOWN.held_back})
        self.present: dict[city.Key, list[Row]] = {key: TOWN.sent[key] for key in TOWN.sent
                                                   if key[:2] not in self.pending}
        self.broken = {key for key in TOWN.mistakes if key in self.present}
        self.workbooks: set[city.Key] = set()  # CSV files sent again as XLSX (``a_file_is_sent_again_as_a_workbook``)
        self.steps = 0
        publish(self.datasets, self.output, site=True)

    def teardown(self) -> None:
        """Remove the sequence's folders."""
        shutil.rmtree(self.root, ignore_errors=True)

    def _path(self, key: city.Key) -> Path:
        """Where the file of ``key`` is now."""
        return self.datasets / city.file_name(TOWN, key, "xlsx" if key in self.workbooks else None)

    def _revisable(self) -> list[city.Key]:
        """The accepted files whose new version the generator writes where they are (not sent again as XLSX)."""
        return [key for key in self._accepted() if key not in self.workbooks]

    def _accepted(self) -> list[city.Key]:
        """The files there now whose last version has no mistake of ours."""
        return sorted(key for key in self.present if key not in self.broken)

    def _changed(self) -> None:
        """Publish on the kept output, compare with a publish from scratch, then publish again with nothing new."""
        self.steps += 1
        publish(self.datasets, self.output, site=True)
        kept = tree(self.output, COMPARED)
        scratch = from_scratch(self.datasets, self.output, self.root / f"scratch-{self.steps}", True, COMPARED)
        assert kept == scratch, differences(kept, scratch)
        shutil.rmtree(self.root / f"scratch-{self.steps}")
        before = stamps(self.output)
        publish(self.datasets, self.output, site=True)
        after = stamps(self.output)
        # The lock and the run log are the files every run touches, nothing new or not.
        assert {k: v for k, v in after.items() if k not in RUN_FILES} == \
            {k: v for k, v in before.items() if k not in RUN_FILES}

    @precondition(lambda self: bool(self.pending))
    @rule(data=st.data())
    def an_agency_month_arrives(self, data: st.DataObject) -> None:
        """One agency's three files of a month, as it sent them (a mistake in some)."""
        period, agency = data.draw(st.sampled_from(self.pending))
        self.pending.remove((period, agency))
        for table in TABLES:
            key = (period, agency, table)
            city.put(TOWN, self.datasets, key, TOWN.sent[key])
            self.present[key] = TOWN.sent[key]
            if key in TOWN.mistakes:
                self.broken.add(key)
        self._changed()

    @precondition(lambda self: bool(self.broken))
    @rule(data=st.data())
    def a_rejected_file_is_corrected_late(self, data: st.DataObject) -> None:
        """The clean version of a file that was rejected, received long after its month."""
        key = data.draw(st.sampled_from(sorted(self.broken)))
        city.put(TOWN, self.datasets, key, TOWN.clean[key], late=True)
        self.present[key] = TOWN.clean[key]
        self.broken.discard(key)
        self._changed()

    @precondition(lambda self: bool(self._revisable()))
    @rule(data=st.data())
    def an_accepted_file_is_revised(self, data: st.DataObject) -> None:
        """A new version of an accepted file with one text changed (a title, or a performance file's notes)."""
        key = data.draw(st.sampled_from(self._revisable()))
        rows = [dict(row) for row in self.present[key]]
        if not rows:
            return
        field = "notes" if key[2] == "performance" else "title"
        rows[0][field] = f"{rows[0][field]} (revisi {self.steps + 1})".strip()
        city.put(TOWN, self.datasets, key, rows, late=True)
        self.present[key] = rows
        self._changed()

    def _plain(self) -> list[city.Key]:
        """The accepted files sent as plain CSV (where the generator puts a clerk's mistake)."""
        return [key for key in self._accepted() if TOWN.formats[key] == "csv" and key not in self.workbooks]

    @precondition(lambda self: bool(self._plain()))
    @rule(data=st.data())
    def an_accepted_file_is_replaced_by_a_broken_one(self, data: st.DataObject) -> None:
        """A new version of an accepted CSV file with one of the mistakes clerks make."""
        key = data.draw(st.sampled_from(self._plain()))
        other = next(row["service_code"] for k, rows in sorted(TOWN.clean.items())
                     if k[1] != key[1] and k[2] == "performance" for row in rows)
        found = inject(key[2], self.present[key], random.Random(f"{key}-{self.steps}"), other)
        if found is None:
            return
        city.put(TOWN, self.datasets, key, found[0], late=True)
        self.present[key] = found[0]
        self.broken.add(key)
        self._changed()

    def _agency_row(self, agency: str, field: str, value: Callable[[str], str]) -> None:
        """Change one cell of an agency's row in the reference table, as the data officer does, and publish."""
        path = self.datasets / "reference" / "agencies.csv"
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        for row in rows:
            if row["agency_code"] == agency:
                row[field] = value(row[field])
        _write_csv(path, rows)
        self._changed()

    @rule(agency=st.sampled_from(AGENCIES))
    def an_agency_is_renamed(self, agency: str) -> None:
        """The data officer writes an agency's new name into the reference table."""
        self._agency_row(agency, "name", lambda name: f"{name} Baru")

    @rule(agency=st.sampled_from(AGENCIES))
    def an_agency_leaves_the_mall(self, agency: str) -> None:
        """The data officer marks an agency inactive in the reference table (it owes no file from then on)."""
        self._agency_row(agency, "active", lambda _: "false")

    @precondition(lambda self: bool(self._plain()))
    @rule(data=st.data())
    def a_file_is_sent_again_as_a_workbook(self, data: st.DataObject) -> None:
        """An accepted CSV file replaced by the same rows saved from a spreadsheet as XLSX (the CSV removed)."""
        key = data.draw(st.sampled_from(self._plain()))
        self._path(key).unlink()
        city.put(TOWN, self.datasets, key, self.present[key], late=True, fmt="xlsx")
        self.workbooks.add(key)
        self._changed()

    @rule(data=st.data())
    def a_service_is_renamed(self, data: st.DataObject) -> None:
        """The data officer writes a service's new name and standard time into the reference table."""
        path = self.datasets / "reference" / "services.csv"
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        row = data.draw(st.sampled_from(rows))
        row["name"], row["standard_time"] = f"{row['name']} Terpadu", "1 hari kerja"
        _write_csv(path, rows)
        self._changed()

    @rule(data=st.data())
    def a_receipt_time_is_corrected(self, data: st.DataObject) -> None:
        """The data officer corrects when a file arrived in the intake log (a day later)."""
        path = self.datasets / city.RECEIPTS
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        row = data.draw(st.sampled_from(rows))
        row["received_at"] = (datetime.fromisoformat(row["received_at"]) + timedelta(days=1)).isoformat()
        _write_csv(path, rows)
        self._changed()

    @rule(table=st.sampled_from(TABLES))
    def a_schema_is_described_anew(self, table: str) -> None:
        """A field's description in a submitted table's schema reworded (a new rules version: every file judged
        again, the published schemas and the guide's pages written again)."""
        path = self.datasets / "schemas" / f"{table}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        schema["fields"][0]["description"] += " Lihat panduan."
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self._changed()

    @rule()
    def the_portal_contact_changes(self) -> None:
        """A new contact address in portal.toml (on every page's footer)."""
        path = self.datasets / "portal.toml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('contact_email = "', f'contact_email = "data{self.steps}.', 1), encoding="utf-8")
        self._changed()

    @precondition(lambda self: bool(self.present))
    @rule(data=st.data())
    def a_file_is_saved_again_unchanged(self, data: st.DataObject) -> None:
        """The same bytes written again (a new modification time, nothing new)."""
        key = data.draw(st.sampled_from(sorted(self.present)))
        path = self._path(key)
        data_ = path.read_bytes()
        path.write_bytes(data_)
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 7_000_000_000))
        self._changed()

    @precondition(lambda self: bool(self.present))
    @rule(data=st.data())
    def a_file_is_deleted_by_hand(self, data: st.DataObject) -> None:
        """A submitted file removed from the datasets folder (its versions stay in the store)."""
        key = data.draw(st.sampled_from(sorted(self.present)))
        self._path(key).unlink()
        del self.present[key]
        self.broken.discard(key)
        self.workbooks.discard(key)
        self._changed()


Sequences.TestCase.settings = settings(
    max_examples=int(SEQUENCES or 3), stateful_step_count=int(os.environ.get("MPP_STEPS", "5")), deadline=None,
    derandomize=SEQUENCES is None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # Each step is two real publishes: a failing sequence of five steps is read as it is, not shrunk for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate])
TestSequences = Sequences.TestCase
