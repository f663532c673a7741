"""Health of each environment's services: snapshots, history, uptime and per-service checks."""
