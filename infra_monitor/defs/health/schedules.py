"""The health job and its schedule per environment (every 5 minutes by default)."""

import dagster as dg

from infra_monitor.defs.common import AssetJob, env_key, monitor_job, utc_schedule

DOMAIN = "health"


def health_keys(env: str) -> list[dg.AssetKey]:
    """The health asset keys of ``env``."""
    return [env_key(env, DOMAIN, "snapshot"), env_key(env, DOMAIN, "uptime")]


def build_health_job(env: str) -> AssetJob:
    """Probe ``env``'s services, run their checks and update the uptime."""
    return monitor_job(
        env,
        f"{env}_health",
        health_keys(env),
        f"Probe every service of {env}, append to the history, update the uptime.",
    )


def build_health_schedule(env: str, job: AssetJob, cron: str) -> dg.ScheduleDefinition:
    """Run the health job on ``cron`` (UTC; read when the definitions load)."""
    return utc_schedule(f"{env}_health_schedule", job, cron)
