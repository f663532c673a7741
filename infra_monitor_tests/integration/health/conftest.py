"""Health probes against the session's local stack, with short probe timeouts.

Portainer tests skip with the engine's reason where it cannot run, unless
INFRA_MONITOR_REQUIRE_ENGINE=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from infra_monitor.devstack.portainer_proxy import PortainerProxy
from infra_monitor.devstack.stack import LocalStack
from infra_monitor.settings import EnvironmentSettings, load_settings

TIMEOUT_S = 2.0


@pytest.fixture(scope="package")
def health_settings_path(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the stack's settings file whose environments probe with a 2 s timeout."""
    data = yaml.safe_load(stack.settings_path.read_text(encoding="utf-8"))
    for env in data["environments"].values():
        env["health"] = {"timeout_s": TIMEOUT_S, "latency_degraded_ms": 1500}
    path = tmp_path_factory.mktemp("health") / "infra_monitor.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture()
def dev(health_settings_path: Path) -> EnvironmentSettings:
    """The ``dev`` environment's settings (short timeouts), read now."""
    return load_settings(health_settings_path).environment("dev")


@pytest.fixture()
def proxy(stack: LocalStack) -> Iterator[PortainerProxy]:
    """The stack's Portainer proxy (knobs reset after the test); skip without the engine."""
    if stack.portainer is None:
        reason = stack.engine_skip_reason or "the engine did not start"
        if os.environ.get("INFRA_MONITOR_REQUIRE_ENGINE") == "1":
            pytest.fail(f"INFRA_MONITOR_REQUIRE_ENGINE=1 but no engine: {reason}", pytrace=False)
        pytest.skip(f"Docker Engine unavailable: {reason}")
    yield stack.portainer
    stack.portainer.read_only_paths = set()
    stack.portainer.delay_seconds = 0.0
