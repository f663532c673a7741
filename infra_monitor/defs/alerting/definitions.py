"""The alerting domain's definitions for every environment of the settings file."""

import dagster as dg

from infra_monitor.defs.alerting.assets import build_alert_history_asset
from infra_monitor.defs.alerting.sensors import build_alert_sensor
from infra_monitor.settings import AlertSettings, MonitorSettings, load_settings


def build_alerting_defs(
    env_names: list[str], settings: MonitorSettings | None = None
) -> dg.Definitions:
    """The alert sensor (interval from the settings, read at load) and history asset per env."""
    sensors, assets = [], []
    for env in env_names:
        alerts = AlertSettings()
        if settings is not None and env in settings.environments:
            alerts = settings.environments[env].alerts
        sensors.append(build_alert_sensor(env, alerts.interval_seconds))
        assets.append(build_alert_history_asset(env))
    return dg.Definitions(assets=assets, sensors=sensors)


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by the defs folder: the settings file decides which environments exist."""
    settings = load_settings()
    return build_alerting_defs(list(settings.environments), settings)
