"""Alerts from real failing runs of the sample scheduler, delivered to a real webhook receiver
and a real SMTP server (STARTTLS + login), through the Dagster sensor and its persisted cursor."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from infra_monitor.alerts.channels import channels_from_settings
from infra_monitor.alerts.engine import TickCursor, run_tick
from infra_monitor.clients.scheduler import SchedulerClient
from infra_monitor.defs.alerting.assets import build_alert_history_asset
from infra_monitor.defs.alerting.sensors import build_alert_sensor
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.devstack.receivers import ReceivedRequest
from infra_monitor.settings import load_settings
from infra_monitor_tests.integration.scheduler.services import (
    ENV,
    SMTP_PASSWORD_VAR,
    Stack,
)

pytestmark = pytest.mark.integration
SOURCE = "broken_sitemap"
SLACK_URL_VAR = "IMT_RUNS_SLACK_WEBHOOK_URL"
WINDOW_MIN = 60


def _client(stack: Stack) -> SchedulerClient:
    return SchedulerClient(stack.scheduler.graphql_url, stack.scheduler.ui_url, timeout_s=20)


def _recent_failures(stack: Stack) -> int:
    """Failures of the broken source within the alert window, now."""
    since = time.time() - WINDOW_MIN * 60
    found = _client(stack).fetch_runs(
        updated_after=since, statuses=["FAILURE"], tags={"dagster/partition": SOURCE}
    )
    return len(found.records)


def _settings(
    stack: Stack, path: str, *, email: bool, per_source: int, slack: bool = False
) -> Path:
    channels: dict[str, Any] = {"webhook_url": stack.webhook.url + path}
    if slack:
        channels["slack_webhook_url"] = "${" + SLACK_URL_VAR + "}"
    if email:
        channels["email"] = {
            "host": stack.smtp.host,
            "port": stack.smtp.port,
            "sender": "infra-monitor@example.org",
            "recipients": ["ops@example.org"],
            "username": stack.smtp.username,
            "password": "${" + SMTP_PASSWORD_VAR + "}",
            "starttls": True,
            "ca_file": str(stack.smtp.cert_path),
            "timeout_s": 10,
        }
    alerts = {
        "interval_seconds": 30,
        "renotify_minutes": 240,
        "failed_runs": {
            "window_minutes": WINDOW_MIN,
            "overall": 10_000,
            "per_job": 10_000,
            "per_source": per_source,
            "consecutive": 10_000,
        },
        "channels": channels,
    }
    file, _ = stack.settings_file(alerts=alerts)
    return file


class SensorRunner:
    """Evaluates the environment's alert sensor like the daemon does, carrying the cursor."""

    def __init__(self, settings_file: Path, instance: dg.DagsterInstance) -> None:
        settings = SettingsResource(config_path=str(settings_file))
        self.resources = {
            "settings": settings,
            "object_store": ObjectStoreResource(settings=settings),
        }
        self.instance = instance
        self.cursor: str | None = None
        self.restart()

    def restart(self) -> None:
        """A new sensor definition, as after a code-location restart (the cursor persists)."""
        self.sensor = build_alert_sensor(ENV, 30)

    def tick(self) -> str:
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=self.resources
        ) as context:
            data = self.sensor.evaluate_tick(context)
        self.cursor = data.cursor
        return str(data.skip_message or "")


def _hooks(stack: Stack, path: str, *, ok: bool = True) -> list[ReceivedRequest]:
    return [r for r in stack.webhook.received if r.path == path and (r.status == 200) == ok]


def _key_alerts(requests: list[ReceivedRequest]) -> list[tuple[str, str]]:
    return [(r.body["status"], r.body["alert"]["key"]) for r in requests]


