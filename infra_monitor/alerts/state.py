"""The alert state machine, modelled on Alertmanager.

Each tick the rules report the conditions that hold now. The machine turns them into
notifications:

- ``firing``   when a key enters the bad state (or its variant changes, e.g. a backlog level);
- ``repeat``   when it is still bad ``renotify_s`` after the last notification;
- ``resolved`` when a key whose rule was evaluated this tick no longer holds.

A rule that could not be evaluated (its service was down) resolves nothing. Every
notification carries a dedupe key (alert key + transition + since [+ repeat number]); it stays
pending, per channel, until each channel has taken it, is retried on later ticks, and is never
sent again once delivered (delivered keys are remembered). The whole state serialises to a
small JSON document: active alerts, pending notifications, recently delivered keys.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

log = logging.getLogger(__name__)

MAX_SENT_KEYS = 500
MAX_PENDING = 500


@dataclass(frozen=True)
class Condition:
    """A bad state a rule found this tick."""

    key: str
    rule: str
    title: str
    summary: str
    since: float
    severity: str = "warning"
    variant: str = ""
    links: tuple[tuple[str, str], ...] = ()
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ActiveAlert:
    """A key currently in the bad state."""

    condition: Condition
    last_notified: float
    repeats: int = 0


@dataclass(frozen=True)
class Notification:
    """One message to deliver, with the channels that have not taken it yet."""

    dedupe_key: str
    kind: str  # firing | repeat | resolved
    condition: Condition
    at: float
    pending: tuple[str, ...]
    attempts: int = 0
    last_error: str = ""


@dataclass
class AlertState:
    """Active alerts, pending notifications and recently delivered dedupe keys."""

    active: dict[str, ActiveAlert] = field(default_factory=dict)
    pending: list[Notification] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A compact JSON-ready dict."""
        return {
            "active": {k: _active_json(a) for k, a in self.active.items()},
            "pending": [_notification_json(n) for n in self.pending],
            "sent": list(self.sent),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AlertState:
        """The inverse of :meth:`to_json`; an empty state for None."""
        if not data:
            return cls()
        active = {
            str(k): ActiveAlert(_condition(v["c"]), float(v["n"]), int(v.get("r", 0)))
            for k, v in (data.get("active") or {}).items()
        }
        pending = [
            Notification(
                dedupe_key=str(p["k"]),
                kind=str(p["kind"]),
                condition=_condition(p["c"]),
                at=float(p["at"]),
                pending=tuple(p.get("ch") or ()),
                attempts=int(p.get("att", 0)),
                last_error=str(p.get("err", "")),
            )
            for p in data.get("pending") or []
        ]
        return cls(active=active, pending=pending, sent=[str(k) for k in data.get("sent") or []])


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send of one notification to one channel."""

    dedupe_key: str
    kind: str
    key: str
    channel: str
    ok: bool
    at: float
    error: str = ""


def evaluate(
    state: AlertState,
    conditions: Iterable[Condition],
    *,
    evaluated_rules: Iterable[str],
    now: float,
    renotify_s: float,
    channels: Iterable[str],
) -> list[Notification]:
    """Advance ``state`` with this tick's conditions; return (and queue) new notifications."""
    channel_names = tuple(channels)
    rules = set(evaluated_rules)
    current = {c.key: c for c in conditions}
    created: list[Notification] = []

    def queue(kind: str, condition: Condition, dedupe_key: str) -> None:
        if dedupe_key in state.sent or any(p.dedupe_key == dedupe_key for p in state.pending):
            return
        n = Notification(dedupe_key, kind, condition, now, channel_names)
        created.append(n)
        if channel_names:
            state.pending.append(n)
        else:
            _remember(state, dedupe_key)

    for key, condition in current.items():
        alert = state.active.get(key)
        if alert is None:
            since = condition.since
            condition = replace(condition, since=since)
            state.active[key] = ActiveAlert(condition, now)
            queue("firing", condition, f"{key}|firing|{since:.3f}|{condition.variant}")
            continue
        kept = replace(condition, since=alert.condition.since)
        if condition.variant != alert.condition.variant:
            state.active[key] = ActiveAlert(kept, now, alert.repeats)
            queue("firing", kept, f"{key}|changed|{kept.since:.3f}|{condition.variant}|{now:.3f}")
        elif now - alert.last_notified >= renotify_s:
            repeats = alert.repeats + 1
            state.active[key] = ActiveAlert(kept, now, repeats)
            queue("repeat", kept, f"{key}|repeat|{kept.since:.3f}|{repeats}")
        else:
            state.active[key] = ActiveAlert(kept, alert.last_notified, alert.repeats)

    for key in list(state.active):
        alert = state.active[key]
        if key in current or alert.condition.rule not in rules:
            continue
        del state.active[key]
        queue("resolved", alert.condition, f"{key}|resolved|{alert.condition.since:.3f}")

    if len(state.pending) > MAX_PENDING:
        dropped = state.pending[: len(state.pending) - MAX_PENDING]
        log.error("alert queue full: dropping %d oldest pending notifications", len(dropped))
        state.pending = state.pending[-MAX_PENDING:]
    return created


Sender = Callable[[Notification], None]


def deliver_pending(
    state: AlertState,
    senders: Mapping[str, Sender],
    *,
    now: float,
    budget: Callable[[], bool] | None = None,
) -> list[Delivery]:
    """Try every pending notification on every channel that has not taken it yet.

    A channel that fails is not tried again in the same tick (it is down; its timeout is
    not paid twice). A channel no longer configured is dropped from the notification.
    ``budget`` returns False when the tick must stop sending.
    """
    deliveries: list[Delivery] = []
    down: set[str] = set()
    remaining: list[Notification] = []
    for n in state.pending:
        if n.dedupe_key in state.sent:
            continue
        left: list[str] = []
        error = n.last_error
        tried = False
        for channel in n.pending:
            if channel not in senders:
                continue
            if channel in down or (budget is not None and not budget()):
                left.append(channel)
                continue
            tried = True
            try:
                senders[channel](n)
            except Exception as exc:  # every channel error is retried on a later tick
                down.add(channel)
                left.append(channel)
                error = f"{channel}: {exc}"[:500]
                deliveries.append(
                    Delivery(n.dedupe_key, n.kind, n.condition.key, channel, False, now, error)
                )
                log.warning("alert %s not delivered to %s: %s", n.dedupe_key, channel, exc)
            else:
                deliveries.append(
                    Delivery(n.dedupe_key, n.kind, n.condition.key, channel, True, now)
                )
        if left:
            attempts = n.attempts + (1 if tried else 0)
            remaining.append(replace(n, pending=tuple(left), attempts=attempts, last_error=error))
        else:
            _remember(state, n.dedupe_key)
    state.pending = remaining
    return deliveries


def _remember(state: AlertState, dedupe_key: str) -> None:
    state.sent.append(dedupe_key)
    if len(state.sent) > MAX_SENT_KEYS:
        del state.sent[: len(state.sent) - MAX_SENT_KEYS]


def _condition_json(c: Condition) -> dict[str, Any]:
    data = asdict(c)
    data["links"] = [list(x) for x in c.links]
    data["details"] = [list(x) for x in c.details]
    return data


def _condition(data: Mapping[str, Any]) -> Condition:
    return Condition(
        key=str(data["key"]),
        rule=str(data["rule"]),
        title=str(data["title"]),
        summary=str(data["summary"]),
        since=float(data["since"]),
        severity=str(data.get("severity", "warning")),
        variant=str(data.get("variant", "")),
        links=tuple((str(a), str(b)) for a, b in data.get("links") or ()),
        details=tuple((str(a), str(b)) for a, b in data.get("details") or ()),
    )


def _active_json(a: ActiveAlert) -> dict[str, Any]:
    return {"c": _condition_json(a.condition), "n": a.last_notified, "r": a.repeats}


def _notification_json(n: Notification) -> dict[str, Any]:
    return {
        "k": n.dedupe_key,
        "kind": n.kind,
        "c": _condition_json(n.condition),
        "at": n.at,
        "ch": list(n.pending),
        "att": n.attempts,
        "err": n.last_error,
    }
