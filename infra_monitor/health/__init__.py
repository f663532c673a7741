"""Health of the monitored services: probes, records and their history (no Dagster here)."""
