"""build_inventory: sources + tenants + classified problems, its JSON dict and CSV renderers."""

from __future__ import annotations

import csv
import io
import json

from infra_monitor.gleaner.inventory import (
    CHECKS,
    SOURCE_COLUMNS,
    TENANT_COLUMNS,
    Inventory,
    build_inventory,
    sources_csv,
    tenants_csv,
)
from infra_monitor.gleaner.yamlload import (
    CONFIG_PARSES,
    SCHEDULER_LOADABLE,
    TENANT_SOURCES_EXIST,
    UNIQUE_SOURCE_NAMES,
)
from infra_monitor_tests.unit.gleaner.conftest import fixture_bytes

ECO = "eco_gleanerconfig_branch-master.yaml"
REPORTS = "https://minio.example.org/gleaner/reports/{}/latest/"


def inventory(gleaner: str, tenant: str | None = None) -> Inventory:
    return build_inventory(
        fixture_bytes(gleaner),
        gleaner,
        fixture_bytes(tenant) if tenant else None,
        tenant,
        REPORTS.format,
    )


def test_eco_master_with_its_tenant_file() -> None:
    inv = inventory(ECO, "eco_tenant.yaml")
    assert inv.parsed
    assert len(inv.sources) == 36 and len(inv.active_sources) == 23
    assert inv.tenant_root_key == "tenant"
    dev, everything = inv.tenants
    assert dev.sources == ("iris", "geocodes_demo_datasets")
    assert everything.sources == inv.source_names  # `all`, in file order
    assert inv.problems == ()
    assert inv.sources[0].report_url == REPORTS.format(inv.sources[0].name)


def test_json_dict_shape_and_values() -> None:
    inv = inventory(ECO, "eco_tenant.yaml")
    data = inv.to_json_dict()
    json.dumps(data)  # JSON-ready
    assert set(data) >= {"sources", "tenants", "problems"}
    first = data["sources"][0]
    assert set(first) >= set(SOURCE_COLUMNS)
    assert first["name"] == "amgeo"
    assert first["active"] is False
    assert first["proper_name"] == "Assimilative Mapping of Geospace Observations"
    assert first["source_type"] == "sitemap"
    assert first["url"] == "https://amgeo-dev.colorado.edu/sitemap.xml"
    assert first["headless"] is False
    assert first["report_url"] == REPORTS.format("amgeo")
    assert [s["name"] for s in data["sources"]] == list(inv.source_names)
    assert data["tenants"][0] == {
        "community": "dev",
        "name": "Geocodes Science on Schema",
        "graph": {"main_namespace": "test", "summary_namespace": "test_summary"},
        "sources": ["iris", "geocodes_demo_datasets"],
        "description": "GeoCodes is...",
        "declared_sources": ["iris", "geocodes_demo_datasets"],
    }
    assert len(data["tenants"][1]["sources"]) == 36
    assert data["problems"] == []


def test_problems_json_and_selection_by_check() -> None:
    inv = inventory("nsdf_gleanerconfig.yaml", "ingest_tennant.yaml")
    assert inv.parsed
    assert len(inv.sources) == 65 and len(inv.active_sources) == 65
    loadable = inv.problems_for(SCHEDULER_LOADABLE)
    assert len(loadable) == 66  # 65 sources without `active` + the `tennant` root key
    assert loadable[-1].where == "ingest_tennant.yaml: tennant"
    # nsdf has neither iris nor opentopography.
    missing = inv.problems_for(TENANT_SOURCES_EXIST)
    assert [p.message for p in missing] == [
        "community 'dev' lists source 'iris', which is not in nsdf_gleanerconfig.yaml",
        "community 'dev' lists source 'opentopography', which is not in nsdf_gleanerconfig.yaml",
    ]
    assert inv.problems_for(CONFIG_PARSES) == () and inv.problems_for(UNIQUE_SOURCE_NAMES) == ()
    assert sum(len(inv.problems_for(c)) for c in CHECKS) == len(inv.problems)
    assert (inv.count("error"), inv.count("warning")) == (2, 66)
    problem = inv.to_json_dict()["problems"][0]
    assert set(problem) >= {"severity", "where", "message"}
    assert problem["severity"] == "warning"
    assert problem["where"] == "nsdf_gleanerconfig.yaml: sources[0].active"


