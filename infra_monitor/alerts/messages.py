"""The text of a notification for each channel: plain text, HTML (every remote string escaped),
a Slack incoming-webhook payload and a generic JSON webhook payload."""

from __future__ import annotations

import html
from typing import Any

from infra_monitor.alerts.state import Notification
from infra_monitor.runs.records import iso_utc

_PREFIX = {"firing": "FIRING", "repeat": "STILL FIRING", "resolved": "RESOLVED"}


def subject(n: Notification, env: str) -> str:
    """A one-line subject: state, environment and title."""
    return f"[{_PREFIX.get(n.kind, n.kind.upper())}] [{env}] {n.condition.title}"


def text_body(n: Notification, env: str) -> str:
    """A plain-text body: what, where, since when, details and links."""
    c = n.condition
    lines = [subject(n, env), "", c.summary, ""]
    lines.append(f"environment: {env}")
    lines.append(f"severity: {c.severity}")
    lines.append(f"since: {iso_utc(c.since)}")
    if n.kind == "resolved":
        lines.append(f"resolved at: {iso_utc(n.at)}")
    lines.extend(f"{k}: {v}" for k, v in c.details)
    lines.extend(f"{label}: {url}" for label, url in c.links)
    lines.append(f"alert: {c.key}")
    return "\n".join(lines) + "\n"


def html_body(n: Notification, env: str) -> str:
    """An HTML body; every string that came from a remote system is escaped."""
    c = n.condition
    e = html.escape
    rows = [
        ("environment", e(env)),
        ("severity", e(c.severity)),
        ("since", e(iso_utc(c.since))),
        *[(e(k), e(v)) for k, v in c.details],
        ("alert", e(c.key)),
    ]
    if n.kind == "resolved":
        rows.insert(3, ("resolved at", e(iso_utc(n.at))))
    table = "".join(f"<tr><th align='left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
    links = "".join(
        f'<li><a href="{e(url, quote=True)}">{e(label)}</a></li>' for label, url in c.links
    )
    return (
        f"<html><body><h2>{e(subject(n, env))}</h2><p>{e(c.summary)}</p>"
        f"<table>{table}</table>" + (f"<ul>{links}</ul>" if links else "") + "</body></html>"
    )


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn escaping (&, <, >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(n: Notification, env: str) -> dict[str, Any]:
    """A Slack incoming-webhook message (text plus blocks)."""
    c = n.condition
    s = _slack_escape
    links = " | ".join(f"<{s(url)}|{s(label)}>" for label, url in c.links)
    body = f"*{s(subject(n, env))}*\n{s(c.summary)}\nsince {iso_utc(c.since)}"
    if links:
        body += f"\n{links}"
    return {
        "text": subject(n, env),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": body[:2900]}}],
    }


def webhook_payload(n: Notification, env: str) -> dict[str, Any]:
    """A generic JSON payload (Alertmanager-like: status, labels, annotations)."""
    c = n.condition
    return {
        "version": "1",
        "dedupe_key": n.dedupe_key,
        "status": "resolved" if n.kind == "resolved" else "firing",
        "kind": n.kind,
        "environment": env,
        "alert": {
            "key": c.key,
            "rule": c.rule,
            "severity": c.severity,
            "title": c.title,
            "summary": c.summary,
            "since": iso_utc(c.since),
            "details": dict(c.details),
            "links": [{"label": label, "url": url} for label, url in c.links],
        },
        "at": iso_utc(n.at),
    }
