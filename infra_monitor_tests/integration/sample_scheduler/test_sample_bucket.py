"""What the stack's seeded harvests left in the dev bucket (and the SPARQL store), in the real
formats. Read only: nothing here writes to the shared bucket or store."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tarfile
from typing import Any

import pytest
import yaml

from infra_monitor.devstack.sample_scheduler.sources import (
    GLEANER_CONFIG_FILE,
    TENANT_FILE,
)
from infra_monitor.devstack.scheduler_server import SampleScheduler
from infra_monitor.devstack.sparql import SparqlServer
from infra_monitor.gleaner import facts
from infra_monitor_tests.integration.sample_scheduler.conftest import (
    BUCKET,
    SPARQL_NAMESPACE,
    list_keys,
    read_object,
)

pytestmark = pytest.mark.integration

HARVESTED = "iris"
S3_REPORT_KEYS = [
    "source", "graph", "sitemap", "date", "bucket", "s3store", "sitemap_geturls_time",
    "s3_geturls_time", "sitemap_count", "summoned_count", "missing_sitemap_summon_count",
    "missing_sitemap_summon", "extra_in_summon_count", "extra_in_summon",
]  # fmt: skip
GRAPH_REPORT_EXTRA_KEYS = [
    "summon_list_s3_sha_time", "graph_sha_urn_time", "graph_urn_count",
    "missing_summon_graph_count", "missing_summon_graph",
]  # fmt: skip


def _json(bucket: Any, key: str) -> Any:
    return json.loads(read_object(bucket, key))


def _shas(bucket: Any, source: str) -> set[str]:
    keys = list_keys(bucket, f"{facts.SUMMONED_PREFIX}{source}/")
    return {k.rsplit("/", 1)[-1].removesuffix(".jsonld") for k in keys}


def test_configs_are_the_sample_files_in_the_real_format(
    scheduler: SampleScheduler, bucket: Any
) -> None:
    config = read_object(bucket, facts.GLEANER_CONFIG_PATH)
    tenant = read_object(bucket, facts.TENANT_CONFIG_PATH)

    assert config == GLEANER_CONFIG_FILE.read_bytes()
    assert tenant == TENANT_FILE.read_bytes()
    sources = {s["name"]: s for s in yaml.safe_load(config)["sources"]}
    assert len(sources) == 7
    assert [n for n, s in sources.items() if s["active"] is not True] == ["aquadocs"]
    communities = {t["community"]: t["sources"] for t in yaml.safe_load(tenant)["tenant"]}
    assert communities == {"dev": ["iris", "geocodes_demo_datasets"], "geocodesall": ["all"]}


def test_every_mode_left_a_service_log_and_a_runlogs_tar(
    scheduler: SampleScheduler, bucket: Any
) -> None:
    names = [k.removeprefix(facts.LOGS_PREFIX) for k in list_keys(bucket, facts.LOGS_PREFIX)]
    service_logs = [m for m in map(facts.SERVICE_LOG_RE.match, names) if m]
    runlogs = [m for m in map(facts.RUNLOGS_RE.match, names) if m]

    modes = {m["mode"] for m in service_logs if m["source"] == "geocodes_demo_datasets"}
    assert modes == set(facts.SERVICE_MODES)
    assert {m["mode"] for m in runlogs if m["source"] == "geocodes_demo_datasets"} == modes
    assert not [m for m in service_logs if m["source"] == "broken_sitemap"]  # failed before

    gleaner = next(m for m in service_logs if m["source"] == HARVESTED and m["mode"] == "gleaner")
    text = read_object(bucket, facts.LOGS_PREFIX + gleaner.string).decode("utf-8")
    assert re.match(r'^time="\S+Z" level=info msg="EarthCube Gleaner"$', text.splitlines()[0])
    assert f"{HARVESTED} : 4 urls in sitemap http://ds.iris.edu/files/sitemap.xml" in text

    tar_name = f"{HARVESTED}_gleaner_runlogs_{gleaner['ts']}.log"
    with tarfile.open(fileobj=io.BytesIO(read_object(bucket, facts.LOGS_PREFIX + tar_name))) as tar:
        members = tar.getmembers()
        assert (members[0].name, members[0].isdir()) == ("logs", True)
        (log_file,) = [m for m in members if m.isfile()]
        assert log_file.name == f"logs/gleaner-{gleaner['ts'].replace('_', '-')}.log"
        extracted = tar.extractfile(log_file)
        assert extracted is not None
        assert extracted.read().decode("utf-8") == text


def test_summoned_jsonld_are_datasets_named_by_their_sha1(
    scheduler: SampleScheduler, bucket: Any
) -> None:
    keys = list_keys(bucket, f"{facts.SUMMONED_PREFIX}{HARVESTED}/")
    assert len(keys) == 4
    for key in keys:
        body = read_object(bucket, key)
        assert key == f"summoned/{HARVESTED}/{hashlib.sha1(body).hexdigest()}.jsonld"
        doc = json.loads(body)
        assert doc["@type"] == "Dataset"
        assert doc["@id"].startswith("http://ds.iris.edu/ds/products/")
        meta = bucket.head_object(Bucket=BUCKET, Key=key)["Metadata"]
        assert meta["url"] == doc["@id"]
        assert meta["identifiertype"] == "identifiersha"


def test_release_has_one_graph_per_summoned_doc_and_reached_the_store(
    scheduler: SampleScheduler, bucket: Any, sample_sparql: SparqlServer
) -> None:
    text = read_object(bucket, facts.RELEASE_GRAPH_KEY.format(source=HARVESTED)).decode("utf-8")
    lines = text.splitlines()
    graphs = {line.rsplit(" ", 2)[-2].strip("<>") for line in lines}
    prefix = f"urn:gleaner.io:eco:{HARVESTED}:data:"

    assert all(line.endswith(" .") for line in lines)
    assert {g.removeprefix(prefix) for g in graphs} == _shas(bucket, HARVESTED)
    query = (
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
    )
    in_store = sample_sparql.select_values(SPARQL_NAMESPACE, query, "g")
    assert set(in_store) == graphs


def test_reports_under_latest_and_dated_folder_in_the_real_formats(
    scheduler: SampleScheduler, bucket: Any
) -> None:
    source = "opentopography"  # its sitemap lists one page that answers 404
    latest = facts.REPORTS_LATEST_PREFIX.format(source=source)
    dated = sorted({k.split("/")[2] for k in list_keys(bucket, f"reports/{source}/")} - {"latest"})
    assert dated and all(re.fullmatch(r"\d{8}", d) for d in dated)
    day = dated[-1]  # one folder, unless the session crossed midnight UTC
    dated_prefix = facts.REPORTS_DATED_PREFIX.format(source=source, yyyymmdd=day)
    for name in facts.REPORT_FILES:
        assert read_object(bucket, latest + name) == read_object(bucket, dated_prefix + name)

    s3_report = _json(bucket, latest + "load_report_s3.json")
    assert list(s3_report) == S3_REPORT_KEYS
    assert (s3_report["sitemap_count"], s3_report["summoned_count"]) == (4, 3)
    assert s3_report["missing_sitemap_summon_count"] == 1
    assert "/gone/" in s3_report["missing_sitemap_summon"][0]
    assert s3_report["date"] == f"{day[:4]}-{day[4:6]}-{day[6:]}"
    assert s3_report["graph"] is None and s3_report["bucket"] == BUCKET

    graph_report = _json(bucket, latest + "load_report_graph.json")
    assert list(graph_report) == S3_REPORT_KEYS + GRAPH_REPORT_EXTRA_KEYS
    assert graph_report["graph"].endswith("/store")
    assert (graph_report["graph_urn_count"], graph_report["missing_summon_graph_count"]) == (3, 0)

    ids = _json(bucket, latest + "identifier_stats.json")
    assert list(ids) == ["Source", "Identifiertype", "Matchedpath", "Uniqueid", "Example"]
    assert ids["Source"] == {"0": source} and ids["Uniqueid"] == {"0": 3}
    assert set(ids["Example"]["0"]) == _shas(bucket, source)

    stats = _json(bucket, latest + "graph_stats.json")
    reports = {r["report"]: r for r in stats["reports"]}
    assert (stats["version"], stats["repo"]) == (0, source)
    assert reports["dataset_count"]["data"] == [{"datasetcount": 3}]
    release = read_object(bucket, facts.RELEASE_GRAPH_KEY.format(source=source))
    assert reports["triple_count"]["data"] == [{"tripelcount": len(release.splitlines())}]
    assert {"type": "https://schema.org/Dataset", "scount": 3} in reports["type_count"]["data"]

    csv_text = read_object(bucket, latest + "bucketutil_urls.csv").decode("utf-8")
    assert csv_text.splitlines()[0] == '"sha","url","identifiertype","lastmodified"'
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {r["sha"] for r in rows} == {f"{sha}.jsonld" for sha in _shas(bucket, source)}
    assert all(r["identifiertype"] == "identifiersha" for r in rows)
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00", r["lastmodified"]) for r in rows
    )
