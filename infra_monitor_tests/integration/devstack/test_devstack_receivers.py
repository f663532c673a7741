"""Webhook and SMTP receivers, exercised over real sockets."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests

from infra_monitor.clients.http import make_session
from infra_monitor.devstack.receivers import SmtpReceiver, WebhookReceiver

pytestmark = pytest.mark.integration


def test_webhook_fails_then_succeeds_with_retries(tmp_path: Path) -> None:
    log = tmp_path / "webhook.jsonl"
    with WebhookReceiver(log_file=log) as receiver:
        receiver.fail_next(2)
        session = make_session(retries=3, backoff=0.01)
        response = session.post(f"{receiver.url}/hooks/alerts", json={"alert": "stale"}, timeout=10)
        assert response.status_code == 200
        assert [r.status for r in receiver.received] == [503, 503, 200]
        (accepted,) = receiver.wait_for(1)
        assert accepted.path == "/hooks/alerts"
        assert accepted.body == {"alert": "stale"}
        assert accepted.headers["Content-Type"] == "application/json"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["status"] for line in lines] == [503, 503, 200]
    assert lines[-1]["body"] == {"alert": "stale"}


def test_webhook_failing_flag() -> None:
    with WebhookReceiver() as receiver:
        receiver.failing = True
        down = requests.post(receiver.url, json={"n": 1}, timeout=10)
        assert down.status_code == 503
        receiver.failing = False
        up = requests.post(receiver.url, json={"n": 2}, timeout=10)
        assert up.status_code == 200
        assert [r.body for r in receiver.accepted] == [{"n": 2}]
        receiver.clear()
        assert receiver.received == []
    receiver.stop()  # idempotent


def _mail(sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "oncall@example.org"
    message["Subject"] = "[infra_monitor] summoned bucket stale"
    message.set_content("No new objects in 26 hours.")
    return message


def test_smtp_starttls_and_login() -> None:
    with SmtpReceiver("alerts@example.org", "s3cret") as receiver:
        with smtplib.SMTP(receiver.host, receiver.port, timeout=10) as client:
            client.ehlo()
            assert client.has_extn("starttls")
            client.starttls(context=receiver.client_ssl_context())
            client.ehlo()
            client.login("alerts@example.org", "s3cret")
            client.send_message(_mail("alerts@example.org"))
        (mail,) = receiver.wait_for(1)
    assert mail.subject == "[infra_monitor] summoned bucket stale"
    assert mail.body.strip() == "No new objects in 26 hours."
    assert mail.rcpt_tos == ("oncall@example.org",)
    assert mail.mail_from == "alerts@example.org"
    assert mail.login == "alerts@example.org"
    assert mail.tls is True


def test_smtp_refuses_auth_without_tls_and_wrong_password() -> None:
    with SmtpReceiver("alerts@example.org", "s3cret") as receiver:
        with smtplib.SMTP(receiver.host, receiver.port, timeout=10) as client:
            client.ehlo()
            with pytest.raises(smtplib.SMTPNotSupportedError):
                client.login("alerts@example.org", "s3cret")  # AUTH not offered before STARTTLS
        with smtplib.SMTP(receiver.host, receiver.port, timeout=10) as client:
            client.starttls(context=receiver.client_ssl_context())
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("alerts@example.org", "wrong")
        assert receiver.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_plain_mode() -> None:
    with SmtpReceiver("u", "p", require_tls=False) as receiver:
        with smtplib.SMTP(receiver.host, receiver.port, timeout=10) as client:
            client.login("u", "p")
            client.send_message(_mail("u@example.org"))
        (mail,) = receiver.wait_for(1)
    assert mail.tls is False
    assert mail.login == "u"
