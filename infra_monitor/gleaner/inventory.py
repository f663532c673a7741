"""The inventory: what the scheduler is configured to harvest, and for whom.

Combines the gleaner config and the (optional) tenant file into one record with every problem
classified by ``check`` so the Dagster asset checks can select theirs:

- ``config_parses``: YAML syntax errors, wrong types, missing required fields;
- ``unique_source_names``: two sources share a name;
- ``tenant_sources_exist``: a community lists a source the gleaner config lacks;
- ``scheduler_loadable``: the real scheduler would fail (``t["active"]`` on a source without
  the key, a legacy tenant root key...) or decide differently from the monitor.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from infra_monitor.gleaner.config import GleanerConfig, SourceRecord, parse_gleaner_config
from infra_monitor.gleaner.tenants import (
    TenantConfig,
    TenantRecord,
    check_tenant_sources,
    expand_tenants,
    parse_tenant_config,
)
from infra_monitor.gleaner.yamlload import (
    CHECKS,
    CONFIG_PARSES,
    SCHEDULER_LOADABLE,
    TENANT_SOURCES_EXIST,
    UNIQUE_SOURCE_NAMES,
    ParseProblem,
    Problem,
    Severity,
)

SOURCE_COLUMNS = (
    "name",
    "active",
    "proper_name",
    "source_type",
    "url",
    "domain",
    "headless",
    "pid",
    "logo",
    "report_url",
)
TENANT_COLUMNS = ("community", "name", "main_namespace", "summary_namespace", "sources")


@dataclass(frozen=True)
class Inventory:
    """Sources (file order, ``report_url`` filled in), communities (``all`` expanded), problems."""

    gleaner_name: str
    sources: tuple[SourceRecord, ...]
    tenants: tuple[TenantRecord, ...]
    problems: tuple[Problem, ...]
    tenant_name: str | None = None
    tenant_root_key: str | None = None
    parse_problems: tuple[ParseProblem, ...] = ()

    @property
    def parsed(self) -> bool:
        """True when every file given was read (problems may still be listed)."""
        return not self.parse_problems

    @property
    def active_sources(self) -> tuple[SourceRecord, ...]:
        """The sources the monitor treats as active (missing or null ``active`` counts)."""
        return tuple(s for s in self.sources if s.active)

    @property
    def source_names(self) -> tuple[str, ...]:
        """Every source name in file order."""
        return tuple(s.name for s in self.sources)

    def problems_for(self, check: str) -> tuple[Problem, ...]:
        """The problems one asset check reports (``check`` is one of ``CHECKS``)."""
        return tuple(p for p in self.problems if p.check == check)

    def count(self, severity: Severity) -> int:
        """How many problems have ``severity``."""
        return sum(1 for p in self.problems if p.severity == severity)

    def to_json_dict(self) -> dict[str, Any]:
        """The inventory as JSON-ready data: ``sources``, ``tenants`` and ``problems`` lists."""
        return {
            "sources": [_source_json(s) for s in self.sources],
            "tenants": [_tenant_json(t) for t in self.tenants],
            "problems": [p.to_json_dict() for p in self.problems],
            "gleaner_config": self.gleaner_name,
            "tenant_config": self.tenant_name,
            "tenant_root_key": self.tenant_root_key,
            "parsed": self.parsed,
        }


def _source_json(source: SourceRecord) -> dict[str, Any]:
    return {
        "name": source.name,
        "active": source.active,
        "proper_name": source.proper_name,
        "source_type": source.source_type,
        "url": source.url,
        "domain": source.domain,
        "headless": source.headless,
        "pid": source.pid,
        "logo": source.logo,
        "report_url": source.report_url,
        "active_declared": source.active_declared,
    }


def _tenant_json(tenant: TenantRecord) -> dict[str, Any]:
    return {
        "community": tenant.community,
        "name": tenant.name,
        "graph": tenant.graph.to_json_dict() if tenant.graph else None,
        "sources": list(tenant.sources),
        "description": tenant.description,
        "declared_sources": list(tenant.declared_sources),
    }


def build_inventory(
    gleaner_text: bytes | str,
    gleaner_name: str,
    tenant_text: bytes | str | None = None,
    tenant_name: str | None = None,
    report_url_for: Callable[[str], str] | None = None,
) -> Inventory:
    """Parse the gleaner config and the optional tenant file into an :class:`Inventory`.

    ``report_url_for(source_name)`` gives each source's report link (None: no links).
    Tenant sources are checked against the config only when the config was read.
    """
    gleaner = parse_gleaner_config(gleaner_text, gleaner_name)
    tenants: TenantConfig | None = None
    if tenant_text is not None:
        tenants = parse_tenant_config(tenant_text, tenant_name or "tenant file")
    return inventory_from(gleaner, tenants, report_url_for)


def inventory_from(
    gleaner: GleanerConfig,
    tenants: TenantConfig | None,
    report_url_for: Callable[[str], str] | None = None,
) -> Inventory:
    """The :class:`Inventory` of configs already parsed (``all`` expanded, tenants checked)."""
    sources = gleaner.sources
    if report_url_for is not None:
        sources = tuple(replace(s, report_url=report_url_for(s.name)) for s in sources)
    problems = list(gleaner.problems)
    parse_problems = [gleaner.parse_problem] if gleaner.parse_problem else []
    tenant_records: tuple[TenantRecord, ...] = ()
    if tenants is not None:
        problems.extend(tenants.problems)
        if tenants.parse_problem is not None:
            parse_problems.append(tenants.parse_problem)
        names = gleaner.source_names
        expanded = expand_tenants(tenants, names)
        tenant_records = expanded.tenants
        if gleaner.parsed:
            problems.extend(check_tenant_sources(tenants, names, gleaner.name))
    return Inventory(
        gleaner_name=gleaner.name,
        sources=sources,
        tenants=tenant_records,
        problems=tuple(problems),
        tenant_name=tenants.name if tenants else None,
        tenant_root_key=tenants.root_key if tenants else None,
        parse_problems=tuple(parse_problems),
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def sources_csv(inventory: Inventory) -> str:
    """The sources as CSV text with a header row (``SOURCE_COLUMNS``), in file order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SOURCE_COLUMNS)
    for source in inventory.sources:
        row = _source_json(source)
        writer.writerow([_cell(row[c]) for c in SOURCE_COLUMNS])
    return buffer.getvalue()


def tenants_csv(inventory: Inventory) -> str:
    """The communities as CSV text (``TENANT_COLUMNS``); each row's sources joined by ';'."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TENANT_COLUMNS)
    for tenant in inventory.tenants:
        graph = tenant.graph
        writer.writerow(
            [
                tenant.community,
                _cell(tenant.name),
                _cell(graph.main_namespace if graph else None),
                _cell(graph.summary_namespace if graph else None),
                ";".join(tenant.sources),
            ]
        )
    return buffer.getvalue()


__all__ = [
    "CHECKS",
    "CONFIG_PARSES",
    "SCHEDULER_LOADABLE",
    "SOURCE_COLUMNS",
    "TENANT_COLUMNS",
    "TENANT_SOURCES_EXIST",
    "UNIQUE_SOURCE_NAMES",
    "Inventory",
    "ParseProblem",
    "Problem",
    "build_inventory",
    "inventory_from",
    "sources_csv",
    "tenants_csv",
]
