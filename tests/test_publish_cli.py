"""The publish command: summary line, the push skipped without CKAN, machine failures exit 1."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.publish_support import install_fakes, make_fixture
from tests.test_publish_tables import agenda


def test_publish_prints_a_summary_and_says_the_push_was_skipped(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fx = make_fixture(tmp_path)
    install_fakes(fx, monkeypatch)
    monkeypatch.delenv("CKAN_URL", raising=False)
    fx.put("2026-10", "disdukcapil", "agendas", [agenda("A-1", "held", date(2026, 10, 2))])
    args = ["publish", "--no-site", "--datasets", str(fx.datasets), "--output", str(fx.output),
            "--as-of", "2026-11-28"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Terbit / Published: 1 berkas diterima / accepted, 0 ditolak / rejected, 1 baru / new")
    # Issue 9: the summary names the agencies that owe files for the last closed month.
    assert lines[1] == ("PERLU TINDAKAN / NEEDS ACTION - belum dikirim untuk 2026-10 / not received for 2026-10: "
                        "disdukcapil (decisions, performance); dpmptsp (agendas, decisions, performance)")
    assert len(lines) == 3 and "push skipped" in lines[2] and "CKAN_URL" in lines[2]
    assert (fx.output / "data" / "datapackage.json").is_file()


def test_a_machine_failure_exits_1_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fx = make_fixture(tmp_path)
    install_fakes(fx, monkeypatch)
    fx.put("2026-10", "disdukcapil", "agendas", [agenda("A-1", "held", date(2026, 10, 2))])

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(fx.output / "data"))

    monkeypatch.setattr("pipeline.publish.run.data_files", full)
    args = ["publish", "--no-site", "--no-push", "--datasets", str(fx.datasets), "--output", str(fx.output),
            "--as-of", "2026-11-28"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "disk penuh / disk full" in result.output and "Traceback" not in result.output
    # Nothing published: only the (released, empty) lock and the run log's line of this failure.
    assert sorted(p.name for p in fx.output.iterdir()) == [".lock", "runs.jsonl"]
    assert (fx.output / ".lock").read_bytes() == b""


def test_validate_command_reads_earlier_agendas_from_the_store(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fx = make_fixture(tmp_path)
    install_fakes(fx, monkeypatch)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-9", "held", date(2026, 9, 2))])
    common = ["--datasets", str(fx.datasets), "--output", str(fx.output)]
    assert CliRunner().invoke(main, ["validate", *common]).exit_code == 0
    assert fx.calls[-1] is None  # no store yet
    assert CliRunner().invoke(main, ["publish", "--no-site", "--no-push", "--as-of", "2026-11-28", *common]).exit_code == 0
    before = {p: p.read_bytes() for p in (fx.output / "store").rglob("*") if p.is_file()}
    assert CliRunner().invoke(main, ["validate", *common]).exit_code == 0
    assert fx.calls[-1]("disdukcapil", "2026-10") == {"A-9"}
    assert {p: p.read_bytes() for p in (fx.output / "store").rglob("*") if p.is_file()} == before  # read-only
