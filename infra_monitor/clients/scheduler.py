"""The scheduler's Dagster GraphQL API, read with plain requests.

``runsOrError`` returns runs newest first (by storage id); the next page starts after the last
runId of the previous one, and every call passes an explicit ``limit``. Runs are parsed here,
once, into :class:`~infra_monitor.runs.records.RunRecord`; the monitor's own runs are dropped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from infra_monitor.clients.errors import SchedulerApiError
from infra_monitor.clients.http import make_session, request
from infra_monitor.gleaner import facts
from infra_monitor.runs.records import RunRecord, is_monitor_run, parse_run
from infra_monitor.settings import SchedulerSettings

log = logging.getLogger(__name__)

RUN_FIELDS = """
  runId jobName status creationTime startTime endTime updateTime
  tags { key value }
  repositoryOrigin { repositoryLocationName }
"""

RUNS_QUERY = """
query Runs($filter: RunsFilter, $cursor: String, $limit: Int) {
  runsOrError(filter: $filter, cursor: $cursor, limit: $limit) {
    __typename
    ... on Runs { results { RUN_FIELDS } }
    ... on PythonError { message }
    ... on InvalidPipelineRunsFilterError { message }
  }
}
""".replace("RUN_FIELDS", RUN_FIELDS)

LOCATIONS_QUERY = """
query Locations {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
    ... on PythonError { message }
  }
}
"""

_FAILURE_EVENTS = """
  ALIAS: logsForRun(runId: RUN_ID, limit: LIMIT) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on ExecutionStepFailureEvent { stepKey error { message cause { message } } }
        ... on RunFailureEvent { message error { message } }
      }
    }
  }
"""


@dataclass(frozen=True)
class LocationStatus:
    """One code location of the scheduler's workspace and its load error, if any."""

    name: str
    load_status: str
    error: str | None


@dataclass
class FetchResult:
    """Runs fetched by one paged query, after the monitor's own runs were dropped."""

    records: list[RunRecord] = field(default_factory=list)
    excluded: int = 0
    pages: int = 0


