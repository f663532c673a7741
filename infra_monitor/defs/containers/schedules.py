"""The containers job and its schedule per environment (on the health cron)."""

import dagster as dg

from infra_monitor.defs.common import AssetJob, env_key, monitor_job, utc_schedule

DOMAIN = "containers"
ASSET_NAMES = ("services", "stats", "dependency_map", "stats_history")


def containers_keys(env: str) -> list[dg.AssetKey]:
    """The containers asset keys of ``env``."""
    return [env_key(env, DOMAIN, name) for name in ASSET_NAMES]


def build_containers_job(env: str) -> AssetJob:
    """Read ``env``'s sch_ services, tasks and stats and run their checks."""
    return monitor_job(
        env,
        f"{env}_containers_refresh",
        containers_keys(env),
        f"Read the sch_ services, tasks and container stats of {env}.",
    )


def build_containers_schedule(env: str, job: AssetJob, cron: str) -> dg.ScheduleDefinition:
    """Run the containers job on ``cron`` (UTC; read when the definitions load)."""
    return utc_schedule(f"{env}_containers_schedule", job, cron)
