"""The build sets the site data aside from Python's cycle collector from the pages to its end
(calendars, files, index and manifest included), and gives it back when it ends, built or failed."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import load_portal
from pipeline.core.errors import SiteError
from pipeline.site import build, manifest
from pipeline.site.build import build_site
from tests.site.fixture_data import write_fixture
from tests.site.test_site_incremental import AS_OF


@pytest.mark.skipif(not build.FORK, reason="the languages are forked only where os.fork exists")
def test_frozen_from_the_pages_to_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    datasets, output = write_fixture(tmp_path)
    portal = load_portal(datasets, output)
    # Noted in a file: the calendars may be written by the other language's process (``build.COLD_SIDE``).
    notes = tmp_path / "frozen.txt"
    calendars, files, to_bytes = build._write_calendars, build._write_files, manifest.Manifest.to_bytes

    def note(step: str) -> None:
        with notes.open("a") as out:
            out.write(f"{step} {gc.get_freeze_count()}\n")

    def counted_calendars(*args: Any, **kwargs: Any) -> None:
        note("calendars")
        calendars(*args, **kwargs)

    def counted_files(*args: Any, **kwargs: Any) -> None:
        note("files")
        files(*args, **kwargs)

    def counted_manifest(self: manifest.Manifest) -> bytes:
        # After the children are done: a full collection here walked the whole site data again.
        note("manifest")
        return to_bytes(self)

    monkeypatch.setattr(build, "_write_calendars", counted_calendars)
    monkeypatch.setattr(build, "_write_files", counted_files)
    monkeypatch.setattr(manifest.Manifest, "to_bytes", counted_manifest)
    assert not build_site(portal, AS_OF, search=False).skipped
    seen = [line.split() for line in notes.read_text().splitlines()]
    assert {step for step, _ in seen} == {"calendars", "files", "manifest"}
    assert all(int(count) > 0 for _, count in seen), seen
    assert gc.get_freeze_count() == 0


def test_given_back_after_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    datasets, output = write_fixture(tmp_path)
    portal = load_portal(datasets, output)

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise SiteError("broken on purpose")

    monkeypatch.setattr(build, "_write_files", broken)
    with pytest.raises(SiteError, match="on purpose"):
        build_site(portal, AS_OF, search=False)
    assert gc.get_freeze_count() == 0
    assert not (output / "site").exists()
