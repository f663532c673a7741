"""The health domain's definitions for every environment of the settings file."""

from collections.abc import Sequence

import dagster as dg

from infra_monitor.defs.health.assets import build_snapshot_asset, build_uptime_asset
from infra_monitor.defs.health.schedules import build_health_job, build_health_schedule
from infra_monitor.settings import HealthSettings, MonitorSettings, load_settings


def build_health_defs(envs: MonitorSettings | Sequence[str]) -> dg.Definitions:
    """Snapshot and uptime assets (with per-service checks), job and schedule per environment.

    ``envs`` is the settings (each environment's ``health.cron``) or just environment names
    (the default cron).
    """
    if isinstance(envs, MonitorSettings):
        crons = {name: e.health.cron for name, e in envs.environments.items()}
    else:
        crons = {name: HealthSettings().cron for name in envs}
    assets, jobs, schedules = [], [], []
    for env, cron in crons.items():
        job = build_health_job(env)
        assets += [build_snapshot_asset(env), build_uptime_asset(env)]
        jobs.append(job)
        schedules.append(build_health_schedule(env, job, cron))
    return dg.Definitions(assets=assets, jobs=jobs, schedules=schedules)


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by the defs folder: the settings file decides which environments exist."""
    return build_health_defs(load_settings())
