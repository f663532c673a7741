"""Parsing recorded /services, /tasks and /networks payloads into records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from infra_monitor.clients.portainer import (
    PortainerClient,
    ServiceRecord,
    parse_service,
    parse_task,
    running_container_ids,
    swarm_mode,
)
from infra_monitor.gleaner import facts
from infra_monitor.settings import PortainerSettings, SecretRef, SettingsError

from .conftest import load


def _services() -> dict[str, ServiceRecord]:
    names = {n["Id"]: n["Name"] for n in load("networks_v1")}
    return {r.name: r for r in (parse_service(s, names) for s in load("services_v1"))}


def test_services_parse_source_mode_and_swarm_mode() -> None:
    services = _services()
    gleaner = services["sch_demo_src_gleaner"]
    assert gleaner.source == "demo_src" and gleaner.mode == "gleaner"
    assert gleaner.swarm_mode == "replicated"
    assert (gleaner.desired_tasks, gleaner.running_tasks) == (2, 2)
    assert gleaner.networks == ("sch_net",)
    assert gleaner.memory_limit_bytes == 64 * 1024 * 1024
    assert gleaner.image == "localbusybox:latest"
    assert gleaner.created_at == datetime(2026, 12, 4, 15, 52, 5, 888814, tzinfo=UTC)
    assert services["sch_glob_orgs"].swarm_mode == "global"
    job = services["sch_job_prov"]
    assert job.swarm_mode == "replicated-job"
    assert (job.running_tasks, job.completed_tasks) == (0, 1)
    failing = services["sch_bad_src_prune"]
    assert (failing.desired_tasks, failing.running_tasks) == (1, 0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sch_africa_ioc_gleaner", ("africa_ioc", "gleaner")),
        ("sch_obis_release_release", ("obis_release", "release")),  # a mode inside the source
        ("sch_a_b_c_prov", ("a_b_c", "prov")),
        ("sch_orgs", None),  # no source
        ("sch_x_unknownmode", None),
        ("other_x_gleaner", None),
    ],
)
def test_service_names_with_underscores(name: str, expected: tuple[str, str] | None) -> None:
    item = {"ID": "x", "Spec": {"Name": name, "Mode": {"Replicated": {"Replicas": 1}}}}
    record = parse_service(item)
    assert (None if record.source is None else (record.source, record.mode)) == expected
    assert facts.parse_service_name(name) == expected


def test_swarm_modes() -> None:
    assert swarm_mode({"GlobalJob": {}}) == "global-job"
    assert swarm_mode({}) == "unknown"


def test_tasks_failed_and_running() -> None:
    tasks = [parse_task(t) for t in load("tasks_v1")]
    failed = [t for t in tasks if t.failed]
    assert len(failed) == 4
    assert {t.error for t in failed} == {"task: non-zero exit (3)"}
    assert {t.exit_code for t in failed} == {3}
    assert all(t.desired_state == "shutdown" and t.node_id for t in failed)
    running = running_container_ids(tasks)
    assert len(running) == 4 and all(len(c) == 64 for c in running)


def test_parse_tolerates_nulls() -> None:
    record = parse_service({"ID": "1", "Spec": None, "ServiceStatus": None})
    assert (record.name, record.source, record.desired_tasks, record.networks) == (
        "",
        None,
        None,
        (),
    )
    task = parse_task({"ID": "t", "Status": {"ContainerStatus": None}})
    assert (task.state, task.exit_code, task.container_id, task.timestamp) == ("", None, "", None)


def test_client_urls_are_unversioned() -> None:
    client = PortainerClient("https://portainer.example.org/", 2, "k")
    assert (
        client.docker_url("/services")
        == "https://portainer.example.org/api/endpoints/2/docker/services"
    )
    assert "/v1." not in client.docker_url("/containers/abc/stats")
    assert client._session.headers["X-API-Key"] == "k"


def test_from_settings_needs_the_key_variable() -> None:
    settings = PortainerSettings(
        url="http://p:9000",
        endpoint_id=1,
        api_key=SecretRef("PT_KEY", "environments.x.portainer.api_key"),
    )
    assert PortainerClient.from_settings(settings, {"PT_KEY": "abcd"}).endpoint_id == 1
    with pytest.raises(SettingsError) as err:
        PortainerClient.from_settings(settings, {})
    assert "PT_KEY" in str(err.value)


class _RecordingSession(requests.Session):
    def __init__(self, payload: Any) -> None:
        super().__init__()
        self.payload = payload
        self.seen: list[dict[str, Any]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.seen.append({"url": url, **kwargs})
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(self.payload).encode()
        return response


def test_stats_call_targets_the_node_through_portainer_agent() -> None:
    client = PortainerClient("http://p:9000", 3, "k")
    session = _RecordingSession(load("stats_busy_v1"))
    client._session = session
    results = client.stats_many(["c1", "c2"], 2, {"c1": "worker-7"})
    assert [r.stats is not None for r in results] == [True, True]
    by_url = {call["url"]: call for call in session.seen}
    first = by_url["http://p:9000/api/endpoints/3/docker/containers/c1/stats"]
    assert first["headers"] == {"X-PortainerAgent-Target": "worker-7"}
    assert first["params"] == {"stream": "false"}
    assert by_url["http://p:9000/api/endpoints/3/docker/containers/c2/stats"]["headers"] is None


def test_node_names_from_nodes_payload() -> None:
    client = PortainerClient("http://p:9000", 1, "k")
    client._session = _RecordingSession(
        [{"ID": "n1", "Description": {"Hostname": "manager-1"}}, {"ID": "n2"}]
    )
    assert client.node_names() == {"n1": "manager-1"}
