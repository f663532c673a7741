"""The private Docker Engine with Swarm, and the Portainer proxy in front of it."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from infra_monitor.devstack.docker_engine import DockerEngine, EngineError
from infra_monitor.devstack.portainer_proxy import PortainerProxy

pytestmark = [pytest.mark.integration, pytest.mark.engine]

TIMEOUT = 15.0


def _key(proxy: PortainerProxy) -> dict[str, str]:
    return {"X-API-Key": proxy.api_key}


def test_replicated_service_reaches_two_running(
    devstack_engine: DockerEngine, demo_service: str
) -> None:
    status = devstack_engine.service(demo_service)["ServiceStatus"]
    assert (status["RunningTasks"], status["DesiredTasks"]) == (2, 2)
    running = devstack_engine.tasks(demo_service, desired_state="running")
    assert len(running) == 2
    assert all(t["Status"]["State"] == "running" for t in running)


def test_failing_service_gives_failed_task_with_exit_code(devstack_engine: DockerEngine) -> None:
    name = "sch_demo_failing"
    devstack_engine.create_service(name, ["sh", "-c", "exit 3"], restart_condition="none")
    try:
        task = devstack_engine.wait_for_task_state(name, "failed", timeout=30)
        assert task["Status"]["ContainerStatus"]["ExitCode"] == 3
        assert task["Status"]["Err"] == "task: non-zero exit (3)"
    finally:
        devstack_engine.remove_service(name)
    devstack_engine.remove_service(name)  # already gone: no error


def test_global_job_limits_and_overlay(devstack_engine: DockerEngine) -> None:
    network_id = devstack_engine.create_overlay_network("imd_test_net")
    devstack_engine.create_service(
        "imd_global", ["sleep", "600"], mode="global", limit_memory="32m", networks=["imd_test_net"]
    )
    devstack_engine.create_service("imd_job", ["echo", "done"], mode="replicated-job")
    try:
        (task,) = devstack_engine.wait_for_running("imd_global", 1, timeout=30)
        assert task["Spec"]["Resources"]["Limits"]["MemoryBytes"] == 32 * 1024 * 1024
        assert network_id in [n["Network"]["ID"] for n in task["NetworksAttachments"]]
        job = devstack_engine.wait_for_task_state("imd_job", "complete", timeout=30)
        assert job["Status"]["ContainerStatus"]["ExitCode"] == 0
    finally:
        devstack_engine.remove_service("imd_global")
        devstack_engine.remove_service("imd_job")


def test_proxy_refuses_missing_or_wrong_key(portainer: PortainerProxy) -> None:
    for headers in ({}, {"X-API-Key": "wrong"}):
        response = requests.get(portainer.docker_url("/services"), headers=headers, timeout=TIMEOUT)
        assert response.status_code == 401
        assert response.json()["message"] == "Invalid API key"


def test_proxy_lists_services_with_key(portainer: PortainerProxy, demo_service: str) -> None:
    response = requests.get(
        portainer.docker_url("/services"),
        params={"status": "true"},
        headers=_key(portainer),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    by_name = {s["Spec"]["Name"]: s for s in response.json()}
    assert by_name[demo_service]["ServiceStatus"]["RunningTasks"] == 2


def test_proxy_endpoint_status_and_unknown_id(portainer: PortainerProxy) -> None:
    status = requests.get(f"{portainer.url}/api/status", timeout=TIMEOUT)
    assert status.json() == {"Version": "2.19.0-proxy"}
    endpoint = requests.get(
        f"{portainer.url}/api/endpoints/1", headers=_key(portainer), timeout=TIMEOUT
    )
    assert endpoint.status_code == 200
    assert {k: endpoint.json()[k] for k in ("Id", "Status")} == {"Id": 1, "Status": 1}
    unknown = requests.get(
        portainer.docker_url("/services", 7), headers=_key(portainer), timeout=TIMEOUT
    )
    assert unknown.status_code == 404


def test_proxy_read_only_path_is_forbidden(portainer: PortainerProxy) -> None:
    portainer.read_only_paths = {"/containers"}
    refused = requests.get(
        portainer.docker_url("/containers/json"), headers=_key(portainer), timeout=TIMEOUT
    )
    assert refused.status_code == 403
    assert refused.json()["message"] == "Access denied to resource"
    allowed = requests.get(portainer.docker_url("/nodes"), headers=_key(portainer), timeout=TIMEOUT)
    assert allowed.status_code == 200
    assert allowed.json()[0]["Spec"]["Role"] == "manager"


def test_proxy_delay_knob(portainer: PortainerProxy) -> None:
    portainer.delay_seconds = 1.0
    with pytest.raises(requests.Timeout):
        requests.get(portainer.docker_url("/version"), headers=_key(portainer), timeout=0.3)
    portainer.delay_seconds = 0
    version = requests.get(
        portainer.docker_url("/version"), headers=_key(portainer), timeout=TIMEOUT
    )
    assert version.json()["ApiVersion"] == "1.41"


def test_proxy_post_and_delete(portainer: PortainerProxy, devstack_engine: DockerEngine) -> None:
    spec = {
        "Name": "imd_via_proxy",
        "TaskTemplate": {
            "ContainerSpec": {"Image": "localbusybox:latest", "Args": ["sleep", "60"]}
        },
        "Mode": {"Replicated": {"Replicas": 0}},
    }
    created = requests.post(
        portainer.docker_url("/services/create"),
        json=spec,
        headers=_key(portainer),
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    assert devstack_engine.service("imd_via_proxy")["ID"] == created.json()["ID"]
    deleted = requests.delete(
        portainer.docker_url("/services/imd_via_proxy"), headers=_key(portainer), timeout=TIMEOUT
    )
    assert deleted.status_code == 200
    missing = requests.get(
        portainer.docker_url("/services/imd_via_proxy"), headers=_key(portainer), timeout=TIMEOUT
    )
    assert missing.status_code == 404


def _demo_container(portainer: PortainerProxy, service: str) -> str:
    filters = json.dumps({"label": [f"com.docker.swarm.service.name={service}"]})
    listing = requests.get(
        portainer.docker_url("/containers/json"),
        params={"filters": filters},
        headers=_key(portainer),
        timeout=TIMEOUT,
    )
    assert listing.status_code == 200
    return str(listing.json()[0]["Id"])


def test_stats_through_proxy(portainer: PortainerProxy, demo_service: str) -> None:
    container = _demo_container(portainer, demo_service)
    response = requests.get(
        portainer.docker_url(f"/containers/{container}/stats"),
        params={"stream": "false"},
        headers=_key(portainer),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    stats = response.json()
    assert stats["cpu_stats"]["cpu_usage"]["total_usage"] > 0
    assert "precpu_stats" in stats
    assert stats["memory_stats"]["usage"] > 0


def test_stats_stream_is_relayed_chunk_by_chunk(
    portainer: PortainerProxy, demo_service: str
) -> None:
    container = _demo_container(portainer, demo_service)
    with requests.get(
        portainer.docker_url(f"/containers/{container}/stats"),
        headers=_key(portainer),
        stream=True,
        timeout=TIMEOUT,
    ) as response:
        assert response.headers.get("Transfer-Encoding") == "chunked"
        lines = response.iter_lines()
        first, second = json.loads(next(lines)), json.loads(next(lines))
    assert first["id"] == second["id"] == container
    assert second["read"] > first["read"]


def test_concurrent_stats_run_in_parallel(portainer: PortainerProxy, demo_service: str) -> None:
    container = _demo_container(portainer, demo_service)
    url = portainer.docker_url(f"/containers/{container}/stats")

    def one(_: int) -> int:
        return requests.get(
            url, params={"stream": "false"}, headers=_key(portainer), timeout=30
        ).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(one, range(50)))
    elapsed = time.monotonic() - started
    assert statuses == [200] * 50
    assert elapsed < 10, f"50 stats calls took {elapsed:.1f} s: the proxy serialises requests"


def test_socket_path_too_long_is_refused(devstack_engine: DockerEngine, tmp_path: Path) -> None:
    base = tmp_path / ("x" * 80)
    with pytest.raises(EngineError, match="socket path too long"):
        DockerEngine(base_dir=base).start()
    assert list(base.iterdir()) == []  # the folder it made is gone again
