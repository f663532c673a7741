"""Fixtures of the scheduler integration tests: the session's stack, with their secrets set."""

from __future__ import annotations

import pytest

from infra_monitor.devstack.stack import LocalStack
from infra_monitor_tests.integration.scheduler.services import Stack, from_local_stack


@pytest.fixture(scope="session")
def runs_stack(stack: LocalStack) -> Stack:
    """S3, the sample scheduler with real runs, webhook and SMTP receivers of the session."""
    return from_local_stack(stack)


@pytest.fixture
def stack_env(runs_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Stack:
    """The stack with the secret variables of these tests' settings files set."""
    for name, value in runs_stack.environ().items():
        monkeypatch.setenv(name, value)
    return runs_stack
