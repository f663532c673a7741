"""Re-materialise the inventory when the scheduler's config objects change (by ETag)."""

import json

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.defs.common import AssetJob
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.inventory.snapshot import config_etags
from infra_monitor.settings import SettingsError


def build_config_change_sensor(env: str, job: AssetJob, interval_s: int) -> dg.SensorDefinition:
    """A sensor that requests ``job`` whenever a config object's ETag differs from the cursor.

    The run key is derived from the ETags, so one change gives exactly one run even when a
    tick is retried. An unreachable bucket skips the tick with the reason; it does not crash.
    """

    @dg.sensor(
        name=f"{env}_inventory_config_changed",
        job=job,
        minimum_interval_seconds=interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Refreshes the {env} inventory when gleanerconfig.yaml or tenant.yaml change.",
    )
    def _sensor(
        context: dg.SensorEvaluationContext,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
    ) -> dg.SensorResult | dg.SkipReason:
        try:
            etags = config_etags(settings.environment(env), object_store.for_env(env))
        except (ServiceError, SettingsError) as exc:
            return dg.SkipReason(f"cannot read the config objects: {exc}")
        state = json.dumps(etags, sort_keys=True)
        if state == context.cursor:
            return dg.SkipReason("config objects unchanged")
        previous = json.loads(context.cursor or "{}")
        changed = sorted(key for key, etag in etags.items() if previous.get(key) != etag)
        context.log.info(f"{env}: config objects changed: {', '.join(changed)}")
        run_key = f"{env}:" + ",".join(f"{k}={v}" for k, v in sorted(etags.items()))
        return dg.SensorResult(run_requests=[dg.RunRequest(run_key=run_key)], cursor=state)

    return _sensor
