"""The alert sensor of each environment: one tick evaluates every rule and delivers.

The state (active alerts, pending notifications, delivered keys, failure streaks) lives in the
sensor cursor, which Dagster persists with the tick; a copy goes to the bucket whenever it
changed, and a sensor whose cursor was reset resumes from that copy instead of re-alerting.
"""

from collections import defaultdict

import dagster as dg

from infra_monitor.alerts.channels import channels_from_settings
from infra_monitor.alerts.engine import TickCursor, TickResult, history_rows, run_tick
from infra_monitor.clients.errors import ObjectNotFound, ServiceError
from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.clients.scheduler import SchedulerClient
from infra_monitor.defs.alerting.common import history_key, state_key
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.runs.records import utc_day
from infra_monitor.settings import EnvironmentSettings, SettingsError

# A failing query ends the tick's scheduler part; with the delivery budget (20 s) a tick
# stays under Dagster's 60 s even when every remote side hangs.
TICK_REQUEST_TIMEOUT_S = 15.0


def build_alert_sensor(env: str, interval_s: int) -> dg.SensorDefinition:
    """A sensor, running by default, that alerts on ``env``'s runs, backlog, locations, health."""

    @dg.sensor(
        name=f"{env}_alerts",
        minimum_interval_seconds=interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Alerts for {env}: failed runs over thresholds, consecutive failures of a source, "
            "queue backlog level, long-running runs, code-location load errors and red health "
            "checks; delivered to the configured Slack / webhook / e-mail channels."
        ),
    )
    def _sensor(
        context: dg.SensorEvaluationContext,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
    ) -> dg.SensorResult | dg.SkipReason:
        try:
            env_settings = settings.environment(env)
            senders = channels_from_settings(env_settings.alerts, env)
        except SettingsError as exc:
            # Without its channels a tick would mark alerts as handled: skip, keep the cursor.
            return dg.SkipReason(f"alerting for {env} is not configured correctly: {exc}")
        bucket = _bucket(context, object_store, env)
        cursor = _load_cursor(context, bucket, env_settings)
        client = _client(env_settings)
        result = run_tick(env_settings, cursor, client=client, senders=senders, bucket=bucket)
        text = cursor.dumps()
        for line in result.errors:
            context.log.warning(f"{env}: {line}")
        for d in result.deliveries:
            log = context.log.info if d.ok else context.log.warning
            log(f"{env}: {d.kind} {d.key} -> {d.channel}: {'delivered' if d.ok else d.error}")
        if bucket is not None and (result.notifications or result.deliveries):
            _write_history(context, bucket, env_settings, result, text)
        summary = f"{env}: {result.summary()} ({result.seconds:.2f} s, {result.requests} requests)"
        context.log.info(summary)
        return dg.SensorResult(cursor=text, skip_reason=summary)

    return _sensor


def _client(env: EnvironmentSettings) -> SchedulerClient:
    """A client whose timeout keeps a tick with a hanging scheduler far under 60 s."""
    s = env.scheduler
    return SchedulerClient(
        s.graphql_url,
        s.ui_url,
        timeout_s=min(s.timeout_s, TICK_REQUEST_TIMEOUT_S),
        page_limit=s.page_limit,
        exclude_code_locations=s.exclude_code_locations,
    )


def _bucket(
    context: dg.SensorEvaluationContext, object_store: ObjectStoreResource, env: str
) -> ObjectStore | None:
    try:
        return object_store.output_for_env(env)
    except (ServiceError, SettingsError) as exc:
        context.log.warning(f"{env}: no bucket for the alert history: {exc}")
        return None


def _load_cursor(
    context: dg.SensorEvaluationContext, bucket: ObjectStore | None, env: EnvironmentSettings
) -> TickCursor:
    try:
        if context.cursor:
            return TickCursor.loads(context.cursor)
        if bucket is not None:
            return TickCursor.loads(bucket.get_text(state_key(env)))
    except ObjectNotFound:
        pass
    except (ServiceError, ValueError) as exc:
        context.log.warning(f"{env.name}: alert state unreadable, starting afresh: {exc}")
    return TickCursor()


def _write_history(
    context: dg.SensorEvaluationContext,
    bucket: ObjectStore,
    env: EnvironmentSettings,
    result: TickResult,
    cursor_text: str,
) -> None:
    rows_by_day: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in history_rows(result, env.name):
        rows_by_day[utc_day(float(row["at"]))].append(row)
    try:
        for day, rows in rows_by_day.items():
            bucket.append_jsonl(history_key(env, day), rows)
        bucket.put_text(state_key(env), cursor_text, "application/json")
    except ServiceError as exc:
        # The cursor still holds the state: a lost history line never loses an alert.
        context.log.warning(f"{env.name}: alert history not written: {exc}")
