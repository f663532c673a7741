"""The inventory's refresh job and schedule per environment."""

import dagster as dg

from infra_monitor.defs.common import MONITOR_TAGS, AssetJob
from infra_monitor.defs.inventory.assets import inventory_keys


def build_inventory_job(env: str) -> AssetJob:
    """Materialise ``env``'s inventory and run its checks."""
    return dg.define_asset_job(
        name=f"{env}_inventory_refresh",
        selection=dg.AssetSelection.assets(*inventory_keys(env)),
        tags={**MONITOR_TAGS, "environment": env},
        description=f"Refresh the {env} source and tenant inventory and run its checks.",
    )


def build_inventory_schedule(env: str, job: AssetJob, cron: str) -> dg.ScheduleDefinition:
    """Refresh the inventory on ``cron`` (UTC); the cron is read when definitions load."""
    return dg.ScheduleDefinition(
        name=f"{env}_inventory_schedule",
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
