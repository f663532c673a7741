"""Delivery channels: a Slack-compatible incoming webhook, a generic JSON webhook and e-mail
over SMTP (STARTTLS, login). Each send has a timeout and raises DeliveryError naming the
channel without its secret (webhook URLs carry their token in the path, so they are never
shown)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

from infra_monitor.alerts import messages
from infra_monitor.alerts.state import Notification
from infra_monitor.clients.errors import DeliveryError
from infra_monitor.clients.http import make_session, request
from infra_monitor.redact import redact_url, scrub
from infra_monitor.settings import AlertSettings, EmailSettings, SecretRef, resolve_secret

log = logging.getLogger(__name__)

SLACK = "slack"
WEBHOOK = "webhook"
EMAIL = "email"


class SlackChannel:
    """A Slack (or Mattermost, Rocket.Chat) incoming webhook."""

    name = SLACK

    def __init__(self, url: str, env: str, *, timeout_s: float = 10.0) -> None:
        self.url = url
        self.env = env
        self.timeout = (min(5.0, timeout_s), timeout_s)
        self.session = make_session(retries=0)

    def __call__(self, n: Notification) -> None:
        """Post the notification; raise DeliveryError on any failure."""
        _post(self.session, self.url, messages.slack_payload(n, self.env), self.timeout, "slack")


class WebhookChannel:
    """A generic JSON webhook (one POST per notification, with its dedupe key)."""

    name = WEBHOOK

    def __init__(self, url: str, env: str, *, secret: bool, timeout_s: float = 10.0) -> None:
        self.url = url
        self.env = env
        self.secret = secret
        self.timeout = (min(5.0, timeout_s), timeout_s)
        self.session = make_session(retries=0)

    def __call__(self, n: Notification) -> None:
        """Post the notification; raise DeliveryError on any failure."""
        label = "webhook" if self.secret else redact_url(self.url)
        _post(self.session, self.url, messages.webhook_payload(n, self.env), self.timeout, label)


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send e-mail (the password already resolved)."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    username: str = ""
    password: str = ""
    starttls: bool = True
    timeout_s: float = 15.0


class EmailChannel:
    """E-mail over SMTP with STARTTLS and login; plain text plus an escaped HTML part."""

    name = EMAIL

    def __init__(
        self, target: SmtpTarget, env: str, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.target = target
        self.env = env
        self.ssl_context = ssl_context

    def __call__(self, n: Notification) -> None:
        """Send the notification; raise DeliveryError on any failure."""
        t = self.target
        where = f"smtp://{t.host}:{t.port}"
        msg = EmailMessage()
        msg["Subject"] = messages.subject(n, self.env)
        msg["From"] = t.sender
        msg["To"] = ", ".join(t.recipients)
        msg["Date"] = formatdate(n.at, usegmt=True)
        msg["Message-ID"] = make_msgid(domain="infra-monitor")
        msg["X-Infra-Monitor-Dedupe-Key"] = n.dedupe_key
        msg.set_content(messages.text_body(n, self.env))
        msg.add_alternative(messages.html_body(n, self.env), subtype="html")
        try:
            with smtplib.SMTP(t.host, t.port, timeout=t.timeout_s) as smtp:
                smtp.ehlo()
                if t.starttls:
                    context = self.ssl_context or ssl.create_default_context()
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if t.username:
                    smtp.login(t.username, t.password)
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            reason = scrub(f"{type(exc).__name__}: {exc}", [t.password])[:300]
            raise DeliveryError(where, reason) from None


def _post(
    session: requests.Session,
    url: str,
    payload: Mapping[str, object],
    timeout: tuple[float, float],
    label: str,
) -> None:
    try:
        request(session, "POST", url, DeliveryError, timeout=timeout, json=payload)
    except DeliveryError as exc:
        # The URL may hold the token: report the channel label and a scrubbed reason only.
        raise DeliveryError(label, scrub(exc.reason, [url]), status=exc.status) from None


def _url(ref: str | SecretRef | None, environ: Mapping[str, str] | None) -> tuple[str, bool]:
    if ref is None:
        return "", False
    if isinstance(ref, SecretRef):
        return resolve_secret(ref, environ), True
    return ref, False


def channels_from_settings(
    settings: AlertSettings,
    env: str,
    *,
    environ: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> dict[str, Channel]:
    """The channels configured for one environment, secrets resolved (SettingsError if unset).

    SMTP's STARTTLS trusts ``ssl_context`` if given, else the settings' ``ca_file`` if set,
    else the system's CA bundle.
    """
    channels: dict[str, Channel] = {}
    slack_url, _ = _url(settings.slack_webhook_url, environ)
    if slack_url:
        channels[SLACK] = SlackChannel(slack_url, env)
    hook_url, secret = _url(settings.webhook_url, environ)
    if hook_url:
        channels[WEBHOOK] = WebhookChannel(hook_url, env, secret=secret)
    if settings.email is not None:
        context = ssl_context
        if context is None and settings.email.ca_file:
            context = ssl.create_default_context(cafile=settings.email.ca_file)
        channels[EMAIL] = EmailChannel(
            _smtp_target(settings.email, environ), env, ssl_context=context
        )
    return channels


def _smtp_target(email: EmailSettings, environ: Mapping[str, str] | None) -> SmtpTarget:
    return SmtpTarget(
        host=email.host,
        port=email.port,
        sender=email.sender,
        recipients=email.recipients,
        username=email.username,
        password=resolve_secret(email.password, environ) if email.password else "",
        starttls=email.starttls,
        timeout_s=email.timeout_s,
    )


Channel = SlackChannel | WebhookChannel | EmailChannel
