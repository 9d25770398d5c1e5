"""One intake service for the module's tests: small datasets, gunicorn on loopback, a clerk per agency."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.intake.support import Service, add_clerk, make_datasets, start_service


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("intake")
    running = start_service(make_datasets(root), root / "out")
    try:
        add_clerk(running, "operator-dukcapil", "disdukcapil")
        add_clerk(running, "operator-dpmptsp", "dpmptsp")
        yield running
    finally:
        running.stop()
