"""The executor: carry out a plan, one CKAN write call per changed item.

Every item is an upsert by name: before each attempt the item is re-planned from what
CKAN holds, so a retry after a lost response (or the next push after a killed one) never
creates a second copy. A file and its hash travel in one ``package_revise`` call, so CKAN
never holds new bytes under an old hash or the reverse.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import ckanapi

from pipeline.ckan.client import CkanClient, Transient
from pipeline.ckan.mapping import LocalDataset, LocalResource
from pipeline.ckan.plan import DELETE, UNCHANGED, Plan, dataset_changes, plan_resource
from pipeline.ckan.progress import Progress
from pipeline.core.errors import PushError

Json = dict[str, Any]
# What CKAN holds of the item a step writes (an organization or a dataset); None: not there.
State = Json | None


class Executor:
    """Writes the difference between the local datasets and CKAN."""

    def __init__(self, client: CkanClient, progress: Progress, org_title: str, org_description: str) -> None:
        self.client, self.progress = client, progress
        self.org_title, self.org_description = org_title, org_description

    def run(self, plan: Plan, local: list[LocalDataset], remote_org: dict[str, Any] | None,
            remote: dict[str, dict[str, Any] | None]) -> None:
        """Organization first, then each dataset's metadata, then its resources in order."""
        org = remote_org or self._ensure_org(plan.organization)
        for ds, ds_plan in zip(local, plan.datasets, strict=True):
            if ds_plan.action == UNCHANGED and all(r.action == UNCHANGED for r in ds_plan.resources):
                continue
            pkg = remote.get(ds.name)
            if ds_plan.action != UNCHANGED or pkg is None:  # an unchanged dataset is one CKAN has
                pkg = self._ensure_dataset(ds, pkg, org["id"])
            for res in ds.resources:
                pkg = self._ensure_resource(ds, res, pkg)
            for dup in ds_plan.resources:
                if dup.action == DELETE and dup.remote_id:
                    self._delete(f"{ds.name}/{dup.name}", dup.remote_id)

    def _attempt(self, label: str, decide: Callable[[State], Callable[[], State] | None],
                 refresh: Callable[[], State], state: State) -> State:
        """Decide, call, and on a transient failure wait, refresh and decide again."""
        delays = self.client.retry.delays()
        while True:
            call = decide(state)
            if call is None:
                return state
            try:
                new_state = call()
            except Transient as exc:
                if not delays:
                    raise self.client.unreachable(label, exc) from None
                self.client.sleep(delays.pop(0))
                state = refresh()
                continue
            self.progress.step(label)
            return new_state

    def _ensure_org(self, name: str) -> Json:
        """Create the portal's organization (only a permitted token may)."""
        def decide(org: State) -> Callable[[], State] | None:
            if org is not None:
                return None
            return lambda: self.client.write("organization_create", {
                "name": name, "title": self.org_title, "description": self.org_description}, subject=name)

        label = f"create organization {name}"
        org = self._attempt(label, decide, lambda: self.client.read("organization_show", {"id": name}), None)
        return _held(org, label)

    def _ensure_dataset(self, ds: LocalDataset, pkg: Json | None, org_id: str) -> Json:
        """Create the dataset, or patch the managed fields that differ."""
        fields = ckan_dataset_fields(ds, org_id)

        def decide(current: State) -> Callable[[], State] | None:
            if current is None:
                return lambda: self.client.write("package_create", {"name": ds.name, **fields}, subject=ds.name)
            if not dataset_changes(ds, current, org_id):
                return None
            return lambda: self.client.write("package_patch", {"id": current["id"], **fields}, subject=ds.name)

        label = f"{'create' if pkg is None else 'update'} dataset {ds.name}"
        return _held(self._attempt(label, decide, self._refresher(ds.name), pkg), label)

    def _ensure_resource(self, ds: LocalDataset, res: LocalResource, pkg: Json) -> Json:
        """Create or update one resource (file and hash together), unless CKAN already has it."""
        step = plan_resource(res, _find(pkg, res.name))
        label = f"{step.action} {ds.name}/{res.name}"

        def decide(held: State) -> Callable[[], State] | None:
            current = _held(held, label)  # re-read after a failure: the dataset may be gone
            found = _find(current, res.name)
            step = plan_resource(res, found)
            if step.action == UNCHANGED:
                return None
            if step.upload or found is None:  # a resource CKAN lacks is always uploaded
                return lambda: self._upload(current, found, res, ds.name)
            return lambda: self._patch(current, found, res, ds.name)

        return _held(self._attempt(label, decide, self._refresher(ds.name), pkg), label)

    def _upload(self, pkg: dict[str, Any], found: dict[str, Any] | None, res: LocalResource,
                subject: str) -> dict[str, Any]:
        """One multipart ``package_revise``: the file with its hash, size, schema and text."""
        fields = json.dumps({"name": res.name, **res.fields}, ensure_ascii=False)
        if found is None:
            data = {"update__resources__extend": f"[{fields}]"}
            key = "update__resources__-1__upload"
        else:
            data = {f"update__resources__{found['id']}": fields}
            key = f"update__resources__{found['id']}__upload"
        data["match"] = json.dumps({"id": pkg["id"]})
        with res.path.open("rb") as fh:
            result = self.client.write("package_revise", data, files={key: (res.path.name, fh)}, subject=subject)
        package: Json = result["package"]  # package_revise answers {"package": <the dataset>}
        return package

    def _patch(self, pkg: dict[str, Any], found: dict[str, Any], res: LocalResource,
               subject: str) -> dict[str, Any]:
        """Metadata only (the bytes are already right): ``resource_patch`` as JSON."""
        updated = self.client.write("resource_patch", {"id": found["id"], **res.fields}, subject=subject)
        resources = [updated if r.get("id") == found["id"] else r for r in pkg.get("resources") or []]
        return {**pkg, "resources": resources}

    def _delete(self, label: str, resource_id: str) -> None:
        """Remove an extra copy of a managed resource (gone already counts as done)."""
        def call() -> None:
            with contextlib.suppress(ckanapi.NotFound):
                self.client.write("resource_delete", {"id": resource_id}, subject=label)

        self._attempt(f"{DELETE} {label}", lambda _state: call, lambda: None, None)

    def _refresher(self, name: str) -> Callable[[], State]:
        """A re-read of the dataset as CKAN holds it now (None when it is gone)."""
        return lambda: self.client.read("package_show", {"id": name}, subject=name)


def _held(state: State, label: str) -> Json:
    """What CKAN holds after (or before) a step; a PushError when the item is gone from CKAN."""
    if state is None:
        raise PushError(f"CKAN: {label}: tidak ada lagi di CKAN, jalankan push lagi"
                        " / no longer in CKAN, run push again")
    return state


def ckan_dataset_fields(ds: LocalDataset, org_id: str) -> dict[str, Any]:
    """The managed fields in the shape CKAN's actions take (tags and extras as lists)."""
    fields = {k: v for k, v in ds.fields.items() if k not in ("tags", "extras")}
    fields["owner_org"] = org_id
    fields["tags"] = [{"name": t} for t in ds.fields["tags"]]
    fields["extras"] = [{"key": k, "value": v} for k, v in sorted(ds.fields["extras"].items())]
    return fields


def _find(pkg: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    """The first resource of that name (duplicates are deleted by the plan)."""
    resources: list[Json] = (pkg or {}).get("resources") or []
    return next((res for res in resources if res.get("name") == name), None)
