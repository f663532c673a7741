"""The scheduler domain's jobs: a refresh job with its schedule, and the filtered run export."""

import time
from datetime import UTC, datetime

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.defs.common import MONITOR_TAGS, AssetJob, monitor_job, utc_schedule
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.defs.scheduler.common import fail_clearly, metrics_key, runs_key
from infra_monitor.runs.export import RunFilter, filter_runs, runs_csv
from infra_monitor.runs.store import RunStore
from infra_monitor.settings import SettingsError


def build_refresh_job(env: str) -> AssetJob:
    """Ingest new runs and recompute the job metrics (with their checks)."""
    return monitor_job(
        env,
        f"{env}_scheduler_runs_refresh",
        [runs_key(env), metrics_key(env)],
        f"Ingest the {env} scheduler's new runs and recompute its job metrics.",
    )


def build_refresh_schedule(env: str, job: AssetJob, cron: str) -> dg.ScheduleDefinition:
    """Refresh on ``cron`` (UTC; scheduler.refresh_cron, read when definitions load)."""
    return utc_schedule(f"{env}_scheduler_runs_schedule", job, cron)


class RunExportConfig(dg.Config):
    """Which runs to export: a UTC window (days back, or ISO bounds), job, source, status."""

    window_days: int = 7
    start: str = ""  # ISO 8601, e.g. 2024-05-01T00:00:00Z; overrides window_days
    end: str = ""  # ISO 8601; default now
    job: str = ""
    source: str = ""
    statuses: list[str] = []


def _ts(text: str) -> float:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def build_export_job(env: str) -> dg.JobDefinition:
    """A job whose one op writes the filtered runs of ``env`` as CSV to the bucket."""

    @dg.op(name=f"{env}_export_runs", tags={"environment": env})
    def _export(
        context: dg.OpExecutionContext,
        config: RunExportConfig,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
    ) -> str:
        now = time.time()
        try:
            end = _ts(config.end) if config.end else now
            start = _ts(config.start) if config.start else end - config.window_days * 86400
        except ValueError as exc:
            raise dg.Failure(description=f"start/end must be ISO 8601: {exc}") from None
        run_filter = RunFilter(
            start, end, config.job, config.source, tuple(s.upper() for s in config.statuses)
        )
        try:
            env_settings = settings.environment(env)
            out = object_store.output_for_env(env)
            records = RunStore(out, env_settings.output, env).read_since(start, end)
            kept = filter_runs(records, run_filter)
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
            key = env_settings.output.key("scheduler", env, "exports", f"runs_{stamp}.csv")
            out.put_text(key, runs_csv(kept), "text/csv")
        except (ServiceError, SettingsError) as exc:
            raise fail_clearly(exc) from None
        context.log.info(f"exported {len(kept)} of {len(records)} runs to {key}")
        context.add_output_metadata({"rows": len(kept), "object": dg.MetadataValue.path(key)})
        return key

    @dg.job(
        name=f"{env}_scheduler_run_export",
        tags={**MONITOR_TAGS, "environment": env},
        description=f"Export {env}'s stored runs filtered by window, job, source and status (CSV).",
    )
    def _job() -> None:
        _export()

    return _job
