"""A recovery notice follows a real fix: the broken source's sitemap is repaired, a real harvest
succeeds, and the real ``{env}_alerts`` sensor resolves its consecutive-failures alert once.

Runs against a sample scheduler of its own (own bucket on the session's S3, own workdir and
webserver), its own settings file and webhook receiver: the session scheduler's run history,
the dev bucket and the session's receivers are left untouched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from infra_monitor.alerts.engine import TickCursor
from infra_monitor.devstack.receivers import ReceivedRequest, WebhookReceiver
from infra_monitor.devstack.sample_scheduler.bucket import SITEMAP_OVERRIDE_KEY
from infra_monitor.devstack.scheduler_server import SEED_FAILING, SampleScheduler
from infra_monitor.devstack.stack import LocalStack

pytestmark = pytest.mark.integration

ENV = "recovery"
SOURCE = "broken_sitemap"
ALERT_KEY = f"consecutive_failures:{SOURCE}"
HOOK_PATH = f"/alerts/{ENV}"
SEEDED = len(SEED_FAILING)  # the failures of SOURCE a started sample scheduler holds
K = SEEDED + 2  # two more real failures make the streak reach the threshold
KEY_VAR = "IMT_RECOVERY_S3_ACCESS_KEY"
SECRET_VAR = "IMT_RECOVERY_S3_SECRET_KEY"


@pytest.fixture(scope="module")
def own_scheduler(
    stack: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SampleScheduler]:
    """A seeded sample scheduler of this module only: its bucket is removed at the end."""
    assert stack.s3 is not None
    bucket = f"gleaner-recovery-{uuid.uuid4().hex[:8]}"
    scheduler = SampleScheduler(
        tmp_path_factory.mktemp("recovery-scheduler"), stack.s3, bucket=bucket
    )
    try:
        with scheduler:
            yield scheduler
    finally:
        client = stack.s3.client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for page in pages:
            for obj in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=obj["Key"])
        client.delete_bucket(Bucket=bucket)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver of this test only."""
    with WebhookReceiver() as started:
        yield started


