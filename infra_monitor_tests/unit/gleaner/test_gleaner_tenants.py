"""parse_tenant_config over every real tenant file, `all` expansion and malformed inline files."""

from __future__ import annotations

import pytest

from infra_monitor.gleaner.tenants import (
    TenantGraph,
    check_tenant_sources,
    expand_tenants,
    parse_tenant_config,
)
from infra_monitor.gleaner.yamlload import CONFIG_PARSES, SCHEDULER_LOADABLE, TENANT_SOURCES_EXIST
from infra_monitor_tests.unit.gleaner.conftest import TENANT_FILES, fixture_bytes


@pytest.mark.parametrize("name", sorted(TENANT_FILES))
def test_real_tenant_files(name: str) -> None:
    root_key, communities = TENANT_FILES[name]
    config = parse_tenant_config(fixture_bytes(name), name)
    assert config.parsed
    assert config.root_key == root_key
    assert [(t.community, t.declared_sources) for t in config.tenants] == communities
    assert all(
        t.graph and t.graph.main_namespace and t.graph.summary_namespace for t in config.tenants
    )
    if root_key == "tennant":
        assert [(p.severity, p.check, p.where) for p in config.problems] == [
            ("warning", SCHEDULER_LOADABLE, f"{name}: tennant")
        ]
        assert "legacy misspelling" in config.problems[0].message
    else:
        assert config.problems == ()


def test_eco_tenant_values() -> None:
    config = parse_tenant_config(fixture_bytes("eco_tenant.yaml"), "eco_tenant.yaml")
    dev, everything = config.tenants
    assert dev.community == "dev"
    assert dev.name == "Geocodes Science on Schema"
    assert dev.description == "GeoCodes is..."
    assert dev.hostname == "geocodes-dev"
    assert dev.graph == TenantGraph("test", "test_summary")
    assert not dev.takes_all
    assert everything.takes_all
    assert everything.graph == TenantGraph("geocodes_test", "geocodes_test_summary")
    assert config.communities == ("dev", "geocodesall")


def test_all_expands_to_every_source_in_order() -> None:
    config = parse_tenant_config(fixture_bytes("ingest_tenant_prod.yaml"), "tenant.yaml")
    expanded = expand_tenants(config, ["r2r", "iris", "bcodmo", "amgeo"])
    assert [(t.community, t.sources) for t in expanded.tenants] == [
        ("production", ("bcodmo", "r2r")),
        ("geocodesall", ("r2r", "iris", "bcodmo", "amgeo")),
        ("deepoceans", ("bcodmo", "r2r")),
    ]
    assert expanded.tenants[1].declared_sources == ("all",)


def test_all_mixed_with_names_warns_and_dedupes() -> None:
    text = "tenant:\n- community: c\n  graph: {main_namespace: m}\n  sources: [iris, all]\n"
    config = parse_tenant_config(text, "tenant.yaml")
    assert [p.where for p in config.problems] == ["tenant.yaml: tenant[0].sources"]
    assert expand_tenants(config, ["r2r", "iris"]).tenants[0].sources == ("iris", "r2r")


def test_tenants_root_key_and_dict_shape() -> None:
    text = """
tenants:
  dev:
    graph: {main_namespace: dev, summary_namespace: dev_summary}
    sources: [iris]
"""
    config = parse_tenant_config(text, "tenant.yaml")
    assert config.root_key == "tenants"
    assert [(t.community, t.sources, t.path) for t in config.tenants] == [
        ("dev", ("iris",), "tenants.dev")
    ]
    assert [(p.check, p.where) for p in config.problems] == [
        (SCHEDULER_LOADABLE, "tenant.yaml: tenants")
    ]


def test_several_root_keys_prefer_tenant() -> None:
    text = "tennant: [{community: old, sources: [a]}]\ntenant: [{community: new, sources: [b]}]\n"
    config = parse_tenant_config(text, "tenant.yaml")
    assert config.root_key == "tenant"
    assert config.communities == ("new",)
    assert "several root keys (tenant, tennant)" in config.problems[0].message


def test_missing_tenant_sources_are_errors() -> None:
    config = parse_tenant_config(
        fixture_bytes("gleanerio_oih_tenant_branch-dev.yaml"), "tenant.yaml"
    )
    problems = check_tenant_sources(config, ["aquadocs", "benguelacc"], "gleanerconfig.yaml")
    assert [(p.severity, p.check, str(p)) for p in problems] == [
        (
            "error",
            TENANT_SOURCES_EXIST,
            "tenant.yaml: tenant[0].sources: community 'dev' lists source 'africaioc', "
            "which is not in gleanerconfig.yaml",
        )
    ]
    assert check_tenant_sources(config, ["africaioc"], "gleanerconfig.yaml") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a mapping with `tenant` or `tenants` or `tennant`: empty document"),
        ("- a\n", "expected a mapping with `tenant` or `tenants` or `tennant`: got a list"),
        ("sources: []\n", "no tenant root key (tenant, tenants, tennant); found sources"),
    ],
)
def test_not_a_tenant_file(text: str, message: str) -> None:
    config = parse_tenant_config(text, "tenant.yaml")
    assert not config.parsed
    assert config.parse_problem is not None and config.parse_problem.message == message
    assert config.tenants == ()


def test_invalid_yaml_names_line_and_column() -> None:
    text = "tenant:\n  - community: dev\n    sources: [iris\n"
    config = parse_tenant_config(text, "tenant.yaml")
    assert not config.parsed
    problem = config.parse_problem
    assert problem is not None
    assert problem.name == "tenant.yaml"
    assert problem.line == 4 and problem.column == 1
    assert problem.where == "tenant.yaml: line 4, column 1"


def test_malformed_communities() -> None:
    text = """
tenant:
- community: ok
  graph: {main_namespace: ok}
  sources: [a, 3, {x: 1}, '']
- not a mapping
- name: no community
  sources: [a]
- community: nograph
  sources: a
- community: ok
  graph: text
  sources: [b]
"""
    config = parse_tenant_config(text, "tenant.yaml")
    assert config.parsed
    assert config.communities == ("ok", "nograph", "ok")
    assert config.tenants[0].declared_sources == ("a", "3")
    assert config.tenants[1].graph is None and config.tenants[1].declared_sources == ()
    problems = [(p.severity, str(p)) for p in config.problems]
    assert problems == [
        ("error", "tenant.yaml: tenant[0].sources[2]: expected text, got a mapping"),
        ("error", "tenant.yaml: tenant[0].sources[3]: empty source name"),
        (
            "error",
            "tenant.yaml: tenant[1]: expected a mapping (one community), "
            "got text ('not a mapping')",
        ),
        ("error", "tenant.yaml: tenant[2].community: missing"),
        (
            "error",
            "tenant.yaml: tenant[3].sources: expected a list of source names, got text ('a')",
        ),
        ("warning", "tenant.yaml: tenant[3].graph: missing: the community has no graph namespaces"),
        (
            "error",
            "tenant.yaml: tenant[4].graph: expected a mapping of namespaces, got text ('text')",
        ),
        (
            "error",
            "tenant.yaml: tenant[4].community: duplicate community 'ok' (first at tenant[0])",
        ),
    ]
    assert {p.check for p in config.problems} == {CONFIG_PARSES}
