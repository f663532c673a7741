"""The scheduler domain's definitions for every environment of the settings file."""

import dagster as dg

from infra_monitor.defs.scheduler.assets import build_metrics_asset, build_runs_asset
from infra_monitor.defs.scheduler.checks import build_metrics_checks
from infra_monitor.defs.scheduler.jobs import (
    build_export_job,
    build_refresh_job,
    build_refresh_schedule,
)
from infra_monitor.settings import load_settings


def build_scheduler_defs(env_names: list[str]) -> dg.Definitions:
    """Run history and job metrics assets, their checks, refresh schedule and export job."""
    assets: list[dg.AssetsDefinition] = []
    checks: list[dg.AssetChecksDefinition] = []
    jobs: list[object] = []
    schedules: list[dg.ScheduleDefinition] = []
    for env in env_names:
        refresh = build_refresh_job(env)
        assets += [build_runs_asset(env), build_metrics_asset(env)]
        checks += build_metrics_checks(env)
        jobs += [refresh, build_export_job(env)]
        schedules.append(build_refresh_schedule(env, refresh))
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=jobs,  # type: ignore[arg-type]
        schedules=schedules,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by the defs folder: the settings file decides which environments exist."""
    return build_scheduler_defs(list(load_settings().environments))
