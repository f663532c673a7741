"""The health job and its schedule per environment (every 5 minutes by default)."""

import dagster as dg

from infra_monitor.defs.common import MONITOR_TAGS, AssetJob, env_key

DOMAIN = "health"


def health_keys(env: str) -> list[dg.AssetKey]:
    """The health asset keys of ``env``."""
    return [env_key(env, DOMAIN, "snapshot"), env_key(env, DOMAIN, "uptime")]


def build_health_job(env: str) -> AssetJob:
    """Probe ``env``'s services, run their checks and update the uptime."""
    return dg.define_asset_job(
        name=f"{env}_health",
        selection=dg.AssetSelection.assets(*health_keys(env)),
        tags={**MONITOR_TAGS, "environment": env},
        description=f"Probe every service of {env}, append to the history, update the uptime.",
    )


def build_health_schedule(env: str, job: AssetJob, cron: str) -> dg.ScheduleDefinition:
    """Run the health job on ``cron`` (UTC; read when the definitions load)."""
    return dg.ScheduleDefinition(
        name=f"{env}_health_schedule",
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
