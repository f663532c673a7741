"""The monitor's settings: one YAML file describing every monitored environment.

The file is read when an asset, check or sensor runs (hot reload), and once when the code
location loads, to know which environments exist. Secrets are ``${VAR}`` references that
resolve only when a client is built, so the definitions load with no environment variable set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from infra_monitor.gleaner import facts
from infra_monitor.settings_models import (
    AlertSettings,
    EmailSettings,
    EnvironmentSettings,
    FailureThresholds,
    HealthSettings,
    InventorySettings,
    MonitorSettings,
    ObjectStoreSettings,
    OutputSettings,
    PortainerSettings,
    SchedulerSettings,
    SettingsError,
    TriplestoreSettings,
)
from infra_monitor.settings_reader import Reader, SecretRef

CONFIG_ENV_VAR = "INFRA_MONITOR_CONFIG"
EXAMPLE_SETTINGS = Path(__file__).with_name("settings.example.yaml")
_ENV_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

__all__ = [
    "CONFIG_ENV_VAR",
    "EXAMPLE_SETTINGS",
    "AlertSettings",
    "EmailSettings",
    "EnvironmentSettings",
    "FailureThresholds",
    "HealthSettings",
    "InventorySettings",
    "MonitorSettings",
    "ObjectStoreSettings",
    "OutputSettings",
    "PortainerSettings",
    "SchedulerSettings",
    "SecretRef",
    "SettingsError",
    "TriplestoreSettings",
    "load_settings",
    "parse_settings",
    "resolve_secret",
    "settings_path",
    "validate_settings_file",
]


def resolve_secret(ref: SecretRef | None, environ: Mapping[str, str] | None = None) -> str:
    """The value of a secret reference, or a SettingsError naming the variable (never a value)."""
    if ref is None:
        return ""
    env = os.environ if environ is None else environ
    value = env.get(ref.var)
    if not value:
        raise SettingsError(ref.where, [f"{ref.where}: environment variable {ref.var} is not set"])
    return value


def settings_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The settings file: ``explicit``, else ``$INFRA_MONITOR_CONFIG``, else the bundled example."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV_VAR)
    return Path(from_env) if from_env else EXAMPLE_SETTINGS


def load_settings(path: str | os.PathLike[str] | None = None) -> MonitorSettings:
    """Read and validate the settings file; raise SettingsError listing every problem."""
    file = settings_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(str(file), [f"cannot read the file: {exc.strerror}"]) from None
    return parse_settings(text, str(file))


def parse_settings(text: str, source: str) -> MonitorSettings:
    """Validate settings given as YAML text; ``source`` names the file in messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        reason = getattr(exc, "problem", None) or "not valid YAML"
        raise SettingsError(source, [f"(yaml) {where}: {reason}"]) from None
    problems: list[str] = []
    root = Reader(data, "", problems)
    envs_reader = root.child("environments")
    if not envs_reader.data:
        envs_reader.problem("", "at least one environment is required")
    environments: dict[str, EnvironmentSettings] = {}
    for name in envs_reader.data:
        envs_reader.seen.add(name)
        if not isinstance(name, str) or not _ENV_NAME_RE.match(name):
            envs_reader.problem(str(name), "environment names are letters, digits and _")
            continue
        environments[name] = _environment(name, envs_reader.child(name))
    root.finish()
    if problems:
        raise SettingsError(source, problems)
    return MonitorSettings(source=source, environments=environments)


def validate_settings_file(path: str | os.PathLike[str] | None = None) -> list[str]:
    """Every problem of the settings file (empty when valid); secrets are never shown."""
    try:
        load_settings(path)
    except SettingsError as exc:
        return exc.problems
    return []


def _environment(name: str, r: Reader) -> EnvironmentSettings:
    store = _object_store(r.child("object_store"))
    scheduler = _scheduler(r.child("scheduler"))
    portainer = _portainer(r.child("portainer")) if r.has("portainer") else None
    triplestore = _triplestore(r.child("triplestore")) if r.has("triplestore") else None
    out = r.child("output")
    output = OutputSettings(
        bucket=out.string("bucket", store.bucket), prefix=out.string("prefix", "infra_monitor")
    )
    out.finish()
    env = EnvironmentSettings(
        name=name,
        display_name=r.string("display_name", name),
        object_store=store,
        scheduler=scheduler,
        portainer=portainer,
        triplestore=triplestore,
        output=output,
        inventory=_inventory(r.child("inventory")),
        health=_health(r.child("health")),
        alerts=_alerts(r.child("alerts")),
    )
    r.finish()
    return env


