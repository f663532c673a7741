"""The scheduler's tenant file (``tenant.yaml``, formerly ``tennant.yaml``), parsed.

The root key is ``tenant``, ``tenants`` or the misspelled ``tennant`` (facts.TENANT_ROOT_KEYS);
under it, a list of communities, each with ``community``, optional ``name``, ``description``,
``hostname``, ``url``, ``logo``, ``graph: {main_namespace, summary_namespace}`` and
``sources``. A community whose sources are ``[all]`` takes every source of the gleaner config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from infra_monitor.gleaner import facts
from infra_monitor.gleaner.yamlload import (
    SCHEDULER_LOADABLE,
    TENANT_SOURCES_EXIST,
    ParseProblem,
    Problem,
    ProblemLog,
    YamlSyntaxError,
    as_optional_str,
    load_yaml,
    type_name,
)

_TEXT_FIELDS = ("name", "description", "hostname", "url", "logo")


@dataclass(frozen=True)
class TenantGraph:
    """The triplestore namespaces a community's graph is released into."""

    main_namespace: str | None = None
    summary_namespace: str | None = None

    def to_json_dict(self) -> dict[str, str | None]:
        """``{"main_namespace": ..., "summary_namespace": ...}``."""
        return {"main_namespace": self.main_namespace, "summary_namespace": self.summary_namespace}


@dataclass(frozen=True)
class TenantRecord:
    """One community of the tenant file.

    ``declared_sources`` is the list as written (may be ``("all",)``); ``sources`` is the
    expanded list once :func:`expand_tenants` ran (equal to ``declared_sources`` before).
    """

    community: str
    name: str | None = None
    description: str | None = None
    hostname: str | None = None
    url: str | None = None
    logo: str | None = None
    graph: TenantGraph | None = None
    declared_sources: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    path: str = ""

    @property
    def takes_all(self) -> bool:
        """True when the community declares the ``all`` pseudo-source."""
        return facts.ALL_SOURCES in self.declared_sources


@dataclass(frozen=True)
class TenantConfig:
    """A parsed tenant file: the root key used, its communities in file order, and problems."""

    name: str
    root_key: str | None = None
    tenants: tuple[TenantRecord, ...] = ()
    problems: tuple[Problem, ...] = ()
    parse_problem: ParseProblem | None = None

    @property
    def parsed(self) -> bool:
        """True when the file was read as a tenant file (problems may still be listed)."""
        return self.parse_problem is None

    @property
    def communities(self) -> tuple[str, ...]:
        """The community names in file order."""
        return tuple(t.community for t in self.tenants)


def parse_tenant_config(text: bytes | str, name: str) -> TenantConfig:
    """Parse a tenant file; ``name`` (object key or path) prefixes every problem.

    ``all`` is kept as declared; call :func:`expand_tenants` with the gleaner config's source
    names to expand it. Never raises on bad content.
    """
    try:
        data = load_yaml(text, name)
    except YamlSyntaxError as exc:
        return _unparsed(name, exc.problem)
    if not isinstance(data, dict):
        found = "empty document" if data is None else f"got {type_name(data)}"
        keys = " or ".join(f"`{k}`" for k in facts.TENANT_ROOT_KEYS)
        return _unparsed(name, ParseProblem(name, f"expected a mapping with {keys}: {found}"))
    present = [k for k in facts.TENANT_ROOT_KEYS if k in data]
    if not present:
        keys = ", ".join(facts.TENANT_ROOT_KEYS)
        found = ", ".join(str(k) for k in data) or "nothing"
        message = f"no tenant root key ({keys}); found {found}"
        return _unparsed(name, ParseProblem(name, message))

    log = ProblemLog(name)
    root = present[0]
    if len(present) > 1:
        log.warning("", f"several root keys ({', '.join(present)}); using `{root}`")
    if root != facts.SCHEDULER_TENANT_ROOT_KEY:
        legacy = " (the legacy misspelling)" if root == "tennant" else ""
        log.warning(
            root,
            f"root key `{root}`{legacy}: the scheduler reads "
            f"`{facts.SCHEDULER_TENANT_ROOT_KEY}` and would fail",
            SCHEDULER_LOADABLE,
        )
    tenants = _parse_communities(data[root], root, log)
    return TenantConfig(name, root, tuple(tenants), tuple(log.problems))


def _unparsed(name: str, problem: ParseProblem) -> TenantConfig:
    return TenantConfig(name, problems=(problem.to_problem(),), parse_problem=problem)


