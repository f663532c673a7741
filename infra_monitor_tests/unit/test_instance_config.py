"""The repository's dagster.yaml is a valid local instance: SQLite under DAGSTER_HOME, no
telemetry, a queued run coordinator with a concurrency limit."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

REPO = Path(__file__).resolve().parents[2]


def test_dagster_yaml_makes_the_documented_instance(tmp_path: Path) -> None:
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 4
        assert instance.telemetry_enabled is False
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert any(tmp_path.rglob("*.db"))  # the SQLite files live under DAGSTER_HOME
    finally:
        instance.dispose()
