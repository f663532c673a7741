"""infra_monitor: a Dagster code location that makes a gleanerio harvesting scheduler observable."""
