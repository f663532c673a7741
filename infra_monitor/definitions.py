"""The one entry point Dagster loads: every definition under ``infra_monitor/defs``."""

from __future__ import annotations

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    """Load the defs folder (resources and one sub-folder per domain)."""
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
