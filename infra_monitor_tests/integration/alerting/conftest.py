"""Fixtures of the alerting integration tests: the shared real stack and a settings file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra_monitor_tests.integration.scheduler.services import (
    Stack,
    shared_stack,
    stop_shared_stack,
)


@pytest.fixture(scope="session")
def runs_stack() -> Iterator[Stack]:
    """S3, the sample scheduler with real runs, webhook and SMTP receivers (once a session)."""
    stack = shared_stack()
    yield stack
    stop_shared_stack()


@pytest.fixture
def stack_env(runs_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Stack:
    """The stack with its secret variables set for the test."""
    for name, value in runs_stack.environ().items():
        monkeypatch.setenv(name, value)
    return runs_stack
