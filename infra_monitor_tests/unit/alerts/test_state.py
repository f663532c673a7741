"""The alert state machine: fire, re-notify, resolve, retry pending deliveries, never twice."""

from __future__ import annotations

import json

import pytest

from infra_monitor.alerts.state import (
    AlertState,
    Condition,
    Notification,
    deliver_pending,
    evaluate,
)

T = 1_000_000.0
RENOTIFY = 3600.0


def cond(
    key: str = "failed_runs:overall", rule: str = "failed_runs", variant: str = ""
) -> Condition:
    return Condition(key, rule, f"title {key}", "summary", since=T - 60, variant=variant)


class Inbox:
    """A sender that records what it got and can be switched off."""

    def __init__(self) -> None:
        self.got: list[str] = []
        self.down = False

    def __call__(self, n: Notification) -> None:
        if self.down:
            raise ConnectionError("receiver down")
        self.got.append(n.dedupe_key)


def tick(
    state: AlertState,
    conditions: list[Condition],
    now: float,
    inbox: Inbox,
    rules: tuple[str, ...] = ("failed_runs", "backlog"),
) -> list[str]:
    made = evaluate(
        state, conditions, evaluated_rules=rules, now=now, renotify_s=RENOTIFY, channels=["webhook"]
    )
    deliver_pending(state, {"webhook": inbox}, now=now)
    return [n.kind for n in made]


def test_fires_once_on_entering_the_bad_state() -> None:
    state, inbox = AlertState(), Inbox()
    assert tick(state, [cond()], T, inbox) == ["firing"]
    assert tick(state, [cond()], T + 60, inbox) == []
    assert tick(state, [cond()], T + 120, inbox) == []
    assert len(inbox.got) == 1
    assert inbox.got[0].startswith("failed_runs:overall|firing|")


def test_renotifies_after_the_interval_then_resolves_once() -> None:
    state, inbox = AlertState(), Inbox()
    tick(state, [cond()], T, inbox)
    assert tick(state, [cond()], T + RENOTIFY - 1, inbox) == []
    assert tick(state, [cond()], T + RENOTIFY, inbox) == ["repeat"]
    assert tick(state, [cond()], T + RENOTIFY + 60, inbox) == []
    assert tick(state, [], T + RENOTIFY + 120, inbox) == ["resolved"]
    assert tick(state, [], T + RENOTIFY + 180, inbox) == []
    assert [k.split("|")[1] for k in inbox.got] == ["firing", "repeat", "resolved"]
    assert state.active == {}


def test_a_rule_not_evaluated_resolves_nothing() -> None:
    state, inbox = AlertState(), Inbox()
    tick(state, [cond()], T, inbox)
    assert tick(state, [], T + 60, inbox, rules=("backlog",)) == []
    assert "failed_runs:overall" in state.active


def test_a_variant_change_fires_again_without_resolving() -> None:
    state, inbox = AlertState(), Inbox()
    tick(state, [cond("backlog", "backlog", "LOW")], T, inbox)
    assert tick(state, [cond("backlog", "backlog", "HIGH")], T + 60, inbox) == ["firing"]
    assert len(inbox.got) == 2 and "|changed|" in inbox.got[1] and "|HIGH|" in inbox.got[1]
    # back to LOW within the same episode is a new change, told again
    assert tick(state, [cond("backlog", "backlog", "LOW")], T + 120, inbox) == ["firing"]
    assert tick(state, [cond("backlog", "backlog", "LOW")], T + 180, inbox) == []
    assert len(inbox.got) == 3


def test_failed_delivery_stays_pending_and_is_delivered_exactly_once() -> None:
    state, inbox = AlertState(), Inbox()
    inbox.down = True
    tick(state, [cond()], T, inbox)
    tick(state, [cond()], T + 60, inbox)
    tick(state, [cond()], T + 120, inbox)
    assert inbox.got == []
    assert len(state.pending) == 1
    assert state.pending[0].attempts == 3
    assert "receiver down" in state.pending[0].last_error
    inbox.down = False
    tick(state, [cond()], T + 180, inbox)
    tick(state, [cond()], T + 240, inbox)
    assert len(inbox.got) == 1
    assert state.pending == []