@pytest.fixture
def settings_file(
    stack: LocalStack,
    own_scheduler: SampleScheduler,
    receiver: WebhookReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """One environment on the own scheduler, only the consecutive rule within reach, set as
    ``INFRA_MONITOR_CONFIG`` (the session's value comes back after the test)."""
    assert stack.s3 is not None
    env: dict[str, Any] = {
        "display_name": "Recovery test",
        "object_store": {
            "endpoint": stack.s3.endpoint_url,
            "region": stack.s3.region,
            "bucket": own_scheduler.settings.bucket,
            "access_key": "${" + KEY_VAR + "}",
            "secret_key": "${" + SECRET_VAR + "}",
            "timeout_s": 10,
        },
        "scheduler": {
            "graphql_url": own_scheduler.graphql_url,
            "ui_url": own_scheduler.ui_url,
            "timeout_s": 20,
        },
        "output": {"prefix": f"mon-{uuid.uuid4().hex[:8]}"},
        "alerts": {
            "interval_seconds": 30,
            "renotify_minutes": 240,
            "failed_runs": {
                "window_minutes": 60,
                "overall": 10_000,
                "per_job": 10_000,
                "per_source": 10_000,
                "consecutive": K,
            },
            "channels": {"webhook_url": receiver.url + HOOK_PATH},
        },
    }
    path = tmp_path / "infra_monitor.yaml"
    path.write_text(yaml.safe_dump({"environments": {ENV: env}}), encoding="utf-8")
    monkeypatch.setenv(KEY_VAR, stack.s3.access_key)
    monkeypatch.setenv(SECRET_VAR, stack.s3.secret_key)
    monkeypatch.setenv("INFRA_MONITOR_CONFIG", str(path))
    return path


class AlertSensor:
    """The ``{ENV}_alerts`` sensor of the monitor's code location, ticked like the daemon does
    (cursor carried over) on a throw-away instance."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance
        self.cursor: str | None = None
        self.load()

    def load(self) -> None:
        """Load the code location afresh from its entry point (as after a restart)."""
        from infra_monitor.definitions import defs

        self.definitions: dg.Definitions = defs()
        self.sensor = self.definitions.resolve_sensor_def(f"{ENV}_alerts")

    def tick(self) -> str:
        """One evaluation; its summary (the skip message)."""
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=self.definitions.resources
        ) as context:
            data = self.sensor.evaluate_tick(context)
        self.cursor = data.cursor
        return str(data.skip_message or "")

    def streak(self) -> int:
        """The failure streak of SOURCE the cursor holds (0 when it has none)."""
        found = TickCursor.loads(self.cursor).streaks.get(SOURCE)
        return found.count if found else 0


def _notices(receiver: WebhookReceiver) -> list[ReceivedRequest]:
    return [r for r in receiver.received if r.path == HOOK_PATH]


def _kinds(requests: list[ReceivedRequest]) -> list[tuple[str, str]]:
    return [(r.body["status"], r.body["alert"]["key"]) for r in requests]


def test_fixing_the_broken_source_resolves_its_consecutive_failures_alert_once(
    own_scheduler: SampleScheduler, receiver: WebhookReceiver, settings_file: Path
) -> None:
    scheduler = own_scheduler
    with dg.instance_for_test() as instance:
        sensor = AlertSensor(instance)
        summary = sensor.tick()
        assert "0 alerts active" in summary, summary
        assert sensor.streak() == SEEDED and _notices(receiver) == []

        # The source keeps failing: the K-th consecutive failure fires one alert.
        failed_runs = []
        for count in range(SEEDED + 1, K + 1):
            failed_runs.append(scheduler.run_harvest(SOURCE, expect_failure=True))
            summary = sensor.tick()
            assert sensor.streak() == count
        assert "1 delivered, 0 failed, 0 pending" in summary, summary
        (fired,) = receiver.wait_for(1)
        assert _kinds([fired]) == [("firing", ALERT_KEY)]
        alert = fired.body["alert"]
        assert alert["details"]["consecutive failures"] == str(K)
        links = {x["label"]: x["url"] for x in alert["links"]}
        assert links["last failed run"] == f"{scheduler.ui_url}/runs/{failed_runs[-1]}"
        sensor.tick()
        assert len(_notices(receiver)) == 1  # still failing: nothing new before re-notify

        # The operator fixes the sitemap; a real harvest of the source succeeds.
        key = scheduler.fix_sitemap(SOURCE)
        assert key == SITEMAP_OVERRIDE_KEY.format(source=SOURCE)
        scheduler.run_harvest(SOURCE)
        summary = sensor.tick()
        assert "0 alerts active, 1 new notifications, 1 delivered" in summary, summary
        assert sensor.streak() == 0
        notices = receiver.wait_for(2)
        assert _kinds(notices) == [("firing", ALERT_KEY), ("resolved", ALERT_KEY)]
        resolved = notices[1].body
        assert resolved["kind"] == "resolved" and resolved["environment"] == ENV
        assert resolved["alert"]["since"] == alert["since"]
        assert resolved["dedupe_key"] != fired.body["dedupe_key"]

        # Further ticks repeat nothing: with the cursor carried, after a code-location
        # restart, and with the cursor reset (the state resumes from the bucket's copy).
        sensor.tick()
        sensor.load()
        sensor.tick()
        sensor.cursor = None
        sensor.tick()
        assert len(_notices(receiver)) == 2

        # Broken again: a single failure is a streak of 1, far below K: still nothing.
        scheduler.break_sitemap(SOURCE)
        try:
            scheduler.run_harvest(SOURCE, expect_failure=True)
            sensor.tick()
            assert sensor.streak() == 1
        finally:
            scheduler.reset_sitemap(SOURCE)
        assert len(_notices(receiver)) == 2
        assert receiver.received == receiver.accepted  # no delivery was refused
