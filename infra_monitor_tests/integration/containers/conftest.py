"""sch_ services for sample sources (one busy, one failing) on the session stack's real Swarm,
seen through its Portainer-style proxy, and a settings file with short health timeouts.

The services are created once for these tests and removed right after them. Engine tests skip
with the engine's reason, unless INFRA_MONITOR_REQUIRE_ENGINE=1 (CI), where that is a failure
(the stack itself refuses to start without the engine there).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from infra_monitor.devstack.docker_engine import DockerEngine
from infra_monitor.devstack.portainer_proxy import PortainerProxy
from infra_monitor.devstack.stack import LocalStack
from infra_monitor.settings import EnvironmentSettings, load_settings

NETWORK = "sch_ct_harvest_net"
IDLE = "sch_ct_sample_src_gleaner"  # 2 replicas, 64 MiB limit, on the network
BUSY = "sch_ct_sample_src_release"  # a busy loop: CPU measurably above zero
FAILING = "sch_ct_broken_src_prune"  # exits 3 once (no restart): one failed task, 0/1 running
MINE = (IDLE, BUSY, FAILING)


@dataclass
class ContainerStack:
    """The engine, the proxy, the API key and a settings file for the ``dev`` environment."""

    engine: DockerEngine
    proxy: PortainerProxy
    api_key: str
    settings_path: Path

    def env(self) -> EnvironmentSettings:
        """The ``dev`` environment's settings, read now."""
        return load_settings(self.settings_path).environment("dev")


def require_engine(stack: LocalStack) -> tuple[DockerEngine, PortainerProxy]:
    """The stack's engine and proxy; skip (fail under INFRA_MONITOR_REQUIRE_ENGINE=1) if absent."""
    if stack.engine is None or stack.portainer is None:
        reason = stack.engine_skip_reason or "the engine did not start"
        if os.environ.get("INFRA_MONITOR_REQUIRE_ENGINE") == "1":
            pytest.fail(f"INFRA_MONITOR_REQUIRE_ENGINE=1 but no engine: {reason}", pytrace=False)
        pytest.skip(f"Docker Engine unavailable: {reason}")
    return stack.engine, stack.portainer


def short_timeout_settings(stack: LocalStack, path: Path, timeout_s: float = 2.0) -> Path:
    """A copy of the stack's settings file whose environments probe with ``timeout_s``."""
    data = yaml.safe_load(stack.settings_path.read_text(encoding="utf-8"))
    for env in data["environments"].values():
        env["health"] = {"timeout_s": timeout_s, "latency_degraded_ms": 1500}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="package")
def container_stack(
    stack: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ContainerStack]:
    """The sample services, running (or failed), for the tests of this package."""
    engine, proxy = require_engine(stack)
    engine.create_overlay_network(NETWORK)
    try:
        engine.create_service(
            IDLE, ["sleep", "3600"], replicas=2, limit_memory="64m", networks=[NETWORK]
        )
        engine.create_service(BUSY, ["sh", "-c", "while :; do :; done"], networks=[NETWORK])
        engine.create_service(FAILING, ["sh", "-c", "exit 3"], restart_condition="none")
        engine.wait_for_running(IDLE, 2)
        engine.wait_for_running(BUSY, 1)
        engine.wait_for_task_state(FAILING, "failed")
        path = short_timeout_settings(stack, tmp_path_factory.mktemp("containers") / "im.yaml")
        yield ContainerStack(engine, proxy, stack.portainer_api_key, path)
    finally:
        for name in MINE:
            engine.remove_service(name)
        engine.request("DELETE", f"/networks/{NETWORK}")


@pytest.fixture()
def ct(container_stack: ContainerStack) -> Iterator[ContainerStack]:
    """The package's services, with the proxy's test knobs reset after each test."""
    yield container_stack
    container_stack.proxy.read_only_paths = set()
    container_stack.proxy.delay_seconds = 0.0
