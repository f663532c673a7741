"""The scheduler domain's definitions for every environment of the settings file."""

from collections.abc import Mapping

import dagster as dg

from infra_monitor.defs.scheduler.assets import build_metrics_asset, build_runs_asset
from infra_monitor.defs.scheduler.checks import build_metrics_checks
from infra_monitor.defs.scheduler.jobs import (
    build_export_job,
    build_refresh_job,
    build_refresh_schedule,
)
from infra_monitor.settings import SchedulerSettings, load_settings


def build_scheduler_defs(
    env_names: list[str], crons: Mapping[str, str] | None = None
) -> dg.Definitions:
    """Run history and job metrics assets, their checks, refresh schedule and export job;
    ``crons`` maps an environment to its refresh cron (default every 15 minutes)."""
    assets: list[dg.AssetsDefinition] = []
    checks: list[dg.AssetChecksDefinition] = []
    jobs: list[object] = []
    schedules: list[dg.ScheduleDefinition] = []
    for env in env_names:
        refresh = build_refresh_job(env)
        assets += [build_runs_asset(env), build_metrics_asset(env)]
        checks += build_metrics_checks(env)
        jobs += [refresh, build_export_job(env)]
        cron = (crons or {}).get(env, SchedulerSettings.refresh_cron)
        schedules.append(build_refresh_schedule(env, refresh, cron))
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=jobs,  # type: ignore[arg-type]
        schedules=schedules,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by the defs folder: the settings file decides which environments exist."""
    settings = load_settings()
    return build_scheduler_defs(
        list(settings.environments),
        {name: env.scheduler.refresh_cron for name, env in settings.environments.items()},
    )
