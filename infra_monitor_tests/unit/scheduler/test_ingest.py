"""Incremental ingest: boundary-second runs are neither lost nor duplicated; updates replace."""

from __future__ import annotations

from dataclasses import replace

from infra_monitor.clients.scheduler import FetchResult
from infra_monitor.runs.ingest import ingest_runs, poll_changes
from infra_monitor.runs.records import RunRecord
from infra_monitor.runs.store import IngestState, RunStore
from infra_monitor.settings import OutputSettings

from .factories import T0, MemoryStore, run

NOW = T0 + 86400


class FakeScheduler:
    """Answers fetch_runs like the GraphQL API: updatedAfter is exclusive."""

    def __init__(self, runs: list[RunRecord]) -> None:
        self.runs = {r.run_id: r for r in runs}
        self.requests_made = 0
        self.asked: list[float | None] = []

    def fetch_runs(self, *, updated_after: float | None = None, **_: object) -> FetchResult:
        self.requests_made += 1
        self.asked.append(updated_after)
        found = [
            r for r in self.runs.values() if updated_after is None or r.updated > updated_after
        ]
        return FetchResult(records=sorted(found, key=lambda r: -r.created), pages=1)

    def failure_messages(self, run_ids: list[str]) -> dict[str, str]:
        self.requests_made += 1
        return {rid: f"step failed in {rid}" for rid in run_ids}


def test_first_poll_backfills_the_window() -> None:
    fake = FakeScheduler([run("old", created=NOW - 40 * 86400), run("new", created=NOW - 3600)])
    poll = poll_changes(fake, IngestState(), now=NOW, backfill_days=30)  # type: ignore[arg-type]
    assert [r.run_id for r in poll.changed] == ["new"]
    assert fake.asked == [NOW - 30 * 86400]
    assert poll.state.cursor == NOW - 3600 + 61


def test_runs_sharing_the_boundary_second_are_not_lost_or_repeated() -> None:
    t = NOW - 100
    fake = FakeScheduler([run("a", created=t - 500, updated=t)])
    first = poll_changes(fake, IngestState(), now=NOW, backfill_days=30)  # type: ignore[arg-type]
    assert [r.run_id for r in first.changed] == ["a"]
    # b is written in the same second as a, after the first poll read a.
    fake.runs["b"] = run("b", created=t - 400, updated=t)
    second = poll_changes(fake, first.state, now=NOW, backfill_days=30)  # type: ignore[arg-type]
    assert [r.run_id for r in second.changed] == ["b"]
    assert fake.asked[-1] < t
    third = poll_changes(fake, second.state, now=NOW, backfill_days=30)  # type: ignore[arg-type]
    assert third.changed == []
    assert third.requests == 1


def test_status_change_updates_the_stored_run_instead_of_adding_one() -> None:
    store = MemoryStore()
    runs = RunStore(store, OutputSettings(bucket="b", prefix="mon"), "prod")
    fake = FakeScheduler([run("x", status="STARTED", created=NOW - 600, updated=NOW - 590)])
    first = ingest_runs(fake, runs, backfill_days=30, now=NOW)  # type: ignore[arg-type]
    assert (first.inserted, first.updated, first.first) == (1, 0, True)
    fake.runs["x"] = run(
        "x", status="FAILURE", created=NOW - 600, ended=NOW - 10, failure_reason="STEP_FAILURE"
    )
    second = ingest_runs(fake, runs, backfill_days=30, now=NOW)  # type: ignore[arg-type]
    assert (second.inserted, second.updated, second.first) == (0, 1, False)
    stored = runs.read_since(NOW - 86400, NOW)
    assert [(r.run_id, r.status) for r in stored] == [("x", "FAILURE")]
    assert stored[0].failure_message == "step failed in x"
    day_key = "mon/runs/prod/days/2026-01-01.jsonl"
    assert store.objects[day_key].count("\n") == 1


def test_upsert_keeps_a_known_failure_message_and_ignores_older_versions() -> None:
    store = MemoryStore()
    runs = RunStore(store, OutputSettings(bucket="b"), "dev")
    state = IngestState()
    failed = replace(run("f", status="FAILURE", created=T0), failure_message="boom")
    runs.upsert([failed], state)
    again = runs.upsert([replace(failed, failure_message=None)], state)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    older = runs.upsert([replace(failed, status="STARTED", updated=failed.updated - 50)], state)
    assert older.unchanged == 1
    assert runs.read_day("2026-01-01")["f"].failure_message == "boom"
    assert state.days == {"2026-01-01": 1}


def test_runs_are_partitioned_by_utc_creation_day() -> None:
    store = MemoryStore()
    runs = RunStore(store, OutputSettings(bucket="b"), "dev")
    state = IngestState()
    runs.upsert([run("d1", created=T0 + 10), run("d2", created=T0 + 86400 + 10)], state)
    assert sorted(state.days) == ["2026-01-01", "2026-01-02"]
    runs.save_state(state)
    assert [r.run_id for r in runs.read_since(T0, T0 + 2 * 86400)] == ["d1", "d2"]
    assert [r.run_id for r in runs.read_since(T0 + 86400, T0 + 2 * 86400)] == ["d2"]
