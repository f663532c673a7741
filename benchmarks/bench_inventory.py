"""Benchmark: the inventory of the largest real gleaner config (181 sources, string booleans)
against a bare ``yaml.safe_load`` of the same text, in the same run.

``run(results)`` adds ``inventory_parse``: seconds per parse for both and their ratio, and the
peak memory of one inventory build.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path
from typing import Any

import yaml

from infra_monitor.gleaner.inventory import build_inventory

KEY = "inventory_parse"
CONFIG = (
    Path(__file__).resolve().parents[1]
    / "infra_monitor_tests/data/gleanerio/cfgbuilder_iow_gleanerconfig.yaml"
)
REPEAT = 20


def _per_call(fn: Any) -> float:
    began = time.perf_counter()
    for _ in range(REPEAT):
        fn()
    return (time.perf_counter() - began) / REPEAT


def run(results: dict[str, Any]) -> None:
    """Measure the monitor's inventory build beside a bare YAML load."""
    text = CONFIG.read_text()
    bare = _per_call(lambda: yaml.safe_load(text))
    monitor = _per_call(lambda: build_inventory(text, CONFIG.name))
    tracemalloc.start()
    build_inventory(text, CONFIG.name)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results[KEY] = {
        "sources": len(build_inventory(text, CONFIG.name).sources),
        "monitor_s": round(monitor, 5),
        "bare_yaml_s": round(bare, 5),
        "ratio": round(monitor / bare, 2),
        "peak_mib": round(peak / 2**20, 2),
    }
