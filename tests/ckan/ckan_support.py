"""Helpers shared by the CKAN push tests: a site (datasets + output) pointed at the test CKAN."""

from __future__ import annotations

import dataclasses
import io
import uuid
from pathlib import Path

import ckan_fixture

from pipeline.ckan import push_portal
from pipeline.ckan.client import RetryPolicy
from pipeline.ckan.plan import Plan
from pipeline.core.config import Portal, load_portal


@dataclasses.dataclass
class Site:
    """A datasets folder + published output, pointed at the test CKAN."""

    portal: Portal
    root: Path

    @property
    def data(self) -> Path:
        """The published data folder."""
        return self.portal.output / "data"

    @property
    def org(self) -> str:
        """The site's own CKAN organization."""
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
    datasets, output = ckan_fixture.make_site(root, org)
    portal = load_portal(datasets, output)
    return Site(dataclasses.replace(portal, ckan=dataclasses.replace(portal.ckan, url=url)), root)
