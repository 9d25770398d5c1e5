"""An invisible control character in a cell rejects the file (no spreadsheet can carry it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.validate_helpers import REPO, agenda_row, decision_row, flat, make_datasets, report_for, write_table


def test_a_control_character_rejects_the_file_naming_the_cell(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    write_table(ds, "agendas", [agenda_row(), agenda_row(agenda_id="AGD-2", title="Rapat\x01 evaluasi")])
    report = report_for(ds, "agendas")
    assert report.status == "rejected"
    assert flat(report.errors) == [("control-character", 3, "title")]
    error = report.errors[0]
    assert error.cell == "E3" and "U+0001" in error.message.id and "U+0001" in error.message.en
    assert error.value == "Rapat evaluasi"  # shown without the character, which no page can hold


def test_tab_and_line_breaks_are_ordinary_text(tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    write_table(ds, "decisions", [decision_row(follow_up="Langkah 1:\\tsiapkan\\r\\nLangkah 2: uji".replace("\\t", "\t")
                                                         .replace("\\r\\n", "\r\n"))])
    assert report_for(ds, "decisions").accepted


def test_publish_of_a_file_with_a_control_character_completes(tmp_path: Path) -> None:
    # Before the rule, the file was accepted and every later publish died writing the XLSX.
    ds = make_datasets(tmp_path)
    shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    write_table(ds, "agendas", [agenda_row(title="Rapat\x0b koordinasi")])
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "pipeline", "publish", "--no-site", "--no-push",
                           "--as-of", "2026-11-20", "--datasets", str(ds), "--output", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (out / "data" / "agendas.xlsx").is_file()
    assert b"koordinasi" not in (out / "data" / "agendas.csv").read_bytes()