def _object_store(r: Reader) -> ObjectStoreSettings:
    anonymous = r.boolean("anonymous", False)
    access_key = r.secret("access_key", required=not anonymous)
    secret_key = r.secret("secret_key", required=not anonymous)
    settings = ObjectStoreSettings(
        endpoint=r.url("endpoint"),
        region=r.string("region", "us-east-1"),
        bucket=r.string("bucket", required=True),
        access_key=access_key,
        secret_key=secret_key,
        anonymous=anonymous,
        verify_tls=r.boolean("verify_tls", True),
        gleaner_config=r.string("gleaner_config", facts.GLEANER_CONFIG_PATH),
        tenant_config=r.string("tenant_config", facts.TENANT_CONFIG_PATH),
        legacy_tenant_config=r.string("legacy_tenant_config", facts.LEGACY_TENANT_CONFIG_PATH),
        timeout_s=r.number("timeout_s", 30.0, minimum=0.1),
    )
    r.finish()
    return settings


def _scheduler(r: Reader) -> SchedulerSettings:
    graphql_url = r.url("graphql_url")
    default_ui = graphql_url.removesuffix("/graphql")
    settings = SchedulerSettings(
        graphql_url=graphql_url,
        ui_url=r.url("ui_url", required=False) or default_ui,
        timeout_s=r.number("timeout_s", 30.0, minimum=0.1),
        page_limit=r.integer("page_limit", 500, minimum=1),
        backfill_days=r.integer("backfill_days", 30, minimum=1),
        long_running_minutes=r.integer("long_running_minutes", 360, minimum=1),
        stale_source_days=r.integer("stale_source_days", 14, minimum=1),
        refresh_cron=r.string("refresh_cron", "*/15 * * * *"),
        exclude_code_locations=r.string_list("exclude_code_locations") or ("infra_monitor",),
    )
    r.finish()
    return settings


def _portainer(r: Reader) -> PortainerSettings:
    settings = PortainerSettings(
        url=r.url("url"),
        endpoint_id=r.integer("endpoint_id", 1, minimum=1),
        api_key=r.secret("api_key", required=True),
        service_prefix=r.string("service_prefix", facts.SERVICE_PREFIX),
        verify_tls=r.boolean("verify_tls", True),
        timeout_s=r.number("timeout_s", 10.0, minimum=0.1),
        stats_concurrency=r.integer("stats_concurrency", 8, minimum=1),
    )
    r.finish()
    return settings


def _triplestore(r: Reader) -> TriplestoreSettings:
    url = r.url("url")
    kind = r.choice("kind", ("blazegraph", "generic"), "generic")
    ns_reader = r.child("namespaces")
    namespaces = {str(name): ns_reader.url(str(name)) for name in ns_reader.data}
    settings = TriplestoreSettings(
        url=url,
        kind=kind,
        namespaces=namespaces,
        timeout_s=r.number("timeout_s", 10.0, minimum=0.1),
    )
    r.finish()
    return settings


def _inventory(r: Reader) -> InventorySettings:
    settings = InventorySettings(
        refresh_cron=r.string("refresh_cron", "0 * * * *"),
        config_sensor_interval_s=r.integer("config_sensor_interval_s", 60, minimum=5),
    )
    r.finish()
    return settings


def _health(r: Reader) -> HealthSettings:
    settings = HealthSettings(
        cron=r.string("cron", "*/5 * * * *"),
        timeout_s=r.number("timeout_s", 10.0, minimum=0.1),
        latency_degraded_ms=r.number("latency_degraded_ms", 2000.0),
        memory_pct_threshold=r.number("memory_pct_threshold", 90.0),
        failed_task_window_minutes=r.integer("failed_task_window_minutes", 60, minimum=1),
    )
    r.finish()
    return settings


def _alerts(r: Reader) -> AlertSettings:
    f = r.child("failed_runs")
    failed_runs = FailureThresholds(
        window_minutes=f.integer("window_minutes", 60, minimum=1),
        overall=f.integer("overall", 5, minimum=1),
        per_job=f.integer("per_job", 3, minimum=1),
        per_source=f.integer("per_source", 2, minimum=1),
        consecutive=f.integer("consecutive", 3, minimum=1),
    )
    f.finish()
    channels = r.child("channels")
    email = _email(channels.child("email")) if channels.has("email") else None
    settings = AlertSettings(
        interval_seconds=r.integer("interval_seconds", 60, minimum=5),
        renotify_minutes=r.integer("renotify_minutes", 240, minimum=1),
        failed_runs=failed_runs,
        slack_webhook_url=channels.secret("slack_webhook_url"),
        webhook_url=channels.url_or_secret("webhook_url"),
        email=email,
    )
    channels.finish()
    r.finish()
    return settings


def _email(r: Reader) -> EmailSettings:
    settings = EmailSettings(
        host=r.string("host", required=True),
        port=r.integer("port", 587, minimum=1),
        sender=r.string("sender", required=True),
        recipients=r.string_list("recipients"),
        username=r.string("username", ""),
        password=r.secret("password"),
        starttls=r.boolean("starttls", True),
        ca_file=r.string("ca_file", ""),
        timeout_s=r.number("timeout_s", 15.0, minimum=0.1),
    )
    if not settings.recipients:
        r.problem("recipients", "at least one recipient is required")
    r.finish()
    return settings
