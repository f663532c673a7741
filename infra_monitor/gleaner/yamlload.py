"""Safe YAML loading and the problem records shared by the parsers of the scheduler's files.

Every parser in this package turns what it reads into typed records plus a tuple of
:class:`Problem`; nothing here raises on bad input except :func:`load_yaml`, which raises
:class:`YamlSyntaxError` carrying a :class:`ParseProblem` (file, 1-based line and column).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

Severity = Literal["error", "warning"]

# --- problem classes, one per Dagster asset check that selects them -------------------------
CONFIG_PARSES = "config_parses"  # YAML syntax errors, wrong types, missing required fields
UNIQUE_SOURCE_NAMES = "unique_source_names"  # two sources share a name
TENANT_SOURCES_EXIST = "tenant_sources_exist"  # a tenant lists a source the config lacks
SCHEDULER_LOADABLE = "scheduler_loadable"  # the real scheduler would fail or disagree
CHECKS = (CONFIG_PARSES, UNIQUE_SOURCE_NAMES, TENANT_SOURCES_EXIST, SCHEDULER_LOADABLE)

_TRUE = frozenset({"true", "yes", "on", "y", "1"})
_FALSE = frozenset({"false", "no", "off", "n", "0"})


@dataclass(frozen=True)
class Problem:
    """Something wrong (``error``) or suspicious (``warning``) in a file, for one asset check.

    ``where`` names the file and, when known, the field path (``gleanerconfig.yaml:
    sources[3].name``) or the position (``gleanerconfig.yaml: line 602, column 22``).
    """

    severity: Severity
    where: str
    message: str
    check: str = CONFIG_PARSES

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"

    def to_json_dict(self) -> dict[str, str]:
        """The problem as a JSON-ready dict: severity, where, message and check."""
        return {
            "severity": self.severity,
            "where": self.where,
            "message": self.message,
            "check": self.check,
        }


@dataclass(frozen=True)
class ParseProblem:
    """A file that is not valid YAML: the file name, 1-based line and column, and why."""

    name: str
    message: str
    line: int | None = None
    column: int | None = None

    @property
    def where(self) -> str:
        """``name: line L, column C`` (or just the name when yaml gave no position)."""
        if self.line is None:
            return self.name
        if self.column is None:
            return f"{self.name}: line {self.line}"
        return f"{self.name}: line {self.line}, column {self.column}"

    def to_problem(self) -> Problem:
        """The same problem as a ``config_parses`` error."""
        return Problem("error", self.where, self.message, CONFIG_PARSES)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class YamlSyntaxError(ValueError):
    """Raised by :func:`load_yaml` when the text is not valid YAML."""

    def __init__(self, problem: ParseProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def load_yaml(text: bytes | str, name: str) -> Any:
    """Parse one YAML document with the safe loader, as the scheduler does (``yaml.safe_load``).

    Raises :class:`YamlSyntaxError` naming ``name`` and yaml's 1-based line and column; never
    lets a ``yaml.YAMLError`` (or a decoding error) escape.
    """
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or type(exc).__name__
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context}"
            if exc.context_mark is not None:
                message += f" started at line {exc.context_mark.line + 1}"
            message += ")"
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise YamlSyntaxError(ParseProblem(name, message, line, column)) from None
    except yaml.YAMLError as exc:  # ReaderError: bad encoding or control characters
        raise YamlSyntaxError(ParseProblem(name, _one_line(str(exc)))) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise YamlSyntaxError(ParseProblem(name, _one_line(str(exc)))) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_bool(value: object) -> bool | None:
    """``True``/``False`` for YAML booleans, 0/1 and strings such as 'true', 'FALSE', 'yes', 'no'.

    Returns None for None (an absent value); raises ValueError for anything else.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueError(f"not a boolean: {value!r}")


def as_optional_str(value: object) -> str | None:
    """A scalar as a string (None stays None, numbers and dates are formatted).

    Raises TypeError for mappings, lists and booleans, which are never meant as text here.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise TypeError(f"expected text, got a boolean ({value!r})")
    if isinstance(value, int | float | dt.date):
        return str(value)
    raise TypeError(f"expected text, got {type_name(value)}")


def type_name(value: object) -> str:
    """A reader-friendly name of a YAML value's type ('a mapping', 'a list', 'text'...)."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


@dataclass
class ProblemLog:
    """Collects problems for one file; ``path`` arguments are field paths such as sources[3].url."""

    name: str
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: str = "") -> str:
        """``name: path``, or just the name for file-level problems."""
        return f"{self.name}: {path}" if path else self.name

    def error(self, path: str, message: str, check: str = CONFIG_PARSES) -> None:
        """Record an error at ``path``."""
        self.problems.append(Problem("error", self.where(path), message, check))

    def warning(self, path: str, message: str, check: str = CONFIG_PARSES) -> None:
        """Record a warning at ``path``."""
        self.problems.append(Problem("warning", self.where(path), message, check))
