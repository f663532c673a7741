"""The inventory's refresh job and schedule per environment."""

import dagster as dg

from infra_monitor.defs.common import AssetJob, monitor_job, utc_schedule
from infra_monitor.defs.inventory.assets import inventory_keys


def build_inventory_job(env: str) -> AssetJob:
    """Materialise ``env``'s inventory and run its checks."""
    return monitor_job(
        env,
        f"{env}_inventory_refresh",
        inventory_keys(env),
        f"Refresh the {env} source and tenant inventory and run its checks.",
    )


def build_inventory_schedule(env: str, job: AssetJob, cron: str) -> dg.ScheduleDefinition:
    """Refresh the inventory on ``cron`` (UTC); the cron is read when definitions load."""
    return utc_schedule(f"{env}_inventory_schedule", job, cron)
