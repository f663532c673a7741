"""Bucket keys of the alerting domain."""

from infra_monitor.settings import EnvironmentSettings

DOMAIN = "alerting"


def history_key(env: EnvironmentSettings, day: str) -> str:
    """One day's alert history (JSON lines): ``alerts/history/{env}/{YYYY-MM-DD}.jsonl``."""
    return env.output.key("alerts", "history", env.name, f"{day}.jsonl")


def state_key(env: EnvironmentSettings) -> str:
    """The last alert state written by the sensor (a copy of its cursor)."""
    return env.output.key("alerts", "state", f"{env.name}.json")
