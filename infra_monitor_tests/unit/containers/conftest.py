"""Recorded Docker Engine payloads (see infra_monitor_tests/data/docker/README.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "docker"


def load(name: str) -> Any:
    """One recorded payload by file stem."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def payload() -> Callable[[str], Any]:
    """Load a recorded payload: ``payload("stats_busy_v1")``."""
    return load
