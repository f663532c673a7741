"""The inventory domain's definitions for every environment of the settings file."""

import dagster as dg

from infra_monitor.defs.inventory.assets import build_inventory_asset
from infra_monitor.defs.inventory.checks import build_inventory_checks
from infra_monitor.defs.inventory.schedules import build_inventory_job, build_inventory_schedule
from infra_monitor.defs.inventory.sensors import build_config_change_sensor
from infra_monitor.settings import MonitorSettings, load_settings


def build_inventory_defs(settings: MonitorSettings) -> dg.Definitions:
    """Assets, checks, job, schedule and change sensor of each environment's inventory."""
    assets, checks, jobs, schedules, sensors = [], [], [], [], []
    for env, env_settings in settings.environments.items():
        job = build_inventory_job(env)
        assets.append(build_inventory_asset(env))
        checks.extend(build_inventory_checks(env))
        jobs.append(job)
        schedules.append(build_inventory_schedule(env, job, env_settings.inventory.refresh_cron))
        sensors.append(
            build_config_change_sensor(env, job, env_settings.inventory.config_sensor_interval_s)
        )
    return dg.Definitions(
        assets=assets, asset_checks=checks, jobs=jobs, schedules=schedules, sensors=sensors
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by the defs folder: the settings file decides which environments exist."""
    return build_inventory_defs(load_settings())
