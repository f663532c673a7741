"""The parts of the session's local stack the scheduler and alerting tests use.

moto S3 (with a checked IAM key), the sample scheduler's dagster-webserver with real runs, a
webhook receiver and an SMTP receiver (STARTTLS + login), all from the one LocalStack the
integration conftest starts per session (and stops by pid at its end).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.devstack.receivers import SmtpReceiver, WebhookReceiver
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.devstack.scheduler_server import SampleScheduler
from infra_monitor.devstack.stack import DEV_BUCKET, LocalStack

BUCKET = DEV_BUCKET  # the bucket the sample scheduler writes to
ENV = "local"
S3_KEY_VAR = "IMT_RUNS_S3_ACCESS_KEY"
S3_SECRET_VAR = "IMT_RUNS_S3_SECRET_KEY"
SMTP_PASSWORD_VAR = "IMT_RUNS_SMTP_PASSWORD"

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId status } }
  }
}
"""
TERMINATE = """
mutation Terminate($id: String!) { terminateRun(runId: $id) { __typename } }
"""


@dataclass
class Stack:
    """The running services and what a settings file needs to reach them."""

    s3: S3Server
    scheduler: SampleScheduler
    webhook: WebhookReceiver
    smtp: SmtpReceiver
    workdir: Path

    def environ(self) -> dict[str, str]:
        """The secret variables the settings files reference."""
        return {
            S3_KEY_VAR: self.s3.access_key,
            S3_SECRET_VAR: self.s3.secret_key,
            SMTP_PASSWORD_VAR: self.smtp.password,
        }

    def store(self) -> ObjectStore:
        """A client on the bucket with the IAM user's key."""
        return ObjectStore(
            endpoint=self.s3.endpoint_url,
            region=self.s3.region,
            bucket=BUCKET,
            access_key=self.s3.access_key,
            secret_key=self.s3.secret_key,
            timeout_s=10.0,
        )

    def settings_file(
        self, *, prefix: str | None = None, alerts: dict[str, Any] | None = None
    ) -> tuple[Path, str]:
        """Write a settings file for one environment; return it and its output prefix."""
        prefix = prefix or f"mon-{uuid.uuid4().hex[:8]}"
        env: dict[str, Any] = {
            "display_name": "Local test",
            "object_store": {
                "endpoint": self.s3.endpoint_url,
                "region": self.s3.region,
                "bucket": BUCKET,
                "access_key": "${" + S3_KEY_VAR + "}",
                "secret_key": "${" + S3_SECRET_VAR + "}",
                "timeout_s": 10,
            },
            "scheduler": {
                "graphql_url": self.scheduler.graphql_url,
                "ui_url": self.scheduler.ui_url,
                "page_limit": 4,
                "timeout_s": 20,
            },
            "output": {"prefix": prefix},
        }
        if alerts is not None:
            env["alerts"] = alerts
        path = self.workdir / f"settings-{prefix}.yaml"
        path.write_text(yaml.safe_dump({"environments": {ENV: env}}), encoding="utf-8")
        return path, prefix

    def launch_queued(self, source: str, tags: dict[str, str] | None = None) -> str:
        """Submit a harvest through GraphQL; with no daemon it stays QUEUED."""
        all_tags = {"dagster/partition": source, **(tags or {})}
        params = {
            "selector": {
                "repositoryLocationName": "sample_scheduler",
                "repositoryName": "__repository__",
                "jobName": "summon_and_release_job",
            },
            "runConfigData": {},
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in all_tags.items()]},
        }
        answer = self.scheduler.graphql(LAUNCH, {"params": params})["launchRun"]
        assert answer["__typename"] == "LaunchRunSuccess", answer
        return str(answer["run"]["runId"])

    def cancel(self, run_id: str) -> None:
        """Cancel a queued run (QUEUED -> CANCELED) through GraphQL."""
        self.scheduler.graphql(TERMINATE, {"id": run_id})


def from_local_stack(local: LocalStack) -> Stack:
    """The services of the session's LocalStack (the demo's stack) that these tests use."""
    assert local.s3 and local.scheduler and local.webhook and local.smtp, "stack not started"
    workdir = local.workdir / "runs-tests"
    workdir.mkdir(exist_ok=True)
    return Stack(local.s3, local.scheduler, local.webhook, local.smtp, workdir)
