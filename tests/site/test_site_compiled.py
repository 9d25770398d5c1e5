"""The templates compiled by an earlier build (compiled.py): taken as they were kept, the same pages
rendered; a kept file damaged, of another source or of other code is compiled again, never run."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Portal
from pipeline.site.build import TEMPLATES, kits
from pipeline.site.compiled import FOLDER, FREE_NAMES, KeptTemplates
from pipeline.site.loader import load_site_data
from pipeline.site.pages import all_pages
from pipeline.site.render import Renderer, preloaded, site_environment
from tests.site.test_site_incremental import AS_OF

CODE, OTHER = "a" * 64, "b" * 64


def _compiles(monkeypatch: pytest.MonkeyPatch, templates: Path = TEMPLATES) -> list[str]:
    """The names of the templates compiled from here on (by any site environment)."""
    kind = type(site_environment(templates))
    compile_template = kind.compile
    compiled: list[str] = []

    def counted(self: Any, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(name))
        return compile_template(self, source, name, *args, **kwargs)

    monkeypatch.setattr(kind, "compile", counted)
    return compiled


def _same_pages(portal: Portal, env: Any, templates: Path = TEMPLATES) -> None:
    """One page of each template renders the same through ``env`` as through a fresh environment."""
    data = load_site_data(portal, AS_OF)
    kit = kits(templates)["id"]
    kept, plain = Renderer(templates, data, pair=False, env=env), Renderer(templates, data, pair=False)
    seen: set[str] = set()
    for page in all_pages(data, kit):
        if page.template not in seen:
            seen.add(page.template)
            assert kept.render(page, kit) == plain.render(page, kit), page.path
    assert len(seen) > 20


def _kept_files(output: Path, code: str = CODE) -> list[Path]:
    return sorted((output.joinpath(*FOLDER) / code[:24]).iterdir())


def test_templates_kept_by_one_build_are_not_compiled_by_the_next(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    assert len(_kept_files(tmp_path)) == len(first._loaded) > 20  # type: ignore[attr-defined]
    compiled = _compiles(monkeypatch)
    env = preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    assert compiled == []
    _same_pages(fixture_portal, env)


@pytest.mark.parametrize("damage", ["cut", "flipped", "foreign", "empty"])
def test_a_damaged_kept_template_is_compiled_again(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    files = _kept_files(tmp_path)
    target = files[len(files) // 2]
    body = target.read_bytes()
    if damage == "cut":
        target.write_bytes(body[:len(body) // 2])
    elif damage == "flipped":  # one bit of the compiled code, the digest ahead of it left as it was
        target.write_bytes(body[:-10] + bytes([body[-10] ^ 1]) + body[-9:])
    elif damage == "foreign":  # a whole file by its digest, whose bytes are no bucket: Jinja refuses it
        junk = b"not a jinja bucket at all"
        target.write_bytes(hashlib.sha256(junk).digest() + junk)
    else:
        target.write_bytes(b"")
    compiled = _compiles(monkeypatch)
    env = preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    assert len(compiled) == 1  # that one template, compiled again
    assert target.read_bytes() == body  # and kept whole again
    _same_pages(fixture_portal, env)


def test_a_changed_template_is_compiled_again(fixture_portal: Portal, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    output = tmp_path / "output"
    preloaded(templates, KeptTemplates(output, CODE))
    page = templates / "guide.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<p>NEW</p>", 1),
                    encoding="utf-8")
    compiled = _compiles(monkeypatch, templates)
    env = preloaded(templates, KeptTemplates(output, CODE))
    assert compiled == ["guide.html"]
    assert "<p>NEW</p>" in env.get_template("guide.html").render(**_guide_context(fixture_portal, env, templates))


def _guide_context(portal: Portal, env: Any, templates: Path) -> dict[str, Any]:
    """The context of the guide page, as the renderer gives it."""
    data = load_site_data(portal, AS_OF)
    kit = kits(templates)["id"]
    renderer = Renderer(templates, data, pair=False, env=env)
    page = next(p for p in all_pages(data, kit) if p.template == "guide.html")
    return {**renderer.common(page, kit), **page.context}


def test_other_code_compiles_anew_and_clears_the_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    compiled = _compiles(monkeypatch)
    env = preloaded(TEMPLATES, KeptTemplates(tmp_path, OTHER))
    assert sorted(compiled) == sorted(env._loaded)  # type: ignore[attr-defined]
    assert [p.name for p in tmp_path.joinpath(*FOLDER).iterdir()] == [OTHER[:24]]


def test_a_folder_that_cannot_be_written_costs_nothing_but_the_compile(tmp_path: Path) -> None:
    tmp_path.joinpath(FOLDER[0]).write_text("a file where the cache's folder would be", encoding="utf-8")
    env = preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    assert len(env._loaded) > 20  # type: ignore[attr-defined]


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str]]:
    """The environments and templates whose free names are worked out (parsed) from here on."""
    kind = type(site_environment(TEMPLATES))
    find = kind._find_free
    parsed: list[tuple[Any, str]] = []

    def counted(self: Any, name: str) -> Any:
        parsed.append((self, name))
        return find(self, name)

    monkeypatch.setattr(kind, "_find_free", counted)
    return parsed


def test_free_names_kept_by_one_build_are_not_worked_out_by_the_next(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _parsed(monkeypatch)
    env = preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    _same_pages(fixture_portal, env)
    assert [e for e, _ in parsed if e is env] and (tmp_path.joinpath(*FOLDER) / CODE[:24] / FREE_NAMES).is_file()
    env = preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    _same_pages(fixture_portal, env)
    assert [name for e, name in parsed if e is env] == []
    env = preloaded(TEMPLATES, KeptTemplates(tmp_path, OTHER))  # other code keeps none of them
    _same_pages(fixture_portal, env)
    assert [e for e, _ in parsed if e is env]


@pytest.mark.parametrize("damage", ["cut", "flipped", "not-json", "other-layout", "empty"])
def test_damaged_kept_free_names_are_worked_out_again(
        fixture_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    parsed = _parsed(monkeypatch)
    _same_pages(fixture_portal, preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE)))
    target = tmp_path.joinpath(*FOLDER) / CODE[:24] / FREE_NAMES
    body = target.read_bytes()
    if damage == "cut":
        target.write_bytes(body[:len(body) // 2])
    elif damage == "flipped":  # one name changed, the digest ahead of it left as it was
        target.write_bytes(body.replace(b'"t"', b'"u"', 1))
        assert target.read_bytes() != body
    elif damage in ("not-json", "other-layout"):  # whole files by their digests, of no kept names
        junk = b"{not json" if damage == "not-json" else b'{"_tags.html": [1, 2]}'
        target.write_bytes(hashlib.sha256(junk).digest() + junk)
    else:
        target.write_bytes(b"")
    env = preloaded(TEMPLATES, KeptTemplates(tmp_path, CODE))
    _same_pages(fixture_portal, env)
    assert [e for e, _ in parsed if e is env]  # worked out again
    assert target.read_bytes() == body  # and kept whole again
