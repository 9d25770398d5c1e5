"""The publish command: summary line, the push skipped without CKAN, machine failures exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.publish_support import agenda, decision, make_fixture


def test_publish_prints_a_summary_and_says_the_push_was_skipped(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fx = make_fixture(tmp_path)
    monkeypatch.delenv("CKAN_URL", raising=False)
    fx.put("2026-10", "disdukcapil", "agendas", [agenda("A-1", "held", "2026-10-02")])
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
    fx.put("2026-10", "disdukcapil", "agendas", [agenda("A-1", "held", "2026-10-02")])

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


def test_validate_command_reads_earlier_agendas_from_the_store(tmp_path: Path) -> None:
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-9", "held", "2026-09-02")])
    common = ["--datasets", str(fx.datasets), "--output", str(fx.output)]
    assert CliRunner().invoke(main, ["publish", "--no-site", "--no-push", "--as-of", "2026-11-28", *common]).exit_code == 0
    fx.remove("2026-09", "disdukcapil", "agendas")  # archived away: only the store still holds A-9
    fx.put("2026-10", "disdukcapil", "decisions", [decision("D-1", "open", "2026-10-31", agenda_id="A-9")])
    before = {p: p.read_bytes() for p in (fx.output / "store").rglob("*") if p.is_file()}
    judged = CliRunner().invoke(main, ["validate", "--json", *common])
    assert judged.exit_code == 0, judged.output
    assert [r["status"] for r in json.loads(judged.stdout)] == ["accepted"]
    assert {p: p.read_bytes() for p in (fx.output / "store").rglob("*") if p.is_file()} == before  # read-only
    # Against an output without a store, the same decision names an unknown agenda.
    alone = CliRunner().invoke(main, ["validate", "--json", "--datasets", str(fx.datasets),
                                      "--output", str(tmp_path / "no-store")])
    assert alone.exit_code == 1
    (report,) = json.loads(alone.stdout)
    assert [(e["code"], e["value"]) for e in report["errors"]] == [("unknown-agenda", "A-9")]
