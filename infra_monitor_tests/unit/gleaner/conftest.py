"""Shared helpers for the gleaner parser tests: the real fixture files and their README numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "gleanerio"

# From infra_monitor_tests/data/gleanerio/README.md: file -> (sources, sources whose `active`
# is true as a YAML boolean or the text 'true').
GLEANER_CONFIGS: dict[str, tuple[int, int]] = {
    "a_test_headless_gleanerconfig.yaml": (3, 1),
    "a_test_short_gleanerconfig.yaml": (8, 3),
    "archive_gleanerconfig.yaml": (1, 1),
    "cfgbuilder_iow_gleanerconfig.yaml": (181, 181),
    "cfgbuilder_oih_09022023_gleanerconfig.yaml": (29, 28),
    "cfgbuilder_oih_gleanerconfig.yaml": (29, 28),
    "eco_gleanerconfig_branch-98_dev_summarize_graph.yaml": (33, 20),
    "eco_gleanerconfig_branch-dev_docs.yaml": (40, 26),
    "eco_gleanerconfig_branch-df_dev_dagster142.yaml": (29, 20),
    "eco_gleanerconfig_branch-master.yaml": (36, 23),
    "eco_gleanerconfig_branch-v0_generated_code.yaml": (38, 25),
    "ecrr_gleanerconfig.yaml": (2, 1),
    "ecrr_gleanerconfig_branch-df_dev_dagster142.yaml": (2, 1),
    "gleaner_template_v3.0_gleanerconfig.yaml": (2, 0),
    "gleanerio_eco_gleanerconfig_branch-dev-iow.yaml": (29, 16),
    "gleanerio_oih_gleanerconfig_branch-dev-iow.yaml": (25, 25),
    "gleanerio_oih_gleanerconfig_branch-dev.yaml": (53, 53),
    "nsdf_gleanerconfig.yaml": (65, 0),
    "odis_gleanerconfig_dev.yaml": (10, 9),
    "odis_gleanerconfig_production.yaml": (50, 50),
    "odis_odiscat_gleanerconfig.yaml": (88, 0),
    "oih_gleanerconfig.yaml": (28, 26),
}
# Configs whose sources are absent or null (PREFIX templates).
PREFIX_CONFIGS = (
    "cfgbuilder_iow_gleanerconfigPREFIX.yaml",
    "cfgbuilder_oih_gleanerconfigPREFIX.yaml",
    "odis_gleanerconfig_prefix.yaml",
)
# Two gleaner configs concatenated: invalid YAML at line 602.
INVALID_CONFIGS = (
    "eco_gleanerconfig.yaml",
    "eco_gleanerconfig_branch-128_dev_restart_headless.yaml",
    "eco_gleanerconfig_branch-dev_ingest_sched_dynamic.yaml",
)
# The ODIS source registries: top-level `sources` only.
REGISTRIES: dict[str, int] = {"odis_production-sources.yaml": 57, "odis_dev-sources.yaml": 2}
NABU_CONFIGS = ("eco_nabuconfig.yaml", "odis_nabuconfig.yaml")
CFGBUILDER_ROWS = "cfgbuilder_eco_sources.yaml"

# Tenant files: file -> (root key, [(community, declared sources)]).
TENANT_FILES: dict[str, tuple[str, list[tuple[str, tuple[str, ...]]]]] = {
    "eco_tenant.yaml": (
        "tenant",
        [("dev", ("iris", "geocodes_demo_datasets")), ("geocodesall", ("all",))],
    ),
    "eco_tenant_branch-dev_ingest_sched_dynamic.yaml": (
        "tenant",
        [("dev", ("iris", "opentopography")), ("geocodesall", ("all",))],
    ),
    "ingest_tenant.yaml": (
        "tenant",
        [("dev", ("iris", "opentopography")), ("geocodesall", ("all",))],
    ),
    "ingest_tenant_dev.yaml": (
        "tenant",
        [("dev", ("iris", "opentopography")), ("geocodesall", ("all",))],
    ),
    "ingest_tenant_prod.yaml": (
        "tenant",
        [
            ("production", ("bcodmo", "r2r")),
            ("geocodesall", ("all",)),
            ("deepoceans", ("bcodmo", "r2r")),
        ],
    ),
    "ingest_tennant.yaml": (
        "tennant",
        [("dev", ("iris", "opentopography")), ("geocodesall", ("all",))],
    ),
    "ingest_tennant_dev.yaml": (
        "tennant",
        [("dev", ("iris", "opentopography")), ("geocodesall", ("all",))],
    ),
    "a_test_headless_tenant.yaml": (
        "tenant",
        [("headless", ("magic", "geocodes_demo_datasets")), ("geocodes_all_headless", ("all",))],
    ),
    "a_test_short_tenant.yaml": (
        "tenant",
        [("short", ("iris", "geocodes_demo_datasets")), ("geocodes_all_short", ("all",))],
    ),
    "gleanerio_oih_tenant_branch-dev.yaml": (
        "tenant",
        [("dev", ("africaioc",)), ("oihall", ("all",))],
    ),
}


def fixture_bytes(name: str) -> bytes:
    """The bytes of one fixture file."""
    return (DATA_DIR / name).read_bytes()


def fixture_path(name: str) -> str:
    """The path of one fixture file as a string (for the CLI)."""
    return str(DATA_DIR / name)


@pytest.fixture
def data_dir() -> Path:
    """The directory of the real gleanerio fixture files."""
    return DATA_DIR
