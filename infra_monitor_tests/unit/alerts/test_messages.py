"""Notification texts escape remote strings; channel errors never show secrets."""

from __future__ import annotations

import socket

import pytest

from infra_monitor.alerts import messages
from infra_monitor.alerts.channels import (
    EmailChannel,
    SmtpTarget,
    WebhookChannel,
    channels_from_settings,
)
from infra_monitor.alerts.state import Condition, Notification
from infra_monitor.clients.errors import DeliveryError
from infra_monitor.settings import AlertSettings, EmailSettings, SecretRef, SettingsError

EVIL = Condition(
    "failed_runs:source:<script>",
    "failed_runs",
    "<b>x</b> failed",
    "message with <img src=x onerror=alert(1)> & stuff",
    1_000_000.0,
    links=(("run <1>", 'http://ui/runs/1"onclick="x'),),
    details=(("source", "<i>s</i>"),),
)
N = Notification("k|firing|1", "firing", EVIL, 1_000_060.0, ("email",))


def test_html_body_escapes_every_remote_string() -> None:
    body = messages.html_body(N, "prod")
    assert "<script>" not in body and "<img" not in body and "<i>s</i>" not in body
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; stuff" in body
    assert 'href="http://ui/runs/1&quot;onclick=&quot;x"' in body


def test_texts_say_what_where_since_and_link() -> None:
    text = messages.text_body(N, "prod")
    assert text.startswith("[FIRING] [prod] <b>x</b> failed")
    assert "since: 1970-01-12T13:46:40Z" in text
    assert "run <1>: http://ui/runs/1" in text
    slack = messages.slack_payload(N, "prod")
    assert "&lt;img" in slack["blocks"][0]["text"]["text"]
    hook = messages.webhook_payload(N, "prod")
    assert (hook["status"], hook["dedupe_key"], hook["environment"]) == (
        "firing",
        "k|firing|1",
        "prod",
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_webhook_error_never_shows_a_secret_url() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hooks/T000/B000/SECRETTOKEN123"
    channel = WebhookChannel(url, "prod", secret=True, timeout_s=2)
    with pytest.raises(DeliveryError) as info:
        channel(N)
    assert "SECRETTOKEN123" not in str(info.value)
    assert "alert channel at webhook" in str(info.value)


def test_smtp_error_never_shows_the_password() -> None:
    target = SmtpTarget("127.0.0.1", _closed_port(), "a@x", ("b@x",), "user", "hunter2pw", True, 2)
    with pytest.raises(DeliveryError) as info:
        EmailChannel(target, "prod")(N)
    assert "hunter2pw" not in str(info.value)
    assert "smtp://127.0.0.1" in str(info.value)


def test_channels_from_settings_resolve_references() -> None:
    settings = AlertSettings(
        slack_webhook_url=SecretRef("SLACK_URL", "alerts.slack"),
        webhook_url="http://127.0.0.1:9/hook",
        email=EmailSettings("smtp", 25, "a@x", ("b@x",), "u", SecretRef("PW", "alerts.pw")),
    )
    channels = channels_from_settings(
        settings, "prod", environ={"SLACK_URL": "http://s", "PW": "p"}
    )
    assert sorted(channels) == ["email", "slack", "webhook"]
    with pytest.raises(SettingsError) as info:
        channels_from_settings(settings, "prod", environ={"PW": "p"})
    assert "SLACK_URL" in str(info.value)