def _parse_communities(raw: object, root: str, log: ProblemLog) -> list[TenantRecord]:
    if raw is None:
        log.warning(root, "empty: no communities")
        return []
    if isinstance(raw, dict):
        items: Iterable[tuple[str, object, str | None]] = (
            (f"{root}.{k}", {} if v is None else v, str(k)) for k, v in raw.items()
        )
    elif isinstance(raw, list):
        items = ((f"{root}[{i}]", v, None) for i, v in enumerate(raw))
    else:
        log.error(root, f"expected a list of communities, got {type_name(raw)}")
        return []
    records: list[TenantRecord] = []
    seen: dict[str, str] = {}
    for path, entry, key_name in items:
        record = _parse_community(entry, path, log, key_name)
        if record is None:
            continue
        if record.community in seen:
            log.error(
                f"{path}.community",
                f"duplicate community {record.community!r} (first at {seen[record.community]})",
            )
        else:
            seen[record.community] = path
        records.append(record)
    return records


def _parse_community(
    entry: object, path: str, log: ProblemLog, key_name: str | None
) -> TenantRecord | None:
    if not isinstance(entry, dict):
        log.error(path, f"expected a mapping (one community), got {type_name(entry)}")
        return None
    community = _text(entry, "community", path, log) or key_name
    if not community:
        log.error(f"{path}.community", "missing")
        return None
    text = {key: _text(entry, key, path, log) for key in _TEXT_FIELDS}
    sources = _sources(entry.get("sources"), f"{path}.sources", community, log)
    return TenantRecord(
        community=community,
        graph=_graph(entry.get("graph"), f"{path}.graph", log),
        declared_sources=sources,
        sources=sources,
        path=path,
        **text,
    )


def _text(entry: Mapping[Any, Any], key: str, path: str, log: ProblemLog) -> str | None:
    try:
        return as_optional_str(entry.get(key))
    except TypeError as exc:
        log.error(f"{path}.{key}", str(exc))
        return None


def _graph(raw: object, path: str, log: ProblemLog) -> TenantGraph | None:
    if raw is None:
        log.warning(path, "missing: the community has no graph namespaces")
        return None
    if not isinstance(raw, dict):
        log.error(path, f"expected a mapping of namespaces, got {type_name(raw)}")
        return None
    return TenantGraph(
        main_namespace=_text(raw, "main_namespace", path, log),
        summary_namespace=_text(raw, "summary_namespace", path, log),
    )


def _sources(raw: object, path: str, community: str, log: ProblemLog) -> tuple[str, ...]:
    if raw is None:
        log.warning(path, f"community {community!r} lists no sources")
        return ()
    if not isinstance(raw, list):
        log.error(path, f"expected a list of source names, got {type_name(raw)}")
        return ()
    names: list[str] = []
    for i, item in enumerate(raw):
        try:
            value = as_optional_str(item)
        except TypeError as exc:
            log.error(f"{path}[{i}]", str(exc))
            continue
        if not value:
            log.error(f"{path}[{i}]", "empty source name")
            continue
        names.append(value)
    if facts.ALL_SOURCES in names and len(names) > 1:
        log.warning(
            path,
            f"community {community!r} lists `{facts.ALL_SOURCES}` with other sources; "
            "it takes every source",
        )
    if not names:
        log.warning(path, f"community {community!r} lists no sources")
    return tuple(names)


def expand_tenants(config: TenantConfig, source_names: Sequence[str]) -> TenantConfig:
    """``config`` with each community's ``all`` replaced by ``source_names`` (order kept).

    Names a community lists explicitly keep their order; duplicates are dropped.
    """
    tenants = []
    for tenant in config.tenants:
        expanded: list[str] = []
        for name in tenant.declared_sources:
            expanded.extend(source_names if name == facts.ALL_SOURCES else (name,))
        tenants.append(replace(tenant, sources=tuple(dict.fromkeys(expanded))))
    return replace(config, tenants=tuple(tenants))


def check_tenant_sources(
    config: TenantConfig, source_names: Iterable[str], gleaner_name: str
) -> tuple[Problem, ...]:
    """One ``tenant_sources_exist`` error per community source missing from the gleaner config."""
    known = set(source_names)
    problems = []
    for tenant in config.tenants:
        for name in tenant.declared_sources:
            if name == facts.ALL_SOURCES or name in known:
                continue
            problems.append(
                Problem(
                    "error",
                    f"{config.name}: {tenant.path}.sources",
                    f"community {tenant.community!r} lists source {name!r}, "
                    f"which is not in {gleaner_name}",
                    TENANT_SOURCES_EXIST,
                )
            )
    return tuple(problems)