def test_resolved_while_down_delivers_firing_then_resolved() -> None:
    state, inbox = AlertState(), Inbox()
    inbox.down = True
    tick(state, [cond()], T, inbox)
    tick(state, [], T + 60, inbox)
    inbox.down = False
    tick(state, [], T + 120, inbox)
    assert [k.split("|")[1] for k in inbox.got] == ["firing", "resolved"]


def test_restart_from_serialised_state_repeats_nothing() -> None:
    state, inbox = AlertState(), Inbox()
    inbox.down = True
    tick(state, [cond(), cond("failed_runs:job:j")], T, inbox)
    inbox.down = False
    deliver_pending(state, {"webhook": inbox}, now=T + 1)
    saved = json.dumps(state.to_json())
    restored = AlertState.from_json(json.loads(saved))
    assert restored.active.keys() == state.active.keys()
    assert tick(restored, [cond(), cond("failed_runs:job:j")], T + 60, inbox) == []
    assert len(inbox.got) == 2
    # a pending notification also survives the restart and goes out once
    inbox.down = True
    tick(restored, [cond()], T + 120, inbox)  # job alert resolves; delivery fails
    again = AlertState.from_json(json.loads(json.dumps(restored.to_json())))
    inbox.down = False
    deliver_pending(again, {"webhook": inbox}, now=T + 180)
    deliver_pending(again, {"webhook": inbox}, now=T + 240)
    assert [k.split("|")[1] for k in inbox.got] == ["firing", "firing", "resolved"]


def test_each_channel_takes_a_notification_once_even_if_another_fails() -> None:
    state, slack, mail = AlertState(), Inbox(), Inbox()
    mail.down = True
    evaluate(
        state,
        [cond()],
        evaluated_rules=["failed_runs"],
        now=T,
        renotify_s=RENOTIFY,
        channels=["slack", "email"],
    )
    senders = {"slack": slack, "email": mail}
    first = deliver_pending(state, senders, now=T)
    assert [(d.channel, d.ok) for d in first] == [("slack", True), ("email", False)]
    assert state.pending[0].pending == ("email",)
    mail.down = False
    deliver_pending(state, senders, now=T + 60)
    deliver_pending(state, senders, now=T + 120)
    assert (len(slack.got), len(mail.got)) == (1, 1)


def test_a_down_channel_is_tried_once_per_tick() -> None:
    state, inbox = AlertState(), Inbox()
    inbox.down = True
    calls = 0

    def counting(n: Notification) -> None:
        nonlocal calls
        calls += 1
        inbox(n)

    evaluate(
        state,
        [cond("a"), cond("b"), cond("c")],
        evaluated_rules=["failed_runs"],
        now=T,
        renotify_s=RENOTIFY,
        channels=["webhook"],
    )
    deliver_pending(state, {"webhook": counting}, now=T)
    assert calls == 1
    assert len(state.pending) == 3


def test_already_delivered_key_is_never_queued_again() -> None:
    state, inbox = AlertState(), Inbox()
    tick(state, [cond()], T, inbox)
    state.active.clear()  # e.g. a state written before the delivery was recorded
    assert tick(state, [cond()], T + 60, inbox) == []
    assert len(inbox.got) == 1


@pytest.mark.parametrize("kind", ["firing", "repeat", "resolved"])
def test_serialisation_round_trips(kind: str) -> None:
    c = Condition(
        "k", "r", "t", "s", 1.5, "critical", "v", (("run", "http://x/runs/1"),), (("a", "b"),)
    )
    state = AlertState(
        pending=[Notification("k|x", kind, c, 2.0, ("email",), 1, "err")], sent=["z"]
    )
    assert AlertState.from_json(json.loads(json.dumps(state.to_json()))) == state
