"""The settings model: one frozen record per section of the settings file.

Parsing and validation live in :mod:`infra_monitor.settings`, which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from infra_monitor.gleaner import facts
from infra_monitor.settings_reader import SecretRef


class SettingsError(Exception):
    """The settings file is missing, not YAML, or invalid; ``problems`` lists every issue."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid infra_monitor settings in {source}:\n{lines}")


@dataclass(frozen=True)
class ObjectStoreSettings:
    """The scheduler's S3 / MinIO bucket and where its config objects live."""

    endpoint: str
    region: str
    bucket: str
    access_key: SecretRef | None
    secret_key: SecretRef | None
    anonymous: bool = False
    verify_tls: bool = True
    gleaner_config: str = facts.GLEANER_CONFIG_PATH
    tenant_config: str = facts.TENANT_CONFIG_PATH
    legacy_tenant_config: str = facts.LEGACY_TENANT_CONFIG_PATH
    timeout_s: float = 30.0


@dataclass(frozen=True)
class SchedulerSettings:
    """The scheduler's Dagster GraphQL API and UI, and how its runs are read."""

    graphql_url: str
    ui_url: str
    timeout_s: float = 30.0
    page_limit: int = 500
    backfill_days: int = 30
    long_running_minutes: int = 360
    stale_source_days: int = 14
    refresh_cron: str = "*/15 * * * *"
    # Runs of these code locations are the monitor's own and never count as harvests.
    exclude_code_locations: tuple[str, ...] = ("infra_monitor",)


@dataclass(frozen=True)
class PortainerSettings:
    """Portainer's API (Docker Engine API under /api/endpoints/{id}/docker)."""

    url: str
    endpoint_id: int
    api_key: SecretRef | None
    service_prefix: str = facts.SERVICE_PREFIX
    verify_tls: bool = True
    timeout_s: float = 10.0
    stats_concurrency: int = 8


@dataclass(frozen=True)
class TriplestoreSettings:
    """The SPARQL server and the namespaces (name -> SPARQL endpoint URL) to probe."""

    url: str
    kind: str = "generic"  # "blazegraph" adds its /status page to the health probe
    namespaces: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 10.0


@dataclass(frozen=True)
class OutputSettings:
    """Where the monitor writes its own objects."""

    bucket: str
    prefix: str = "infra_monitor"

    def key(self, *parts: str) -> str:
        """An object key below the monitor's prefix."""
        return "/".join([self.prefix.strip("/"), *(p.strip("/") for p in parts)])


@dataclass(frozen=True)
class InventorySettings:
    """How often the source and tenant inventory is refreshed."""

    refresh_cron: str = "0 * * * *"
    config_sensor_interval_s: int = 60


@dataclass(frozen=True)
class HealthSettings:
    """Health probing: schedule, timeouts and thresholds."""

    cron: str = "*/5 * * * *"
    timeout_s: float = 10.0
    latency_degraded_ms: float = 2000.0
    memory_pct_threshold: float = 90.0
    failed_task_window_minutes: int = 60


@dataclass(frozen=True)
class FailureThresholds:
    """Failed-run alert thresholds: N failures within the window, K consecutive per source."""

    window_minutes: int = 60
    overall: int = 5
    per_job: int = 3
    per_source: int = 2
    consecutive: int = 3


@dataclass(frozen=True)
class EmailSettings:
    """SMTP delivery (STARTTLS and login when a username is given)."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    username: str = ""
    password: SecretRef | None = None
    starttls: bool = True
    ca_file: str = ""  # a CA bundle to trust (e.g. a private relay's self-signed certificate)
    timeout_s: float = 15.0


@dataclass(frozen=True)
class AlertSettings:
    """Alert rules and delivery channels of one environment."""

    interval_seconds: int = 60
    renotify_minutes: int = 240
    failed_runs: FailureThresholds = field(default_factory=FailureThresholds)
    slack_webhook_url: SecretRef | None = None
    webhook_url: str | SecretRef | None = None
    email: EmailSettings | None = None


@dataclass(frozen=True)
class EnvironmentSettings:
    """Everything the monitor knows about one monitored deployment."""

    name: str
    display_name: str
    object_store: ObjectStoreSettings
    scheduler: SchedulerSettings
    portainer: PortainerSettings | None
    triplestore: TriplestoreSettings | None
    output: OutputSettings
    inventory: InventorySettings = field(default_factory=InventorySettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)


@dataclass(frozen=True)
class MonitorSettings:
    """The whole settings file."""

    source: str
    environments: Mapping[str, EnvironmentSettings]

    def environment(self, name: str) -> EnvironmentSettings:
        """The named environment; a clear error when it was removed since the last reload."""
        try:
            return self.environments[name]
        except KeyError:
            raise SettingsError(
                self.source,
                [f"environments.{name}: not in the settings any more (press Reload definitions)"],
            ) from None
