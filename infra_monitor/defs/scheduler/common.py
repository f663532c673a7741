"""What the scheduler and alerting wiring share: keys, clients and bucket paths."""

import json

import dagster as dg

from infra_monitor.clients.errors import ObjectStoreError, ServiceError
from infra_monitor.clients.object_store import ObjectStore
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


def active_sources(env: EnvironmentSettings, out: ObjectStore) -> list[str] | None:
    """The active source names of the last inventory written, or None when there is none."""
    try:
        data = json.loads(out.get_text(env.output.key("inventory", "active_sources.json")))
    except (ObjectStoreError, ValueError):
        return None
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, list):
        return None
    return [str(s["name"]) for s in sources if isinstance(s, dict) and s.get("name")]


def fail_clearly(exc: ServiceError | SettingsError) -> dg.Failure:
    """A one-line failure for the UI instead of a traceback."""
    return dg.Failure(description=str(exc))
