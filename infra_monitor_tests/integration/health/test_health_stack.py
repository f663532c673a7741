"""Health of the local stack's services: every probe against the real thing, through Dagster,
and failure cases (wrong key, read-only key, slow endpoint, stopped service) each isolated."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.defs.health.assets import build_snapshot_asset, build_uptime_asset
from infra_monitor.defs.resources import build_resources
from infra_monitor.devstack.portainer_proxy import PortainerProxy
from infra_monitor.devstack.sparql import SparqlServer
from infra_monitor.health.records import HealthSnapshot
from infra_monitor.health.runner import probe_environment
from infra_monitor.settings import EnvironmentSettings, load_settings

from .conftest import TIMEOUT_S

pytestmark = pytest.mark.integration


def _probe(env: EnvironmentSettings, environ: dict[str, str] | None = None) -> HealthSnapshot:
    merged = {**os.environ, **(environ or {})}
    return probe_environment(
        env, lambda: ObjectStore.from_settings(env.object_store, merged), merged
    )


def _statuses(snapshot: HealthSnapshot) -> dict[str, str]:
    return {s.service: s.status for s in snapshot.services}


def _assert_others_fine(snapshot: HealthSnapshot, *, except_: str) -> None:
    """Every service but ``except_`` answered (up, or degraded for a known reason)."""
    for record in snapshot.services:
        if record.service != except_:
            assert record.status != "down", f"{record.service}: {record.detail}"


def test_snapshot_and_uptime_through_dagster(health_settings_path: Path, stack: Any) -> None:
    result = dg.materialize(
        [build_snapshot_asset("dev"), build_uptime_asset("dev")],
        resources=build_resources(str(health_settings_path)),
        raise_on_error=False,
    )
    assert result.success
    snap_meta: Any = result.asset_materializations_for_node("dev__health__snapshot")[0].metadata
    expected = {"object_store", "scheduler", "triplestore"} | (
        {"portainer"} if stack.portainer is not None else set()
    )
    for service in expected:
        assert snap_meta[f"latency_ms_{service}"].value > 0
    table = snap_meta["services"].value
    assert "| object_store | 🟢 up |" in table and "| triplestore | 🟢 up |" in table
    assert "earthcube:" in table and "summary:" in table
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["object_store_up"].passed and checks["triplestore_up"].passed
    if stack.portainer is not None:
        assert checks["portainer_up"].passed
    # The sample scheduler's GraphQL answers and its code location loads; it runs no
    # dagster-daemon, so its daemons' heartbeats are missing: degraded, a WARN, not down.
    scheduler = checks["scheduler_up"]
    assert "code locations loaded" in str(scheduler.description)
    if not scheduler.passed:
        assert scheduler.severity == dg.AssetCheckSeverity.WARN
        assert "daemons not healthy" in str(scheduler.description)

    env = load_settings(health_settings_path).environment("dev")
    store = ObjectStore.from_settings(env.object_store, bucket=env.output.bucket)
    lines = store.get_text(snap_meta["history_object"].value).splitlines()
    last = json.loads(lines[-1])
    assert last["environment"] == "dev" and {s["service"] for s in last["services"]} >= expected

    up_meta: Any = result.asset_materializations_for_node("dev__health__uptime")[0].metadata
    assert up_meta["snapshots"].value >= 1
    assert up_meta["uptime_pct_24h_object_store"].value == 100.0
    assert "| object_store | 24h | 100.00 % |" in up_meta["uptime"].value


def test_wrong_portainer_key_is_down_with_reason_others_unaffected(
    dev: EnvironmentSettings, proxy: PortainerProxy
) -> None:
    snapshot = _probe(dev, {"LOCAL_PORTAINER_API_KEY": "definitely-wrong"})
    portainer = snapshot.service("portainer")
    assert portainer is not None
    assert (portainer.status, portainer.http_status) == ("down", 401)
    assert portainer.detail == "API key refused (HTTP 401)"
    _assert_others_fine(snapshot, except_="portainer")


def test_read_only_key_is_degraded_never_down(
    dev: EnvironmentSettings, proxy: PortainerProxy
) -> None:
    proxy.read_only_paths = {"/services", "/containers"}
    portainer = _probe(dev).service("portainer")
    assert portainer is not None and portainer.status == "degraded"
    assert portainer.detail.endswith(
        "key refused (HTTP 403, read-only key?): /services, /containers"
    )
    assert portainer.detail.startswith("Docker ")  # what the key may read is still read


def test_slow_portainer_times_out_and_the_others_still_answer(
    dev: EnvironmentSettings, proxy: PortainerProxy
) -> None:
    proxy.delay_seconds = TIMEOUT_S + 2
    started = time.monotonic()
    snapshot = _probe(dev)
    elapsed = time.monotonic() - started
    portainer = snapshot.service("portainer")
    assert portainer is not None and portainer.status == "down"
    assert "timed out" in portainer.detail
    _assert_others_fine(snapshot, except_="portainer")
    assert elapsed < TIMEOUT_S + 2  # probes run side by side: nobody waited for Portainer


def test_wrong_object_store_secret_is_down_without_the_secret(dev: EnvironmentSettings) -> None:
    snapshot = _probe(dev, {"LOCAL_S3_SECRET_KEY": "wrong-secret-value-123"})
    store = snapshot.service("object_store")
    assert store is not None and store.status == "down"
    assert store.detail and "wrong-secret-value-123" not in json.dumps(snapshot.to_dict())
    _assert_others_fine(snapshot, except_="object_store")


def test_stopped_triplestore_and_scheduler_are_down_the_rest_still_answers(
    dev: EnvironmentSettings, tmp_path: Path
) -> None:
    assert dev.triplestore is not None
    with SparqlServer(["only"], tmp_path / "sparql") as server:
        triplestore = dataclasses.replace(
            dev.triplestore,
            url=server.base_url("only"),
            namespaces={"only": server.endpoint("only")},
        )
        env = dataclasses.replace(dev, triplestore=triplestore)
        assert _statuses(_probe(env))["triplestore"] == "up"
    # the server is stopped now (by pid); and a scheduler that is not there at all
    dead_scheduler = dataclasses.replace(dev.scheduler, graphql_url=server.endpoint("only"))
    snapshot = _probe(dataclasses.replace(env, scheduler=dead_scheduler))
    by_service = {s.service: s for s in snapshot.services}
    assert by_service["triplestore"].status == "down"
    assert "connection failed" in by_service["triplestore"].detail
    assert by_service["scheduler"].status == "down"
    assert by_service["object_store"].status == "up"
    if "portainer" in by_service:
        assert by_service["portainer"].status == "up"
