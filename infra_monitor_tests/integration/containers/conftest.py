"""A real Docker Engine with Swarm behind the Portainer-style proxy, an S3 bucket for the
monitor's output, and sch_ services for sample sources (one busy, one failing).

Package-scoped: started once for these tests and stopped right after them. Engine tests skip with
the engine's reason, unless INFRA_MONITOR_REQUIRE_ENGINE=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra_monitor.devstack.docker_engine import DockerEngine, engine_unavailable_reason
from infra_monitor.devstack.portainer_proxy import PortainerProxy
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.settings import MonitorSettings, load_settings

API_KEY = "ct_test_key_0123456789abcdef"
KEY_VAR = "CT_PORTAINER_API_KEY"
BUCKET = "gleaner"
NETWORK = "sch_harvest_net"
IDLE = "sch_sample_src_gleaner"  # 2 replicas, 64 MiB limit, on the network
BUSY = "sch_sample_src_release"  # a busy loop: CPU measurably above zero
FAILING = "sch_broken_src_prune"  # exits 3 once (no restart): one failed task, 0/1 running


@dataclass
class ContainerStack:
    """Handles of the running pieces and the monitor's settings for them."""

    engine: DockerEngine
    proxy: PortainerProxy
    s3: S3Server
    settings_path: Path

    def settings(self) -> MonitorSettings:
        """The settings file, read now."""
        return load_settings(self.settings_path)


def _require_engine() -> None:
    reason = engine_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("INFRA_MONITOR_REQUIRE_ENGINE") == "1":
        pytest.fail(
            f"INFRA_MONITOR_REQUIRE_ENGINE=1 but the engine cannot run: {reason}", pytrace=False
        )
    pytest.skip(f"Docker Engine unavailable: {reason}")


def _settings_yaml(s3: S3Server, proxy: PortainerProxy) -> str:
    return f"""environments:
  dev:
    object_store:
      endpoint: {s3.endpoint_url}
      region: {s3.region}
      bucket: {BUCKET}
      access_key: ${{CT_S3_ACCESS_KEY}}
      secret_key: ${{CT_S3_SECRET_KEY}}
    scheduler:
      graphql_url: http://127.0.0.1:9/graphql
    portainer:
      url: {proxy.url}
      endpoint_id: 1
      api_key: ${{{KEY_VAR}}}
      stats_concurrency: 8
    health:
      timeout_s: 3
      memory_pct_threshold: 90
      failed_task_window_minutes: 60
"""


@pytest.fixture(scope="package")
def container_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContainerStack]:
    """Engine + proxy + S3, with the sample services running (or failing) and a settings file."""
    _require_engine()
    workdir = tmp_path_factory.mktemp("containers")
    saved = {k: os.environ.get(k) for k in (KEY_VAR, "CT_S3_ACCESS_KEY", "CT_S3_SECRET_KEY")}
    with S3Server(workdir / "s3") as s3, DockerEngine() as engine:
        s3.create_bucket(BUCKET)
        with PortainerProxy(engine.socket_path, API_KEY, endpoint_id=1) as proxy:
            engine.create_overlay_network(NETWORK)
            engine.create_service(
                IDLE, ["sleep", "3600"], replicas=2, limit_memory="64m", networks=[NETWORK]
            )
            engine.create_service(BUSY, ["sh", "-c", "while :; do :; done"], networks=[NETWORK])
            engine.create_service(FAILING, ["sh", "-c", "exit 3"], restart_condition="none")
            engine.wait_for_running(IDLE, 2)
            engine.wait_for_running(BUSY, 1)
            engine.wait_for_task_state(FAILING, "failed")
            settings_path = workdir / "infra_monitor.yaml"
            settings_path.write_text(_settings_yaml(s3, proxy), encoding="utf-8")
            os.environ.update(
                {
                    KEY_VAR: API_KEY,
                    "CT_S3_ACCESS_KEY": s3.access_key,
                    "CT_S3_SECRET_KEY": s3.secret_key,
                }
            )
            try:
                yield ContainerStack(engine, proxy, s3, settings_path)
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value


@pytest.fixture()
def stack(container_stack: ContainerStack) -> Iterator[ContainerStack]:
    """The package's stack, with the proxy's test knobs reset after each test."""
    yield container_stack
    container_stack.proxy.read_only_paths = set()
    container_stack.proxy.delay_seconds = 0.0
