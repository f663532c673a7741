"""Filtered run exports: runs created within a UTC window, by job, source and status, as CSV."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from infra_monitor.render.runs import RUN_COLUMNS, run_row
from infra_monitor.render.tables import csv_text
from infra_monitor.runs.records import RunRecord


@dataclass(frozen=True)
class RunFilter:
    """Which runs an export keeps; empty fields match everything."""

    start: float
    end: float
    job: str = ""
    source: str = ""
    statuses: tuple[str, ...] = ()

    def matches(self, record: RunRecord) -> bool:
        """Whether ``record`` was created in ``[start, end)`` and matches job, source, status."""
        if not self.start <= record.created < self.end:
            return False
        if self.job and record.job != self.job:
            return False
        if self.source and record.source != self.source:
            return False
        return not self.statuses or record.status in self.statuses


def filter_runs(records: Iterable[RunRecord], run_filter: RunFilter) -> list[RunRecord]:
    """The matching runs, oldest first."""
    kept = [r for r in records if run_filter.matches(r)]
    return sorted(kept, key=lambda r: (r.created, r.run_id))


def runs_csv(records: Iterable[RunRecord]) -> str:
    """CSV of runs with a header (times in ISO UTC)."""
    return csv_text([run_row(r) for r in records], RUN_COLUMNS)
