"""The local stack: every service the monitor watches, started on 127.0.0.1 with free ports.

Used by the integration tests (one stack per session) and by ``make demo`` / ``make demo-once``.
Start order: S3 (moto, credentials checked), SPARQL (oxigraph, one server per namespace), the
Docker Engine with Swarm behind a Portainer-style proxy (when it can run here), alert receivers
(webhook, SMTP), then the sample scheduler, which seeds the bucket and real run history.
Everything is stopped in reverse order by pid, also when a start fails half-way.

The stack writes a monitor settings file with two environments, ``dev`` (the sample scheduler's
bucket) and ``prod`` (a second bucket holding a real public gleanerio config), whose secrets are
``${LOCAL_*}`` references resolved from :attr:`LocalStack.environ`.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra_monitor.devstack.docker_engine import DockerEngine, engine_unavailable_reason
from infra_monitor.devstack.portainer_proxy import PortainerProxy
from infra_monitor.devstack.procs import StartStop
from infra_monitor.devstack.receivers import SmtpReceiver, WebhookReceiver
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.devstack.scheduler_server import SampleScheduler
from infra_monitor.devstack.sparql import SparqlServer
from infra_monitor.gleaner import facts

logger = logging.getLogger(__name__)

DEV_BUCKET = "gleaner"
PROD_BUCKET = "gleaner-prod"
NAMESPACES = ("earthcube", "summary")
# prod's configs: real files from public gleanerio deployments (see the fixtures README).
PROD_FIXTURES = Path(__file__).with_name("prod_configs")
PORTAINER_ENDPOINT_ID = 1
REQUIRE_ENGINE_VAR = "INFRA_MONITOR_REQUIRE_ENGINE"
# Sources whose gleaner service outlives its harvest, so the monitor sees live sch_ containers.
KEPT_SERVICES = ("iris", "geocodes_demo_datasets")


class LocalStack(StartStop):
    """All local services; ``start()`` / ``stop()`` are idempotent, also a context manager.

    ``engine=False`` skips the Docker Engine; otherwise it starts where it can, and where it
    cannot, ``engine_skip_reason`` says why (an error instead when INFRA_MONITOR_REQUIRE_ENGINE=1).
    """

    def __init__(self, workdir: str | Path, *, engine: bool = True) -> None:
        self.workdir = Path(workdir)
        self.want_engine = engine
        self.s3: S3Server | None = None
        self.sparql: SparqlServer | None = None
        self.engine: DockerEngine | None = None
        self.portainer: PortainerProxy | None = None
        self.webhook: WebhookReceiver | None = None
        self.smtp: SmtpReceiver | None = None
        self.scheduler: SampleScheduler | None = None
        self.engine_skip_reason: str | None = None
        self.portainer_api_key = secrets.token_urlsafe(24)
        self.settings_path = self.workdir / "infra_monitor.yaml"
        self.environ: dict[str, str] = {}
        self._stoppers: list[Callable[[], None]] = []

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> LocalStack:
        """Start every service, seed the buckets, write the settings file; return self."""
        if self.scheduler is not None:
            return self
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_services()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_services(self) -> None:
        self.s3 = self._started(S3Server(self.workdir / "s3"))
        for bucket in (DEV_BUCKET, PROD_BUCKET):
            self.s3.create_bucket(bucket)
        self.sparql = self._started(SparqlServer(NAMESPACES, self.workdir / "sparql"))
        self._start_engine()
        self.webhook = self._started(WebhookReceiver(log_file=self.workdir / "webhook.jsonl"))
        (self.workdir / "smtp").mkdir(exist_ok=True)
        self.smtp = self._started(SmtpReceiver(workdir=self.workdir / "smtp"))
        self._seed_prod_bucket()
        self.scheduler = self._started(
            SampleScheduler(
                self.workdir / "scheduler",
                self.s3,
                docker_host=self.engine.host if self.engine else None,
                sparql_store_url=self.sparql.store_url("earthcube"),
                bucket=DEV_BUCKET,
                keep_services=KEPT_SERVICES if self.engine else (),
            )
        )
        self._write_settings()

    def _started(self, service: Any) -> Any:
        service.start()
        self._stoppers.append(service.stop)
        return service

    def _start_engine(self) -> None:
        if not self.want_engine:
            self.engine_skip_reason = "the Docker Engine was not requested"
            return
        reason = engine_unavailable_reason()
        if reason is not None:
            self.engine_skip_reason = reason
            if os.environ.get(REQUIRE_ENGINE_VAR) == "1":
                raise RuntimeError(f"the Docker Engine is required here but cannot run: {reason}")
            logger.warning("Docker Engine not started: %s (the rest of the stack runs)", reason)
            return
        self.engine = self._started(DockerEngine(base_dir="/tmp"))
        self.portainer = self._started(
            PortainerProxy(self.engine.socket_path, self.portainer_api_key, PORTAINER_ENDPOINT_ID)
        )

    def _seed_prod_bucket(self) -> None:
        assert self.s3 is not None
        self.s3.put_object(
            PROD_BUCKET,
            facts.GLEANER_CONFIG_PATH,
            (PROD_FIXTURES / "gleanerconfig.yaml").read_bytes(),
        )
        # prod keeps the legacy misspelled tenant object, as older deployments do.
        self.s3.put_object(
            PROD_BUCKET,
            facts.LEGACY_TENANT_CONFIG_PATH,
            (PROD_FIXTURES / "tennant.yaml").read_bytes(),
        )

    def stop(self) -> None:
        """Stop everything that was started, newest first; never raises."""
        while self._stoppers:
            stop = self._stoppers.pop()
            try:
                stop()
            except Exception:  # one stuck service must not keep the others running
                logger.exception("stopping a stack service failed")
        self.scheduler = None

    # --- the monitor's view of the stack ----------------------------------------------------------
    def _write_settings(self) -> None:
        assert self.s3 and self.sparql and self.scheduler and self.webhook and self.smtp
        self.environ = {
            "INFRA_MONITOR_CONFIG": str(self.settings_path),
            "LOCAL_S3_ACCESS_KEY": self.s3.access_key,
            "LOCAL_S3_SECRET_KEY": self.s3.secret_key,
            "LOCAL_PORTAINER_API_KEY": self.portainer_api_key,
            "LOCAL_SMTP_PASSWORD": self.smtp.password,
        }
        self.settings_path.write_text(
            "\n".join(
                [
                    "# Written by infra_monitor.devstack.stack for the local stack.",
                    "environments:",
                    *self._environment_yaml("dev", "Development (sample scheduler)", DEV_BUCKET),
                    *self._environment_yaml("prod", "Production (public OIH config)", PROD_BUCKET),
                ]
            )
            + "\n",
            encoding="utf-8",
        )

    def _environment_yaml(self, name: str, display: str, bucket: str) -> list[str]:
        assert self.s3 and self.sparql and self.scheduler and self.webhook and self.smtp
        lines = [
            f"  {name}:",
            f"    display_name: {display}",
            "    object_store:",
            f"      endpoint: {self.s3.endpoint_url}",
            f"      region: {self.s3.region}",
            f"      bucket: {bucket}",
            "      access_key: ${LOCAL_S3_ACCESS_KEY}",
            "      secret_key: ${LOCAL_S3_SECRET_KEY}",
            "    scheduler:",
            f"      graphql_url: {self.scheduler.graphql_url}",
            f"      ui_url: {self.scheduler.ui_url}",
            "    triplestore:",
            f"      url: {self.sparql.base_url('earthcube')}",
            "      kind: generic",
            "      namespaces:",
            *(f"        {ns}: {self.sparql.endpoint(ns)}" for ns in NAMESPACES),
        ]
        if self.portainer is not None:
            lines += [
                "    portainer:",
                f"      url: {self.portainer.url}",
                f"      endpoint_id: {PORTAINER_ENDPOINT_ID}",
                "      api_key: ${LOCAL_PORTAINER_API_KEY}",
            ]
        lines += [
            "    alerts:",
            "      interval_seconds: 30",
            "      failed_runs: {window_minutes: 1440, overall: 3, per_job: 3, per_source: 2}",
            "      channels:",
            f"        webhook_url: {self.webhook.url}/alerts/{name}",
            "        email:",
            f"          host: {self.smtp.host}",
            f"          port: {self.smtp.port}",
            "          sender: infra-monitor@example.org",
            "          recipients: [ops@example.org]",
            f"          username: {self.smtp.username}",
            "          password: ${LOCAL_SMTP_PASSWORD}",
            f"          ca_file: {self.smtp.cert_path}",
        ]
        return lines

    @contextmanager
    def applied(self) -> Iterator[LocalStack]:
        """Set :attr:`environ` in this process for the duration (the monitor reads it)."""
        previous = {key: os.environ.get(key) for key in self.environ}
        os.environ.update(self.environ)
        try:
            yield self
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
