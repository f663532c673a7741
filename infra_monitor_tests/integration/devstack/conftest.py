"""Fixtures for the devstack's own integration tests: real processes on free local ports.

The Docker Engine is started once per session (seconds); tests that need it skip with the
reason from ``engine_unavailable_reason()``, unless ``INFRA_MONITOR_REQUIRE_ENGINE=1`` (CI),
where a missing engine is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from infra_monitor.devstack.docker_engine import DockerEngine, engine_unavailable_reason
from infra_monitor.devstack.portainer_proxy import PortainerProxy
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.devstack.sparql import SparqlServer

PROXY_API_KEY = "ptr_test_key_0123456789"
DEMO_SERVICE = "sch_demo_gleaner"


@pytest.fixture(scope="session")
def devstack_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto with real credential checks, for the whole session."""
    with S3Server(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture(scope="session")
def devstack_sparql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """One oxigraph per namespace (earthcube, summary)."""
    with SparqlServer(["earthcube", "summary"], tmp_path_factory.mktemp("sparql")) as server:
        yield server


@pytest.fixture(scope="session")
def devstack_engine() -> Iterator[DockerEngine]:
    """A private dockerd + swarm; skipped (or failed under CI) where it cannot run."""
    reason = engine_unavailable_reason()
    if reason is not None:
        if os.environ.get("INFRA_MONITOR_REQUIRE_ENGINE") == "1":
            pytest.fail(
                f"INFRA_MONITOR_REQUIRE_ENGINE=1 but the Docker Engine cannot run: {reason}",
                pytrace=False,
            )
        pytest.skip(f"Docker Engine unavailable: {reason}")
    with DockerEngine() as engine:
        yield engine


@pytest.fixture(scope="session")
def demo_service(devstack_engine: DockerEngine) -> str:
    """``sch_demo_gleaner`` with 2 replicas, running."""
    devstack_engine.create_service(
        DEMO_SERVICE, ["sleep", "3600"], replicas=2, labels={"infra_monitor.test": "1"}
    )
    devstack_engine.wait_for_running(DEMO_SERVICE, 2, timeout=30)
    return DEMO_SERVICE


@pytest.fixture(scope="session")
def _session_proxy(devstack_engine: DockerEngine) -> Iterator[PortainerProxy]:
    with PortainerProxy(devstack_engine.socket_path, PROXY_API_KEY, endpoint_id=1) as proxy:
        yield proxy


@pytest.fixture()
def portainer(_session_proxy: PortainerProxy) -> Iterator[PortainerProxy]:
    """The session's Portainer proxy, with its test knobs reset after each test."""
    yield _session_proxy
    _session_proxy.read_only_paths = set()
    _session_proxy.delay_seconds = 0.0
