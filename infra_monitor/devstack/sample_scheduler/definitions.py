"""A sample harvest scheduler: a Dagster code location shaped like the gleanerio scheduler.

Job ``summon_and_release_job`` over the dynamic partitions ``sources_names_active`` (one per active
source of the gleaner config), assets under ``ingest/``: validate_sitemap_url → gleanerio_run →
(prune|prov|orgs)_nabu_run (one step) → release_nabu_run → the five report assets
(load_report_s3, load_report_graph, identifier_stats, bucket_urls, graph_stats_report).
Each mode step leaves in the bucket what the real one does (see harvest.py).

Environment variables, read when a run executes (not at import):
    SAMPLE_S3_ENDPOINT      object store URL, e.g. http://127.0.0.1:9000            (required)
    SAMPLE_S3_ACCESS_KEY    access key                                              (required)
    SAMPLE_S3_SECRET_KEY    secret key                                              (required)
    SAMPLE_S3_BUCKET        the scheduler's bucket                                  (required)
    SAMPLE_S3_REGION        region for request signing, default us-east-1
    SAMPLE_DOCKER_HOST      optional docker host (unix:///.../docker.sock, tcp://...): each mode
                            step then runs as Swarm service sch_{source}_{mode} (docker CLI,
                            localbusybox:latest), removed when the step ends; a docker failure only
                            logs a warning
    SAMPLE_KEEP_SERVICES    optional comma-separated source names whose gleaner service is left
                            running after the harvest
    SAMPLE_SPARQL_STORE_URL optional URL that takes a POST of the release n-quads
                            (e.g. oxigraph's /store)

Load it with ``dagster-webserver -m infra_monitor.devstack.sample_scheduler.definitions`` or a
workspace.yaml (scheduler_server.SampleScheduler writes one).
"""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    ConfigurableResource,
    Definitions,
    DynamicPartitionsDefinition,
    MaterializeResult,
    asset,
    define_asset_job,
    multi_asset,
)

from infra_monitor.devstack.sample_scheduler.bucket import HarvestSettings
from infra_monitor.devstack.sample_scheduler.harvest import Harvest
from infra_monitor.gleaner import facts

GROUP = "load"
RESOURCE_KEY = "sample_harvest"
sources_partitions_def = DynamicPartitionsDefinition(name=facts.SOURCES_PARTITIONS)

# report asset name → the report file it writes (under reports/{source}/latest/ and /{yyyymmdd}/)
REPORT_ASSETS = {
    "load_report_s3": "load_report_s3.json",
    "load_report_graph": "load_report_graph.json",
    "identifier_stats": "identifier_stats.json",
    "bucket_urls": "bucketutil_urls.csv",
    "graph_stats_report": "graph_stats.json",
}


class SampleHarvestResource(ConfigurableResource):
    """Where the sample harvest writes: SAMPLE_* from ``variables`` when set, else the environment.

    (Not named ``env``: Dagster reads a config dict ``{"env": NAME}`` as an environment reference.)
    """

    variables: dict[str, str] | None = None

    def harvest(self, context: AssetExecutionContext) -> Harvest:
        """A Harvest bound to the settings (read now, at run time) and the run's logger."""
        settings = HarvestSettings.from_env(self.variables)
        return Harvest(settings, context.log)


def _key(name: str) -> AssetKey:
    return AssetKey([facts.ASSET_KEY_PREFIX, name])


@asset(key_prefix=facts.ASSET_KEY_PREFIX, group_name=GROUP, partitions_def=sources_partitions_def)
def validate_sitemap_url(
    context: AssetExecutionContext, sample_harvest: SampleHarvestResource
) -> MaterializeResult:
    """Read the source's sitemap; a broken sitemap fails the harvest here."""
    source = context.partition_key
    urls = sample_harvest.harvest(context).validate_sitemap(source)
    return MaterializeResult(metadata={"source": source, "sitemap_count": len(urls)})


@asset(
    key_prefix=facts.ASSET_KEY_PREFIX,
    group_name=GROUP,
    partitions_def=sources_partitions_def,
    deps=[_key("validate_sitemap_url")],
)
def gleanerio_run(
    context: AssetExecutionContext, sample_harvest: SampleHarvestResource
) -> MaterializeResult:
    """gleaner: summon the JSON-LD of every sitemap page into summoned/{source}/."""
    source = context.partition_key
    counts = sample_harvest.harvest(context).summon(source)
    return MaterializeResult(metadata={"source": source, "run": "gleaner", **counts})


NABU_MODES = ("prune", "prov", "orgs")


@multi_asset(
    specs=[
        AssetSpec(_key(f"{mode}_nabu_run"), deps=[_key("gleanerio_run")], group_name=GROUP)
        for mode in NABU_MODES
    ],
    partitions_def=sources_partitions_def,
    name="nabu_runs",
)
def nabu_runs(
    context: AssetExecutionContext, sample_harvest: SampleHarvestResource
) -> Iterator[MaterializeResult]:
    """nabu prune, prov and orgs, one service each, in one step (fewer run events to store)."""
    source = context.partition_key
    harvest = sample_harvest.harvest(context)
    for mode in NABU_MODES:
        count = harvest.nabu(source, mode)
        yield MaterializeResult(
            asset_key=_key(f"{mode}_nabu_run"),
            metadata={"source": source, "run": mode, "objects": count},
        )


@asset(
    key_prefix=facts.ASSET_KEY_PREFIX,
    group_name=GROUP,
    partitions_def=sources_partitions_def,
    deps=[_key(f"{mode}_nabu_run") for mode in NABU_MODES],
)
def release_nabu_run(
    context: AssetExecutionContext, sample_harvest: SampleHarvestResource
) -> MaterializeResult:
    """nabu release: the source's summoned documents as n-quads in graphs/latest/."""
    source = context.partition_key
    counts = sample_harvest.harvest(context).release(source)
    key = facts.RELEASE_GRAPH_KEY.format(source=source)
    return MaterializeResult(
        metadata={"source": source, "run": "release", "object_name": key, **counts}
    )


@multi_asset(
    specs=[
        AssetSpec(_key(name), deps=[_key("release_nabu_run")], group_name=GROUP)
        for name in REPORT_ASSETS
    ],
    partitions_def=sources_partitions_def,
    name="reports",
)
def reports(
    context: AssetExecutionContext, sample_harvest: SampleHarvestResource
) -> Iterator[MaterializeResult]:
    """The five per-source reports, each under reports/{source}/latest/ and a dated folder."""
    source = context.partition_key
    written = sample_harvest.harvest(context).write_reports(source)
    for name, filename in REPORT_ASSETS.items():
        yield MaterializeResult(
            asset_key=_key(name), metadata={"source": source, "objects": written[filename]}
        )


summon_and_release_job = define_asset_job(
    name=facts.HARVEST_JOB,
    selection=AssetSelection.groups(GROUP),
    partitions_def=sources_partitions_def,
    tags={"ingest": "docker"},
)

ASSETS = [
    validate_sitemap_url,
    gleanerio_run,
    nabu_runs,
    release_nabu_run,
    reports,
]


def build_definitions(resource: SampleHarvestResource | None = None) -> Definitions:
    """The code location; ``resource`` defaults to one that reads SAMPLE_* at run time."""
    return Definitions(
        assets=ASSETS,
        jobs=[summon_and_release_job],
        resources={RESOURCE_KEY: resource or SampleHarvestResource()},
    )


defs = build_definitions()
