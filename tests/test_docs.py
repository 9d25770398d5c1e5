"""Documentation agrees with the code: every setting (README and portal.toml), every command and option."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import click

from pipeline.cli import main
from pipeline.core.settings import SETTINGS, Setting

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PORTAL = ROOT / "datasets" / "portal.toml"
START, END = "<!-- settings:start", "<!-- settings:end -->"


def _reference(readme: str) -> dict[str, list[str]]:
    """The README's settings table between the markers: the cells of each row by key."""
    block = readme.split(START, 1)[1].split(END, 1)[0]
    rows = [line.strip("|").split(" | ") for line in block.splitlines() if line.startswith("| `")]
    return {cells[0].strip("` "): [c.strip() for c in cells] for cells in rows}


def _literal(s: Setting) -> str:
    """The default as written in TOML (an integral number without ``.0``), in backticks."""
    value = int(s.default) if isinstance(s.default, float) and s.default.is_integer() else s.default
    return f"`{json.dumps(value)}`"


def _check(readme: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tools.settings_reference", "--check", "--readme", str(readme)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


# --- the README's portal.toml reference -------------------------------------------------------

def test_readme_reference_is_the_generated_one() -> None:
    done = _check(README)
    assert done.returncode == 0, done.stderr


def test_the_check_fails_on_a_changed_default_or_a_missing_row_and_the_tool_repairs_it(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    row = "| `max_rows` | bilangan bulat / integer | `5000` |"
    assert row in text
    for broken in (text.replace(row, row.replace("5000", "4000")),
                   "\n".join(line for line in text.splitlines() if not line.startswith("| `ckan.timeout_seconds`"))):
        copy = tmp_path / "README.md"
        copy.write_text(broken, encoding="utf-8")
        done = _check(copy)
        assert done.returncode == 1 and "python -m tools.settings_reference" in done.stderr
        assert copy.read_text(encoding="utf-8") == broken  # --check changes nothing
        subprocess.run([sys.executable, "-m", "tools.settings_reference", "--readme", str(copy)],
                       cwd=ROOT, check=True, timeout=60)
        assert _check(copy).returncode == 0 and row in copy.read_text(encoding="utf-8")


def test_every_declared_setting_has_a_row_with_its_type_default_and_both_descriptions() -> None:
    rows = _reference(README.read_text(encoding="utf-8"))
    assert list(rows) == [s.key for s in SETTINGS]
    for s in SETTINGS:
        _, kind, default, text_id, text_en = rows[s.key]
        assert kind.split(" / ")[0] in {"teks", "bilangan bulat", "angka", "daftar teks"}, s.key
        if s.required:
            assert default == "*wajib / required*", s.key
        elif s.default_doc is None:
            assert default == _literal(s), s.key
        assert text_id.startswith(s.id) and text_en.startswith(s.en), s.key
        assert text_id != text_en, s.key


def test_some_rows_read_as_written_by_hand() -> None:
    rows = _reference(README.read_text(encoding="utf-8"))
    assert rows["deadline_day"][1:3] == ["bilangan bulat / integer", "*wajib / required*"]
    assert rows["max_rows"][2] == "`5000`" and rows["max_file_mb"][1:3] == ["angka / number", "`10`"]
    assert rows["max_cell_chars"][2] == "`32767`" and rows["ckan.timeout_seconds"][2] == "`30`"
    assert rows["languages"][2] == '`["id", "en"]`' and rows["timezone"][2] == '`"Asia/Jakarta"`'
    assert "`CKAN_URL`" in rows["ckan.url"][3] and "`CKAN_URL`" in rows["ckan.url"][4]
    assert "`license`" in rows["licence_id"][4] and "mpp-kota-jambi" in rows["ckan.organization"][2]
    assert "site" not in rows and "extra" not in rows


# --- datasets/portal.toml ---------------------------------------------------------------------

def _keys(table: dict, prefix: str = "") -> set[str]:
    """Every key of a parsed TOML document, dotted inside tables."""
    found: set[str] = set()
    for key, value in table.items():
        found |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}"}
    return found


def _comments_above_keys(text: str) -> dict[str, str]:
    """For every key line (``key = ...`` or commented ``# key = ...``), the comment block right above it."""
    found: dict[str, str] = {}
    table, block = "", []
    for line in text.splitlines():
        header = re.match(r"^\[([a-z_]+)\]\s*$", line)
        key = re.match(r"^#?\s*([a-z_]+)\s*=", line)
        if header:
            table, block = f"{header.group(1)}.", []
        elif key:
            found[f"{table}{key.group(1)}"] = " ".join(" ".join(block).split())
            block = []
        elif line.startswith("#"):
            block.append(line.lstrip("#").strip())
        else:
            block = []
    return found


def test_every_key_of_the_sample_portal_toml_is_declared() -> None:
    declared = {s.key for s in SETTINGS}
    assert _keys(tomllib.loads(PORTAL.read_text(encoding="utf-8"))) <= declared


def test_every_declared_key_is_in_the_sample_portal_toml_with_its_bilingual_comment() -> None:
    comments = _comments_above_keys(PORTAL.read_text(encoding="utf-8"))
    for s in SETTINGS:
        assert s.key in comments, f"{s.key} is not in datasets/portal.toml (set or commented out)"
        assert s.id in comments[s.key], (s.key, "Indonesian description", comments[s.key])
        assert s.en in comments[s.key], (s.key, "English description", comments[s.key])
        assert comments[s.key].index(s.id) < comments[s.key].index(s.en), (s.key, "Indonesian first")


def test_the_comment_reader_sees_tables_and_commented_keys() -> None:
    text = "# Satu.\n# One.\na = 1\n\n[ckan]\n# Dua.\n# Two.\n# b = 2\nc = 3\n"
    assert _comments_above_keys(text) == {"a": "Satu. One.", "ckan.b": "Dua. Two.", "ckan.c": ""}


# --- the command line -------------------------------------------------------------------------

def _long_options(command: click.Command) -> list[str]:
    return [opt for param in command.params for opt in param.opts if opt.startswith("--")]


def test_every_command_and_option_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    commands = dict(main.commands)
    assert {"validate", "publish", "build", "push"} <= set(commands)
    shared = set.intersection(*(set(_long_options(c)) for c in commands.values()))
    assert shared == {"--datasets", "--output"}
    for option in sorted(shared) + _long_options(main):
        assert f"`{option}" in readme or f" {option} " in readme, option
    for name, command in commands.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `python -m pipeline {name}")), None)
        assert row is not None, f"no row for the command {name} in the README's table of commands"
        for option in set(_long_options(command)) - shared:
            assert option in row, (name, option)

