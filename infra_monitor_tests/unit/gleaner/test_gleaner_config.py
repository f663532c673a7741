"""parse_gleaner_config over every real gleaner config fixture, and inline edge cases."""

from __future__ import annotations

from collections import Counter

import pytest

from infra_monitor.gleaner.config import GleanerConfig, SourceRecord, parse_gleaner_config
from infra_monitor.gleaner.yamlload import (
    CONFIG_PARSES,
    SCHEDULER_LOADABLE,
    UNIQUE_SOURCE_NAMES,
)
from infra_monitor_tests.unit.gleaner.conftest import (
    CFGBUILDER_ROWS,
    DATA_DIR,
    GLEANER_CONFIGS,
    INVALID_CONFIGS,
    NABU_CONFIGS,
    PREFIX_CONFIGS,
    REGISTRIES,
    TENANT_FILES,
    fixture_bytes,
)

FULL_SECTIONS = ("minio", "gleaner", "context", "contextmaps", "summoner", "millers", "sources")


def parse(name: str) -> GleanerConfig:
    return parse_gleaner_config(fixture_bytes(name), name)


def checks(config: GleanerConfig) -> Counter[tuple[str, str]]:
    return Counter((p.severity, p.check) for p in config.problems)


def test_every_yaml_fixture_is_classified() -> None:
    """No fixture is forgotten by the tables in conftest.py."""
    classified = (
        set(GLEANER_CONFIGS)
        | set(PREFIX_CONFIGS)
        | set(INVALID_CONFIGS)
        | set(REGISTRIES)
        | set(NABU_CONFIGS)
        | set(TENANT_FILES)
        | {CFGBUILDER_ROWS}
    )
    assert {p.name for p in DATA_DIR.glob("*.yaml")} == classified


@pytest.mark.parametrize("name", sorted(GLEANER_CONFIGS))
def test_real_configs_match_the_readme_counts(name: str) -> None:
    total, declared_true = GLEANER_CONFIGS[name]
    config = parse(name)
    assert config.parsed
    assert config.sources_shape == "list"
    assert len(config.sources) == total
    assert sum(s.active_declared is True for s in config.sources) == declared_true
    assert set(config.top_level_keys) == set(FULL_SECTIONS)
    assert not [p for p in config.problems if p.severity == "error"]
    assert len(set(config.source_names)) == total  # no duplicate names in the real configs


@pytest.mark.parametrize(
    ("name", "active"),
    [
        ("oih_gleanerconfig.yaml", 26),
        ("cfgbuilder_iow_gleanerconfig.yaml", 181),
        ("gleaner_template_v3.0_gleanerconfig.yaml", 0),
        ("eco_gleanerconfig_branch-master.yaml", 23),
        ("nsdf_gleanerconfig.yaml", 65),  # every `active` missing: counted as active
        ("odis_odiscat_gleanerconfig.yaml", 88),  # every `active` null: counted as active
    ],
)
def test_active_sources_as_the_monitor_counts_them(name: str, active: int) -> None:
    assert len(parse(name).active_sources) == active


def test_oih_values() -> None:
    config = parse("oih_gleanerconfig.yaml")
    assert config.source_names[:2] == ("aquadocs", "benguelacc")
    assert config.sources[0] == SourceRecord(
        name="aquadocs",
        active=True,
        active_declared=True,
        proper_name="AquaDocs",
        source_type="sitegraph",
        url="https://oih.aquadocs.org/aquadocs.json",
        domain="https://aquadocs.org",
        headless=False,
        pid="https://catalogue.odis.org/view/3215",
        logo="https://aquadocs.org/themes/OR//images/repo-logo.png",
        path="sources[0]",
    )
    assert Counter(s.source_type for s in config.sources) == {"sitegraph": 11, "sitemap": 17}
    assert config.problems == ()
    assert config.top_level_keys == (
        "minio",
        "gleaner",
        "context",
        "contextmaps",
        "summoner",
        "millers",
        "sources",
    )


def test_nsdf_every_source_lacks_active_so_the_scheduler_would_fail() -> None:
    config = parse("nsdf_gleanerconfig.yaml")
    assert len(config.sources) == 65
    assert all(s.active and s.active_declared is None for s in config.sources)
    assert checks(config) == {("warning", SCHEDULER_LOADABLE): 65}
    first = config.problems[0]
    assert first.where == "nsdf_gleanerconfig.yaml: sources[0].active"
    assert "'arecibo'" in first.message and "KeyError" in first.message
    named = {p.message.split("'")[1] for p in config.problems}
    assert named == set(config.source_names)


