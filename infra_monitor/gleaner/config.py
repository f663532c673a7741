"""The scheduler's ``gleanerconfig.yaml``, parsed into typed records plus problems.

Shapes handled (see infra_monitor_tests/data/gleanerio/README.md):

- ``sources`` as a list of mappings (every public config) or as a name -> mapping (tolerated);
- ``active`` / ``headless`` as YAML booleans or text ('true', 'FALSE', 'yes'...), or null;
- ``sources:`` null or absent (PREFIX templates), ``sources`` only (ODIS source registries);
- a top-level list of capitalised rows (the cfgBuilder ``sources.yaml``): the rows are read
  case-insensitively, and an error says the scheduler cannot load such a file;
- invalid YAML (two configs concatenated): no sources and a :class:`ParseProblem`.

The monitor treats a missing or null ``active`` as active, but records ``active_declared`` and
warns (``scheduler_loadable``) where the real scheduler would fail or decide differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from infra_monitor.gleaner import facts
from infra_monitor.gleaner.yamlload import (
    SCHEDULER_LOADABLE,
    UNIQUE_SOURCE_NAMES,
    ParseProblem,
    Problem,
    ProblemLog,
    YamlSyntaxError,
    as_optional_str,
    load_yaml,
    parse_bool,
    type_name,
)

SourcesShape = Literal["list", "mapping", "rows", "missing", "null", "invalid", "unparsed"]

# SourceRecord attribute -> key in a gleaner config source entry.
_TEXT_FIELDS = (
    ("proper_name", "propername"),
    ("source_type", "sourcetype"),
    ("url", "url"),
    ("domain", "domain"),
    ("pid", "pid"),
    ("logo", "logo"),
)
_NAME = facts.SOURCE_NAME_KEY
_ACTIVE = facts.SOURCE_ACTIVE_KEY


@dataclass(frozen=True)
class SourceRecord:
    """One harvest source of the gleaner config.

    ``active`` is what the monitor assumes (missing or null counts as active);
    ``active_declared`` is what the file says (None when the key is missing, null or unreadable).
    ``path`` locates the entry in the file (``sources[3]`` or ``sources.iris``).
    """

    name: str
    active: bool = True
    active_declared: bool | None = None
    proper_name: str | None = None
    source_type: str | None = None
    url: str | None = None
    domain: str | None = None
    headless: bool = False
    pid: str | None = None
    logo: str | None = None
    path: str = ""
    report_url: str | None = None


@dataclass(frozen=True)
class GleanerConfig:
    """A parsed gleaner config: its sources in file order, top-level keys and problems.

    ``top_level_keys`` holds the section names only, never their values (``minio`` holds keys).
    ``parse_problem`` is set when the file could not be read as a config at all (invalid YAML,
    an empty document, or a top level that is neither a mapping nor a list).
    """

    name: str
    sources: tuple[SourceRecord, ...] = ()
    top_level_keys: tuple[str, ...] = ()
    sources_shape: SourcesShape = "list"
    problems: tuple[Problem, ...] = ()
    parse_problem: ParseProblem | None = None

    @property
    def parsed(self) -> bool:
        """True when the file was read as a config (problems may still be listed)."""
        return self.parse_problem is None

    @property
    def active_sources(self) -> tuple[SourceRecord, ...]:
        """The sources the monitor treats as active, in file order."""
        return tuple(s for s in self.sources if s.active)

    @property
    def source_names(self) -> tuple[str, ...]:
        """Every source name in file order (duplicates kept)."""
        return tuple(s.name for s in self.sources)


@dataclass
class _Builder:
    log: ProblemLog
    rows: bool = False  # cfgBuilder rows: capitalised keys, no per-source scheduler warnings
    scheduler_warnings: bool = True
    records: list[SourceRecord] = field(default_factory=list)


def parse_gleaner_config(text: bytes | str, name: str) -> GleanerConfig:
    """Parse the text of a gleaner config; ``name`` (object key or path) prefixes every problem.

    Never raises on bad content: invalid YAML gives ``parse_problem`` (with line and column)
    and wrong types give ``config_parses`` problems naming the field path.
    """
    try:
        data = load_yaml(text, name)
    except YamlSyntaxError as exc:
        return _unparsed(name, exc.problem)
    if data is None:
        return _unparsed(name, ParseProblem(name, "empty document: no gleaner config"))
    if isinstance(data, list):
        return _parse_rows(data, name)
    if not isinstance(data, dict):
        message = f"expected a mapping with `sources`, got {type_name(data)}"
        return _unparsed(name, ParseProblem(name, message))

    builder = _Builder(ProblemLog(name))
    keys = tuple(str(k) for k in data)
    _check_sections(keys, builder.log)
    shape = _parse_sources(data, builder)
    _check_unique(builder)
    return GleanerConfig(
        name=name,
        sources=tuple(builder.records),
        top_level_keys=keys,
        sources_shape=shape,
        problems=tuple(builder.log.problems),
    )


def _unparsed(name: str, problem: ParseProblem) -> GleanerConfig:
    return GleanerConfig(
        name=name,
        sources_shape="unparsed",
        problems=(problem.to_problem(),),
        parse_problem=problem,
    )


def _check_sections(keys: tuple[str, ...], log: ProblemLog) -> None:
    missing = [s for s in facts.GLEANER_CONFIG_SECTIONS if s not in keys]
    if missing and facts.GLEANER_SOURCES_KEY in keys:
        log.warning(
            "",
            f"no {', '.join(missing)} section: a source list (like the ODIS "
            "production-sources.yaml registry), not a complete gleaner config",
            SCHEDULER_LOADABLE,
        )
    elif missing:
        log.warning("", f"no {', '.join(missing)} section", SCHEDULER_LOADABLE)


def _parse_sources(data: Mapping[Any, Any], builder: _Builder) -> SourcesShape:
    log = builder.log
    key = facts.GLEANER_SOURCES_KEY
    if key not in data:
        log.warning(
            key,
            "missing (a PREFIX template?): the scheduler's config['sources'] raises KeyError",
            SCHEDULER_LOADABLE,
        )
        return "missing"
    raw = data[key]
    if raw is None:
        log.warning(
            key, "empty (a PREFIX template?): the scheduler cannot iterate it", SCHEDULER_LOADABLE
        )
        return "null"
    if isinstance(raw, list):
        if not raw:
            log.warning(key, "an empty list: nothing to harvest", SCHEDULER_LOADABLE)
        for i, entry in enumerate(raw):
            _add_entry(entry, f"{key}[{i}]", builder)
        return "list"
    if isinstance(raw, dict):
        log.warning(
            key,
            "a mapping of name -> source: the scheduler expects a list of sources and would fail",
            SCHEDULER_LOADABLE,
        )
        builder.scheduler_warnings = False
        for source_key, entry in raw.items():
            _add_entry(
                {} if entry is None else entry, f"{key}.{source_key}", builder, str(source_key)
            )
        return "mapping"
    log.error(key, f"expected a list of sources, got {type_name(raw)}")
    return "invalid"


def _parse_rows(data: list[Any], name: str) -> GleanerConfig:
    builder = _Builder(ProblemLog(name), rows=True, scheduler_warnings=False)
    builder.log.error(
        "",
        "the top level is a list of source rows (the cfgBuilder sources.yaml format), not a "
        "gleaner config: the scheduler reads config['sources'] and would fail",
        SCHEDULER_LOADABLE,
    )
    for i, entry in enumerate(data):
        _add_entry(entry, f"[{i}]", builder)
    _check_unique(builder)
    return GleanerConfig(
        name=name,
        sources=tuple(builder.records),
        sources_shape="rows",
        problems=tuple(builder.log.problems),
    )


def _add_entry(entry: object, path: str, builder: _Builder, key_name: str | None = None) -> None:
    record = _parse_entry(entry, path, builder, key_name)
    if record is not None:
        builder.records.append(record)


def _parse_entry(
    entry: object, path: str, builder: _Builder, key_name: str | None
) -> SourceRecord | None:
    log = builder.log
    if not isinstance(entry, dict):
        log.error(path, f"expected a mapping (one source), got {type_name(entry)}")
        return None
    fields: dict[str, Any] = (
        {str(k).lower(): v for k, v in entry.items()} if builder.rows else entry
    )
    name = _name(fields, path, log, key_name)
    if name is None:
        return None
    text: dict[str, str | None] = {}
    for attr, key in _TEXT_FIELDS:
        try:
            text[attr] = as_optional_str(fields.get(key))
        except TypeError as exc:
            log.error(f"{path}.{key}", str(exc))
            text[attr] = None
    declared = _active(fields, path, name, builder)
    return SourceRecord(
        name=name,
        active=True if declared is None else declared,
        active_declared=declared,
        headless=_headless(fields, path, log),
        path=path,
        **text,
    )


def _name(
    fields: Mapping[Any, Any], path: str, log: ProblemLog, key_name: str | None
) -> str | None:
    raw = fields.get(_NAME)
    if raw is None or raw == "":
        if key_name is not None:
            return key_name
        log.error(f"{path}.{_NAME}", "missing")
        return None
    try:
        name = as_optional_str(raw)
    except TypeError as exc:
        log.error(f"{path}.{_NAME}", str(exc))
        return None
    assert name is not None
    if key_name is not None and name != key_name:
        log.warning(
            f"{path}.{_NAME}", f"{name!r} differs from the key {key_name!r}; using {name!r}"
        )
    if name != name.strip():
        log.warning(f"{path}.{_NAME}", f"{name!r} has leading or trailing spaces")
    return name


def _active(fields: Mapping[Any, Any], path: str, name: str, builder: _Builder) -> bool | None:
    log = builder.log
    where = f"{path}.{_ACTIVE}"
    if _ACTIVE not in fields:
        if builder.scheduler_warnings:
            log.warning(
                where,
                f"source {name!r} has no `active` key: the scheduler's t['active'] raises "
                "KeyError; the monitor counts it as active",
                SCHEDULER_LOADABLE,
            )
        return None
    raw = fields[_ACTIVE]
    try:
        declared = parse_bool(raw)
    except ValueError as exc:
        log.error(where, f"{exc}; the monitor counts source {name!r} as active")
        return None
    if not builder.scheduler_warnings:
        return declared
    if raw is None:
        log.warning(
            where,
            f"source {name!r} has `active: null`: the scheduler skips it, the monitor counts "
            "it as active",
            SCHEDULER_LOADABLE,
        )
    elif isinstance(raw, str) and declared is False:
        log.warning(
            where,
            f"source {name!r} has `active: {raw!r}` (text): the scheduler harvests any "
            "non-empty text, the monitor counts it as inactive",
            SCHEDULER_LOADABLE,
        )
    return declared


def _headless(fields: Mapping[Any, Any], path: str, log: ProblemLog) -> bool:
    try:
        return bool(parse_bool(fields.get("headless")))
    except ValueError as exc:
        log.error(f"{path}.headless", f"{exc}; the monitor assumes false")
        return False


def _check_unique(builder: _Builder) -> None:
    first: dict[str, str] = {}
    for record in builder.records:
        if record.name in first:
            builder.log.error(
                f"{record.path}.{_NAME}",
                f"duplicate source name {record.name!r} (first at {first[record.name]})",
                UNIQUE_SOURCE_NAMES,
            )
        else:
            first[record.name] = record.path


__all__ = [
    "GleanerConfig",
    "SourceRecord",
    "SourcesShape",
    "parse_gleaner_config",
]
