"""Fixtures for the push tests: one real CKAN per test session, a fresh organization per test."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import ckanapi
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import ckan_harness
from ckan_support import Site, make_site


@pytest.fixture(scope="session")
def ckan_server() -> Iterator[ckan_harness.Server]:
    """A real CKAN 2.11 with PostgreSQL, Redis and the Solr stand-in; stopped after the session."""
    base = Path(tempfile.mkdtemp(prefix="ckan-test-"))
    t0 = time.monotonic()
    server = ckan_harness.start(base)
    print(f"\nCKAN test server up in {time.monotonic() - t0:.1f} s at {server.url}", file=sys.stderr)
    try:
        yield server
    finally:
        ckan_harness.stop(base)
        shutil.rmtree(base, ignore_errors=True)  # a copied database cluster: ~40 MB


@pytest.fixture(scope="session")
def admin(ckan_server: ckan_harness.Server) -> ckanapi.RemoteCKAN:
    """ckanapi as the sysadmin, for checking what the push left in CKAN."""
    return ckanapi.RemoteCKAN(ckan_server.url, apikey=ckan_server.token)


@pytest.fixture
def site(tmp_path: Path, ckan_server: ckan_harness.Server, monkeypatch: pytest.MonkeyPatch) -> Site:
    """A fresh site and the sysadmin token in CKAN_API_TOKEN."""
    monkeypatch.setenv("CKAN_API_TOKEN", ckan_server.token)
    monkeypatch.delenv("CKAN_URL", raising=False)
    return make_site(tmp_path, ckan_server.url)
