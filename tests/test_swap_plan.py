"""A swap's plan written and flushed by a thread while the last files are staged (core/atomic.py ``Plan``): the
same swap as ``commit_files``, and no commit point before ``commit`` (a staging folder left before it is discarded,
the live folder untouched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.atomic import COMMIT, Plan, commit_files, recover_dir, staging_dir


def _live(root: Path) -> Path:
    """A live folder with a file to keep, one to replace and one to delete."""
    live = root / "site"
    (live / "sub").mkdir(parents=True)
    for rel, body in {"kept.html": b"k", "sub/page.html": b"old", "gone.html": b"g", "describe": b"v1"}.items():
        (live / rel).write_bytes(body)
    return live


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _stage(live: Path) -> Path:
    """The new build's changed page staged (its describing file not yet)."""
    staging = staging_dir(live)
    (staging / "sub").mkdir()
    (staging / "sub" / "page.html").write_bytes(b"new")
    return staging


def test_a_plan_written_beside_the_last_staged_file_swaps_as_commit_files_does(tmp_path: Path) -> None:
    swapped = {}
    for how in ("plan", "commit_files"):
        live = _live(tmp_path / how)
        staging = _stage(live)
        moves, deletes = ["sub/page.html", "describe"], ["gone.html"]
        plan = Plan(staging, moves, deletes) if how == "plan" else None
        (staging / "describe").write_bytes(b"v2")  # staged while the plan is flushed
        if plan is not None:
            assert not (staging / COMMIT).exists()  # no commit point yet
            plan.commit(live)
        else:
            commit_files(staging, live, moves, deletes)
        assert not staging.exists()
        swapped[how] = _files(live)
    assert swapped["plan"] == swapped["commit_files"] == {"kept.html": b"k", "sub/page.html": b"new",
                                                         "describe": b"v2"}


def test_a_plan_cancelled_before_its_commit_leaves_the_live_folder_as_it_was(tmp_path: Path) -> None:
    live = _live(tmp_path)
    before = _files(live)
    staging = _stage(live)
    plan = Plan(staging, ["sub/page.html", "describe"], ["gone.html"])
    plan.cancel()  # the build failed while staging its describing files
    recover_dir(live)  # the next run: no committed plan, nothing rolled forward
    assert _files(live) == before
    assert not any(p.name == COMMIT for p in staging.iterdir())
    staging_dir(live)  # the staging folder discarded, its temporary plan with it
    assert list(staging.iterdir()) == []


def test_a_plan_that_could_not_be_written_fails_its_commit_with_nothing_moved(tmp_path: Path) -> None:
    live = _live(tmp_path)
    before = _files(live)
    staging = tmp_path / "not-a-folder"  # the plan's temporary file cannot be made there
    with pytest.raises(OSError) as failed:
        Plan(staging, ["sub/page.html"], ["gone.html"]).commit(live)
    assert str(staging / COMMIT) in str(failed.value) or failed.value.filename is not None
    assert _files(live) == before
