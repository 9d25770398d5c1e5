"""A published version found later to hold personal data leaves the published data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.validate_helpers import REPO, agenda_row, make_datasets, write_table

PHONE = "0812-3456-7890"


def publishable(tmp_path: Path) -> Path:
    """A small datasets folder with the published tables' schemas too."""
    ds = make_datasets(tmp_path)
    shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    return ds


def _publish(ds: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "publish", "--no-site", "--no-push",
                           "--as-of", "2026-11-20", "--datasets", str(ds), "--output", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_a_published_file_that_now_holds_personal_data_is_withdrawn(tmp_path: Path) -> None:
    ds = publishable(tmp_path)
    toml = (ds / "portal.toml").read_text(encoding="utf-8")
    # First run: the number is listed as a public contact, so the file is accepted and published.
    (ds / "portal.toml").write_text(f'public_contacts = ["{PHONE}"]\n' + toml, encoding="utf-8")
    write_table(ds, "agendas", [agenda_row(location=f"Aula, hubungi {PHONE}")])
    out = tmp_path / "out"
    assert _publish(ds, out).returncode == 0
    assert PHONE in (out / "data" / "agendas.csv").read_text(encoding="utf-8")

    # The number turns out to be a person's own: the officer removes it from the public list.
    (ds / "portal.toml").write_text(toml, encoding="utf-8")
    done = _publish(ds, out)
    assert done.returncode == 0, done.stderr
    for name in ("agendas.csv", "agendas.json", "agenda_history.csv", "datapackage.zip"):
        assert b"3456" not in (out / "data" / name).read_bytes(), name
    assert (out / "data" / "agendas.csv").read_text(encoding="utf-8").count("\n") == 1  # header only
    event = json.loads((out / "data" / "changelog.json").read_bytes())[-1]
    assert [(c["change"], c["file"]) for c in event["changes"]] == [
        ("withdrawn", "submissions/2026-10/disdukcapil/agendas.csv")]
    submissions = (out / "data" / "submissions.csv").read_text(encoding="utf-8")
    row = next(line for line in submissions.splitlines() if ",disdukcapil,agendas," in line and "2026-10" in line)
    assert ",rejected," in row


def test_an_earlier_clean_version_is_not_withdrawn_by_a_rejected_new_one(tmp_path: Path) -> None:
    ds = publishable(tmp_path)
    write_table(ds, "agendas", [agenda_row(location="Aula")])
    out = tmp_path / "out"
    assert _publish(ds, out).returncode == 0
    write_table(ds, "agendas", [agenda_row(location=f"Aula, hubungi {PHONE}")])
    assert _publish(ds, out).returncode == 0
    assert "Aula" in (out / "data" / "agendas.csv").read_text(encoding="utf-8")
    event = json.loads((out / "data" / "changelog.json").read_bytes())[-1]
    assert [c["change"] for c in event["changes"]] == ["rejected"]
