"""What the scheduler and alerting wiring share: asset keys, bucket paths, clear failures."""

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.defs.common import env_key
from infra_monitor.settings import EnvironmentSettings, SettingsError

DOMAIN = "scheduler"
RUNS = "runs"
JOB_METRICS = "job_metrics"


def runs_key(env: str) -> dg.AssetKey:
    """``{env}/scheduler/runs``."""
    return env_key(env, DOMAIN, RUNS)


def metrics_key(env: str) -> dg.AssetKey:
    """``{env}/scheduler/job_metrics``."""
    return env_key(env, DOMAIN, JOB_METRICS)


def metrics_object_key(env: EnvironmentSettings, suffix: str = "json") -> str:
    """Where the job metrics of ``env`` are written (``json``, or the ``html`` summary)."""
    return env.output.key("scheduler", env.name, f"job_metrics.{suffix}")


def fail_clearly(exc: ServiceError | SettingsError) -> dg.Failure:
    """A one-line failure for the UI instead of a traceback."""
    return dg.Failure(description=str(exc))
