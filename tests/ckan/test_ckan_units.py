"""Rare faults with a fake of ckanapi (beside the real-CKAN tests, not instead of them)."""

from __future__ import annotations

import copy
import io
import json
import socket
import uuid
from pathlib import Path
from typing import Any

import ckan_fixture
import ckanapi
import pytest
import requests

from pipeline.ckan import write_descriptors
from pipeline.ckan.client import CkanClient, Denied, RetryPolicy, Transient, _checked
from pipeline.ckan.execute import Executor
from pipeline.ckan.mapping import TABLE_TAGS, load_local
from pipeline.ckan.plan import make_plan, plan_resource
from pipeline.ckan.progress import Progress
from pipeline.core.config import load_portal
from pipeline.core.errors import PushError
from pipeline.core.models import PUBLISHED_TABLES

TOKEN = "token-rahasia-0123456789"


class FakeCkan:
    """Just enough of CKAN's actions, in memory; ``faults`` maps an action to what to raise."""

    def __init__(self) -> None:
        self.orgs: dict[str, dict[str, Any]] = {}
        self.pkgs: dict[str, dict[str, Any]] = {}
        self.faults: dict[str, list[tuple[BaseException, bool]]] = {}  # (error, applied first?)
        self.calls: list[str] = []

    def call_action(self, action: str, data: dict[str, Any], files: Any = None, requests_kwargs: Any = None) -> Any:
        self.calls.append(action)
        fault = self.faults.get(action, []).pop(0) if self.faults.get(action) else None
        if fault and not fault[1]:
            raise fault[0]
        result = getattr(self, action)(data, files)
        if fault:
            raise fault[0]  # the server did the work; the answer was lost
        return copy.deepcopy(result)

    def license_list(self, data: Any, files: Any) -> list[dict[str, str]]:
        return [{"id": "cc-by"}]

    def organization_show(self, data: dict[str, Any], files: Any) -> dict[str, Any]:
        if data["id"] not in self.orgs:
            raise ckanapi.NotFound("Not found")
        return self.orgs[data["id"]]

    def organization_create(self, data: dict[str, Any], files: Any) -> dict[str, Any]:
        self.orgs[data["name"]] = {"id": str(uuid.uuid4()), **data}
        return self.orgs[data["name"]]

    def user_show(self, data: Any, files: Any) -> dict[str, Any]:
        return {"id": "u1", "name": "admin", "sysadmin": True}

    def package_show(self, data: dict[str, Any], files: Any) -> dict[str, Any]:
        if data["id"] not in self.pkgs:
            raise ckanapi.NotFound("Not found")
        return self.pkgs[data["id"]]

    def package_create(self, data: dict[str, Any], files: Any) -> dict[str, Any]:
        self.pkgs[data["name"]] = {"id": str(uuid.uuid4()), "resources": [], **data}
        return self.pkgs[data["name"]]

    def package_revise(self, data: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        pkg = next(p for p in self.pkgs.values() if p["id"] == json.loads(data["match"])["id"])
        (key, (filename, fh)), = files.items()
        if "update__resources__extend" in data:
            res = json.loads(data["update__resources__extend"])[0]
            res["id"] = str(uuid.uuid4())
            pkg["resources"].append(res)
        else:
            rid = key.split("__")[2]
            res = next(r for r in pkg["resources"] if r["id"] == rid)
            res.update(json.loads(data[f"update__resources__{rid}"]))
        res.update(url=f"http://ckan/download/{filename}", url_type="upload", size=len(fh.read()))
        return {"package": pkg}


@pytest.fixture
def portal(tmp_path: Path) -> Any:
    datasets, output = ckan_fixture.make_site(tmp_path, "mpp-uji")
    return load_portal(datasets, output)


def _client(fake: Any, attempts: int = 3) -> tuple[CkanClient, list[float]]:
    slept: list[float] = []
    client = CkanClient("http://ckan", TOKEN, 5, RetryPolicy(attempts, 0.5), sleep=slept.append, remote=fake)
    return client, slept


def _push(portal: Any, client: CkanClient) -> None:
    local = load_local(portal, {"cc-by"})
    write_descriptors(local)  # as push_portal does before any upload
    org = client.read("organization_show", {"id": "mpp-uji"})
    remote = {ds.name: client.read("package_show", {"id": ds.name}) for ds in local}
    plan = make_plan("http://ckan", "mpp-uji", org, local, remote)
    Executor(client, Progress(plan.write_calls(), io.StringIO()), "MPP", "").run(plan, local, org, remote)


def test_lost_answers_and_5xx_are_retried_without_duplicates(portal: Any) -> None:
    fake = FakeCkan()
    fake.faults = {"package_revise": [(Transient("HTTP 502"), True), (Transient("HTTP 503"), False)],
                   "package_create": [(Transient("ReadTimeout"), True)],
                   "package_show": [(Transient("ConnectionError"), False)]}
    client, slept = _client(fake)
    _push(portal, client)
    assert len(fake.pkgs) == 3
    assert all([r["name"] for r in p["resources"]] == [p["resources"][0]["name"], p["resources"][1]["name"],
                                                       "datapackage.json"] for p in fake.pkgs.values())
    assert sum(len(p["resources"]) for p in fake.pkgs.values()) == 9
    assert slept == [0.5, 0.5, 0.5, 0.5]  # one pause per fault, each before the first retry
    client2, _ = _client(fake)
    _push(portal, client2)
    assert client2.write_calls == 0


def test_retries_give_up_with_a_clear_error(portal: Any) -> None:
    fake = FakeCkan()
    fake.faults = {"organization_show": [(Transient("HTTP 500"), False)] * 5}
    client, slept = _client(fake, attempts=3)
    with pytest.raises(PushError, match="could not be reached after 3 attempts"):
        client.read("organization_show", {"id": "mpp-uji"})
    assert slept == [0.5, 1.0]


def test_403_stops_at_once_naming_the_permission(portal: Any) -> None:
    fake = FakeCkan()
    fake.faults = {"organization_create": [(Denied(403, "Access denied"), False)]}
    client, slept = _client(fake)
    with pytest.raises(PushError) as err:
        _push(portal, client)
    assert "organization_create" in str(err.value) and "sysadmin" in str(err.value)
    assert fake.calls.count("organization_create") == 1 and slept == []


def test_token_is_scrubbed_from_unexpected_errors(portal: Any) -> None:
    fake = FakeCkan()
    fake.faults = {"license_list": [(ckanapi.CKANAPIError(f"echo Authorization: {TOKEN}"), False)]}
    client, _ = _client(fake)
    with pytest.raises(PushError) as err:
        client.read("license_list", {})
    assert TOKEN not in str(err.value) and "[token]" in str(err.value)


def test_http_status_decides_before_the_body() -> None:
    def response(status: int, body: str) -> requests.Response:
        r = requests.Response()
        r.status_code, r._content = status, body.encode()
        return r

    with pytest.raises(Transient):
        _checked(response(503, "<html>Service Unavailable</html>"))
    with pytest.raises(Denied) as err:
        _checked(response(403, json.dumps({"error": {"message": "Access denied"}})))
    assert err.value.status == 403
    assert _checked(response(409, '{"success": false}')) == (409, '{"success": false}')


def test_unreachable_ckan_is_retried_then_reported() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = CkanClient(f"http://127.0.0.1:{port}", TOKEN, 2, RetryPolicy(2, 0.01))
    with pytest.raises(PushError, match="could not be reached after 2 attempts"):
        client.read("package_show", {"id": "x"})


def test_planner_compares_hash_and_metadata(portal: Any) -> None:
    res = load_local(portal, {"cc-by"})[0].resources[0]
    remote = {"id": "r1", "name": res.name, "url_type": "upload", "url": f"http://c/download/{res.path.name}",
              **res.fields, "schema": json.dumps(res.fields["schema"]), "format": "csv"}
    assert plan_resource(res, remote).action == "unchanged"  # schema kept as text, format case
    changed = plan_resource(res, {**remote, "hash": "sha256:0"})
    assert (changed.action, changed.upload, changed.changes) == ("update", True, ["hash"])
    meta = plan_resource(res, {**remote, "description": "lama"})
    assert (meta.action, meta.upload, meta.changes) == ("update", False, ["description"])


def test_duplicate_resources_are_planned_for_deletion(portal: Any) -> None:
    ds = load_local(portal, {"cc-by"})[0]
    resources = [{"id": f"r{i}", "name": r.name, "url_type": "upload",
                  "url": f"http://c/download/{r.path.name}", **r.fields} for i, r in enumerate(ds.resources)]
    pkg = {"id": "p", "owner_org": "o", "tags": [{"name": t} for t in ds.fields["tags"]],
           "extras": [{"key": k, "value": v} for k, v in ds.fields["extras"].items()],
           **{k: v for k, v in ds.fields.items() if k not in ("tags", "extras")},
           "resources": resources + [{**resources[0], "id": "dup"}]}
    plan = make_plan("http://c", "mpp-uji", {"id": "o"}, [ds], {ds.name: pkg})
    assert [(r.action, r.remote_id) for r in plan.datasets[0].resources] == [
        ("unchanged", "r0"), ("unchanged", "r1"), ("unchanged", "r2"), ("delete", "dup")]
    assert plan.datasets[0].action == "unchanged" and plan.write_calls() == 1


def test_every_published_table_has_its_own_tags() -> None:
    assert set(TABLE_TAGS) == set(PUBLISHED_TABLES)


class VanishingCkan(FakeCkan):
    """A CKAN where someone deletes the dataset while its first upload is in flight."""

    def package_revise(self, data: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        self.pkgs.clear()
        raise Transient("ReadTimeout")


def test_a_dataset_deleted_during_the_push_is_reported_by_name(portal: Any) -> None:
    fake = VanishingCkan()
    client, _ = _client(fake)
    # The retry re-reads the dataset and finds nothing: a clear error, not a crash on None.
    with pytest.raises(PushError, match=r"/\S+: tidak ada lagi di CKAN.* / no longer in CKAN, run push again"):
        _push(portal, client)


def test_the_indicators_table_maps_to_its_own_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its period column mixes months, quarters and years: the coverage counts the months only.
    monkeypatch.setitem(ckan_fixture.TABLES, "indicators", {
        "title": "Indikator evaluasi", "title_en": "Evaluation indicators",
        "fields": [("indicator", "string"), ("scope", "string"), ("period", "string"), ("value", "number")],
        "rows": [["ikm", "mall", "2026-08", "84.1"], ["ikm", "mall", "2026-Q3", "84.29"], ["ikm", "mall", "2026", "85"],
                 ["ikm", "mall", "2026-10", "84.5"]],
    })
    datasets, output = ckan_fixture.make_site(tmp_path, "mpp-uji")
    local = {ds.table: ds for ds in load_local(load_portal(datasets, output), {"cc-by"})}
    ds = local["indicators"]
    assert ds.name == "mpp-uji-indicators"
    assert {"indikator", "evaluation"} <= set(ds.fields["tags"])
    extras = ds.fields["extras"]
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2026-08-01", "2026-10-31")
