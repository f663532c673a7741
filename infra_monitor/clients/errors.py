"""One error type per external service, each naming the service, the URL (without credentials)
and what went wrong, so a failure reads the same in logs, metadata and the UI."""

from __future__ import annotations

from infra_monitor.redact import redact_url


class ServiceError(Exception):
    """A call to an external service failed.

    ``url`` is stored redacted; ``reason`` must never contain a secret (callers pass only
    status codes, error codes and messages from the remote side).
    """

    service = "service"

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        self.url = redact_url(url)
        self.reason = reason
        self.status = status
        super().__init__(f"{self.service} at {self.url}: {reason}")


class ObjectStoreError(ServiceError):
    """The S3 / MinIO object store refused or failed a call."""

    service = "object store"


class ObjectNotFound(ObjectStoreError):
    """The requested object (or bucket) does not exist."""


class SchedulerApiError(ServiceError):
    """The scheduler's Dagster GraphQL API failed or answered with an error."""

    service = "scheduler GraphQL"


class PortainerError(ServiceError):
    """Portainer (or the Docker Engine API behind it) failed or refused the API key."""

    service = "Portainer"


class TriplestoreError(ServiceError):
    """The SPARQL endpoint failed or answered with an error."""

    service = "triplestore"


class DeliveryError(ServiceError):
    """An alert channel (webhook, Slack, SMTP) could not deliver a notification."""

    service = "alert channel"
