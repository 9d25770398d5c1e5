"""The planner: what CKAN has + what is local -> create / update / unchanged, per item.

Pure functions over plain dicts (``package_show`` results), so the executor can re-plan
one item from fresh remote state after a failure, and tests need no server.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pipeline.ckan.mapping import LocalDataset, LocalResource

CREATE, UPDATE, UNCHANGED, DELETE = "create", "update", "unchanged", "delete"
# Dataset fields compared one to one (tags, extras and owner_org are compared apart).
SIMPLE_FIELDS = ("title", "notes", "url", "license_id", "author", "author_email", "maintainer",
                 "maintainer_email", "private", "state")
RESOURCE_FIELDS = ("description", "format", "mimetype", "schema")


@dataclass
class ResourcePlan:
    """What to do with one resource; ``upload`` means the file itself is sent."""

    name: str
    action: str
    upload: bool = False
    changes: list[str] = field(default_factory=list)
    remote_id: str | None = None


@dataclass
class DatasetPlan:
    """What to do with one dataset's metadata and with each of its resources."""

    name: str
    table: str
    action: str
    changes: list[str] = field(default_factory=list)
    resources: list[ResourcePlan] = field(default_factory=list)


@dataclass
class Plan:
    """The whole plan: the organization first, then every dataset."""

    url: str
    organization: str
    organization_action: str
    datasets: list[DatasetPlan]

    def write_calls(self) -> int:
        """Write calls the executor will make: one per item that is not unchanged."""
        items = [self.organization_action] + [d.action for d in self.datasets] + [
            r.action for d in self.datasets for r in d.resources]
        return sum(1 for a in items if a != UNCHANGED)

    def counts(self) -> dict[str, dict[str, int]]:
        """How many datasets and resources each action touches."""
        out = {"datasets": dict.fromkeys((CREATE, UPDATE, UNCHANGED), 0),
               "resources": dict.fromkeys((CREATE, UPDATE, UNCHANGED, DELETE), 0)}
        for d in self.datasets:
            out["datasets"][d.action] += 1
            for r in d.resources:
                out["resources"][r.action] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        """The plan as written to <output>/ckan-plan.json (never holds the token)."""
        return {"ckan_url": self.url,
                "organization": {"name": self.organization, "action": self.organization_action},
                "datasets": [asdict(d) for d in self.datasets],
                "counts": self.counts(), "write_calls": self.write_calls()}


def make_plan(url: str, organization: str, remote_org: dict[str, Any] | None,
              local: list[LocalDataset], remote: dict[str, dict[str, Any] | None]) -> Plan:
    """Compare every local dataset with CKAN's copy (``None`` = not in CKAN)."""
    org_id = remote_org["id"] if remote_org else None
    datasets = [plan_dataset(ds, remote.get(ds.name), org_id) for ds in local]
    return Plan(url, organization, UNCHANGED if remote_org else CREATE, datasets)


def plan_dataset(ds: LocalDataset, pkg: dict[str, Any] | None, org_id: str | None) -> DatasetPlan:
    """Plan one dataset: its metadata, then its resources matched by name."""
    if pkg is None:
        return DatasetPlan(ds.name, ds.table, CREATE, ["*"],
                           [ResourcePlan(r.name, CREATE, True, ["*"]) for r in ds.resources])
    changes = dataset_changes(ds, pkg, org_id)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for res in pkg.get("resources") or []:
        by_name.setdefault(res.get("name") or "", []).append(res)
    plans = [plan_resource(r, next(iter(by_name.get(r.name, [])), None)) for r in ds.resources]
    # Extra copies under a managed name (left by hand or by an old bug) are removed.
    for r in ds.resources:
        plans += [ResourcePlan(r.name, DELETE, remote_id=dup["id"]) for dup in by_name.get(r.name, [])[1:]]
    return DatasetPlan(ds.name, ds.table, UPDATE if changes else UNCHANGED, changes, plans)


def dataset_changes(ds: LocalDataset, pkg: dict[str, Any], org_id: str | None) -> list[str]:
    """Names of the managed dataset fields whose CKAN value differs from the local one."""
    changed = [k for k in SIMPLE_FIELDS if not _same(ds.fields.get(k), pkg.get(k))]
    if sorted(t.get("name") for t in pkg.get("tags") or []) != ds.fields["tags"]:
        changed.append("tags")
    if {e["key"]: e["value"] for e in pkg.get("extras") or []} != ds.fields["extras"]:
        changed.append("extras")
    if org_id and pkg.get("owner_org") != org_id:
        changed.append("owner_org")
    return changed


def plan_resource(local: LocalResource, res: dict[str, Any] | None) -> ResourcePlan:
    """Plan one resource: re-upload when the bytes differ, patch when only metadata does."""
    if res is None:
        return ResourcePlan(local.name, CREATE, True, ["*"])
    file_changes = []
    if res.get("hash") != local.fields["hash"]:
        file_changes.append("hash")
    if not _same(res.get("size"), local.fields["size"]):
        file_changes.append("size")
    if res.get("url_type") != "upload" or posixpath.basename(urlsplit(res.get("url") or "").path) != \
            local.path.name:
        file_changes.append("url")
    meta = [k for k in RESOURCE_FIELDS if not _same(local.fields[k], _decoded(k, res.get(k)))]
    if not file_changes and not meta:
        return ResourcePlan(local.name, UNCHANGED, remote_id=res["id"])
    return ResourcePlan(local.name, UPDATE, bool(file_changes), file_changes + meta, res["id"])


def _decoded(key: str, value: Any) -> Any:
    """CKAN keeps a schema sent through a form as JSON text: compare it as an object."""
    if key == "schema" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key == "format" and isinstance(value, str):
        return value.upper()
    return value


def _same(local: Any, remote: Any) -> bool:
    """Equal, counting CKAN's ``None`` and an empty string as the same."""
    if local in (None, "") and remote in (None, ""):
        return True
    if isinstance(local, bool) or isinstance(remote, bool):
        return str(local).lower() == str(remote).lower()
    if isinstance(local, int) and isinstance(remote, (int, str)):
        return str(local) == str(remote)
    return bool(local == remote)
