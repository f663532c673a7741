"""A gleanerio-shaped sample scheduler: a real Dagster code location whose runs fill a bucket.

``definitions`` is the code location; ``harvest`` the Dagster-free steps; ``scheduler_server`` (one
level up) seeds an instance with real runs and serves it with dagster-webserver.
"""
