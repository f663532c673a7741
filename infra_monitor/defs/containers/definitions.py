"""The containers domain's definitions for every environment with Portainer settings."""

from collections.abc import Sequence

import dagster as dg

from infra_monitor.defs.containers.assets import build_containers_asset
from infra_monitor.defs.containers.schedules import build_containers_job, build_containers_schedule
from infra_monitor.settings import HealthSettings, MonitorSettings, load_settings


def build_containers_defs(envs: MonitorSettings | Sequence[str]) -> dg.Definitions:
    """The containers multi-asset (with its checks), job and schedule per environment.

    ``envs`` is the settings (environments without Portainer are left out; each one's
    ``health.cron``) or just environment names (all of them, the default cron).
    """
    if isinstance(envs, MonitorSettings):
        crons = {
            name: e.health.cron for name, e in envs.environments.items() if e.portainer is not None
        }
    else:
        crons = {name: HealthSettings().cron for name in envs}
    assets, jobs, schedules = [], [], []
    for env, cron in crons.items():
        job = build_containers_job(env)
        assets.append(build_containers_asset(env))
        jobs.append(job)
        schedules.append(build_containers_schedule(env, job, cron))
    return dg.Definitions(assets=assets, jobs=jobs, schedules=schedules)


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by the defs folder: the settings file decides which environments exist."""
    return build_containers_defs(load_settings())
