"""Benchmark: stats of 50 running containers through the Portainer-style proxy, the monitor's
bounded concurrent fetch against a plain sequential loop, in the same run.

``run(results)`` adds ``container_stats_50``: ``{"concurrent_s", "sequential_s", "ratio",
"containers", "concurrency"}`` (ratio = sequential / concurrent). Where the Docker Engine cannot
run, it adds ``{"skipped": reason}`` instead (an error under INFRA_MONITOR_REQUIRE_ENGINE=1).
Run alone: ``python -m benchmarks.bench_container_stats``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from typing import Any

from infra_monitor.clients.portainer import PortainerClient, running_container_ids
from infra_monitor.devstack.docker_engine import DockerEngine, engine_unavailable_reason
from infra_monitor.devstack.portainer_proxy import PortainerProxy
from infra_monitor.settings import PortainerSettings

log = logging.getLogger(__name__)

KEY = "container_stats_50"
CONTAINERS = 50
SERVICE = "sch_bench_source_gleaner"
# the monitor's default bound (settings.portainer.stats_concurrency)
CONCURRENCY = PortainerSettings(url="http://x", endpoint_id=1, api_key=None).stats_concurrency


def _measure(engine: DockerEngine, concurrency: int) -> dict[str, Any]:
    api_key = secrets.token_urlsafe(16)
    with PortainerProxy(engine.socket_path, api_key, endpoint_id=1) as proxy:
        engine.create_service(SERVICE, ["sleep", "3600"], replicas=CONTAINERS)
        engine.wait_for_running(SERVICE, CONTAINERS, timeout=180)
        client = PortainerClient(proxy.url, 1, api_key, timeout_s=30.0)
        services = client.services("sch_bench_")
        ids = running_container_ids(client.tasks(s.id for s in services))[:CONTAINERS]
        if len(ids) < CONTAINERS:
            raise RuntimeError(f"only {len(ids)} of {CONTAINERS} containers are running")
        started = time.perf_counter()
        concurrent = client.stats_many(ids, concurrency)
        concurrent_s = time.perf_counter() - started
        started = time.perf_counter()
        sequential = client.stats_sequential(ids)
        sequential_s = time.perf_counter() - started
        client.close()
    failures = [r for r in (*concurrent, *sequential) if r.stats is None]
    if failures:
        raise RuntimeError(f"{len(failures)} stats calls failed: {failures[0].error}")
    return {
        "containers": len(ids),
        "concurrency": concurrency,
        "concurrent_s": round(concurrent_s, 3),
        "sequential_s": round(sequential_s, 3),
        "ratio": round(sequential_s / concurrent_s, 2),
    }


def run(results: dict[str, Any], concurrency: int = CONCURRENCY) -> None:
    """Measure and add ``container_stats_50`` to ``results``."""
    reason = engine_unavailable_reason()
    if reason is not None:
        if os.environ.get("INFRA_MONITOR_REQUIRE_ENGINE") == "1":
            raise RuntimeError(f"the Docker Engine is required but cannot run: {reason}")
        results[KEY] = {"skipped": reason}
        return
    with DockerEngine() as engine:
        results[KEY] = _measure(engine, concurrency)
    log.info("%s: %s", KEY, results[KEY])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    out: dict[str, Any] = {}
    run(out)
    print(json.dumps(out, indent=2))
