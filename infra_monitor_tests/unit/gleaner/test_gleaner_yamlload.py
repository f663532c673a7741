"""load_yaml's problems and the value coercions shared by the parsers."""

from __future__ import annotations

import datetime as dt

import pytest

from infra_monitor.gleaner.yamlload import (
    ParseProblem,
    Problem,
    YamlSyntaxError,
    as_optional_str,
    load_yaml,
    parse_bool,
)


def test_load_yaml_reads_bytes_and_text() -> None:
    assert load_yaml(b"a: 1\n", "x.yaml") == {"a": 1}
    assert load_yaml("a: [1, 2]\n", "x.yaml") == {"a": [1, 2]}


def test_syntax_error_is_one_based() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml("a: 1\nb: c: d\n", "x.yaml")
    problem = info.value.problem
    assert (problem.name, problem.line, problem.column) == ("x.yaml", 2, 5)
    assert str(info.value) == "x.yaml: line 2, column 5: mapping values are not allowed here"


def test_syntax_error_with_context() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml("a:\n  - 1\n b: 2\n", "x.yaml")
    problem = info.value.problem
    assert problem.line == 3
    assert "while parsing a block mapping started at line 1" in problem.message


def test_unsafe_tags_are_problems_not_tracebacks() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml("a: !!python/object/apply:os.system ['true']\n", "x.yaml")
    assert info.value.problem.line == 1


def test_bad_bytes_are_problems() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml(b"a: \xff\xfe\x00bad\n", "x.yaml")
    assert info.value.problem.name == "x.yaml"
    assert info.value.problem.line is None


def test_parse_problem_where_and_to_problem() -> None:
    assert ParseProblem("x.yaml", "m").where == "x.yaml"
    assert ParseProblem("x.yaml", "m", 3).where == "x.yaml: line 3"
    problem = ParseProblem("x.yaml", "m", 3, 4).to_problem()
    assert problem == Problem("error", "x.yaml: line 3, column 4", "m", "config_parses")
    assert problem.to_json_dict() == {
        "severity": "error",
        "where": "x.yaml: line 3, column 4",
        "message": "m",
        "check": "config_parses",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        ("TRUE", True),
        (" False ", False),
        ("yes", True),
        ("NO", False),
        ("on", True),
        ("off", False),
    ],
)
def test_parse_bool(value: object, expected: bool | None) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize("value", ["", "maybe", 2, 1.5, [], {}])
def test_parse_bool_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        parse_bool(value)


def test_as_optional_str() -> None:
    assert as_optional_str(None) is None
    assert as_optional_str("a") == "a"
    assert as_optional_str(42) == "42"
    assert as_optional_str(dt.date(2021, 2, 26)) == "2021-02-26"
    bad_values: tuple[object, ...] = (True, [], {})
    for bad in bad_values:
        with pytest.raises(TypeError):
            as_optional_str(bad)
