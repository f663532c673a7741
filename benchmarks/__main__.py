"""``make bench``: every benchmark beside its bare baseline; a table and build/bench/results.json.

Each module's ``run(results)`` adds its keys. ``python -m benchmarks NAME ...`` runs some only.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import bench_container_stats, bench_inventory, bench_runs

OUT = Path(__file__).resolve().parents[1] / "build" / "bench" / "results.json"
BENCHMARKS = {
    "inventory": bench_inventory.run,
    "runs": bench_runs.run,
    "containers": bench_container_stats.run,
}


def _table(results: dict[str, Any]) -> str:
    lines = [f"{'benchmark':<22} {'figure':<26} value", "-" * 72]
    for key, figures in results.items():
        if not isinstance(figures, dict):
            continue
        for name, value in figures.items():
            if isinstance(value, dict | list):
                continue
            lines.append(f"{key:<22} {name:<26} {value}")
            key = ""
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default); write and print the results."""
    logging.basicConfig(level=logging.WARNING)
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    results: dict[str, Any] = {}
    for name in names:
        began = time.perf_counter()
        BENCHMARKS[name](results)
        print(f"{name}: done in {time.perf_counter() - began:.1f} s", flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, default=str))
    print(_table(results))
    print(f"\nresults: {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
