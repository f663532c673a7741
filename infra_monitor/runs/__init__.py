"""The scheduler's run history: typed run records, incremental ingest, day-partitioned storage
in the bucket and filtered exports. Dagster-free core."""
