"""Assets of the scheduler domain: the run history in the bucket and the job metrics."""

import time

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.defs.common import markdown_metadata, table_metadata
from infra_monitor.defs.resources import (
    ObjectStoreResource,
    SchedulerApiResource,
    SettingsResource,
)
from infra_monitor.defs.scheduler.common import (
    DOMAIN,
    fail_clearly,
    metrics_key,
    metrics_object_key,
    runs_key,
)
from infra_monitor.inventory.snapshot import read_active_source_names
from infra_monitor.metrics.runs import compute_metrics
from infra_monitor.render import runs as render
from infra_monitor.runs.ingest import ingest_runs
from infra_monitor.runs.records import iso_utc
from infra_monitor.runs.store import RunStore
from infra_monitor.settings import SettingsError

HISTORY_DAYS = 30


def build_runs_asset(env: str) -> dg.AssetsDefinition:
    """Ingest the scheduler's runs incrementally into the bucket (one JSON-lines object a day)."""

    @dg.asset(
        key=runs_key(env),
        group_name=DOMAIN,
        description=(
            "Every run of the scheduler, ingested incrementally by update time into "
            "runs/{env}/days/{YYYY-MM-DD}.jsonl in the monitor's bucket (the first "
            "materialisation backfills scheduler.backfill_days)."
        ),
        tags={"environment": env},
        kinds={"graphql", "s3"},
    )
    def _runs(
        context: dg.AssetExecutionContext,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
        scheduler_api: SchedulerApiResource,
    ) -> dg.MaterializeResult:
        try:
            env_settings = settings.environment(env)
            client = scheduler_api.for_env(env)
            store = RunStore(object_store.output_for_env(env), env_settings.output, env)
            result = ingest_runs(client, store, backfill_days=env_settings.scheduler.backfill_days)
            total = sum(store.load_state().days.values())
        except (ServiceError, SettingsError) as exc:
            raise fail_clearly(exc) from None
        context.log.info(
            f"{env}: {result.inserted} new and {result.updated} updated runs "
            f"({result.fetched} fetched, {result.excluded} of the monitor's own excluded)"
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(total),
                "fetched": dg.MetadataValue.int(result.fetched),
                "inserted": dg.MetadataValue.int(result.inserted),
                "updated": dg.MetadataValue.int(result.updated),
                "excluded_own_runs": dg.MetadataValue.int(result.excluded),
                "requests": dg.MetadataValue.int(result.requests),
                "cursor": dg.MetadataValue.text(iso_utc(result.cursor)),
                "days_written": dg.MetadataValue.text(", ".join(result.days) or "none"),
                "backfill": dg.MetadataValue.bool(result.first),
                "location": dg.MetadataValue.path(env_settings.output.key("runs", env, "days")),
            }
        )

    return _runs


def build_metrics_asset(env: str) -> dg.AssetsDefinition:
    """Per job and per source metrics over 24 h / 7 d / 30 d, plus a plotly summary page."""

    @dg.asset(
        key=metrics_key(env),
        deps=[runs_key(env)],
        group_name=DOMAIN,
        description=(
            "Runs by status, success and failure rates, duration p50/p95/max per job and per "
            "source over 24 h / 7 d / 30 d (UTC); last success and failure per source; stale "
            "sources; running and queued runs; the queue backlog level; long-running runs."
        ),
        tags={"environment": env},
        kinds={"s3", "plotly"},
    )
    def _metrics(
        context: dg.AssetExecutionContext,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
    ) -> dg.MaterializeResult:
        now = time.time()
        try:
            env_settings = settings.environment(env)
            out = object_store.output_for_env(env)
            records = RunStore(out, env_settings.output, env).read_since(
                now - HISTORY_DAYS * 86400, now
            )
            active = read_active_source_names(env_settings, out)
            metrics = compute_metrics(
                records,
                now,
                active_sources=active,
                stale_days=env_settings.scheduler.stale_source_days,
                long_running_minutes=env_settings.scheduler.long_running_minutes,
            )
            json_key = metrics_object_key(env_settings)
            html_key = metrics_object_key(env_settings, "html")
            out.put_json(json_key, render.metrics_json(metrics, env))
            title = f"{env_settings.display_name}: scheduler job metrics"
            out.put_text(html_key, render.summary_html(metrics, env, title), "text/html")
        except (ServiceError, SettingsError) as exc:
            raise fail_clearly(exc) from None
        if active is None:
            context.log.warning(f"{env}: no inventory yet; every source seen counts as active")
        day, week = metrics.windows["24h"].overall, metrics.windows["7d"].overall
        b = metrics.backlog
        meta: dict[str, dg.MetadataValue] = {
            "runs_24h": dg.MetadataValue.int(day.runs),
            "failures_24h": dg.MetadataValue.int(day.by_status.get("FAILURE", 0)),
            "runs_7d": dg.MetadataValue.int(week.runs),
            "failures_7d": dg.MetadataValue.int(week.by_status.get("FAILURE", 0)),
            "running": dg.MetadataValue.int(metrics.running),
            "queued": dg.MetadataValue.int(metrics.queued),
            "backlog_ratio": dg.MetadataValue.float(b.ratio),
            "backlog_level": dg.MetadataValue.text(b.level),
            "stale_source_count": dg.MetadataValue.int(len(metrics.stale_sources)),
            "stale_sources": dg.MetadataValue.text(", ".join(metrics.stale_sources) or "none"),
            "long_running_count": dg.MetadataValue.int(len(metrics.long_running)),
            "by_job_7d": table_metadata(
                render.group_rows(metrics, "7d", "job"), render.GROUP_COLUMNS
            ),
            "by_source_7d": table_metadata(
                render.group_rows(metrics, "7d", "source"), render.GROUP_COLUMNS
            ),
            "by_source_24h": markdown_metadata(
                render.group_rows(metrics, "24h", "source"), render.GROUP_COLUMNS
            ),
            "by_source_30d": markdown_metadata(
                render.group_rows(metrics, "30d", "source"), render.GROUP_COLUMNS
            ),
            "last_by_source": table_metadata(render.last_rows(metrics), render.LAST_COLUMNS),
            "long_running": markdown_metadata(
                [render.run_row(r) for r in metrics.long_running], render.RUN_COLUMNS[:8]
            ),
            "summary_html": dg.MetadataValue.path(html_key),
            "metrics_json": dg.MetadataValue.path(json_key),
        }
        for name, value in (
            ("success_rate_24h", day.success_rate),
            ("success_rate_7d", week.success_rate),
            ("duration_p50_7d_s", week.p50_s),
            ("duration_p95_7d_s", week.p95_s),
            ("duration_max_7d_s", week.max_s),
        ):
            if value is not None:  # no finished run: no point rather than a fake zero
                meta[name] = dg.MetadataValue.float(round(value, 3))
        return dg.MaterializeResult(metadata=meta)

    return _metrics
