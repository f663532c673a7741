"""The sch_ services of a real Swarm through the Portainer-style proxy: records, stats, refusals,
and the containers asset materialised through Dagster with its checks."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.clients.portainer import PortainerClient
from infra_monitor.defs.containers.assets import build_containers_asset
from infra_monitor.defs.resources import build_resources
from infra_monitor.health.containers import ContainerReport, collect

from .conftest import BUSY, FAILING, IDLE, MINE, NETWORK, ContainerStack

pytestmark = [pytest.mark.integration, pytest.mark.engine]


def _collect(ct: ContainerStack, key: str | None = None) -> ContainerReport:
    client = PortainerClient(ct.proxy.url, 1, key or ct.api_key, timeout_s=10.0)
    return collect(client, "dev", "sch_ct_", 8, datetime.now(UTC))


def test_services_tasks_and_stats_of_sample_sources(ct: ContainerStack) -> None:
    report = _collect(ct)
    assert report.status == "up" and report.problems == ()
    services = {s.name: s for s in report.services}
    assert set(services) == {IDLE, BUSY, FAILING}
    idle = services[IDLE]
    assert (idle.source, idle.mode, idle.swarm_mode) == ("sample_src", "gleaner", "replicated")
    assert (idle.desired_tasks, idle.running_tasks) == (2, 2)
    assert idle.networks == (NETWORK,) and idle.image == "localbusybox:latest"
    assert idle.memory_limit_bytes == 64 * 1024 * 1024
    assert (services[FAILING].source, services[FAILING].mode) == ("broken_src", "prune")
    assert services[FAILING].running_tasks == 0

    failed = [t for t in report.tasks if t.service_id == services[FAILING].id and t.failed]
    assert failed and failed[0].exit_code == 3 and failed[0].error == "task: non-zero exit (3)"
    assert failed[0].node_id and failed[0].container_id

    by_service = report.totals_by_service()
    assert by_service[BUSY].containers == 1 and by_service[BUSY].cpu_pct > 20.0
    assert by_service[IDLE].containers == 2 and by_service[IDLE].cpu_pct < 5.0
    idle_stats = [s for s in report.stats if report.service_of_container()[s.container_id] == IDLE]
    assert all(s.mem_limit_bytes == 64 * 1024 * 1024 and 0 < s.mem_pct < 90 for s in idle_stats)
    assert all(s.cgroup in ("v1", "v2") and s.mem_used_bytes > 0 for s in report.stats)
    assert set(report.totals_by_source()) == {"sample_src"}


def test_wrong_key_is_reported_with_reason_never_zero_containers(ct: ContainerStack) -> None:
    report = _collect(ct, key="not-the-key")
    assert report.status == "down" and report.services_known is False
    assert report.services == () and report.problems[0].startswith("API key refused: HTTP 401")
    assert len(report.problems) == 1


def test_read_only_key_is_degraded_with_services_still_listed(ct: ContainerStack) -> None:
    ct.proxy.read_only_paths = {"/containers"}
    report = _collect(ct)
    assert report.status == "degraded"
    assert len(report.services) == 3 and report.stats == ()
    assert len(report.stats_errors) == 3 and {e.status for e in report.stats_errors} == {403}
    assert "HTTP 403" in report.problems[0]


def _materialize(ct: ContainerStack) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [build_containers_asset("dev")],
        resources=build_resources(str(ct.settings_path)),
        raise_on_error=False,
    )


def test_containers_asset_through_dagster(ct: ContainerStack) -> None:
    result = _materialize(ct)
    assert result.success
    meta: dict[str, Any] = {
        m.asset_key.path[-1]: m.metadata
        for m in result.asset_materializations_for_node("dev_containers")
    }
    assert set(meta) == {"services", "stats", "dependency_map", "stats_history"}
    # the dev environment sees every sch_ service of the engine: ours are among them
    assert meta["services"]["dagster/row_count"].value >= 3
    assert all(name in meta["services"]["services"].value for name in MINE)
    assert meta["services"]["running_tasks"].value >= 3
    assert meta["stats"]["containers"].value >= 3
    assert meta["stats"][f"cpu_pct_{BUSY}"].value > 20.0
    assert meta["stats"][f"cpu_pct_{IDLE}"].value < 5.0
    assert "ct_sample_src" in meta["stats"]["per_source"].value
    assert meta["dependency_map"]["shared_networks"].value[NETWORK] == [IDLE, BUSY]
    assert (
        f"| scheduler | {FAILING} | starts | nabu prune |" in meta["dependency_map"]["edges"].value
    )

    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["portainer_access"].passed
    assert not checks["failed_tasks"].passed
    assert checks["failed_tasks"].severity == dg.AssetCheckSeverity.ERROR
    assert checks["memory_threshold"].passed

    store = ObjectStore.from_settings(ct.env().object_store)
    page = store.get_text(meta["dependency_map"]["map_object"].value)
    assert "plotly" in page and IDLE in page
    history = store.get_text(meta["stats_history"]["history_object"].value).splitlines()
    line = json.loads(history[-1])
    assert {IDLE, BUSY} <= {c["service"] for c in line["containers"]}
    report = json.loads(store.get_text(meta["services"]["report_object"].value))
    assert report["status"] == "up" and set(MINE) <= {s["name"] for s in report["services"]}


def test_containers_asset_with_refused_key_turns_the_access_check_red(
    ct: ContainerStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_PORTAINER_API_KEY", "wrong-key")
    result = _materialize(ct)
    assert result.success  # the run reports the problem; it does not crash
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    access = checks["portainer_access"]
    assert not access.passed and access.severity == dg.AssetCheckSeverity.ERROR
    assert "API key refused" in (access.description or "")
    assert not checks["failed_tasks"].passed  # services unknown is not "no failures"
    services_meta: Any = next(
        m.metadata
        for m in result.asset_materializations_for_node("dev_containers")
        if m.asset_key.path[-1] == "services"
    )
    assert services_meta["services"].value.startswith("unknown: API key refused")
    assert "dagster/row_count" not in services_meta


def test_memory_threshold_check_turns_yellow_over_the_limit(
    ct: ContainerStack, tmp_path: Path
) -> None:
    # the idle containers use ~0.5 % of their 64 MiB limit: a 0.1 % threshold is exceeded
    data = yaml.safe_load(ct.settings_path.read_text(encoding="utf-8"))
    data["environments"]["dev"]["health"]["memory_pct_threshold"] = 0.1
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _materialize(dataclasses.replace(ct, settings_path=strict))
    memory: Any = {c.check_name: c for c in result.get_asset_check_evaluations()}[
        "memory_threshold"
    ]
    assert not memory.passed and memory.severity == dg.AssetCheckSeverity.WARN
    assert memory.metadata["over_count"].value >= 2
    assert IDLE in str(memory.metadata["containers"].value)
