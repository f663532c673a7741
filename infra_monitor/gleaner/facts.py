"""Facts about the real gleanerio scheduler, kept in one place.

Sources (see infra_monitor_tests/data/gleanerio/README.md for the exact files and commits):
- earthcube/scheduler and gleanerio/scheduler, ``dagster/implnets``: config object paths
  (GLEANERIO_CONFIG_PATH + GLEANERIO_SOURCES_FILENAME / GLEANERIO_TENANT_FILENAME), the
  ``summon_and_release_job`` over dynamic partitions named after sources, Docker Swarm services
  ``sch_{source}_{mode}`` started through Portainer, log objects written to ``scheduler/logs/``.
- earthcube/scheduler ``workflows/ingest/data/tennant.yaml``: the misspelled ``tennant`` root key.
- iodepo/odis-arch ``book/reporting.md``: the per-source report files under ``reports/{source}/``.
"""

from __future__ import annotations

import re

# --- objects in the scheduler's bucket -------------------------------------------------------
GLEANER_CONFIG_PATH = "scheduler/configs/gleanerconfig.yaml"
TENANT_CONFIG_PATH = "scheduler/configs/tenant.yaml"
LEGACY_TENANT_CONFIG_PATH = "scheduler/configs/tennant.yaml"
NABU_CONFIG_PATH = "scheduler/configs/nabuconfig.yaml"
LOGS_PREFIX = "scheduler/logs/"
SUMMONED_PREFIX = "summoned/"
RELEASE_GRAPH_KEY = "graphs/latest/{source}_release.nq"
REPORTS_LATEST_PREFIX = "reports/{source}/latest/"
REPORTS_DATED_PREFIX = "reports/{source}/{yyyymmdd}/"
REPORT_FILES = (
    "load_report_s3.json",
    "load_report_graph.json",
    "identifier_stats.json",
    "graph_stats.json",
    "bucketutil_urls.csv",
)

# --- tenant files: root keys seen in the wild, in order of preference ------------------------
TENANT_ROOT_KEYS = ("tenant", "tenants", "tennant")
ALL_SOURCES = "all"  # a tenant whose sources list is ["all"] takes every source
# The current scheduler reads ``tenant_obj["tenant"]``; older code read ``["tennant"]``.
SCHEDULER_TENANT_ROOT_KEY = "tenant"

# --- gleanerconfig.yaml ----------------------------------------------------------------------
# Top-level sections of every complete gleaner config in the fixtures (PREFIX templates lack
# ``sources``; the ODIS source registries have ``sources`` only).
GLEANER_CONFIG_SECTIONS = ("minio", "gleaner", "context", "contextmaps", "summoner", "millers")
GLEANER_SOURCES_KEY = "sources"
# The scheduler loads sources with yaml.safe_load, then ``filter(lambda t: t["name"], ...)`` and
# ``filter(lambda t: t["active"], ...)``: a missing key raises KeyError, truthiness decides, so
# ``active: null`` is skipped and ``active: 'false'`` (text) is harvested.
SOURCE_NAME_KEY = "name"
SOURCE_ACTIVE_KEY = "active"

# --- Dagster jobs and tags ---------------------------------------------------------------------
HARVEST_JOB = "summon_and_release_job"
# earthcube/scheduler ``workflows/ingest/ingest/assets/gleaner_sources.py``: the harvest job's
# DynamicPartitionsDefinition, one partition per active source name.
SOURCES_PARTITIONS = "sources_names_active"
PARTITION_TAG = "dagster/partition"
SOURCE_TAG = "source"
FAILURE_REASON_TAG = "dagster/failure_reason"
# Older deployments had one job per source.
LEGACY_JOB_PATTERNS = (
    re.compile(r"^implnet_job_(?P<source>.+)$"),
    re.compile(r"^harvest_(?P<source>.+)$"),
)
ASSET_KEY_PREFIX = "ingest"

# --- Docker Swarm services -----------------------------------------------------------------------
SERVICE_PREFIX = "sch_"
# gleaner summons; nabu runs release, prune, prov and orgs.
SERVICE_MODES = ("gleaner", "release", "prune", "prov", "orgs")

# --- log objects ---------------------------------------------------------------------------------
LOG_TIMESTAMP_FORMAT = "%Y_%m_%d_%H_%M_%S"
_MODES = "|".join(SERVICE_MODES)
_TS = r"(?P<ts>\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2})"
# Source names contain "_", so the mode is matched against the known list, never split on "_".
SERVICE_LOG_RE = re.compile(rf"^sch_(?P<source>.+)_(?P<mode>{_MODES})_{_TS}\.log$")
RUNLOGS_RE = re.compile(rf"^(?P<source>.+)_(?P<mode>{_MODES})_runlogs_{_TS}\.log$")


def service_name(source: str, mode: str) -> str:
    """The Swarm service name the scheduler gives to ``mode`` of ``source``."""
    return f"{SERVICE_PREFIX}{source}_{mode}"


def parse_service_name(name: str, prefix: str = SERVICE_PREFIX) -> tuple[str, str] | None:
    """Split ``sch_{source}_{mode}`` into (source, mode); None when it does not match."""
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    for mode in SERVICE_MODES:
        suffix = f"_{mode}"
        if rest.endswith(suffix) and len(rest) > len(suffix):
            return rest[: -len(suffix)], mode
    return None


def source_from_job_name(job: str) -> str | None:
    """The source encoded in a legacy per-source job name, if any."""
    for pattern in LEGACY_JOB_PATTERNS:
        match = pattern.match(job)
        if match:
            return match.group("source")
    return None
