"""Fixtures for the push tests: one real CKAN per test session, a fresh organization per test."""

from __future__ import annotations

import dataclasses
import io
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import ckanapi
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import fixture_data  # noqa: E402
import harness  # noqa: E402

from pipeline.ckan import push_portal  # noqa: E402
from pipeline.ckan.client import RetryPolicy  # noqa: E402
from pipeline.ckan.plan import Plan  # noqa: E402
from pipeline.config import Portal, load_portal  # noqa: E402


@pytest.fixture(scope="session")
def ckan_server() -> Iterator[harness.Server]:
    """A real CKAN 2.11 with PostgreSQL, Redis and the Solr stand-in; stopped after the session."""
    base = Path(tempfile.mkdtemp(prefix="ckan-test-"))
    t0 = time.monotonic()
    server = harness.start(base)
    print(f"\nCKAN test server up in {time.monotonic() - t0:.1f} s at {server.url}", file=sys.stderr)
    try:
        yield server
    finally:
        harness.stop(base)


@pytest.fixture(scope="session")
def admin(ckan_server: harness.Server) -> ckanapi.RemoteCKAN:
    """ckanapi as the sysadmin, for checking what the push left in CKAN."""
    return ckanapi.RemoteCKAN(ckan_server.url, apikey=ckan_server.token)


@dataclasses.dataclass
class Site:
    """A datasets folder + published output, pointed at the test CKAN."""

    portal: Portal
    root: Path

    @property
    def data(self) -> Path:
        return self.portal.output / "data"

    @property
    def org(self) -> str:
        return self.portal.ckan.organization

    def push(self, dry_run: bool = False) -> tuple[Plan, str]:
        """Push in-process; returns the plan and everything printed."""
        out = io.StringIO()
        plan = push_portal(self.portal, dry_run=dry_run, retry=RetryPolicy(attempts=2, first_delay=0.05),
                           stream=out)
        return plan, out.getvalue()


def make_site(root: Path, url: str, org: str | None = None) -> Site:
    """A fresh site with its own organization name, so tests never see each other's data."""
    org = org or f"mpp-{uuid.uuid4().hex[:8]}"
    datasets, output = fixture_data.make_site(root, org)
    portal = load_portal(datasets, output)
    return Site(dataclasses.replace(portal, ckan=dataclasses.replace(portal.ckan, url=url)), root)


@pytest.fixture
def site(tmp_path: Path, ckan_server: harness.Server, monkeypatch: pytest.MonkeyPatch) -> Site:
    """A fresh site and the sysadmin token in CKAN_API_TOKEN."""
    monkeypatch.setenv("CKAN_API_TOKEN", ckan_server.token)
    monkeypatch.delenv("CKAN_URL", raising=False)
    return make_site(tmp_path, ckan_server.url)