def test_failing_runs_alert_once_by_webhook_slack_and_email_and_survive_a_restart(
    stack_env: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = stack_env
    path = f"/hook-{uuid.uuid4().hex[:6]}"
    slack_path = f"{path}-slack/services/T000/B000/secret-token"
    monkeypatch.setenv(SLACK_URL_VAR, stack.webhook.url + slack_path)
    settings_file = _settings(
        stack, path, email=True, slack=True, per_source=_recent_failures(stack) + 1
    )
    mails_before = len(stack.smtp.messages)
    with dg.instance_for_test() as instance:
        runner = SensorRunner(settings_file, instance)
        runner.tick()
        assert _hooks(stack, path) == []  # below the threshold: nothing to say

        failed_run = stack.scheduler.run_harvest(SOURCE, expect_failure=True)
        summary = runner.tick()
        assert "3 delivered, 0 failed, 0 pending" in summary
        (slack,) = _hooks(stack, slack_path)
        assert SOURCE in slack.body["text"] and slack.body["text"].startswith("[FIRING]")
        assert "runs of broken_sitemap" in slack.body["blocks"][0]["text"]["text"]
        hooks = _hooks(stack, path)
        assert _key_alerts(hooks) == [("firing", f"failed_runs:source:{SOURCE}")]
        alert = hooks[0].body["alert"]
        links = {x["label"]: x["url"] for x in alert["links"]}
        assert f"{stack.scheduler.ui_url}/runs/{failed_run}" in links.values()
        source_runs = links[f"runs of {SOURCE}"]
        assert source_runs.startswith(f"{stack.scheduler.ui_url}/runs?q%5B0%5D=tag%3Adagster")
        assert "STEP_FAILURE" in alert["summary"] and alert["since"].endswith("Z")
        assert hooks[0].body["environment"] == ENV

        mails = stack.smtp.wait_for(mails_before + 1)[mails_before:]
        assert len(mails) == 1
        mail = mails[0]
        assert mail.subject.startswith(f"[FIRING] [{ENV}]") and SOURCE in mail.subject
        assert (mail.tls, mail.login) == (True, stack.smtp.username)
        assert stack.smtp.password.encode() not in mail.raw
        assert f"/runs/{failed_run}" in mail.body

        runner.tick()
        runner.restart()
        runner.tick()
        cursor = runner.cursor
        runner.cursor = None  # a reset cursor resumes from the copy in the bucket
        runner.tick()
        assert runner.cursor is not None and cursor is not None
        time.sleep(0.5)
        assert len(_hooks(stack, path)) == 1
        assert len(_hooks(stack, slack_path)) == 1
        assert len(stack.smtp.messages) == mails_before + 1
        assert "secret-token" not in summary

    history = (
        dg.materialize([build_alert_history_asset(ENV)], resources=runner.resources)
        .asset_materializations_for_node(f"{ENV}__alerting__alert_history")[0]
        .metadata
    )
    assert history["deliveries"].value >= 3  # type: ignore[attr-defined]
    assert history["active_alerts"].value >= 1  # type: ignore[attr-defined]
    assert history["pending_notifications"].value == 0  # type: ignore[attr-defined]


def test_delivery_down_for_several_ticks_then_up_delivers_exactly_once(stack_env: Stack) -> None:
    stack = stack_env
    path = f"/hook-{uuid.uuid4().hex[:6]}"
    settings_file = _settings(stack, path, email=False, per_source=_recent_failures(stack) + 1)
    with dg.instance_for_test() as instance:
        runner = SensorRunner(settings_file, instance)
        runner.tick()
        stack.scheduler.run_harvest(SOURCE, expect_failure=True)
        stack.webhook.failing = True
        try:
            for _ in range(3):
                runner.tick()
        finally:
            stack.webhook.failing = False
        assert len(_hooks(stack, path, ok=False)) == 3
        assert _hooks(stack, path) == []
        pending = TickCursor.loads(runner.cursor).alerts.pending
        assert len(pending) == 1 and pending[0].attempts == 3
        assert "503" in pending[0].last_error

        runner.tick()
        runner.restart()
        runner.tick()
        runner.tick()
        assert _key_alerts(_hooks(stack, path)) == [("firing", f"failed_runs:source:{SOURCE}")]
        assert TickCursor.loads(runner.cursor).alerts.pending == []


def test_a_recovery_notice_follows_when_the_failures_clear(stack_env: Stack) -> None:
    stack = stack_env
    path = f"/hook-{uuid.uuid4().hex[:6]}"
    settings_file = _settings(stack, path, email=True, per_source=max(1, _recent_failures(stack)))
    env = load_settings(settings_file).environment(ENV)
    senders = channels_from_settings(env.alerts, ENV)
    client = _client(stack)
    cursor = TickCursor()
    mails_before = len(stack.smtp.messages)
    now = time.time()
    fired = run_tick(env, cursor, client=client, senders=senders, now=now)
    assert [n.kind for n in fired.notifications] == ["firing"]
    # No new failure of the source: once its failures leave the window, the alert clears.
    later = now + WINDOW_MIN * 60 + 120
    cleared = run_tick(env, cursor, client=client, senders=senders, now=later)
    assert [(n.kind, n.condition.key) for n in cleared.notifications] == [
        ("resolved", f"failed_runs:source:{SOURCE}")
    ]
    assert run_tick(env, cursor, client=client, senders=senders, now=later + 60).notifications == []
    assert _key_alerts(_hooks(stack, path)) == [
        ("firing", f"failed_runs:source:{SOURCE}"),
        ("resolved", f"failed_runs:source:{SOURCE}"),
    ]
    subjects = [m.subject for m in stack.smtp.wait_for(mails_before + 2)[mails_before:]]
    assert [s.split("]")[0] for s in subjects] == ["[FIRING", "[RESOLVED"]