def test_cfgbuilder_iow_text_booleans() -> None:
    config = parse("cfgbuilder_iow_gleanerconfig.yaml")
    assert len(config.active_sources) == 181
    assert all(s.active_declared is True and s.headless is False for s in config.sources)
    first = config.sources[0]
    assert (first.name, first.domain, first.source_type) == (
        "nwisgw20",
        "https://geoconnex.us",
        "sitemap",
    )
    assert config.problems == ()  # 'true' text: the scheduler agrees


def test_odiscat_null_fields_and_null_active() -> None:
    config = parse("odis_odiscat_gleanerconfig.yaml")
    first = config.sources[0]
    assert first.name == "3313benguelacurr"
    assert first.proper_name == "Benguela Current Convention Spatial Data Portal"
    assert first.pid == "https://catalogue.odis.org/view/3313"
    assert (first.source_type, first.domain, first.logo) == (None, None, None)
    assert (first.active, first.active_declared, first.headless) == (True, None, False)
    assert all(s.source_type is None for s in config.sources)
    assert checks(config) == {("warning", SCHEDULER_LOADABLE): 88}
    assert "`active: null`" in config.problems[0].message


def test_headless_sources() -> None:
    config = parse("a_test_headless_gleanerconfig.yaml")
    assert sum(s.headless for s in config.sources) >= 1


@pytest.mark.parametrize("name", INVALID_CONFIGS)
def test_concatenated_configs_give_a_parse_problem_with_line_and_column(name: str) -> None:
    config = parse(name)
    assert not config.parsed
    assert config.sources == ()
    assert config.sources_shape == "unparsed"
    problem = config.parse_problem
    assert problem is not None
    assert (problem.name, problem.line, problem.column) == (name, 602, 22)
    assert problem.message == "mapping values are not allowed here"
    assert [str(p) for p in config.problems] == [
        f"{name}: line 602, column 22: mapping values are not allowed here"
    ]
    assert config.problems[0].check == CONFIG_PARSES


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("cfgbuilder_iow_gleanerconfigPREFIX.yaml", "null"),
        ("cfgbuilder_oih_gleanerconfigPREFIX.yaml", "missing"),
        ("odis_gleanerconfig_prefix.yaml", "missing"),
    ],
)
def test_prefix_templates_have_no_sources(name: str, shape: str) -> None:
    config = parse(name)
    assert config.parsed
    assert config.sources == ()
    assert config.sources_shape == shape
    assert checks(config) == {("warning", SCHEDULER_LOADABLE): 1}
    assert config.problems[0].where == f"{name}: sources"


@pytest.mark.parametrize(("name", "total"), sorted(REGISTRIES.items()))
def test_odis_registries_parse_with_a_warning(name: str, total: int) -> None:
    config = parse(name)
    assert config.parsed
    assert config.top_level_keys == ("sources",)
    assert len(config.sources) == total
    assert len(config.active_sources) == total
    assert checks(config) == {("warning", SCHEDULER_LOADABLE): 1}
    assert "not a complete gleaner config" in config.problems[0].message
    assert config.problems[0].where == name


def test_odis_production_registry_values() -> None:
    config = parse("odis_production-sources.yaml")
    acma = config.sources[0]
    assert acma.name == "acma"
    assert acma.pid == "https://catalogue.odis.org/view/3125"
    assert acma.source_type == "sitemap"
    assert Counter(s.source_type for s in config.sources) == {"sitemap": 49, "sitegraph": 8}


def test_cfgbuilder_rows_are_read_and_flagged() -> None:
    config = parse(CFGBUILDER_ROWS)
    assert config.parsed
    assert config.sources_shape == "rows"
    assert len(config.sources) == 21
    assert len(config.active_sources) == 21
    first = config.sources[0]
    assert (first.name, first.proper_name, first.source_type, first.url) == (
        "opentopography",
        "OpenTopography",
        "sitemap",
        "https://portal.opentopography.org/sitemap.xml",
    )
    assert first.path == "[0]"
    errors = [p for p in config.problems if p.check == SCHEDULER_LOADABLE]
    assert len(errors) == 1 and errors[0].severity == "error"
    assert "cfgBuilder" in errors[0].message
    # The real file lists opentopography and iris twice.
    dupes = [str(p) for p in config.problems if p.check == UNIQUE_SOURCE_NAMES]
    assert dupes == [
        f"{CFGBUILDER_ROWS}: [5].name: duplicate source name 'opentopography' (first at [0])",
        f"{CFGBUILDER_ROWS}: [10].name: duplicate source name 'iris' (first at [1])",
    ]


@pytest.mark.parametrize("name", NABU_CONFIGS)
def test_a_nabu_config_is_not_a_gleaner_config(name: str) -> None:
    config = parse(name)
    assert config.parsed and config.sources == ()
    assert [p.where for p in config.problems] == [name, f"{name}: sources"]