class SchedulerClient:
    """Reads runs and the workspace from one scheduler's GraphQL endpoint."""

    def __init__(
        self,
        graphql_url: str,
        ui_url: str = "",
        *,
        timeout_s: float = 30.0,
        page_limit: int = 500,
        exclude_code_locations: tuple[str, ...] = ("infra_monitor",),
        session: requests.Session | None = None,
    ) -> None:
        self.graphql_url = graphql_url
        self.ui_url = (ui_url or graphql_url.removesuffix("/graphql")).rstrip("/")
        self.timeout = (min(5.0, timeout_s), timeout_s)
        self.page_limit = page_limit
        self.exclude_code_locations = tuple(exclude_code_locations)
        self.session = session or make_session()
        self.requests_made = 0

    @classmethod
    def from_settings(cls, settings: SchedulerSettings) -> SchedulerClient:
        """A client configured from an environment's scheduler settings."""
        return cls(
            settings.graphql_url,
            settings.ui_url,
            timeout_s=settings.timeout_s,
            page_limit=settings.page_limit,
            exclude_code_locations=settings.exclude_code_locations,
        )

    def run_url(self, run_id: str) -> str:
        """The run's page in the scheduler's UI."""
        return f"{self.ui_url}/runs/{run_id}"

    def source_runs_url(self, source: str) -> str:
        """The scheduler UI's run list filtered to one source's partition tag."""
        tag = quote(f"tag:{facts.PARTITION_TAG}={source}", safe="")
        return f"{self.ui_url}/runs?q%5B0%5D={tag}"

    def query(self, text: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST one GraphQL query; raise SchedulerApiError on transport or GraphQL errors."""
        self.requests_made += 1
        response = request(
            self.session,
            "POST",
            self.graphql_url,
            SchedulerApiError,
            timeout=self.timeout,
            json={"query": text, "variables": dict(variables or {})},
        )
        try:
            payload = response.json()
        except ValueError:
            raise SchedulerApiError(self.graphql_url, "answer is not JSON") from None
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if errors:
            first = errors[0].get("message", "unknown error") if isinstance(errors[0], dict) else ""
            raise SchedulerApiError(self.graphql_url, f"GraphQL error: {str(first)[:300]}")
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise SchedulerApiError(self.graphql_url, "answer has no data")
        return data

    def iter_run_nodes(
        self, run_filter: Mapping[str, Any], *, max_runs: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of raw ``Run`` nodes matching ``run_filter``, newest first."""
        cursor: str | None = None
        fetched = 0
        while True:
            limit = self.page_limit
            if max_runs is not None:
                limit = min(limit, max_runs - fetched)
                if limit <= 0:
                    return
            data = self.query(
                RUNS_QUERY, {"filter": dict(run_filter), "cursor": cursor, "limit": limit}
            )
            result = data.get("runsOrError") or {}
            if result.get("__typename") != "Runs":
                reason = result.get("message") or result.get("__typename") or "no result"
                raise SchedulerApiError(self.graphql_url, f"runsOrError: {str(reason)[:300]}")
            nodes = result.get("results") or []
            if nodes:
                yield nodes
            fetched += len(nodes)
            if len(nodes) < limit:
                return
            cursor = str(nodes[-1]["runId"])

    def fetch_runs(
        self,
        *,
        updated_after: float | None = None,
        created_after: float | None = None,
        statuses: Iterable[str] | None = None,
        tags: Mapping[str, str] | None = None,
        max_runs: int | None = None,
    ) -> FetchResult:
        """Every run matching the filter, parsed, without the monitor's own runs."""
        run_filter: dict[str, Any] = {}
        if updated_after is not None:
            run_filter["updatedAfter"] = updated_after
        if created_after is not None:
            run_filter["createdAfter"] = created_after
        if statuses:
            run_filter["statuses"] = list(statuses)
        if tags:
            run_filter["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        result = FetchResult()
        for nodes in self.iter_run_nodes(run_filter, max_runs=max_runs):
            result.pages += 1
            for node in nodes:
                record, run_tags = parse_run(node)
                if is_monitor_run(record, run_tags, self.exclude_code_locations):
                    result.excluded += 1
                else:
                    result.records.append(record)
        return result

    def failure_messages(
        self, run_ids: Iterable[str], *, batch: int = 20, event_limit: int = 2000
    ) -> dict[str, str]:
        """The failure message of each failed run: its first step error, else the run error."""
        ids = list(dict.fromkeys(run_ids))
        messages: dict[str, str] = {}
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            parts = [
                _failure_events(f"r{i}", run_id, event_limit) for i, run_id in enumerate(chunk)
            ]
            data = self.query("query Failures {" + "".join(parts) + "}")
            for i, run_id in enumerate(chunk):
                message = _failure_message(data.get(f"r{i}") or {})
                if message:
                    messages[run_id] = message
        return messages

    def code_locations(self) -> list[LocationStatus]:
        """Every code location of the scheduler's workspace, with its load error if any."""
        data = self.query(LOCATIONS_QUERY)
        workspace = data.get("workspaceOrError") or {}
        if workspace.get("__typename") != "Workspace":
            reason = workspace.get("message") or "no workspace"
            raise SchedulerApiError(self.graphql_url, f"workspaceOrError: {str(reason)[:300]}")
        statuses = []
        for entry in workspace.get("locationEntries") or []:
            loaded = entry.get("locationOrLoadError") or {}
            error = loaded.get("message") if loaded.get("__typename") == "PythonError" else None
            statuses.append(
                LocationStatus(
                    name=str(entry.get("name")),
                    load_status=str(entry.get("loadStatus") or ""),
                    error=str(error) if error else None,
                )
            )
        return statuses


def _gql_string(value: str) -> str:
    """A GraphQL string literal (JSON escaping is valid GraphQL escaping)."""
    return json.dumps(value)


def _failure_events(alias: str, run_id: str, limit: int) -> str:
    return (
        _FAILURE_EVENTS.replace("ALIAS", alias)
        .replace("RUN_ID", _gql_string(run_id))
        .replace("LIMIT", str(limit))
    )


def _failure_message(connection: Mapping[str, Any]) -> str | None:
    """The first step failure's error message, else the run failure's message."""
    run_message: str | None = None
    for event in connection.get("events") or []:
        kind = event.get("__typename")
        err = event.get("error") or {}
        error = (err.get("cause") or {}).get("message") or err.get("message")
        if kind == "ExecutionStepFailureEvent" and error:
            return f"{event.get('stepKey')}: {error}".strip()[:2000]
        if kind == "RunFailureEvent" and run_message is None:
            run_message = (error or event.get("message") or "").strip()[:2000] or None
    return run_message
