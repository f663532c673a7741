"""``infra-monitor``: check the settings file and print the inventory of scheduler configs.

Exit codes: 0 when the files were read (problems are listed), 2 when a file cannot be read or
parsed (or the settings are invalid). Never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from infra_monitor import settings
from infra_monitor.gleaner.inventory import Inventory, build_inventory, sources_csv, tenants_csv

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_BROKEN_PIPE = 1
_NAME_WIDTH = 32
_TYPE_WIDTH = 10


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 unreadable or invalid input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "inventory":
            return _inventory(args.gleanerconfig, args.tenantconfig, args.format)
        if args.command == "check-config":
            return _check_config(args.file)
    except BrokenPipeError:  # `infra-monitor inventory ... | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    parser.print_help(sys.stderr)
    return EXIT_INVALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="infra-monitor", description="Monitor a gleanerio harvesting scheduler."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check-config",
        help="validate the monitor's settings file",
        description="Validate the settings file: FILE, else $INFRA_MONITOR_CONFIG, else the "
        "bundled example. Secrets are never shown.",
    )
    check.add_argument("file", nargs="?", metavar="FILE", help="the settings YAML file")

    inventory = commands.add_parser(
        "inventory",
        help="list the sources and tenants of scheduler config files",
        description="Parse a gleanerconfig.yaml (and optionally a tenant.yaml) as the monitor "
        "does and print the sources, communities and every problem found.",
    )
    inventory.add_argument("gleanerconfig", metavar="GLEANERCONFIG", help="gleanerconfig.yaml")
    inventory.add_argument(
        "tenantconfig", nargs="?", metavar="TENANTCONFIG", help="tenant.yaml (or tennant.yaml)"
    )
    output = inventory.add_mutually_exclusive_group()
    output.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        default="table",
        help="print the inventory as JSON (sources, tenants, problems)",
    )
    output.add_argument(
        "--csv",
        dest="format",
        choices=("sources", "tenants"),
        help="print the sources or the tenants as CSV",
    )
    return parser


# --- inventory ------------------------------------------------------------------------------------


def _read(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        print(f"error: cannot read {path}: {reason}", file=sys.stderr)
        return None


def _inventory(gleaner_path: str, tenant_path: str | None, output: str) -> int:
    gleaner_text = _read(gleaner_path)
    tenant_text = _read(tenant_path) if tenant_path else None
    if gleaner_text is None or (tenant_path and tenant_text is None):
        return EXIT_INVALID
    inventory = build_inventory(gleaner_text, gleaner_path, tenant_text, tenant_path)
    if output == "json":
        print(json.dumps(inventory.to_json_dict(), indent=2, ensure_ascii=False))
    elif output == "sources":
        sys.stdout.write(sources_csv(inventory))
    elif output == "tenants":
        sys.stdout.write(tenants_csv(inventory))
    else:
        print(render_inventory(inventory))
    for problem in inventory.parse_problems:
        print(f"error: cannot parse {problem}", file=sys.stderr)
    return EXIT_OK if inventory.parsed else EXIT_INVALID


def _clip(text: str | None, width: int) -> str:
    text = text or "-"
    return text if len(text) <= width else text[: width - 1] + "~"


def render_inventory(inventory: Inventory) -> str:
    """The inventory as a readable text report: sources table, communities, problems."""
    lines: list[str] = []
    sources = inventory.sources
    active = len(inventory.active_sources)
    lines.append(f"Sources in {inventory.gleaner_name}: {len(sources)} ({active} active)")
    if sources:
        name_width = min(_NAME_WIDTH, max(len("NAME"), *(len(s.name) for s in sources)))
        lines.append(f"  {'NAME':<{name_width}}  ACTIVE  {'TYPE':<{_TYPE_WIDTH}}  URL")
        for s in sources:
            flag = ("yes" if s.active else "no") + ("*" if s.active_declared is None else "")
            lines.append(
                f"  {_clip(s.name, name_width):<{name_width}}  {flag:<6}  "
                f"{_clip(s.source_type, _TYPE_WIDTH):<{_TYPE_WIDTH}}  {s.url or '-'}"
            )
        if any(s.active_declared is None for s in sources):
            lines.append(
                "  * `active` missing, null or unreadable: the monitor counts it as active"
            )
    if inventory.tenant_name is not None:
        lines.append("")
        root = f" (root key `{inventory.tenant_root_key}`)" if inventory.tenant_root_key else ""
        lines.append(
            f"Tenants in {inventory.tenant_name}{root}: {len(inventory.tenants)} community(ies)"
        )
        for t in inventory.tenants:
            graph = (
                f"{t.graph.main_namespace or '-'} / {t.graph.summary_namespace or '-'}"
                if t.graph
                else "-"
            )
            every = " (all)" if t.takes_all else ""
            lines.append(f"  {t.community}  graph {graph}  {len(t.sources)} source(s){every}")
            if t.sources and not t.takes_all:
                lines.append(f"    {', '.join(t.sources)}")
    lines.append("")
    errors, warnings = inventory.count("error"), inventory.count("warning")
    lines.append(f"Problems: {errors} error(s), {warnings} warning(s)")
    for p in inventory.problems:
        lines.append(f"  {p.severity:<7} [{p.check}] {p}")
    return "\n".join(lines)


# --- check-config ---------------------------------------------------------------------------------


def _check_config(file: str | None) -> int:
    path = settings.settings_path(file)
    try:
        loaded = settings.load_settings(path)
    except settings.SettingsError as exc:
        print(f"{path}: {len(exc.problems)} problem(s)")
        for problem in exc.problems:
            print(f"  {problem}")
        return EXIT_INVALID
    names = ", ".join(loaded.environments)
    print(f"OK: {path}: {len(loaded.environments)} environment(s) ({names})")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
