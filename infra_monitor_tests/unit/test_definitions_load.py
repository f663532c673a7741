"""The code location loads with no environment variable set, and a broken settings file gives
one clear error instead of a half-loaded location."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

DAGSTER = Path(sys.executable).with_name("dagster")


def _clean_env(**extra: str) -> dict[str, str]:
    """No INFRA_MONITOR_CONFIG, no secrets: only what a process needs to start."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    env.update(extra)
    return env


def _validate(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`dagster definitions validate` of the monitor's location, named as in workspace.yaml."""
    workspace = cwd / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - python_module:\n      module_name: infra_monitor.definitions\n"
        "      location_name: infra_monitor\n"
    )
    return subprocess.run(
        [str(DAGSTER), "definitions", "validate", "-w", str(workspace)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=180,
        check=False,
    )


def test_validate_passes_without_any_environment_variable(tmp_path: Path) -> None:
    result = _validate(_clean_env(DAGSTER_HOME=str(tmp_path)), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_broken_settings_file_is_one_clear_load_error(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("environments:\n  prod:\n    object_store: {endpoint: nope}\n")
    result = _validate(
        _clean_env(DAGSTER_HOME=str(tmp_path), INFRA_MONITOR_CONFIG=str(settings)), tmp_path
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"invalid infra_monitor settings in {settings}" in output
    assert "environments.prod.object_store.endpoint: not a URL" in output


def test_every_environment_gets_its_inventory_assets_checks_and_automation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from infra_monitor.definitions import defs as load

    for var in [v for v in os.environ if v.startswith(("PROD_", "DEV_", "INFRA_MONITOR_"))]:
        monkeypatch.delenv(var)
    definitions = load()
    assert isinstance(definitions, dg.Definitions)
    repo = definitions.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    for env in ("prod", "dev"):
        for name in ("gleaner_config", "sources", "tenants", "active_sources"):
            assert f"{env}/inventory/{name}" in keys
        assert repo.has_schedule_def(f"{env}_inventory_schedule")
        assert repo.has_sensor_def(f"{env}_inventory_config_changed")
    checks = {c.name for c in repo.asset_graph.asset_check_keys}
    assert {
        "config_parses",
        "unique_source_names",
        "tenant_sources_exist",
        "scheduler_loadable",
    } <= checks
    assert repo.get_schedule_def("prod_scheduler_runs_schedule").cron_schedule == "*/15 * * * *"
    assert repo.get_schedule_def("prod_inventory_schedule").cron_schedule == "0 * * * *"
    sensor = repo.get_sensor_def("prod_inventory_config_changed")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
