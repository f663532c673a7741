"""The scheduler and alerting definitions load per environment with no environment variable."""

from __future__ import annotations

import dagster as dg
import pytest

from infra_monitor.defs.alerting.definitions import build_alerting_defs
from infra_monitor.defs.resources import build_resources
from infra_monitor.defs.scheduler.definitions import build_scheduler_defs
from infra_monitor.settings import load_settings


def test_definitions_load_for_every_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_MONITOR_CONFIG", raising=False)
    settings = load_settings()  # the bundled example: prod and dev, secrets unset
    envs = list(settings.environments)
    defs = dg.Definitions.merge(
        build_scheduler_defs(envs),
        build_alerting_defs(envs, settings),
        dg.Definitions(resources=build_resources()),
    )
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert keys == {
        f"{env}/{name}"
        for env in ("prod", "dev")
        for name in ("scheduler/runs", "scheduler/job_metrics", "alerting/alert_history")
    }
    sensors = {s.name: s for s in repo.sensor_defs}
    assert set(sensors) == {"prod_alerts", "dev_alerts"}
    assert sensors["prod_alerts"].minimum_interval_seconds == 60
    assert sensors["prod_alerts"].default_status == dg.DefaultSensorStatus.RUNNING
    jobs = {j.name for j in repo.get_all_jobs()}
    assert {"prod_scheduler_run_export", "dev_scheduler_runs_refresh"} <= jobs
