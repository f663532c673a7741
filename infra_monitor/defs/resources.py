"""Dagster resources: one per external system, each built from the settings file at run time.

Every resource re-reads the settings when asked for an environment's client, so an edit of the
settings file takes effect at the next run, check or sensor tick without a restart.
"""

import dagster as dg

from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.clients.portainer import PortainerClient
from infra_monitor.clients.scheduler import SchedulerClient
from infra_monitor.clients.sparql import SparqlClient
from infra_monitor.settings import EnvironmentSettings, MonitorSettings, load_settings


class SettingsResource(dg.ConfigurableResource):
    """The monitor's settings file; ``config_path`` defaults to ``$INFRA_MONITOR_CONFIG``."""

    config_path: str | None = None

    def load(self) -> MonitorSettings:
        """Read and validate the settings file now (hot reload)."""
        return load_settings(self.config_path)

    def environment(self, name: str) -> EnvironmentSettings:
        """One environment's settings, read now."""
        return self.load().environment(name)


class ObjectStoreResource(dg.ConfigurableResource):
    """The scheduler's S3 / MinIO bucket of each environment (always with its credentials)."""

    settings: dg.ResourceDependency[SettingsResource]

    def for_env(self, env: str) -> ObjectStore:
        """A client for the scheduler's bucket of ``env``."""
        return ObjectStore.from_settings(self.settings.environment(env).object_store)

    def output_for_env(self, env: str) -> ObjectStore:
        """A client for the bucket the monitor writes to in ``env``."""
        env_settings = self.settings.environment(env)
        return ObjectStore.from_settings(
            env_settings.object_store, bucket=env_settings.output.bucket
        )


class TriplestoreResource(dg.ConfigurableResource):
    """The SPARQL 1.1 endpoints of each environment."""

    settings: dg.ResourceDependency[SettingsResource]

    def for_env(self, env: str) -> SparqlClient | None:
        """A SPARQL client for ``env``; None when the environment has no triplestore."""
        triplestore = self.settings.environment(env).triplestore
        return SparqlClient.from_settings(triplestore) if triplestore else None


class SchedulerApiResource(dg.ConfigurableResource):
    """The scheduler's Dagster GraphQL API of each environment (paged, with retries)."""

    settings: dg.ResourceDependency[SettingsResource]

    def for_env(self, env: str) -> SchedulerClient:
        """A GraphQL client for the scheduler of ``env``."""
        return SchedulerClient.from_settings(self.settings.environment(env).scheduler)


class PortainerResource(dg.ConfigurableResource):
    """Portainer's Docker API of each environment (``X-API-Key``, unversioned paths)."""

    settings: dg.ResourceDependency[SettingsResource]

    def for_env(self, env: str) -> PortainerClient | None:
        """A Portainer client for ``env``; None when the environment has no Portainer."""
        portainer = self.settings.environment(env).portainer
        return PortainerClient.from_settings(portainer) if portainer else None


def build_resources(config_path: str | None = None) -> dict[str, object]:
    """The resources every domain's assets, checks and sensors share (settings from
    ``config_path``, by default ``$INFRA_MONITOR_CONFIG``)."""
    settings = SettingsResource(config_path=config_path)
    return {
        "settings": settings,
        "object_store": ObjectStoreResource(settings=settings),
        "triplestore": TriplestoreResource(settings=settings),
        "scheduler_api": SchedulerApiResource(settings=settings),
        "portainer_api": PortainerResource(settings=settings),
    }


@dg.definitions
def resources() -> dg.Definitions:
    """Register the shared resources, and run every step in the run's own process: the
    monitor's steps are short I/O calls, for which a subprocess per step costs more than the step.
    """
    return dg.Definitions(resources=build_resources(), executor=dg.in_process_executor)