def test_tenant_source_missing_from_the_config() -> None:
    earthcube = inventory("oih_gleanerconfig.yaml", "gleanerio_oih_tenant_branch-dev.yaml")
    assert [p.severity for p in earthcube.problems_for(TENANT_SOURCES_EXIST)] == ["error"]
    assert "'africaioc'" in earthcube.problems_for(TENANT_SOURCES_EXIST)[0].message
    gleanerio = inventory(
        "gleanerio_oih_gleanerconfig_branch-dev.yaml", "gleanerio_oih_tenant_branch-dev.yaml"
    )
    assert gleanerio.problems_for(TENANT_SOURCES_EXIST) == ()
    assert gleanerio.tenants[0].sources == ("africaioc",)
    assert len(gleanerio.tenants[1].sources) == 53


def test_invalid_gleaner_config_skips_tenant_source_checks() -> None:
    inv = inventory("eco_gleanerconfig.yaml", "eco_tenant.yaml")
    assert not inv.parsed
    assert inv.sources == ()
    assert [str(p) for p in inv.parse_problems] == [
        "eco_gleanerconfig.yaml: line 602, column 22: mapping values are not allowed here"
    ]
    assert inv.problems_for(TENANT_SOURCES_EXIST) == ()
    assert inv.tenants[1].sources == ()  # `all` of nothing
    assert inv.tenants[0].sources == ("iris", "geocodes_demo_datasets")


def test_invalid_tenant_file() -> None:
    inv = build_inventory(fixture_bytes(ECO), ECO, "tenant: [\n", "tenant.yaml")
    assert not inv.parsed
    assert inv.tenants == ()
    assert [p.name for p in inv.parse_problems] == ["tenant.yaml"]
    assert inv.problems[0].where.startswith("tenant.yaml: line 2")


def test_without_tenant_file_or_report_links() -> None:
    inv = build_inventory(fixture_bytes("oih_gleanerconfig.yaml"), "oih.yaml")
    assert inv.tenants == () and inv.tenant_name is None and inv.tenant_root_key is None
    assert all(s.report_url is None for s in inv.sources)
    assert inv.to_json_dict()["tenants"] == []


def test_duplicate_names_reach_the_inventory() -> None:
    text = "sources:\n- {name: a, active: true}\n- {name: a, active: false}\n"
    inv = build_inventory(text, "gleanerconfig.yaml", "tenant: [{community: c, sources: [all]}]")
    assert inv.source_names == ("a", "a")
    assert len(inv.problems_for(UNIQUE_SOURCE_NAMES)) == 1
    assert inv.tenants[0].sources == ("a",)


def test_sources_csv() -> None:
    inv = inventory("odis_odiscat_gleanerconfig.yaml")
    rows = list(csv.DictReader(io.StringIO(sources_csv(inv))))
    assert len(rows) == 88
    assert tuple(rows[0]) == SOURCE_COLUMNS
    assert rows[0]["name"] == "3313benguelacurr"
    assert rows[0]["active"] == "true"
    assert rows[0]["source_type"] == "" and rows[0]["headless"] == "false"
    assert rows[0]["report_url"] == REPORTS.format("3313benguelacurr")
    assert [r["name"] for r in rows] == list(inv.source_names)


def test_tenants_csv() -> None:
    inv = inventory("a_test_short_gleanerconfig.yaml", "a_test_short_tenant.yaml")
    rows = list(csv.reader(io.StringIO(tenants_csv(inv))))
    assert tuple(rows[0]) == TENANT_COLUMNS
    assert rows[1] == [
        "short",
        "Geocodes Science on Schema",
        "short",
        "short_summary",
        "iris;geocodes_demo_datasets",
    ]
    assert rows[2][0] == "geocodes_all_short"
    assert rows[2][4].split(";") == list(inv.source_names)
