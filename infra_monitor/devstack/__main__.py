"""``python -m infra_monitor.devstack demo | demo-once``: the local stack for people."""

from __future__ import annotations

import argparse
import logging
import sys

from infra_monitor.devstack.demo import DEMO_DIR, demo_once, run_demo


def main(argv: list[str] | None = None) -> int:
    """Run one demo mode; the exit code says whether it succeeded."""
    parser = argparse.ArgumentParser(prog="python -m infra_monitor.devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    ui = sub.add_parser("demo", help="the local stack and the Dagster UI (Ctrl-C stops)")
    ui.add_argument("--port", type=int, default=None, help="UI port (default 3000, 0 = any)")
    sub.add_parser("demo-once", help="run every asset, check and sensor once, then stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "demo":
        return run_demo(args.port)
    summary, table = demo_once()
    sys.stdout.write(f"{table}\n\nsummary: {DEMO_DIR / 'summary.json'}\n")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
