"""Validation in two processes (a cold run with many files) judges exactly as in one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import load_portal
from pipeline.validate import ValidationCache, validate_datasets
from pipeline.validate import run as validate_run
from tools.bench import city
from tools.bench.shape import shape_for


def _judge(datasets: Path, monkeypatch: pytest.MonkeyPatch, parallel_from: int) -> tuple[list[Any], dict[str, bytes]]:
    """Every report (as JSON, with its typed rows) and the cache entries a run would keep."""
    monkeypatch.setattr(validate_run, "PARALLEL_FROM", parallel_from)
    portal = load_portal(datasets, datasets.parent / "output")
    cache = ValidationCache.for_portal(portal)
    reports = validate_datasets(portal, None, cache)
    return [(r.to_json(), r.rows) for r in reports], dict(cache.new)


def test_two_processes_judge_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same reports, same typed rows, same judgements kept; and the second process did run."""
    mall = city.build(shape_for("12x4x6"))  # 216 files, about 3 % with a mistake, some XLSX
    datasets = tmp_path / "datasets"
    city.generate(mall, datasets)
    calls: list[int] = []
    real = validate_run._in_two

    def counted(*args: Any) -> Any:
        calls.append(len(args[2]))  # how many files the second process got
        return real(*args)

    monkeypatch.setattr(validate_run, "_in_two", counted)
    one, kept_one = _judge(datasets, monkeypatch, parallel_from=10**9)
    assert calls == []
    two, kept_two = _judge(datasets, monkeypatch, parallel_from=1)
    assert len(calls) == 1 and 90 <= calls[0] <= 126  # whole agencies, about half of the 213 files
    assert len(one) == 213 and any(not report["status"] == "accepted" for report, _ in one)
    assert two == one
    assert kept_two == kept_one and len(kept_one) > 150
