"""parse_gleaner_config on inline YAML: dict-shaped sources, boolean spellings, wrong types,
duplicate names and documents that are not configs at all."""

from __future__ import annotations

import pytest

from infra_monitor.gleaner.config import parse_gleaner_config
from infra_monitor.gleaner.yamlload import (
    CONFIG_PARSES,
    SCHEDULER_LOADABLE,
    UNIQUE_SOURCE_NAMES,
)

DICT_SHAPED = """
minio: {bucket: b}
gleaner: {runid: x}
context: {cache: true}
contextmaps: []
summoner: {mode: full}
millers: {graph: true}
sources:
  iris:
    url: http://ds.iris.edu/files/sitemap.xml
    sourcetype: sitemap
    active: 'TRUE'
  r2r:
    name: r2r
    active: no
    headless: 'Yes'
  bare:
"""


def test_dict_shaped_sources() -> None:
    config = parse_gleaner_config(DICT_SHAPED, "cfg.yaml")
    assert config.sources_shape == "mapping"
    assert config.source_names == ("iris", "r2r", "bare")
    iris, r2r, bare = config.sources
    assert (iris.active, iris.active_declared, iris.url, iris.path) == (
        True,
        True,
        "http://ds.iris.edu/files/sitemap.xml",
        "sources.iris",
    )
    assert (r2r.active, r2r.active_declared, r2r.headless) == (False, False, True)
    assert (bare.active, bare.active_declared) == (True, None)
    # One warning for the shape; no per-source scheduler warnings (it cannot load it at all).
    assert [(p.severity, p.check, p.where) for p in config.problems] == [
        ("warning", SCHEDULER_LOADABLE, "cfg.yaml: sources")
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("'true'", True),
        ("'TRUE'", True),
        ("'True'", True),
        ("'false'", False),
        ("'FALSE'", False),
        ("'yes'", True),
        ("'No'", False),
        ("yes", True),
        ("off", False),
        ("1", True),
        ("0", False),
    ],
)
def test_boolean_spellings(value: str, expected: bool) -> None:
    text = f"sources:\n- name: a\n  active: {value}\n  headless: {value}\n"
    source = parse_gleaner_config(text, "cfg.yaml").sources[0]
    assert (source.active, source.active_declared, source.headless) == (
        expected,
        expected,
        expected,
    )


def test_text_false_warns_that_the_scheduler_would_harvest_it() -> None:
    config = parse_gleaner_config("sources:\n- name: a\n  active: 'false'\n", "cfg.yaml")
    assert config.sources[0].active is False
    warnings = [p for p in config.problems if p.where == "cfg.yaml: sources[0].active"]
    assert [(p.severity, p.check) for p in warnings] == [("warning", SCHEDULER_LOADABLE)]
    assert "the scheduler harvests any non-empty text" in warnings[0].message


def test_unreadable_boolean_is_an_error_and_counts_as_active() -> None:
    text = "sources:\n- name: a\n  active: maybe\n  headless: [1]\n"
    config = parse_gleaner_config(text, "cfg.yaml")
    source = config.sources[0]
    assert (source.active, source.active_declared, source.headless) == (True, None, False)
    errors = {p.where: p.message for p in config.problems if p.severity == "error"}
    assert errors["cfg.yaml: sources[0].active"].startswith("not a boolean: 'maybe'")
    assert errors["cfg.yaml: sources[0].headless"].startswith("not a boolean: [1]")


def test_wrong_types_name_the_field_path() -> None:
    text = """
sources:
- name: ok
  active: true
- just text
- active: true
- name: {a: 1}
  active: true
- name: second
  active: true
  url: [http://a, http://b]
  pid: 42
"""
    config = parse_gleaner_config(text, "gleanerconfig.yaml")
    assert config.parsed
    assert config.source_names == ("ok", "second")
    assert config.sources[1].url is None
    assert config.sources[1].pid == "42"
    errors = [str(p) for p in config.problems if p.severity == "error"]
    assert errors == [
        "gleanerconfig.yaml: sources[1]: expected a mapping (one source), got text ('just text')",
        "gleanerconfig.yaml: sources[2].name: missing",
        "gleanerconfig.yaml: sources[3].name: expected text, got a mapping",
        "gleanerconfig.yaml: sources[4].url: expected text, got a list",
    ]
    assert {p.check for p in config.problems} == {CONFIG_PARSES, SCHEDULER_LOADABLE}


def test_sources_as_text_is_an_error() -> None:
    config = parse_gleaner_config("sources: iris, r2r\n", "gleanerconfig.yaml")
    assert config.parsed and config.sources_shape == "invalid" and config.sources == ()
    errors = [str(p) for p in config.problems if p.severity == "error"]
    assert errors == [
        "gleanerconfig.yaml: sources: expected a list of sources, got text ('iris, r2r')"
    ]


def test_empty_sources_list_warns() -> None:
    config = parse_gleaner_config("sources: []\n", "gleanerconfig.yaml")
    assert config.sources_shape == "list" and config.sources == ()
    assert "nothing to harvest" in config.problems[-1].message


def test_duplicate_names() -> None:
    text = """
sources:
- {name: iris, active: true}
- {name: r2r, active: true}
- {name: iris, active: false}
- {name: r2r, active: true}
- {name: iris, active: true}
"""
    config = parse_gleaner_config(text, "gleanerconfig.yaml")
    assert config.source_names == ("iris", "r2r", "iris", "r2r", "iris")  # rows kept, in order
    dupes = [str(p) for p in config.problems if p.check == UNIQUE_SOURCE_NAMES]
    assert dupes == [
        "gleanerconfig.yaml: sources[2].name: duplicate source name 'iris' (first at sources[0])",
        "gleanerconfig.yaml: sources[3].name: duplicate source name 'r2r' (first at sources[1])",
        "gleanerconfig.yaml: sources[4].name: duplicate source name 'iris' (first at sources[0])",
    ]
    assert all(p.severity == "error" for p in config.problems if p.check == UNIQUE_SOURCE_NAMES)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty document: no gleaner config"),
        ("just text\n", "expected a mapping with `sources`, got text ('just text')"),
        ("42\n", "expected a mapping with `sources`, got a number"),
    ],
)
def test_not_a_config_at_all(text: str, message: str) -> None:
    config = parse_gleaner_config(text, "gleanerconfig.yaml")
    assert not config.parsed
    assert config.parse_problem is not None
    assert config.parse_problem.message == message
    assert [p.check for p in config.problems] == [CONFIG_PARSES]


def test_minio_values_are_never_kept() -> None:
    text = "minio: {accessKey: AKIA-SECRET, secretKey: s3cr3t}\nsources: []\n"
    config = parse_gleaner_config(text, "gleanerconfig.yaml")
    assert "s3cr3t" not in repr(config) and "AKIA-SECRET" not in repr(config)
    assert config.top_level_keys == ("minio", "sources")
